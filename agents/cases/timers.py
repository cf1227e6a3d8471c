"""The per-partition due index: which debtor has a step due when, rebuilt from the cases table on assignment."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

# A step_due record that the case agent has not applied after this many real seconds is sent again.
RESEND_AFTER_SECONDS = 30.0


@dataclass(frozen=True)
class DueEntry:
    partition: int
    debtor_id: str
    due_at: datetime


class DueIndex:
    """Next due time per debtor, grouped by partition; the case table remains the source of truth."""

    def __init__(self) -> None:
        self._entries: dict[int, dict[str, datetime]] = {}
        self._sent_at: dict[tuple[str, datetime], float] = {}

    def update(self, partition: int, debtor_id: str, next_due_at: datetime | None) -> None:
        entries = self._entries.setdefault(partition, {})
        if next_due_at is None:
            entries.pop(debtor_id, None)
        else:
            entries[debtor_id] = next_due_at

    def rebuild(self, partitions: Iterable[int], states: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Replace the index with the states of the given partitions; return how many debtors have a step due."""
        wanted = set(partitions)
        self._entries = {partition: {} for partition in wanted}
        self._sent_at.clear()
        for debtor_id, state in states:
            partition, due = state.get("partition"), state.get("next_due_at")
            if partition in wanted and due:
                self._entries[partition][debtor_id] = datetime.fromisoformat(due)
        return sum(len(entries) for entries in self._entries.values())

    def drop_partitions(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self._entries.pop(partition, None)

    def due(self, now: datetime) -> list[DueEntry]:
        """Return the entries due at `now` that were not sent within the last RESEND_AFTER_SECONDS."""
        real_now = time.monotonic()
        found = []
        for partition, entries in self._entries.items():
            for debtor_id, due_at in entries.items():
                sent = self._sent_at.get((debtor_id, due_at))
                if due_at <= now and (sent is None or real_now - sent > RESEND_AFTER_SECONDS):
                    found.append(DueEntry(partition, debtor_id, due_at))
        return sorted(found, key=lambda entry: entry.due_at)

    def mark_sent(self, entry: DueEntry) -> None:
        self._sent_at[(entry.debtor_id, entry.due_at)] = time.monotonic()

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._entries.values())
