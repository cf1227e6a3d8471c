"""The dunning scenario on the real broker: one worker runs every cause, a double rejection, a payment and bad records."""

from __future__ import annotations

import struct
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from agents.cases.business_days import is_target2_business_day, next_target2_business_day
from streams.producer import RelanceProducer
from tests.agents.cases.worker_process import WorkerProcess
from tests.support import read_topic, settings_with_topics

pytestmark = pytest.mark.integration

TIME_SCALE = 43200.0  # one scenario day every 2 real seconds
DAY_SECONDS = 86400 / TIME_SCALE
CAUSE_CODES = {"D-AM04": "AM04", "D-AC01": "AC01", "D-MS02": "MS02", "D-MD06": "MD06", "D-AC04": "AC04",
               "D-AG01": "AG01", "D-UNKNOWN": "ZZ42", "D-TWICE": "AM04", "D-PAYS": "AM04"}

FULL_RUN_NO_REPRESENT = {
    "commands": [("inform", "sms"), ("offer_alternatives", "email"), ("call", "voice"), ("formal_notice", "letter")],
    "actions": [("formal_notice", "formal_notice_action")],
    "fired": [("inform", 1.0), ("offer_alternatives", 8.0), ("call", 10.0), ("formal_notice", 15.0), ("close", 15.0)],
}
OPPOSITION_RUN = {
    "commands": [("inform", "sms"), ("understand_debtor", "voice"), ("offer_alternatives", "email"), ("call", "voice"),
                 ("formal_notice", "letter")],
    "actions": [("formal_notice", "formal_notice_action")],
    "fired": [("inform", 1.0), ("understand_debtor", 3.0), ("offer_alternatives", 8.0), ("call", 10.0),
              ("formal_notice", 15.0), ("close", 15.0)],
}
EXPECTED = {
    "D-AM04": {
        "commands": [("inform", "sms"), ("represent", "email"), ("offer_alternatives", "email"), ("call", "voice"),
                     ("formal_notice", "letter")],
        "actions": [("represent", "represent_action"), ("formal_notice", "formal_notice_action")],
        "fired": [("inform", 1.0), ("represent", 2.0), ("offer_alternatives", 8.0), ("call", 10.0),
                  ("formal_notice", 15.0), ("close", 15.0)],
    },
    "D-AC01": FULL_RUN_NO_REPRESENT,
    "D-MS02": OPPOSITION_RUN,
    "D-MD06": OPPOSITION_RUN,
    "D-AC04": FULL_RUN_NO_REPRESENT,
    "D-AG01": FULL_RUN_NO_REPRESENT,
    "D-UNKNOWN": {
        "commands": [],
        "actions": [("check_with_bank", "hand_off_action")],
        "fired": [("check_with_bank", 0.0)],
    },
    "D-TWICE": {
        "commands": [("inform", "sms"), ("represent", "email"), ("second_rejection_alert", "email"),
                     ("offer_alternatives", "email"), ("formal_notice", "letter")],
        "actions": [("represent", "represent_action"), ("hand_off_unanswered", "hand_off_action"),
                    ("formal_notice", "formal_notice_action")],
        # The alert follows the second rejection, published on day 4.5, so its offset is checked apart.
        "fired": [("inform", 1.0), ("represent", 2.0), ("second_rejection_alert", None), ("offer_alternatives", 8.0),
                  ("hand_off_unanswered", 10.0), ("formal_notice", 15.0), ("close", 15.0)],
    },
    "D-PAYS": {"commands": [("inform", "sms")], "actions": [], "fired": [("inform", 1.0)]},
}


def profile(debtor_id: str, now: datetime) -> dict[str, Any]:
    return {
        "event_id": f"profile-{debtor_id}", "occurred_at": now, "source": "test", "debtor_id": debtor_id,
        "name": "Camille Martin", "email": f"{debtor_id.lower()}@example.org", "phone": "+33612345678",
        "postal_address": {"lines": ["1 rue de la Paix"], "postcode": "75002", "city": "Paris", "country": "FR"},
        "consents": ["email", "sms", "voice", "letter"], "mandate_ids": [f"RUM-{debtor_id}"],
    }


