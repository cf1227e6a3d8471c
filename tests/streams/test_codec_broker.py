"""Every schema round-trips through the real Kafka broker: generated, produced, consumed, decoded, equal."""

from __future__ import annotations

import pytest
from confluent_kafka import Producer
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st

from streams.codec import AvroCodec
from streams.schema_registry import LocalSchemaRegistry
from tests.streams.avro_strategies import values_for
from tests.support import read_raw, settings_with_topics

REGISTRY = LocalSchemaRegistry()
CODEC = AvroCodec(REGISTRY)
EXAMPLES_PER_SCHEMA = 15


@pytest.mark.integration
@pytest.mark.parametrize("name", REGISTRY.names)
def test_schema_round_trips_through_broker(stack, name):
    settings = settings_with_topics()
    topic = settings.topic_name("payments")
    generated: list[dict] = []

    @hypothesis_settings(max_examples=EXAMPLES_PER_SCHEMA, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(record=values_for(REGISTRY.schema(name)))
    def collect(record):
        generated.append(record)

    collect()
    producer = Producer(settings.confluent_config())
    for index, record in enumerate(generated):
        producer.produce(topic, key=f"debtor-{index}".encode(), value=CODEC.encode(name, record))
    assert producer.flush(30) == 0

    received = read_raw(settings, topic, expected=len(generated))
    decoded = {key.decode(): CODEC.decode(value) for key, value in received}
    assert len(received) == len(generated)
    for index, record in enumerate(generated):
        item = decoded[f"debtor-{index}"]
        assert item.schema_name == name
        assert item.record == record
