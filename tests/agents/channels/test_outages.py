"""OutageLog: one warning per outage, a reminder per interval, one line at the end, and flapping rate-limited."""

from __future__ import annotations

import logging

import pytest

from agents.channels.outages import OutageLog


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outage(clock: FakeClock) -> OutageLog:
    return OutageLog("Redis", "sms", interval_seconds=30, clock=clock)


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(record.levelname, record.getMessage()) for record in caplog.records if record.name == "agents.channels.outages"]


def test_outage_logs_start_reminders_and_end(outage, clock, caplog):
    caplog.set_level(logging.INFO, logger="agents.channels.outages")

    assert outage.failed("connection refused") is True
    for _ in range(100):
        clock.now += 0.7
        assert outage.failed("connection refused") is False
    clock.now += 5
    outage.recovered()

    lines = _lines(caplog)
    assert [level for level, _ in lines] == ["WARNING", "WARNING", "WARNING", "INFO"]
    assert lines[0][1].startswith("Redis unavailable; pausing channel=sms")
    assert "error=connection refused" in lines[0][1]
    assert lines[1][1].startswith("Redis still unavailable channel=sms down_seconds=30")
    assert lines[2][1].startswith("Redis still unavailable channel=sms down_seconds=60")
    assert lines[3][1] == "Redis available again; resumed channel=sms paused_seconds=75.0 failures=101"
    assert outage.down is False


def test_recovered_without_outage_logs_nothing(outage, caplog):
    caplog.set_level(logging.INFO, logger="agents.channels.outages")
    outage.recovered()
    assert _lines(caplog) == []


def test_flapping_logs_one_warning_per_interval(outage, clock, caplog):
    caplog.set_level(logging.INFO, logger="agents.channels.outages")

    for _ in range(10):
        outage.failed("connection reset")
        clock.now += 1
        outage.recovered()
        clock.now += 1
    clock.now += 30
    outage.failed("connection reset")

    lines = _lines(caplog)
    assert [level for level, _ in lines] == ["WARNING", "INFO", "WARNING"]
    assert "earlier_outages_not_logged=0" in lines[0][1]
    assert "earlier_outages_not_logged=9" in lines[2][1]


def test_long_unlogged_outage_gets_reminder_and_end(outage, clock, caplog):
    caplog.set_level(logging.INFO, logger="agents.channels.outages")
    outage.failed("refused")
    outage.recovered()
    clock.now += 5
    outage.failed("refused")  # within the interval: counted, not logged

    clock.now += 30
    outage.failed("refused")
    outage.recovered()

    levels_and_starts = [(level, message.split(" channel=")[0]) for level, message in _lines(caplog)]
    assert levels_and_starts == [
        ("WARNING", "Redis unavailable; pausing"),
        ("INFO", "Redis available again; resumed"),
        ("WARNING", "Redis still unavailable"),
        ("INFO", "Redis available again; resumed"),
    ]