def rejection(debtor_id: str, code: str, event_id: str, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id, "occurred_at": now, "source": "test", "debtor_id": debtor_id,
        "mandate_id": f"RUM-{debtor_id}", "end_to_end_id": f"E2E-{debtor_id}", "reason_code": code,
        "original_amount": {"amount_minor": 10000, "currency": "EUR"}, "message_id": "MSG-1",
        "file_name": "test.xml", "item_position": "1",
    }


@pytest.fixture(scope="module")
def run(stack, tmp_path_factory) -> dict[str, Any]:
    """Run one worker through 17 scenario days and return everything it published, read back by topic."""
    settings = settings_with_topics()
    worker = WorkerProcess(settings, tmp_path_factory.mktemp("worker"), TIME_SCALE, time.time())
    worker.start()
    try:
        now = datetime.now(timezone.utc)
        producer = RelanceProducer(settings)
        producer.publish_many([("debtor_profile", profile(debtor_id, now)) for debtor_id in CAUSE_CODES])
        # A record that breaks its schema: the Avro header names debit_rejected, the body is cut short.
        schema_id = producer.codec.registry.id_for("debit_rejected")
        producer.produce_raw(settings.topic_name("rejections"), b"D-BROKEN", struct.pack(">bI", 0, schema_id) + b"\x02")
        producer.produce_raw(settings.topic_name("rejections"), b"D-GARBAGE", b"not avro at all")
        producer.publish_many([("debit_rejected", rejection(debtor, code, f"rej-{debtor}", now))
                               for debtor, code in CAUSE_CODES.items()])
        published = time.monotonic()

        # The payer pays in full on day 1.5, before the re-presentation on day 2.
        time.sleep(published + 1.5 * DAY_SECONDS - time.monotonic())
        producer.publish_many([("payment_received", {
            "event_id": "pay-D-PAYS", "occurred_at": datetime.now(timezone.utc), "source": "test",
            "debtor_id": "D-PAYS", "mandate_id": "RUM-D-PAYS", "amount": {"amount_minor": 10000, "currency": "EUR"},
            "method": "card"})])

        # The re-presentation of day 2 comes back unpaid on day 4.5.
        time.sleep(published + 4.5 * DAY_SECONDS - time.monotonic())
        producer.publish_many([("debit_rejected", rejection("D-TWICE", "AM04", "rej-D-TWICE-2", datetime.now(timezone.utc)))])

        time.sleep(published + 17 * DAY_SECONDS - time.monotonic())
        readiness = worker.get("/ready")
        metrics_page = worker.get("/metrics")
    finally:
        worker.stop_quietly()

    topics = {}
    for name in ("notification-commands", "actions", "case-events", "dlq"):
        topics[name] = [decoded for _, decoded in read_topic(settings, settings.topic_name(name), 10_000, timeout=5)]
    return {"topics": topics, "ready": readiness, "metrics": metrics_page, "log": worker.log_tail(200)}


