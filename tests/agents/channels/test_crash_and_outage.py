"""Exactly once under failure: a worker killed with SIGKILL after its claim, and Redis down for 30 s."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.agents.channels.conftest import free_port, make_command, publish, read_outcomes, wait_for
from tests.streams.cli_runner import relance_env
from tests.support import settings_with_topics

pytestmark = pytest.mark.integration


def _start_relance(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    executable = shutil.which("relance", path=str(Path(sys.executable).parent)) or "relance"
    with log.open("ab") as handle:
        return subprocess.Popen([executable, *args], env=env, stdout=handle, stderr=subprocess.STDOUT)


def test_kill_between_claim_and_send_delivers_once(stack, http_server, tmp_path):
    settings = settings_with_topics()
    env = relance_env(
        settings,
        RELANCE_SMS_URL=f"{http_server.base_url}/sms",
        RELANCE_QUIET_HOURS="{}",
        RELANCE_CLAIM_LEASE_SECONDS="3",
        RELANCE_SESSION_TIMEOUT_SECONDS="6",
        RELANCE_STATE_DIR=str(tmp_path),
    )
    client = redis.Redis.from_url(settings.redis_url.get_secret_value())
    claim_key = f"{settings.topic_prefix}idem:case-42:reminder:1"

    # The first worker pauses right after its claim (test-only setting), and is killed there.
    first = _start_relance(["channel", "sms"], {**env, "RELANCE_CHANNEL_TEST_PAUSE_AFTER_CLAIM_SECONDS": "120"},
                           tmp_path / "first.log")
    publish(settings, "send_notification", *[make_command(channel="sms")] * 3)
    claim = wait_for(lambda: client.get(claim_key), timeout=60)
    assert json.loads(claim)["state"] == "pending"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert http_server.requests("/sms") == []

    # A second worker redelivers the uncommitted commands; the claim's lease expires and it sends once.
    second = _start_relance(["channel", "sms"], env, tmp_path / "second.log")
    try:
        [outcome] = read_outcomes(settings, 1, timeout=60)
        assert outcome["status"] == "sent"
        time.sleep(2.0)  # give any duplicate a chance to go out
        assert len(http_server.requests("/sms")) == 1
        assert json.loads(client.get(claim_key))["state"] == "done"
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(timeout=15)
    assert code == 0, (tmp_path / "second.log").read_text()[-3000:]
    client.close()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own on a free loopback port, so the shared one is never stopped."""
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path), "--appendonly", "yes",
            "--save", "", "--protected-mode", "yes"]

    class OwnRedis:
        url = f"redis://127.0.0.1:{port}/0"
        process: subprocess.Popen | None = None

        def start(self) -> None:
            self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            client = redis.Redis.from_url(self.url)
            wait_for(lambda: _pings(client), timeout=20)
            client.close()

        def stop(self) -> None:
            assert self.process is not None
            self.process.terminate()
            self.process.wait(timeout=20)

    server = OwnRedis()
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _outage_lines(caplog: pytest.LogCaptureFixture, level: int, text: str) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == "agents.channels.outages" and record.levelno == level and text in record.getMessage()]


def test_redis_down_30s_pauses_then_loses_nothing(stack, own_redis, http_server, channel_settings, start_worker,
                                                  caplog):
    caplog.set_level(logging.INFO, logger="agents.channels.outages")
    settings = settings_with_topics(redis_url=own_redis.url)
    start_worker("push", settings, channel_settings.model_copy(update={"contact_caps": {},
                                                                       "outage_warning_interval_seconds": 5}))

    publish(settings, "send_notification", make_command(channel="push", step_id="before"))
    wait_for(lambda: http_server.requests("/push"))

    own_redis.stop()
    publish(settings, "send_notification", make_command(channel="push", step_id="during-1"),
            make_command(channel="push", step_id="during-2", template="payment_options"))
    time.sleep(30)
    assert [request["json"]["data"]["case_id"] for request in http_server.requests("/push")] == ["case-42"]
    assert len(http_server.requests("/push")) == 1

    assert len(_outage_lines(caplog, logging.WARNING, "Redis unavailable; pausing")) == 1
    # One reminder every 5 s of the 30 s outage, however often the worker retried.
    reminders = _outage_lines(caplog, logging.WARNING, "Redis still unavailable")
    assert 4 <= len(reminders) <= 7, reminders
    assert _outage_lines(caplog, logging.INFO, "Redis available again") == []

    own_redis.start()
    outcomes = read_outcomes(settings, 3, timeout=60)
    assert [(outcome["step_id"], outcome["status"]) for outcome in outcomes] == [
        ("before", "sent"), ("during-1", "sent"), ("during-2", "sent")
    ]
    keys = [request["idempotency_key"] for request in http_server.requests("/push")]
    prefix = settings.topic_prefix
    assert keys == [f"{prefix}case-42:before:1", f"{prefix}case-42:during-1:1", f"{prefix}case-42:during-2:1"]
    [resumed] = _outage_lines(caplog, logging.INFO, "Redis available again")
    assert "channel=push" in resumed
