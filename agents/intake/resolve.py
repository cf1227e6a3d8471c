"""Debtor id resolution: from payments and debtor profiles already published, or from a configured rule."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from agents.intake.settings import DebtorIdRule
from agents.intake.topic_reader import read_to_end
from streams.codec import AvroCodec
from streams.errors import SchemaError
from streams.settings import Settings
from streams.topics import Topic

log = logging.getLogger(__name__)


@dataclass
class DebtorIndex:
    """Debtor ids by mandate id and by end-to-end id, as the payment and debtor events state them."""

    by_mandate: dict[str, str] = field(default_factory=dict)
    by_end_to_end: dict[str, str] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)
    """Debtors whose latest profile is a tombstone; no event is matched to them."""

    def add_payment(self, record: dict[str, Any]) -> None:
        debtor_id = record["debtor_id"]
        self.erased.discard(debtor_id)
        if record.get("mandate_id"):
            self.by_mandate[record["mandate_id"]] = debtor_id
        if record.get("end_to_end_id"):
            self.by_end_to_end[record["end_to_end_id"]] = debtor_id

    def add_profile(self, debtor_id: str, record: dict[str, Any] | None) -> None:
        if record is None:
            self.erased.add(debtor_id)
            return
        self.erased.discard(debtor_id)
        for mandate_id in record.get("mandate_ids", []):
            self.by_mandate[mandate_id] = debtor_id

    def find(self, mandate_id: str | None, end_to_end_id: str | None) -> str | None:
        for table, value in ((self.by_mandate, mandate_id), (self.by_end_to_end, end_to_end_id)):
            debtor_id = table.get(value) if value else None
            if debtor_id is not None and debtor_id not in self.erased:
                return debtor_id
        return None

    @classmethod
    def from_topics(cls, settings: Settings, codec: AvroCodec | None = None) -> "DebtorIndex":
        """Build the index from the payments and debtors topics, read from their first offset."""
        codec = codec or AvroCodec()
        index = cls()
        skipped = 0
        for key, value in read_to_end(settings, settings.topic_name(Topic.PAYMENTS.value)):
            try:
                decoded = codec.decode(value)
            except SchemaError:
                skipped += 1
                continue
            if decoded.schema_name == "payment_presented":
                index.add_payment(decoded.record)
        for key, value in read_to_end(settings, settings.topic_name(Topic.DEBTORS.value)):
            if key is None:
                continue
            try:
                record = None if value is None else codec.decode_as(value, "debtor_profile").record
            except SchemaError:
                skipped += 1
                continue
            index.add_profile(key.decode("utf-8", "replace"), record)
        log.info(
            "debtor index built mandates=%d end_to_end_ids=%d erased=%d undecodable=%d",
            len(index.by_mandate), len(index.by_end_to_end), len(index.erased), skipped,
        )
        return index


@dataclass
class DebtorResolver:
    index: DebtorIndex
    rule: DebtorIdRule = "none"

    def resolve(self, event: dict[str, Any]) -> str | None:
        """Return the debtor id of a debit_rejected event, or None when neither the index nor the rule finds one."""
        debtor_id = self.index.find(event.get("mandate_id"), event.get("end_to_end_id"))
        if debtor_id is not None:
            return debtor_id
        if self.rule == "none":
            return None
        return event.get(self.rule) or None


def not_found_message(event: dict[str, Any]) -> str:
    where = f"({event['file_name']} {event['item_position']})"
    if not event.get("mandate_id") and not event.get("end_to_end_id"):
        return (
            f"no debtor found {where}: the item has neither a mandate id nor an end-to-end id to match; "
            "publish it yourself with relance publish debit_rejected and the debtor_id set"
        )
    return (
        f"no debtor found for mandate id {event.get('mandate_id')!r} or end-to-end id {event.get('end_to_end_id')!r} "
        f"{where}: publish the payment_presented or debtor_profile record first, "
        "or set RELANCE_DEBTOR_ID_RULE=mandate_id or end_to_end_id"
    )
