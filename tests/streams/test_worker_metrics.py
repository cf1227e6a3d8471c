"""`relance worker` exports its consumer group's lag on /metrics, beside the case agent's metrics."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from streams.producer import RelanceProducer
from tests.agents.cases.test_scenario_broker import profile
from tests.agents.cases.worker_process import WorkerProcess
from tests.agents.channels.conftest import wait_for
from tests.support import settings_with_topics

pytestmark = pytest.mark.integration


def lag_line(settings, topic: str, partition: int) -> str:
    return (f'relance_consumer_lag{{group="{settings.app_id}",partition="{partition}",'
            f'topic="{settings.topic_name(topic)}"}}')


def test_worker_metrics_include_consumer_lag(stack, tmp_path):
    settings = settings_with_topics()
    # Published before the worker starts, so the group lags by one record until the worker commits it.
    with RelanceProducer(settings) as producer:
        producer.publish("debtor_profile", profile("M-1", datetime.now(timezone.utc)))
    worker = WorkerProcess(settings, tmp_path, 1.0, time.time())
    worker.start()
    try:
        # The worker applies the profile and commits it, so a later measurement shows zero lag everywhere.
        def settled() -> tuple[int, str] | None:
            status, body = worker.get("/metrics")
            applied = 'relance_case_events_processed_total{result="applied",topic="debtors"} 1.0' in body
            zero = all(f"{lag_line(settings, 'debtors', p)} 0.0" in body for p in range(settings.partitions))
            return (status, body) if applied and zero else None

        status, body = wait_for(settled, timeout=60)
    finally:
        worker.stop_quietly()

    assert status == 200
    for topic in ("payments", "rejections", "replies", "debtors", "notification-outcomes", "case-steps"):
        assert lag_line(settings, topic, 0) in body, topic
    assert 'relance_case_events_processed_total{result="applied",topic="debtors"} 1.0' in body
