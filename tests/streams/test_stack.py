"""`relance stack`: a second local stack on free loopback ports, so the shared one keeps running."""

from __future__ import annotations

import json
import socket

import pytest

from tests.streams.cli_runner import relance_env, run_relance
from tests.support import read_topic, unique_settings

pytestmark = pytest.mark.integration


def _free_port_pair() -> int:
    """Return a port P where P and P+1 are both free, for the broker and its controller."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with socket.socket() as other:
            try:
                other.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports on 127.0.0.1")


@pytest.fixture
def second_stack(tmp_path):
    kafka_port = _free_port_pair()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        redis_port = sock.getsockname()[1]
    settings = unique_settings(
        kafka_bootstrap_servers=f"127.0.0.1:{kafka_port}",
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
    )
    env = relance_env(settings, RELANCE_STATE_DIR=str(tmp_path / "state"))
    yield settings, env, tmp_path / "state"
    run_relance("stack", "down", env=env, timeout=180)


def test_restart_keeps_topics_and_data(second_stack, tmp_path):
    settings, env, _ = second_stack
    up = run_relance("stack", "up", env=env, timeout=300)
    assert up.returncode == 0, up.stderr
    assert "kafka: started on" in up.stdout
    assert run_relance("topics", "create", env=env).returncode == 0
    record = {
        "event_id": "e-restart", "occurred_at": "2026-01-05T10:00:00Z", "source": "test", "debtor_id": "D-restart",
        "amount": {"amount_minor": 1234, "currency": "EUR"}, "method": "cash",
    }
    path = tmp_path / "payment.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert run_relance("publish", "payment_received", str(path), env=env).returncode == 0

    down = run_relance("stack", "down", env=env, timeout=180)
    status = run_relance("stack", "status", env=env)
    again = run_relance("stack", "up", env=env, timeout=300)
    second_up = run_relance("stack", "up", env=env, timeout=60)

    assert down.returncode == 0, down.stderr
    assert "kafka: stopped" in down.stdout
    assert status.returncode == 1
    assert "kafka: stopped" in status.stdout
    assert again.returncode == 0, again.stderr
    assert "already running" in second_up.stdout
    check = run_relance("topics", "create", env=env)
    assert check.stdout.count("exists, matches") >= 10, check.stdout
    records = read_topic(settings, settings.topic_name("payments"), expected=1)
    assert [decoded.record["event_id"] for _, decoded in records] == ["e-restart"]


def test_broken_kafka_storage_names_server_and_log(second_stack):
    _, env, state = second_stack
    data = state / "stack" / "kafka" / "data"
    data.mkdir(parents=True)
    (data / "meta.properties").write_text("version=1\nnode.id=99\ncluster.id=broken\n")

    result = run_relance("stack", "up", env=env, timeout=300)

    assert result.returncode == 1
    assert "kafka" in result.stderr
    assert str(state / "stack" / "kafka" / "logs" / "server.log") in result.stderr
    assert "Traceback" not in result.stderr
