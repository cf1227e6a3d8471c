"""The worker process: restart after kill -9, SIGTERM within 30 s with offsets committed, invalid scenario file."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from datetime import datetime, timezone

import pytest
from confluent_kafka import Consumer, TopicPartition

from streams.producer import RelanceProducer
from tests.agents.cases.test_scenario_broker import profile, rejection
from tests.agents.cases.worker_process import RELANCE, WorkerProcess
from tests.support import read_topic, settings_with_topics

pytestmark = pytest.mark.integration

TIME_SCALE = 43200.0
DAY_SECONDS = 86400 / TIME_SCALE
DEBTORS = ["R-1", "R-2", "R-3"]
AM04_STEPS = ["inform", "represent", "offer_alternatives", "call", "formal_notice", "close"]


def test_restart_after_kill_fires_each_step_once(stack, tmp_path):
    settings = settings_with_topics()
    worker = WorkerProcess(settings, tmp_path, TIME_SCALE, time.time(), store="rocksdb://")
    worker.start()
    try:
        now = datetime.now(timezone.utc)
        with RelanceProducer(settings) as producer:
            producer.publish_many([("debtor_profile", profile(debtor, now)) for debtor in DEBTORS])
            producer.publish_many([("debit_rejected", rejection(debtor, "AM04", f"rej-{debtor}", now)) for debtor in DEBTORS])
        published = time.monotonic()

        # Kill on day 1.5, after the first reminder, while the re-presentation and later steps are pending.
        time.sleep(published + 1.5 * DAY_SECONDS - time.monotonic())
        worker.kill()
        # Steps come due while no worker runs; the restarted one must fire each of them once.
        time.sleep(3 * DAY_SECONDS)
        worker.start()
        time.sleep(max(0.0, published + 18 * DAY_SECONDS - time.monotonic()))
    finally:
        worker.stop_quietly()

    commands = [d.record for _, d in read_topic(settings, settings.topic_name("notification-commands"), 10_000, timeout=5)]
    events = [d.record for _, d in read_topic(settings, settings.topic_name("case-events"), 10_000, timeout=5)]
    per_key = Counter(record["idempotency_key"] for record in commands)
    assert per_key and set(per_key.values()) == {1}, per_key
    for debtor in DEBTORS:
        fired = [e["step_id"] for e in events if e["debtor_id"] == debtor and e["type"] == "step_fired"]
        assert fired == AM04_STEPS, (debtor, worker.log_tail())
    opened = Counter(e["debtor_id"] for e in events if e["type"] == "opened")
    assert opened == {debtor: 1 for debtor in DEBTORS}


def test_sigterm_stops_with_offsets_committed(stack, tmp_path):
    settings = settings_with_topics()
    worker = WorkerProcess(settings, tmp_path, 1.0, time.time())
    worker.start()
    now = datetime.now(timezone.utc)
    with RelanceProducer(settings) as producer:
        producer.publish_many([("debit_rejected", rejection(debtor, "AC01", f"rej-{debtor}", now)) for debtor in DEBTORS])
    opened = read_topic(settings, settings.topic_name("case-events"), len(DEBTORS), timeout=30)
    assert len(opened) == len(DEBTORS)

    seconds = worker.terminate(timeout=60)

    assert seconds < 30
    assert worker.process.returncode == 0, worker.log_tail()
    topic = settings.topic_name("rejections")
    consumer = Consumer({**settings.confluent_config(), "group.id": settings.app_id, "enable.auto.commit": False})
    try:
        partitions = [TopicPartition(topic, p) for p in range(settings.partitions)]
        committed = consumer.committed(partitions, timeout=10)
        for item in committed:
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, item.partition), timeout=10)
            assert max(item.offset, 0) == high, f"partition {item.partition}: committed {item.offset}, end {high}"
    finally:
        consumer.close()


def test_invalid_scenario_fails_with_line_and_field(tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "name: broken\n"
        "segments:\n"
        "  - {name: standard, min_score: 0}\n"
        "steps:\n"
        "  - id: inform\n"
        "    day: 1\n"
        "    action: {type: notify, channels: [pigeon], template: reminder}\n"
    )
    result = subprocess.run(
        [str(RELANCE), "worker"], env={"RELANCE_SCENARIO_FILE": str(scenario), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert f"{scenario}:7: steps.0.action.channels.0" in result.stderr
