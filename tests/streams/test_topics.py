"""`relance topics create` on the real broker: idempotent, and strict about existing topics."""

from __future__ import annotations

import socket

import pytest
from confluent_kafka.admin import NewTopic

from streams.topics import TOPIC_SPECS, admin_client
from tests.streams.cli_runner import relance_env, run_relance
from tests.support import unique_settings

pytestmark = pytest.mark.integration


def test_create_twice_reports_exists_matches(stack):
    settings = unique_settings()
    first = run_relance("topics", "create", env=relance_env(settings))
    second = run_relance("topics", "create", env=relance_env(settings))

    assert first.returncode == 0, first.stderr
    assert first.stdout.count(": created") == len(TOPIC_SPECS)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count(": exists, matches") == len(TOPIC_SPECS)
    assert ": created" not in second.stdout


def test_created_topics_follow_declaration(stack):
    settings = unique_settings()
    assert run_relance("topics", "create", env=relance_env(settings)).returncode == 0
    metadata = admin_client(settings).list_topics(timeout=10)
    for spec in TOPIC_SPECS:
        name = settings.topic_name(spec.topic.value)
        assert len(metadata.topics[name].partitions) == settings.partitions


def test_wrong_partition_count_exits_with_fix(stack):
    settings = unique_settings(partitions=3)
    rejections = settings.topic_name("rejections")
    admin = admin_client(settings)
    admin.create_topics([NewTopic(rejections, 5, 1)])[rejections].result()

    result = run_relance("topics", "create", env=relance_env(settings))

    assert result.returncode == 1
    assert f"{rejections}: has 5 partitions, declared 3" in result.stderr
    assert "delete and recreate" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_cleanup_policy_exits_with_fix(stack):
    settings = unique_settings()
    debtors = settings.topic_name("debtors")
    admin = admin_client(settings)
    admin.create_topics([NewTopic(debtors, settings.partitions, 1, config={"cleanup.policy": "delete"})])[
        debtors
    ].result()

    result = run_relance("topics", "create", env=relance_env(settings))

    assert result.returncode == 1
    assert f"{debtors}: cleanup.policy is delete, declared compact" in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("args", [("topics", "create"), ("publish", "payment_received", "__FILE__")])
def test_broker_down_names_address_and_fix(tmp_path, args):
    port = _closed_port()
    record = tmp_path / "one.jsonl"
    record.write_text(
        '{"event_id": "e1", "occurred_at": "2026-01-05T10:00:00Z", "source": "t", "debtor_id": "D1", '
        '"amount": {"amount_minor": 100, "currency": "EUR"}, "method": "card"}\n'
    )
    argv = [str(record) if arg == "__FILE__" else arg for arg in args]

    result = run_relance(*argv, env=relance_env(RELANCE_KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}"))

    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr
    assert "relance stack up" in result.stderr
    assert "Traceback" not in result.stderr


def test_concurrent_create_reports_exists(stack):
    from concurrent.futures import ThreadPoolExecutor

    from streams.topics import create_topics

    settings = unique_settings()
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: create_topics(settings), range(3)))

    statuses = [report.status for reports in results for report in reports]
    assert len(statuses) == 3 * len(TOPIC_SPECS)
    assert statuses.count("created") == len(TOPIC_SPECS)
    assert set(statuses) == {"created", "exists, matches"}
