"""Read a Kafka topic from its first offset to the end it had when the read started."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator

from confluent_kafka import Consumer, KafkaException, TopicPartition

from streams.errors import BrokerUnavailable, TopicMismatch
from streams.settings import Settings

log = logging.getLogger(__name__)


def read_to_end(settings: Settings, topic: str, timeout: float = 60.0) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Yield (key, value) of every record of `topic` up to its high watermarks, partition by partition in order.

    Raises TopicMismatch when the topic does not exist and BrokerUnavailable when the read times out.
    """
    consumer = Consumer(
        {
            **settings.confluent_config(),
            "group.id": f"relance-intake-reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        try:
            metadata = consumer.list_topics(topic, timeout=10)
        except KafkaException as exc:
            raise BrokerUnavailable(
                f"Kafka broker at {settings.kafka_bootstrap_servers} did not respond: {exc}; check `relance stack status`"
            ) from exc
        described = metadata.topics.get(topic)
        if described is None or described.error is not None or not described.partitions:
            raise TopicMismatch(f"topic {topic} does not exist; create the topics with `relance topics create`")
        remaining: dict[int, int] = {}
        assignments = []
        for partition in described.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if high > low:
                remaining[partition] = high
                assignments.append(TopicPartition(topic, partition, low))
        if not assignments:
            return
        consumer.assign(assignments)
        deadline = time.monotonic() + timeout
        while remaining:
            if time.monotonic() > deadline:
                raise BrokerUnavailable(
                    f"reading {topic} took longer than {timeout:.0f} s; {len(remaining)} partitions were not read to the end"
                )
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                log.warning("read error topic=%s error=%s", topic, message.error().str())
                continue
            partition = message.partition()
            if partition in remaining:
                yield message.key(), message.value()
                if message.offset() + 1 >= remaining[partition]:
                    del remaining[partition]
    finally:
        consumer.close()
