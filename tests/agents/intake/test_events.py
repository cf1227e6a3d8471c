"""Event building, CFONB amounts and debtor resolution, unit by unit."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from agents.intake.cfonb120 import parse_signed_amount
from agents.intake.events import build_event, hash_iban, mask_iban
from agents.intake.items import RawItem
from agents.intake.metrics import UNKNOWN_REASON_CODES
from agents.intake.money import AmountError
from agents.intake.resolve import DebtorIndex, DebtorResolver

KEY = b"test-key"


def _item(**fields) -> RawItem:
    values = dict(
        message_type="pain.002.001.03", message_id="M-1", file_name="f.xml", item_position="/Document/X[1]",
        occurred_at=datetime(2024, 5, 1, tzinfo=timezone.utc),
    )
    values.update(fields)
    return RawItem(**values)


def test_mask_keeps_country_and_last_four():
    assert mask_iban("FR76 3000 6000 0112 3456 7890 189") == "FR*********************0189"


def test_hash_is_keyed_and_normalised():
    assert hash_iban("fr7630006000011234567890189", KEY) == hash_iban("FR76 3000 6000 0112 3456 7890 189", KEY)
    assert hash_iban("FR7630006000011234567890189", KEY) != hash_iban("FR7630006000011234567890189", b"other")


def test_event_never_carries_raw_iban():
    event = build_event(_item(debtor_iban="FR7630006000011234567890189"), KEY)

    assert "FR7630006000011234567890189" not in repr(event)
    assert event["debtor_iban_valid"] is True


def test_narr_code_inferred_from_text():
    event = build_event(_item(reason_code="NARR", reason_code_origin="cd", additional_info="Motif AC04 compte clos"), KEY)

    assert (event["reason_code"], event["reason_code_origin"]) == ("AC04", "inferred")
    assert "reason_code_inferred" in event["flags"]


def test_unknown_code_flagged_and_counted():
    before = UNKNOWN_REASON_CODES.labels(origin="prtry")._value.get()

    event = build_event(_item(reason_code="B3/0811", reason_code_origin="prtry"), KEY)

    assert "unknown_reason_code" in event["flags"]
    assert UNKNOWN_REASON_CODES.labels(origin="prtry")._value.get() == before + 1


def test_missing_code_is_absent():
    event = build_event(_item(), KEY)

    assert (event["reason_code"], event["reason_code_origin"]) == (None, "absent")


@pytest.mark.parametrize(
    ("field", "decimals", "expected"),
    [("0000000000974I", "2", 9749), ("0000000000322J", "2", -3221), ("0000000000000{", "2", 0), ("0000000001904}", "2", -19040)],
)
def test_cfonb_signed_amount(field, decimals, expected):
    assert parse_signed_amount(field, decimals, "EUR")["amount_minor"] == expected


def test_cfonb_bad_sign_rejected():
    with pytest.raises(AmountError, match="invalid signed amount"):
        parse_signed_amount("0000000000974X", "2", "EUR")


def _record(code: str, fields: dict[int, str]) -> str:
    """Return a 120-character CFONB record with each value written at its 0-based column."""
    record = list(f"{code}18706    00000EUR2 00123456789".ljust(120))
    for column, value in fields.items():
        record[column : column + len(value)] = value
    return "".join(record)


def test_cfonb_b3_creditor_side(tmp_path):
    from agents.intake.parse import parse_file

    lines = [
        _record("01", {34: "160519", 90: "0000000002412J"}),
        _record("04", {32: "B3", 34: "170519", 42: "150519", 48: "PRLV SEPA IMPAYE AM04", 90: "0000000000974R"}),
        _record("05", {32: "B3", 34: "170519", 45: "NPY", 48: "JEAN DUPONT"}),
        _record("07", {34: "170519", 90: "0000000001637K"}),
    ]
    path = tmp_path / "creditor.txt"
    path.write_text("\n".join(lines) + "\n")

    parsed = parse_file(path)
    events = list(parsed)

    assert parsed.bad_items == []
    assert len(events) == 1
    assert events[0]["returned_amount"] == {"amount_minor": 9749, "currency": "EUR"}
    assert events[0]["debtor_name"] == "JEAN DUPONT"
    assert (events[0]["reason_code"], events[0]["reason_code_origin"]) == ("AM04", "inferred")


def test_resolver_prefers_index_then_rule():
    index = DebtorIndex()
    index.add_payment({"debtor_id": "D1", "mandate_id": "RUM-1", "end_to_end_id": "E-1"})
    index.add_profile("D2", {"mandate_ids": ["RUM-2"]})

    assert DebtorResolver(index).resolve({"mandate_id": "RUM-2", "end_to_end_id": None}) == "D2"
    assert DebtorResolver(index).resolve({"mandate_id": None, "end_to_end_id": "E-1"}) == "D1"
    assert DebtorResolver(index).resolve({"mandate_id": "RUM-9", "end_to_end_id": None}) is None
    assert DebtorResolver(index, "mandate_id").resolve({"mandate_id": "RUM-9", "end_to_end_id": None}) == "RUM-9"


def test_resolver_honours_erasure():
    index = DebtorIndex()
    index.add_profile("D2", {"mandate_ids": ["RUM-2"]})
    index.add_profile("D2", None)

    assert DebtorResolver(index).resolve({"mandate_id": "RUM-2", "end_to_end_id": None}) is None


def test_not_found_message_without_ids_names_fix():
    from agents.intake.resolve import not_found_message

    message = not_found_message({"file_name": "cfonb.txt", "item_position": "line 7", "mandate_id": None,
                                 "end_to_end_id": None})
    assert "neither a mandate id nor an end-to-end id" in message
    assert "line 7" in message
    assert "RELANCE_DEBTOR_ID_RULE" not in message
