"""Items that a parser reads from a bank file, before each becomes a debit_rejected event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from agents.intake.errors import BankFileError
from agents.intake.money import Money

Kind = Literal["reject", "refusal", "return", "refund", "reversal"]
CodeOrigin = Literal["cd", "prtry"]


@dataclass
class RawItem:
    """One rejected or returned direct debit as the file states it; the debtor IBAN is still in clear."""

    message_type: str
    message_id: str
    file_name: str
    item_position: str
    occurred_at: datetime
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    creditor_scheme_id: str | None = None
    debtor_name: str | None = None
    debtor_iban: str | None = None
    debtor_bic: str | None = None
    original_amount: Money | None = None
    returned_amount: Money | None = None
    charges: Money | None = None
    reason_code: str | None = None
    reason_code_origin: CodeOrigin | None = None
    additional_info: str | None = None
    kind: Kind | None = None
    requested_collection_date: date | None = None
    booking_date: date | None = None
    value_date: date | None = None
    batch_level: bool = False
    references: tuple[str, ...] = ()
    """Bank references of the item (status id, servicer reference), part of the event id."""
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BadItem:
    """An item that could not be read; the other items of the file still go through."""

    error: BankFileError


def clean_text(value: str | None) -> str | None:
    """Return `value` with runs of white space collapsed and the ends trimmed, or None when nothing is left."""
    if value is None:
        return None
    collapsed = " ".join(value.split())
    return collapsed or None


def clean_end_to_end_id(value: str | None) -> str | None:
    """Return the end-to-end id, or None when absent or NOTPROVIDED (the ISO 20022 placeholder)."""
    value = clean_text(value)
    if value is None or value.upper() == "NOTPROVIDED":
        return None
    return value
