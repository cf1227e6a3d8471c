"""Helper for upstream services: validate, encode and produce relance records with the right key.

Example::

    from streams.producer import RelanceProducer
    with RelanceProducer() as producer:
        producer.publish("payment_received", {...})   # keyed by record["debtor_id"]
"""

from __future__ import annotations

import logging
from typing import Any, Iterable

from confluent_kafka import KafkaError, KafkaException, Producer

from streams.codec import AvroCodec
from streams.errors import BrokerUnavailable, SchemaError
from streams.settings import Settings, get_settings
from streams.topics import Topic

log = logging.getLogger(__name__)

# Topic that carries each record type; every record is keyed by its debtor_id.
TOPIC_OF_SCHEMA: dict[str, Topic] = {
    "payment_presented": Topic.PAYMENTS,
    "payment_received": Topic.PAYMENTS,
    "debit_rejected": Topic.REJECTIONS,
    "debtor_reply": Topic.REPLIES,
    "debtor_profile": Topic.DEBTORS,
    "send_notification": Topic.NOTIFICATION_COMMANDS,
    "notification_outcome": Topic.NOTIFICATION_OUTCOMES,
    "represent_action": Topic.ACTIONS,
    "hand_off_action": Topic.ACTIONS,
    "formal_notice_action": Topic.ACTIONS,
    "case_event": Topic.CASE_EVENTS,
    "step_due": Topic.CASE_STEPS,
    "dlq_record": Topic.DLQ,
}


class RelanceProducer:
    """An idempotent confluent-kafka producer that writes Avro records in the Confluent wire format."""

    def __init__(self, settings: Settings | None = None, codec: AvroCodec | None = None) -> None:
        self.settings = settings or get_settings()
        self.codec = codec or AvroCodec()
        self._errors: list[str] = []
        self._producer = Producer(
            # murmur2_random is the Java client's and aiokafka's partitioner, so a debtor's records land on
            # the same partition whether relance's producer or the Faust worker writes them.
            {**self.settings.confluent_config(), "enable.idempotence": True, "acks": "all", "linger.ms": 5,
             "partitioner": "murmur2_random"}
        )

    def encode(self, schema_name: str, record: dict[str, Any]) -> tuple[str, bytes, bytes]:
        """Validate and encode `record`; return its topic name, key and value."""
        topic = TOPIC_OF_SCHEMA.get(schema_name)
        if topic is None:
            raise SchemaError(f"unknown schema {schema_name!r}; known schemas: {', '.join(TOPIC_OF_SCHEMA)}")
        key = record.get("debtor_id")
        if not key:
            raise SchemaError(f"{schema_name}: debtor_id is missing or empty; every record is keyed by it")
        return self.settings.topic_name(topic.value), str(key).encode(), self.codec.encode(schema_name, record)

    def publish(self, schema_name: str, record: dict[str, Any]) -> None:
        topic, key, value = self.encode(schema_name, record)
        self.produce_raw(topic, key, value)

    def produce_raw(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        while True:
            try:
                self._producer.produce(topic, value=value, key=key, on_delivery=self._on_delivery)
                break
            except BufferError:
                self._producer.poll(0.5)
        self._producer.poll(0)

    def publish_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Encode every record first, so that a bad one publishes nothing, then produce and flush them all."""
        encoded = [self.encode(schema_name, record) for schema_name, record in items]
        for topic, key, value in encoded:
            self.produce_raw(topic, key, value)
        self.flush()
        return len(encoded)

    def flush(self, timeout: float = 30.0) -> None:
        remaining = self._producer.flush(timeout)
        if remaining:
            raise BrokerUnavailable(
                f"{remaining} records were not acknowledged by {self.settings.kafka_bootstrap_servers} "
                f"within {timeout:.0f} s; check that the broker is up (relance stack status)"
            )
        if self._errors:
            errors, self._errors = self._errors, []
            raise BrokerUnavailable(f"{len(errors)} records failed: {errors[0]}")

    def _on_delivery(self, err: KafkaError | None, msg: Any) -> None:
        if err is not None:
            log.error("delivery failed topic=%s error=%s", msg.topic(), err.str())
            self._errors.append(f"topic {msg.topic()}: {err.str()}")

    def __enter__(self) -> "RelanceProducer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.flush()


__all__ = ["RelanceProducer", "TOPIC_OF_SCHEMA", "KafkaException"]
