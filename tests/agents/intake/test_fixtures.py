"""Every real bank file in the shared fixtures yields exactly the facts its source lists."""

from __future__ import annotations

from datetime import date

import pytest

from agents.intake.errors import BankFileError
from agents.intake.parse import parse_file


def _events(bank_files, name):
    parsed = parse_file(bank_files / name)
    events = list(parsed)
    assert parsed.bad_items == []
    return parsed, events


def _money(minor, currency="EUR"):
    return {"amount_minor": minor, "currency": currency}


def test_pain002_boi_four_rejections(bank_files):
    parsed, events = _events(bank_files, "pain002-boi-unpaid.xml")

    assert parsed.kind.name == "pain.002.001.03"
    assert [(e["end_to_end_id"], e["mandate_id"], e["reason_code"]) for e in events] == [
        ("E2EID1", "MANDATEID1", "AC01"),
        ("E2EID2", "MANDATEID2", "MS02"),
        ("E2EID3", "MANDATEID3", "MD06"),
        ("E2EID4", "MANDATEID4", "AM04"),
    ]
    for event in events:
        assert event["original_amount"] == _money(10000)
        assert event["returned_amount"] == _money(10000)
        assert event["requested_collection_date"] == date(2016, 10, 9)
        assert event["reason_code_origin"] == "cd"
        assert event["creditor_scheme_id"] == "IE03ZZZ123456"
        assert event["message_id"] == "MSGID99345678912"
        assert event["batch_level"] is False


def test_pain002_boi_invalid_ibans_flagged_not_dropped(bank_files):
    _, events = _events(bank_files, "pain002-boi-unpaid.xml")

    validity = {e["end_to_end_id"]: e["debtor_iban_valid"] for e in events}
    assert validity == {"E2EID1": False, "E2EID2": False, "E2EID3": True, "E2EID4": False}
    for event in events:
        assert ("invalid_iban" in event["flags"]) is (not event["debtor_iban_valid"])
        assert event["debtor_iban_masked"].startswith("IE")
        assert "*" in event["debtor_iban_masked"]
        assert len(event["debtor_iban_hash"]) == 64


def test_pain002_boi_kinds(bank_files):
    _, events = _events(bank_files, "pain002-boi-unpaid.xml")

    assert [e["kind"] for e in events] == ["reject", "refusal", "reject", "reject"]
    assert events[0]["additional_info"] == "ACC NUMBER INVALID"


def test_pain002_wrong_namespace_rejected_whole(bank_files):
    with pytest.raises(BankFileError) as caught:
        parse_file(bank_files / "pain002-wrong-namespace.xml")

    assert "urn:iso:std:iso:20022:tech:xsd:other.002.001.03" in str(caught.value)
    assert caught.value.element_path == "/Document"
    assert caught.value.file.endswith("pain002-wrong-namespace.xml")


@pytest.mark.parametrize(
    ("name", "version", "end_to_end_id", "collection_date", "scheme_id"),
    [
        ("pain002-001-03-ac01.xml", "pain.002.001.03", "Source1234", date(2024, 5, 3), "DE99ZZZ100001234567"),
        ("pain002-001-10-ac01.xml", "pain.002.001.10", "OriginatorID1234", date(2023, 11, 24), "DE00ZZZ00099999999"),
    ],
)
def test_pain002_single_ac01(bank_files, name, version, end_to_end_id, collection_date, scheme_id):
    parsed, events = _events(bank_files, name)

    assert parsed.kind.name == version
    assert len(events) == 1
    event = events[0]
    assert event["end_to_end_id"] == end_to_end_id
    assert event["mandate_id"] == "Mandate-Id"
    assert event["reason_code"] == "AC01"
    assert event["original_amount"] == _money(654314)
    assert event["requested_collection_date"] == collection_date
    assert event["creditor_scheme_id"] == scheme_id
    assert event["debtor_name"] == "Debtor Name"
    assert event["debtor_iban_valid"] is True


def test_camt054_unpaid_ac06(bank_files):
    parsed, events = _events(bank_files, "camt054-unpaid-ac06.xml")

    assert parsed.kind.name == "camt.054.001.02"
    assert len(events) == 1
    event = events[0]
    assert event["end_to_end_id"] == "E2EID1"
    assert event["mandate_id"] == "MANDATEID2"
    assert event["reason_code"] == "AC06"
    assert event["original_amount"] == _money(10000)
    assert event["returned_amount"] == _money(10000)
    assert event["additional_info"] == "/RTYP/RTRN"
    assert event["kind"] == "return"
    assert event["booking_date"] == date(2016, 10, 8)


def test_camt054_postfinance_refunds_in_chf(bank_files):
    parsed, events = _events(bank_files, "camt054-postfinance-md06-refunds.xml")

    assert parsed.kind.name == "camt.054.001.04"
    assert [e["end_to_end_id"] for e in events] == ["EndToEnd-2B6C-CHDDBB5", "E2E-1-1-16030913"]
    assert [e["returned_amount"] for e in events] == [_money(600, "CHF"), _money(1553, "CHF")]
    for event in events:
        assert event["reason_code"] == "MD06"
        assert event["charges"] == _money(70, "CHF")
        assert event["kind"] == "refund"


def test_camt053_abnamro_only_two_returns(bank_files):
    parsed, events = _events(bank_files, "camt053-abnamro-ms03.xml")

    assert parsed.kind.name == "camt.053.001.02"
    assert [(e["end_to_end_id"], e["mandate_id"], e["returned_amount"]) for e in events] == [
        ("1234567X908303803", "123456789XXmandaat", _money(100)),
        ("1234567X908303804", "123456788XXmandaat", _money(92100)),
    ]
    assert {e["reason_code"] for e in events} == {"MS03"}


def test_camt052_return_without_end_to_end_id(bank_files):
    parsed, events = _events(bank_files, "camt052-ruecklastschrift-ms03.xml")

    assert parsed.kind.name == "camt.052.001.02"
    assert len(events) == 1
    event = events[0]
    assert event["reason_code"] == "MS03"
    assert event["mandate_id"] == "TEST1234"
    assert event["end_to_end_id"] is None
    assert event["original_amount"] == _money(5000)
    assert event["returned_amount"] == _money(5300)
    assert event["charges"] == _money(300)
    assert event["additional_info"] == "RUECKLASTSCHRIFT Sonstige Gruende"


def test_cfonb120_one_a3_record(bank_files):
    parsed, events = _events(bank_files, "cfonb120-example.txt")

    assert parsed.kind.name == "cfonb120"
    assert len(events) == 1
    event = events[0]
    assert event["returned_amount"] == _money(9749)
    assert event["additional_info"].startswith("PRLV SEPA GROUPAMA CEN")
    assert event["booking_date"] == date(2019, 5, 17)
    assert event["item_position"] == "line 26"


def test_every_fixture_event_fits_schema(bank_files):
    from streams.codec import AvroCodec

    codec = AvroCodec()
    for path in sorted(bank_files.iterdir()):
        if path.name in ("SOURCES.md", "pain002-wrong-namespace.xml"):
            continue
        for event in parse_file(path):
            codec.validate("debit_rejected", {**event, "debtor_id": "D1"})


def test_event_ids_stable_across_parses(bank_files):
    first = [e["event_id"] for e in parse_file(bank_files / "pain002-boi-unpaid.xml")]
    second = [e["event_id"] for e in parse_file(bank_files / "pain002-boi-unpaid.xml")]

    assert first == second
    assert len(set(first)) == 4
