"""Ingest on the real broker: re-ingesting adds no record, and unresolved debtors go to the DLQ."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timezone

import pytest

from agents.intake.ingest import ingest_files
from agents.intake.settings import IntakeSettings
from streams.producer import RelanceProducer
from tests.streams.cli_runner import relance_env, run_relance
from tests.support import read_topic, settings_with_topics

pytestmark = pytest.mark.integration


def _payment(debtor_id: str, mandate_id: str, end_to_end_id: str) -> dict:
    return {
        "event_id": f"pay-{end_to_end_id}",
        "occurred_at": datetime(2016, 10, 1, tzinfo=timezone.utc),
        "source": "billing",
        "debtor_id": debtor_id,
        "payment_id": f"P-{end_to_end_id}",
        "mandate_id": mandate_id,
        "end_to_end_id": end_to_end_id,
        "invoice_id": None,
        "amount": {"amount_minor": 10000, "currency": "EUR"},
        "due_date": date(2016, 10, 9),
        "creditor_scheme_id": "IE03ZZZ123456",
        "sequence_type": "RCUR",
    }


def test_reingest_adds_no_record(stack, bank_files):
    settings = settings_with_topics()
    with RelanceProducer(settings) as producer:
        for number in range(1, 5):
            producer.publish("payment_presented", _payment(f"D{number}", f"MANDATEID{number}", f"E2EID{number}"))
    path = bank_files / "pain002-boi-unpaid.xml"

    first = ingest_files([path], settings)
    second = ingest_files([path], settings)

    assert (first[0].parsed, first[0].published, first[0].duplicates, first[0].rejected) == (4, 4, 0, 0)
    assert (second[0].parsed, second[0].published, second[0].duplicates, second[0].rejected) == (4, 0, 4, 0)
    records = read_topic(settings, settings.topic_name("rejections"), expected=5, timeout=10)
    assert len(records) == 4
    event_ids = [decoded.record["event_id"] for _, decoded in records]
    assert len(set(event_ids)) == 4
    by_key = {key.decode(): decoded.record for key, decoded in records}
    assert sorted(by_key) == ["D1", "D2", "D3", "D4"]
    assert by_key["D3"]["reason_code"] == "MD06"


def test_unresolved_debtor_goes_to_dlq(stack, bank_files):
    settings = settings_with_topics()
    with RelanceProducer(settings) as producer:
        producer.publish("payment_presented", _payment("D1", "MANDATEID1", "E2EID1"))

    summary = ingest_files([bank_files / "pain002-boi-unpaid.xml"], settings)[0]

    assert (summary.parsed, summary.published, summary.rejected) == (4, 1, 3)
    assert summary.failed
    assert "no debtor found for mandate id 'MANDATEID2'" in summary.reasons[0]
    dlq = read_topic(settings, settings.topic_name("dlq"), expected=3, timeout=15)
    assert len(dlq) == 3
    assert {decoded.record["error_type"] for _, decoded in dlq} == {"DebtorNotFound"}
    assert all("RELANCE_DEBTOR_ID_RULE" in decoded.record["error"] for _, decoded in dlq)


def test_rule_gives_debtor_id(stack, bank_files):
    settings = settings_with_topics()

    summary = ingest_files(
        [bank_files / "camt053-abnamro-ms03.xml"], settings, intake_settings=IntakeSettings(debtor_id_rule="mandate_id")
    )[0]

    assert (summary.published, summary.rejected) == (2, 0)
    records = read_topic(settings, settings.topic_name("rejections"), expected=2, timeout=10)
    assert sorted(key.decode() for key, _ in records) == ["123456788XXmandaat", "123456789XXmandaat"]


def test_cli_reingest_same_file_twice(stack, bank_files, tmp_path):
    settings = settings_with_topics()
    env = relance_env(settings, RELANCE_DEBTOR_ID_RULE="end_to_end_id")
    path = tmp_path / "refunds.xml"
    shutil.copy(bank_files / "camt054-postfinance-md06-refunds.xml", path)

    first = run_relance("ingest", str(path), env=env)
    second = run_relance("ingest", str(path), str(bank_files / "pain002-wrong-namespace.xml"), env=env)

    assert first.returncode == 0, first.stderr
    assert "refunds.xml: parsed 2, published 2, duplicates 0, rejected 0" in first.stdout
    assert second.returncode == 1
    assert "refunds.xml: parsed 2, published 0, duplicates 2, rejected 0" in second.stdout
    assert "pain002-wrong-namespace.xml: rejected as a whole" in second.stdout
    assert "Traceback" not in second.stderr
    assert len(read_topic(settings, settings.topic_name("rejections"), expected=3, timeout=10)) == 2


def test_cli_dry_run_json_needs_no_broker(bank_files):
    env = relance_env(RELANCE_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")

    result = run_relance("ingest", "--dry-run", "--json", str(bank_files / "pain002-boi-unpaid.xml"), env=env)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert '"reason_code": "AC01"' in lines[0]
    assert "IE98BOFI90393912121212" not in result.stdout + result.stderr
    assert "pain002-boi-unpaid.xml: parsed 4" in result.stderr
