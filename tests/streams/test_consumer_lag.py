"""The consumer lag monitor measures a real consumer group on the local broker without joining it."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from prometheus_client import REGISTRY

from streams.consumer_lag import ConsumerLagMonitor
from tests.agents.channels.conftest import wait_for
from tests.support import settings_with_topics

pytestmark = pytest.mark.integration


def _produce(settings, topic: str, counts: dict[int, int]) -> None:
    producer = Producer(settings.confluent_config())
    for partition, count in counts.items():
        for index in range(count):
            producer.produce(topic, key=f"debtor-{index}".encode(), value=b"x", partition=partition)
    assert producer.flush(10) == 0


def _commit(settings, group: str, offsets: dict[tuple[str, int], int]) -> None:
    consumer = Consumer({**settings.confluent_config(), "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in offsets.items()], asynchronous=False)
    finally:
        consumer.close()


def _gauge(group: str, topic: str, partition: int) -> float | None:
    return REGISTRY.get_sample_value("relance_consumer_lag", {"group": group, "topic": topic, "partition": str(partition)})


def test_lag_counts_uncommitted_records(stack):
    settings = settings_with_topics()
    topic = settings.topic_name("rejections")
    group = f"lag-test-{uuid.uuid4().hex[:8]}"
    _produce(settings, topic, {0: 3, 1: 2})
    _commit(settings, group, {(topic, 0): 1})

    lag = ConsumerLagMonitor(settings, group, [topic]).measure()

    assert lag == {(topic, 0): 2, (topic, 1): 2, (topic, 2): 0}
    assert _gauge(group, topic, 0) == 2
    assert _gauge(group, topic, 1) == 2
    assert _gauge(group, topic, 2) == 0


def test_lag_drops_to_zero_after_commit(stack):
    settings = settings_with_topics()
    topic = settings.topic_name("payments")
    group = f"lag-test-{uuid.uuid4().hex[:8]}"
    _produce(settings, topic, {1: 4})
    monitor = ConsumerLagMonitor(settings, group, [topic])
    assert monitor.measure()[(topic, 1)] == 4

    _commit(settings, group, {(topic, 1): 4})

    assert monitor.measure()[(topic, 1)] == 0
    assert _gauge(group, topic, 1) == 0


def test_monitor_thread_publishes_and_records_success(stack):
    settings = settings_with_topics()
    topic = settings.topic_name("replies")
    group = f"lag-test-{uuid.uuid4().hex[:8]}"
    _produce(settings, topic, {2: 5})
    monitor = ConsumerLagMonitor(settings, group, [topic], interval_seconds=0.2)
    assert monitor.seconds_since_success() is None

    monitor.start()
    try:
        wait_for(lambda: _gauge(group, topic, 2) == 5, timeout=15)
        age = monitor.seconds_since_success()
        assert age is not None
        assert age < 5
    finally:
        monitor.stop()


def test_missing_topic_raises(stack):
    settings = settings_with_topics()
    monitor = ConsumerLagMonitor(settings, "lag-test-missing", [settings.topic_name("no-such-topic")],
                                 timeout_seconds=3)

    with pytest.raises(KafkaException):
        monitor.measure()
    assert monitor.seconds_since_success() is None
