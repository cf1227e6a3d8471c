"""A channel worker and an unreachable Kafka broker: a clear error at start, and few log lines during an outage."""

from __future__ import annotations

import logging
import time

import pytest

from streams.stack.kafka import KafkaBroker
from streams.stack.manager import default_cache_dir
from streams.topics import create_topics
from tests.agents.channels.conftest import free_port, make_command, publish, wait_for
from tests.streams.cli_runner import relance_env, run_relance
from tests.support import unique_settings

pytestmark = pytest.mark.integration

OUTAGES_LOGGER = "agents.channels.outages"


def _messages(caplog: pytest.LogCaptureFixture, level: int, text: str) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == OUTAGES_LOGGER and record.levelno == level and text in record.getMessage()]


def test_channel_command_without_broker_exits_1(tmp_path):
    port = free_port()
    settings = unique_settings(kafka_bootstrap_servers=f"127.0.0.1:{port}")
    env = relance_env(settings, RELANCE_STATE_DIR=str(tmp_path))

    result = run_relance("channel", "email", env=env, timeout=60)

    assert result.returncode == 1
    assert f"error: Kafka broker at 127.0.0.1:{port} did not respond" in result.stderr
    assert "relance stack up" in result.stderr
    assert "Traceback" not in result.stderr
    assert "channel worker started" not in result.stderr


@pytest.fixture
def own_broker(tmp_path):
    """A Kafka broker of this test's own on free loopback ports, so the shared one is never stopped."""
    broker = KafkaBroker(tmp_path / "stack", default_cache_dir(), port=free_port(), controller_port=free_port())
    broker.start()
    yield broker
    broker.stop()


def test_broker_outage_logs_once_then_recovers(stack, own_broker, mail_server, channel_settings, start_worker,
                                               caplog):
    caplog.set_level(logging.INFO, logger=OUTAGES_LOGGER)
    settings = unique_settings(kafka_bootstrap_servers=own_broker.address)
    wait_for(lambda: _topics_created(settings), timeout=60, interval=1.0)
    start_worker("email", settings, channel_settings.model_copy(update={"outage_warning_interval_seconds": 120}))
    publish(settings, "send_notification", make_command(step_id="before"))
    wait_for(mail_server.messages, timeout=60)

    own_broker.stop()
    wait_for(lambda: _messages(caplog, logging.WARNING, "Kafka broker unavailable; pausing"), timeout=60)
    # librdkafka reports the broker down again on every reconnect attempt; the worker logs it once.
    time.sleep(8)
    assert len(_messages(caplog, logging.WARNING, "Kafka broker")) == 1
    assert _messages(caplog, logging.INFO, "Kafka broker available again") == []

    own_broker.start()
    [back] = wait_for(lambda: _messages(caplog, logging.INFO, "Kafka broker available again"), timeout=90)
    assert "channel=email" in back
    publish(settings, "send_notification", make_command(step_id="after"))
    wait_for(lambda: len(mail_server.messages()) == 2, timeout=60)
    assert len(_messages(caplog, logging.WARNING, "Kafka broker")) == 1


def _topics_created(settings) -> bool:
    from streams.errors import BrokerUnavailable

    try:
        create_topics(settings)
    except BrokerUnavailable:
        return False
    return True