def by_debtor(records: list[Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for decoded in records:
        grouped[decoded.record["debtor_id"]].append({**decoded.record, "_schema": decoded.schema_name})
    return grouped


@pytest.mark.parametrize("debtor_id", sorted(EXPECTED))
def test_scenario_sequence_per_cause(run, debtor_id):
    commands = by_debtor(run["topics"]["notification-commands"])[debtor_id]
    actions = by_debtor(run["topics"]["actions"])[debtor_id]
    events = by_debtor(run["topics"]["case-events"])[debtor_id]
    expected = EXPECTED[debtor_id]

    assert [(item["step_id"], item["channel"]) for item in commands] == expected["commands"], run["log"]
    assert [(item["step_id"], item["_schema"]) for item in actions] == expected["actions"]
    fired = [(item["step_id"], item["day_offset"]) for item in events if item["type"] == "step_fired"]
    assert [step for step, _ in fired] == [step for step, _ in expected["fired"]]
    for (step, offset), (_, expected_offset) in zip(fired, expected["fired"]):
        if expected_offset is None:
            assert 4.0 < offset < 5.5, step
        else:
            assert offset == expected_offset, step
    assert [item["type"] for item in events][0] == "opened"


@pytest.mark.parametrize("debtor_id", ["D-AC01", "D-MS02", "D-MD06", "D-AC04", "D-AG01", "D-UNKNOWN"])
def test_forbidding_cause_never_represented(run, debtor_id):
    actions = by_debtor(run["topics"]["actions"])[debtor_id]
    assert not [item for item in actions if item["_schema"] == "represent_action"]


def test_represent_on_target2_business_day(run):
    events = by_debtor(run["topics"]["case-events"])["D-AM04"]
    fired = next(item for item in events if item["type"] == "step_fired" and item["step_id"] == "represent")
    action = next(item for item in by_debtor(run["topics"]["actions"])["D-AM04"] if item["_schema"] == "represent_action")
    assert is_target2_business_day(action["collection_date"])
    assert action["collection_date"] == next_target2_business_day(fired["occurred_at"].date() + timedelta(days=1))
    assert action["amount"] == {"amount_minor": 10000, "currency": "EUR"}


def test_double_rejection_no_third_presentation(run):
    actions = by_debtor(run["topics"]["actions"])["D-TWICE"]
    events = by_debtor(run["topics"]["case-events"])["D-TWICE"]
    assert len([item for item in actions if item["_schema"] == "represent_action"]) == 1
    assert [item["reason"] for item in events if item["type"] == "escalated"][0] == "second rejection"
    hand_off = next(item for item in actions if item["_schema"] == "hand_off_action")
    assert hand_off["reason"] == "two rejections unanswered"


def test_payment_day_two_stops_case(run):
    events = by_debtor(run["topics"]["case-events"])["D-PAYS"]
    resolved = [item for item in events if item["type"] == "resolved"]
    assert len(resolved) == 1
    assert resolved[0]["amount"] == {"amount_minor": 10000, "currency": "EUR"}
    assert 1.0 < resolved[0]["days_to_recover"] < 2.0
    assert events[-1]["type"] == "closed"
    assert [item["step_id"] for item in by_debtor(run["topics"]["notification-commands"])["D-PAYS"]] == ["inform"]


def test_unknown_code_hands_off_and_pauses(run):
    events = by_debtor(run["topics"]["case-events"])["D-UNKNOWN"]
    assert [item["type"] for item in events] == ["opened", "step_fired", "escalated", "paused"]
    assert events[0]["cause"] == "technical"


def test_broken_records_go_to_dlq(run):
    dlq = [decoded.record for decoded in run["topics"]["dlq"]]
    assert sorted(item["key"] for item in dlq) == [b"D-BROKEN", b"D-GARBAGE"]
    for item in dlq:
        assert item["source_topic"].endswith(".rejections")
        assert item["source_partition"] >= 0
        assert item["source_offset"] >= 0
        assert item["error_type"] == "SchemaError"
    garbage = next(item for item in dlq if item["key"] == b"D-GARBAGE")
    assert "magic byte" in garbage["error"]
    assert garbage["value"] == b"not avro at all"


def test_worker_ready_and_metrics(run):
    assert run["ready"][0] == 200
    assert 'relance_dlq_records_total{error_type="SchemaError"' in run["metrics"][1]
    assert "relance_steps_fired_total" in run["metrics"][1]


def test_idempotency_keys_unique(run):
    keys = [decoded.record["idempotency_key"] for decoded in run["topics"]["notification-commands"]]
    assert len(keys) == len(set(keys))
    assert all(key.count(":") >= 2 and key.endswith(":1") for key in keys)
