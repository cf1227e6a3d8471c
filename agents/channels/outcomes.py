"""Publish notification outcomes and dead-letter records, each flushed before the caller commits its offset."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from streams.clock import Clock
from streams.producer import RelanceProducer
from streams.topics import Topic

from agents.channels import metrics

_NAMESPACE = uuid.UUID("5b0f7e0c-3a8e-4a52-9c43-2b9d8d1f6a10")


@dataclass(frozen=True)
class Origin:
    """Source of a command: a Kafka message, or the deferred set (topic "deferred", offset -1)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def outcome_event_id(idempotency_key: str, status: str) -> str:
    """Return the same event id for the same key and status, so consumers drop a republished outcome."""
    return str(uuid.uuid5(_NAMESPACE, f"{idempotency_key}:{status}"))


class OutcomePublisher:
    def __init__(self, producer: RelanceProducer, clock: Clock, channel: str) -> None:
        self.producer = producer
        self.clock = clock
        self.channel = channel
        self.source = f"relance-channel-{channel}"

    def outcome(self, command: dict[str, Any], status: str, *, reason: str | None = None,
                provider_message_id: str | None = None, attempts: int = 1) -> None:
        record = {
            "event_id": outcome_event_id(command["idempotency_key"], status),
            "occurred_at": self.clock.now(),
            "source": self.source,
            "command_id": command["event_id"],
            "idempotency_key": command["idempotency_key"],
            "debtor_id": command["debtor_id"],
            "case_id": command["case_id"],
            "step_id": command["step_id"],
            "channel": command["channel"],
            "status": status,
            "reason": reason,
            "provider_message_id": provider_message_id,
            "attempts": attempts,
        }
        self.producer.publish("notification_outcome", record)
        self.producer.flush()
        metrics.MESSAGES.labels(self.channel, status).inc()

    def dead_letter(self, origin: Origin, error: Exception) -> None:
        record = {
            "event_id": str(uuid.uuid4()),
            "occurred_at": self.clock.now(),
            "source": self.source,
            "error_type": type(error).__name__,
            "error": str(error),
            "source_topic": origin.topic,
            "source_partition": origin.partition,
            "source_offset": origin.offset,
            "key": origin.key,
            "value": origin.value,
        }
        topic = self.producer.settings.topic_name(Topic.DLQ.value)
        self.producer.produce_raw(topic, origin.key, self.producer.codec.encode("dlq_record", record))
        self.producer.flush()
        metrics.DLQ.labels(self.channel).inc()
