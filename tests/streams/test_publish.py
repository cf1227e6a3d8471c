"""`relance publish`: every line validated first, then all published, or none."""

from __future__ import annotations

import json

import pytest

from tests.streams.cli_runner import relance_env, run_relance
from tests.support import read_topic, settings_with_topics

pytestmark = pytest.mark.integration


def _payment(debtor: str, amount: int = 1000) -> dict:
    return {
        "event_id": f"pay-{debtor}",
        "occurred_at": "2026-01-05T10:00:00Z",
        "source": "billing",
        "debtor_id": debtor,
        "amount": {"amount_minor": amount, "currency": "EUR"},
        "method": "transfer",
    }


def test_publish_valid_file_keys_by_debtor(stack, tmp_path):
    settings = settings_with_topics()
    path = tmp_path / "payments.jsonl"
    path.write_text("\n".join(json.dumps(_payment(f"D{i}", 100 * i)) for i in range(1, 4)) + "\n")

    result = run_relance("publish", "payment_received", str(path), env=relance_env(settings))

    assert result.returncode == 0, result.stderr
    assert "published 3 payment_received records" in result.stdout
    records = read_topic(settings, settings.topic_name("payments"), expected=3)
    assert sorted(key.decode() for key, _ in records) == ["D1", "D2", "D3"]
    by_key = {key.decode(): decoded.record for key, decoded in records}
    assert by_key["D2"]["amount"] == {"amount_minor": 200, "currency": "EUR"}


def test_publish_bad_line_publishes_nothing(stack, tmp_path):
    settings = settings_with_topics()
    bad = _payment("D2")
    bad["amount"]["amount_minor"] = "12,50"
    lines = [json.dumps(_payment("D1")), json.dumps(bad), "{not json", json.dumps(_payment("D4"))]
    path = tmp_path / "payments.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = run_relance("publish", "payment_received", str(path), env=relance_env(settings))

    assert result.returncode == 1
    assert f"{path}:2: amount.amount_minor: expected an integer, got '12,50'" in result.stderr
    assert f"{path}:3: invalid JSON" in result.stderr
    assert "nothing was published" in result.stderr
    assert read_topic(settings, settings.topic_name("payments"), expected=1, timeout=3) == []


def test_publish_unknown_schema_lists_choices(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("{}\n")
    result = run_relance("publish", "payment", str(path), env=relance_env())
    assert result.returncode == 2
    assert "payment_received" in result.stderr
