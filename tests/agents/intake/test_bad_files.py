"""Bad bank files: each error names the file, the element path and the fault; a bad item spares the others."""

from __future__ import annotations

import pytest

from agents.intake.errors import BankFileError
from agents.intake.parse import parse_file
from tests.agents.intake.documents import Item, Style, camt054, pain002

GOOD = Item("E2E-1", "RUM-1", "10.00", "EUR", "AM04")


def _write(tmp_path, text: str | bytes, name: str = "bank.xml"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _reject(path) -> BankFileError:
    with pytest.raises(BankFileError) as caught:
        list(parse_file(path))
    assert caught.value.file == str(path)
    return caught.value


def test_not_xml_rejected(tmp_path):
    error = _reject(_write(tmp_path, b"%PDF-1.7 binary", "statement.pdf"))

    assert "not XML and not a CFONB 120 statement" in error.reason


def test_empty_file_rejected(tmp_path):
    error = _reject(_write(tmp_path, b""))

    assert error.reason == "the file is empty"


def test_unknown_message_type_names_namespace(tmp_path):
    text = pain002([GOOD]).replace("pain.002.001.03", "camt.056.001.08")

    error = _reject(_write(tmp_path, text))

    assert "urn:iso:std:iso:20022:tech:xsd:camt.056.001.08" in error.reason
    assert error.element_path == "/Document"


def test_old_version_rejected(tmp_path):
    error = _reject(_write(tmp_path, pain002([GOOD]).replace("pain.002.001.03", "pain.002.001.02")))

    assert "pain.002.001.02 is not supported" in error.reason


def test_message_element_must_match_namespace(tmp_path):
    text = pain002([GOOD]).replace("CstmrPmtStsRpt", "BkToCstmrStmt")

    error = _reject(_write(tmp_path, text))

    assert error.element_path == "/Document/BkToCstmrStmt"


def test_truncated_file_rejected_whole(tmp_path):
    text = camt054([GOOD, GOOD])

    error = _reject(_write(tmp_path, text[: len(text) - 40]))

    assert "not well-formed XML" in error.reason
    assert error.element_path.startswith("/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]")


def test_missing_message_id_rejected(tmp_path):
    text = pain002([GOOD]).replace("<MsgId>MSG-1</MsgId>", "")

    error = _reject(_write(tmp_path, text))

    assert error.element_path == "/Document/CstmrPmtStsRpt/GrpHdr/MsgId"
    assert "missing" in error.reason


def test_missing_group_status_info_rejected(tmp_path):
    start = pain002([GOOD]).index("<OrgnlGrpInfAndSts>")
    end = pain002([GOOD]).index("</OrgnlGrpInfAndSts>") + len("</OrgnlGrpInfAndSts>")
    text = pain002([GOOD])[:start] + pain002([GOOD])[end:]

    error = _reject(_write(tmp_path, text))

    assert "OrgnlGrpInfAndSts is missing" in error.reason


def test_doctype_with_external_entity_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    text = pain002([GOOD]).replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file://{secret}">]>',
    ).replace("RUM-1", "&x;")

    error = _reject(_write(tmp_path, text))

    assert "DOCTYPE" in error.reason
    assert "TOPSECRET" not in str(error)


@pytest.mark.parametrize("builder", [pain002, camt054])
def test_amount_with_comma_rejects_only_item(tmp_path, builder):
    bad = Item("E2E-2", "RUM-2", "12,50", "EUR", "AM04")
    path = _write(tmp_path, builder([GOOD, bad, GOOD]))

    parsed = parse_file(path)
    events = list(parsed)

    assert len(events) == 2
    assert len(parsed.bad_items) == 1
    error = parsed.bad_items[0].error
    assert "'12,50'" in error.reason
    assert "dot as the decimal separator" in error.reason
    assert error.element_path.endswith("/Amt") or error.element_path.endswith("/InstdAmt")


