"""SEPA R-transaction reason codes as data: the cause each one signals and what may follow it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Cause(str, Enum):
    """The six causes that the creditor works with; the values are the Avro enum symbols."""

    INSUFFICIENT_FUNDS = "insufficient_funds"
    INCORRECT_BANK_DETAILS = "incorrect_bank_details"
    OPPOSITION = "opposition"
    ACCOUNT_CLOSED = "account_closed"
    BANK_BLOCK = "bank_block"
    TECHNICAL = "technical"


@dataclass(frozen=True)
class ReasonCode:
    code: str
    meaning: str
    cause: Cause
    may_represent: bool
    """A new collection on the same mandate may go out without the debtor doing anything first."""
    final: bool
    """Nothing automatic can fix it: the debtor or a person must act before any new collection."""
    needs_new_mandate: bool
    hand_off: bool = False
    """A person should take the case at once (deceased debtor, suspected fraud)."""
    known: bool = True


def _code(code: str, meaning: str, cause: Cause, *, represent: bool = False, final: bool = True,
          new_mandate: bool = False, hand_off: bool = False) -> ReasonCode:
    return ReasonCode(code, meaning, cause, represent, final, new_mandate, hand_off)


# Source: ISO 20022 external status reason codes as the EPC SDD Core and B2B rulebooks apply them.
_CODES = (
    _code("AM04", "insufficient funds", Cause.INSUFFICIENT_FUNDS, represent=True, final=False),
    # MS03 can hide AM04 or AC04 for data-protection reasons; it is treated as missing funds.
    _code("MS03", "reason not specified, set by the bank", Cause.INSUFFICIENT_FUNDS, represent=True, final=False),
    _code("MS02", "reason not specified, set by the debtor (refusal)", Cause.OPPOSITION),
    _code("MD06", "refund requested by the debtor", Cause.OPPOSITION),
    _code("MD01", "no valid mandate, or unauthorised debit", Cause.OPPOSITION, new_mandate=True),
    _code("CUST", "requested by the customer (recall or cancellation)", Cause.OPPOSITION),
    _code("AC01", "account identifier (IBAN) incorrect", Cause.INCORRECT_BANK_DETAILS),
    _code("RC01", "bank identifier (BIC) incorrect", Cause.INCORRECT_BANK_DETAILS),
    _code("MD02", "mandate data missing or incorrect", Cause.INCORRECT_BANK_DETAILS),
    _code("RR01", "debtor account or identification missing", Cause.INCORRECT_BANK_DETAILS),
    _code("RR02", "debtor name or address missing", Cause.INCORRECT_BANK_DETAILS),
    _code("AC13", "debtor account is a consumer account (B2B scheme)", Cause.INCORRECT_BANK_DETAILS, new_mandate=True),
    _code("AC04", "account closed", Cause.ACCOUNT_CLOSED, new_mandate=True),
    _code("MD07", "debtor deceased", Cause.ACCOUNT_CLOSED, hand_off=True),
    _code("AC06", "account blocked", Cause.BANK_BLOCK),
    _code("AG01", "direct debit forbidden on this account", Cause.BANK_BLOCK, new_mandate=True),
    _code("SL01", "specific service offered by the debtor's bank (block or allow list)", Cause.BANK_BLOCK),
    _code("RR04", "regulatory reason", Cause.BANK_BLOCK),
    _code("FRAD", "fraud suspected", Cause.BANK_BLOCK, hand_off=True),
    _code("AM05", "duplicate collection", Cause.TECHNICAL),
    _code("AG02", "invalid bank operation code", Cause.TECHNICAL),
    _code("BE05", "creditor identifier not recognised", Cause.TECHNICAL),
    _code("FF01", "invalid file format", Cause.TECHNICAL),
    _code("FF05", "invalid local instrument (Core or B2B)", Cause.TECHNICAL),
    _code("RR03", "creditor name or address missing", Cause.TECHNICAL),
    _code("TM01", "received after the cut-off time", Cause.TECHNICAL, represent=True, final=False),
    _code("ED05", "settlement failed", Cause.TECHNICAL, represent=True, final=False),
    _code("CNOR", "creditor's bank not reachable", Cause.TECHNICAL),
    _code("DNOR", "debtor's bank not reachable", Cause.TECHNICAL),
    _code("TECH", "technical problem", Cause.TECHNICAL, represent=True, final=False),
)

REASON_CODES: dict[str, ReasonCode] = {item.code: item for item in _CODES}

# Codes whose R-transaction can never be presented again automatically: a refund claim of an authorised
# debit (MD06, up to 8 weeks) and an unauthorised-debit claim (MD01, up to 13 months).
NEVER_REPRESENT = frozenset({"MD06", "MD01"})

_CODE_IN_TEXT = re.compile(r"\b(" + "|".join(sorted(REASON_CODES)) + r")\b")


def classify(code: str | None) -> ReasonCode:
    """Return what `code` means; an unknown or missing code is technical, final and never re-presented."""
    normalized = (code or "").strip().upper()
    known = REASON_CODES.get(normalized)
    if known is not None:
        return known
    return ReasonCode(normalized or "NONE", "unknown reason code", Cause.TECHNICAL,
                      may_represent=False, final=True, needs_new_mandate=False, known=False)


def infer_code(text: str | None) -> str | None:
    """Return the first known reason code written in free text, such as a bank's additional information."""
    if not text:
        return None
    match = _CODE_IN_TEXT.search(text.upper())
    return match.group(1) if match else None
