"""Dead-letter records: a message that failed at the agent's boundary, with the error and where it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agents.cases.outputs import SOURCE, stable_event_id


def dlq_record(
    *, error: BaseException, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
    now: datetime,
) -> dict[str, Any]:
    """Build the dlq_record for one failed message; its id derives from the message's position."""
    return {
        "event_id": stable_event_id("dlq", topic, partition, offset),
        "occurred_at": now,
        "source": SOURCE,
        "error_type": type(error).__name__,
        "error": str(error) or repr(error),
        "source_topic": topic,
        "source_partition": partition,
        "source_offset": offset,
        "key": key,
        "value": value,
    }