@pytest.mark.parametrize("builder", [pain002, camt054])
def test_empty_amount_rejects_only_item(tmp_path, builder):
    bad = Item("E2E-2", "RUM-2", "", "EUR", "AM04")
    parsed = parse_file(_write(tmp_path, builder([bad, GOOD])))

    events = list(parsed)

    assert [event["end_to_end_id"] for event in events] == ["E2E-1"]
    assert parsed.bad_items[0].error.reason == "the amount is empty"


def test_too_many_decimals_rejected(tmp_path):
    parsed = parse_file(_write(tmp_path, pain002([Item("E", "M", "1.005", "EUR", "AM04")])))

    assert list(parsed) == []
    assert "more than 2 decimals" in parsed.bad_items[0].error.reason


def test_missing_currency_rejected(tmp_path):
    text = pain002([GOOD]).replace(' Ccy="EUR"', "")
    parsed = parse_file(_write(tmp_path, text))

    assert list(parsed) == []
    assert "Ccy attribute is missing" in parsed.bad_items[0].error.reason


def test_accepted_transactions_yield_nothing(tmp_path):
    accepted = Item("E2E-3", "RUM-3", "10.00", "EUR", None, status="ACSC")

    events = list(parse_file(_write(tmp_path, pain002([accepted, GOOD]))))

    assert [event["end_to_end_id"] for event in events] == ["E2E-1"]


def test_credit_transfer_report_yields_nothing(tmp_path):
    text = pain002([GOOD]).replace("pain.008.001.02", "pain.001.001.03")

    assert list(parse_file(_write(tmp_path, text))) == []


def test_group_rejection_without_transactions_yields_one_event(tmp_path):
    text = (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        "<GrpHdr><MsgId>GRP-1</MsgId><CreDtTm>2024-05-22T09:30:47</CreDtTm></GrpHdr>"
        "<OrgnlGrpInfAndSts><OrgnlMsgId>O-1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>"
        "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn><AddtlInf>Invalid file format</AddtlInf></StsRsnInf>"
        "</OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"
    )

    events = list(parse_file(_write(tmp_path, text)))

    assert len(events) == 1
    assert events[0]["batch_level"] is True
    assert events[0]["reason_code"] == "FF01"
    assert events[0]["item_position"] == "/Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts"
    assert "no_transactions_listed" in events[0]["flags"]


def test_batch_rejection_without_transactions_yields_one_event(tmp_path):
    text = (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        "<GrpHdr><MsgId>GRP-2</MsgId><CreDtTm>2024-05-22T09:30:47</CreDtTm></GrpHdr>"
        "<OrgnlGrpInfAndSts><OrgnlMsgId>O-1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>"
        "<GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>"
        "<OrgnlPmtInfAndSts><OrgnlPmtInfId>B-1</OrgnlPmtInfId><PmtInfSts>ACSC</PmtInfSts></OrgnlPmtInfAndSts>"
        "<OrgnlPmtInfAndSts><OrgnlPmtInfId>B-2</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts>"
        "<StsRsnInf><Rsn><Cd>BE05</Cd></Rsn></StsRsnInf></OrgnlPmtInfAndSts>"
        "</CstmrPmtStsRpt></Document>"
    )

    events = list(parse_file(_write(tmp_path, text)))

    assert [(e["item_position"], e["reason_code"], e["batch_level"]) for e in events] == [
        ("/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts[2]", "BE05", True)
    ]


def test_transaction_inherits_batch_reason(tmp_path):
    text = pain002([Item("E2E-4", "RUM-4", "5.00", "EUR", None)]).replace(
        "<OrgnlPmtInfId>BATCH-1</OrgnlPmtInfId>",
        "<OrgnlPmtInfId>BATCH-1</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>",
    )

    events = list(parse_file(_write(tmp_path, text)))

    assert events[0]["reason_code"] == "AC04"


@pytest.mark.parametrize("style", [Style(prefix="ns0"), Style(redeclare=True), Style(prefix="p", redeclare=True)])
def test_namespace_prefixes_read_alike(tmp_path, style):
    plain = [{k: v for k, v in e.items()} for e in parse_file(_write(tmp_path, camt054([GOOD]), "a.xml"))]
    styled = list(parse_file(_write(tmp_path, camt054([GOOD], style=style), "a.xml")))

    assert styled == plain
