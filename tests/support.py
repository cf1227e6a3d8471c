"""Helpers shared by the integration tests: per-test settings, topics and a consumer that reads them back."""

from __future__ import annotations

import time
import uuid
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from streams.codec import AvroCodec, Decoded
from streams.settings import Settings
from streams.topics import create_topics


def unique_settings(**overrides: Any) -> Settings:
    """Settings with a topic prefix and app id of their own, so tests never read each other's records."""
    token = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "topic_prefix": f"test-{token}.",
        "app_id": f"relance-test-{token}",
        "partitions": 3,
        "store": "memory://",
    }
    values.update(overrides)
    return Settings(**values)


def settings_with_topics(**overrides: Any) -> Settings:
    settings = unique_settings(**overrides)
    create_topics(settings)
    return settings


def read_topic(
    settings: Settings, topic: str, expected: int, timeout: float = 30.0, codec: AvroCodec | None = None
) -> list[tuple[bytes | None, Decoded]]:
    """Read `topic` from the start until `expected` records arrived or `timeout` passed; decode each value."""
    codec = codec or AvroCodec()
    raw = read_raw(settings, topic, expected, timeout)
    return [(key, codec.decode(value)) for key, value in raw]


def read_raw(settings: Settings, topic: str, expected: int, timeout: float = 30.0) -> list[tuple[bytes | None, bytes | None]]:
    consumer = Consumer(
        {
            **settings.confluent_config(),
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = metadata.topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    records: list[tuple[bytes | None, bytes | None]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(records) < expected:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            records.append((message.key(), message.value()))
        # Read a little longer, so a test that expects N records also sees an unexpected N+1st.
        settle = time.monotonic() + 1.0
        while time.monotonic() < settle:
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                records.append((message.key(), message.value()))
    finally:
        consumer.close()
    return records
