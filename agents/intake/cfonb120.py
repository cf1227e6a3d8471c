"""Read a French CFONB 120 account statement into one item per rejected or unpaid SEPA direct debit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path

from agents.intake.detect import CFONB_RECORD_LENGTH, FileHeader
from agents.intake.errors import BankFileError
from agents.intake.items import BadItem, RawItem, clean_end_to_end_id, clean_text
from agents.intake.money import AmountError, check_currency, to_money

# Interbank operation codes of SEPA direct debits that came back unpaid:
# A3 on the debtor's statement, B3 on the creditor's statement.
REJECTION_CODES = frozenset({"A3", "B3"})
RECORD_CODES = frozenset({"01", "04", "05", "07"})

# Last character of a signed amount (overpunch): it carries the last digit and the sign.
_OVERPUNCH = {
    **{char: (1, digit) for digit, char in enumerate("{ABCDEFGHI")},
    **{char: (-1, digit) for digit, char in enumerate("}JKLMNOPQR")},
}


@dataclass
class _Pending:
    """A rejection record (04) and the complement records (05) that follow it."""

    line: int
    record: str
    details: dict[str, list[str]] = field(default_factory=dict)


def parse_cfonb120(path: Path, header: FileHeader) -> Iterator[RawItem | BadItem]:
    """Yield one RawItem per A3 or B3 operation record, with the details of its 05 complement records."""
    file = str(path)
    pending: _Pending | None = None
    with path.open("rb") as handle:
        for number, record in _records(handle, file):
            code = record[:2]
            if code == "05" and pending is not None:
                qualifier = record[45:48]
                pending.details.setdefault(qualifier, []).append(record[48:118])
                continue
            if pending is not None:
                yield _finish(file, path, header, pending)
                pending = None
            if code == "04" and record[32:34] in REJECTION_CODES:
                pending = _Pending(number, record)
    if pending is not None:
        yield _finish(file, path, header, pending)


def _records(handle, file: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, record) for each non-blank 120-character record; a file without line breaks also works."""
    for number, raw in enumerate(handle, start=1):
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        text = line.decode("latin-1")
        chunks = [text] if len(text) <= CFONB_RECORD_LENGTH else _split(text, file, number)
        for chunk in chunks:
            if chunk[:2] not in RECORD_CODES:
                raise BankFileError(
                    file, f"line {number}",
                    f"unknown record code {chunk[:2]!r}: a CFONB 120 statement has records 01, 04, 05 and 07",
                )
            yield number, chunk.ljust(CFONB_RECORD_LENGTH)


def _split(text: str, file: str, number: int) -> list[str]:
    if len(text) % CFONB_RECORD_LENGTH:
        raise BankFileError(
            file, f"line {number}",
            f"record of {len(text)} characters: CFONB 120 records are {CFONB_RECORD_LENGTH} characters long",
        )
    return [text[start : start + CFONB_RECORD_LENGTH] for start in range(0, len(text), CFONB_RECORD_LENGTH)]


def _finish(file: str, path: Path, header: FileHeader, pending: _Pending) -> RawItem | BadItem:
    try:
        return _item(path, header, pending)
    except ValueError as exc:
        return BadItem(BankFileError(file, f"line {pending.line}", str(exc)))


def _item(path: Path, header: FileHeader, pending: _Pending) -> RawItem:
    record = pending.record
    amount = parse_signed_amount(record[90:104], record[19], record[16:19])
    booking_date = _date(record[34:40], "accounting date")
    if booking_date is None:
        raise ValueError("the accounting date is empty; an operation record always has one")
    labels = [record[48:79], *pending.details.get("LIB", [])]
    rejection_code = clean_text(record[40:42])

    return RawItem(
        message_type=header.kind.name,
        message_id=header.message_id,
        file_name=path.name,
        item_position=f"line {pending.line}",
        occurred_at=datetime.combine(booking_date, time(), timezone.utc),
        # NOTE: the RCN detail is read as the end-to-end id and RUM as the mandate id, as SEPA statements usually
        # fill them; neither was checked against the CFONB specification or a real B3 file.
        end_to_end_id=clean_end_to_end_id(_detail(pending, "RCN", 35)),
        mandate_id=clean_text(_detail(pending, "RUM", 35)),
        creditor_scheme_id=clean_text(_detail(pending, "IBE", 35)),
        debtor_name=clean_text(_detail(pending, "NPY", 70)),
        returned_amount={"amount_minor": abs(amount["amount_minor"]), "currency": amount["currency"]},
        reason_code=rejection_code,
        reason_code_origin="prtry" if rejection_code else None,
        additional_info=clean_text(" ".join(labels)),
        booking_date=booking_date,
        value_date=_date(record[42:48], "value date"),
        references=(record[2:7], record[11:16], record[21:32], record[81:88], record[104:120].strip()),
    )


def _detail(pending: _Pending, qualifier: str, width: int) -> str | None:
    values = pending.details.get(qualifier)
    return values[0][:width] if values else None


def parse_signed_amount(field_text: str, decimals: str, currency: str):
    """Return the Money of a 14-character CFONB amount whose last character is a sign overpunch."""
    currency = check_currency(currency.strip() or None)
    digits, last = field_text[:-1], field_text[-1:]
    if last not in _OVERPUNCH or not digits.isdigit() or not decimals.isdigit():
        raise AmountError(
            f"invalid signed amount {field_text!r}: expected 13 digits and a sign character ({{, A-I, }} or J-R)"
        )
    sign, last_digit = _OVERPUNCH[last]
    value = Decimal(f"{digits}{last_digit}").scaleb(-int(decimals)) * sign
    return to_money(value, currency)


def _date(value: str, label: str) -> date | None:
    """Return a DDMMYY date; every CFONB SEPA record dates from 2000 or later."""
    if not value.strip():
        return None
    if not value.isdigit():
        raise ValueError(f"invalid {label} {value!r}: expected DDMMYY")
    try:
        return date(2000 + int(value[4:6]), int(value[2:4]), int(value[0:2]))
    except ValueError as exc:
        raise ValueError(f"invalid {label} {value!r}: expected DDMMYY") from exc
