"""The case engine without a broker: rules, stop conditions, fallbacks and idempotency, on a manual clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from agents.cases.business_days import is_target2_business_day, next_target2_business_day
from agents.cases.engine import CaseEngine
from agents.cases.settings import CreditorSettings
from agents.cases.state import DebtorState
from agents.scenario import load_scenario
from streams.clock import ManualClock
from streams.codec import AvroCodec

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PROFILE = {
    "debtor_id": "D1", "email": "d1@example.org", "phone": "+33612345678",
    "consents": ["email", "sms", "voice", "letter"],
    "postal_address": {"lines": ["1 rue"], "postcode": "75001", "city": "Paris", "country": "FR"},
}


class Harness:
    """Drive the engine like the agent does: apply records, and fire due steps as the timer would."""

    def __init__(self, profile: dict[str, Any] | None = PROFILE) -> None:
        self.engine = CaseEngine(load_scenario(), CreditorSettings())
        self.clock = ManualClock(START)
        self.profile = profile
        self.state: DebtorState | None = None
        self.outputs: list[tuple[float, str, dict[str, Any]]] = []
        self.codec = AvroCodec()

    def apply(self, schema_name: str, **fields: Any) -> list[Any]:
        record = {"event_id": fields.pop("event_id", f"{schema_name}-{len(self.outputs)}-{self.clock.now()}"),
                  "occurred_at": self.clock.now(), "source": "test", "debtor_id": "D1", **fields}
        applied = self.engine.apply(self.state, schema_name, record, now=self.clock.now(), profile=self.profile)
        self.state = applied.state
        day = (self.clock.now() - START).total_seconds() / 86400
        for output in applied.outputs:
            self.codec.validate(output.schema_name, output.record)
            self.outputs.append((day, output.schema_name, output.record))
        return applied.outputs

    def reject(self, code: str, event_id: str = "r1") -> None:
        self.apply("debit_rejected", event_id=event_id, mandate_id="M1", reason_code=code, end_to_end_id="E1",
                   original_amount={"amount_minor": 10000, "currency": "EUR"}, message_id="m", file_name="f",
                   item_position="1")

    def run_until(self, day: float) -> None:
        while self.clock.now() < START + timedelta(days=day):
            self.clock.advance(timedelta(hours=1))
            assert self.state is not None
            for case, item in self.state.due_steps(self.clock.now()):
                self.apply("step_due", event_id=f"due-{case.case_id}-{item.step_id}", case_id=case.case_id,
                           step_id=item.step_id, due_at=item.due_at)

    def of(self, schema_name: str) -> list[dict[str, Any]]:
        return [record for _, name, record in self.outputs if name == schema_name]


def test_am04_represents_once_on_business_day():
    harness = Harness()
    harness.reject("AM04")
    harness.run_until(16)
    represents = harness.of("represent_action")
    assert len(represents) == 1
    assert is_target2_business_day(represents[0]["collection_date"])


@pytest.mark.parametrize("code", ["AC01", "MS02", "MD06", "MD01", "AC04", "AG01", "ZZ99"])
def test_forbidding_code_never_represented(code):
    harness = Harness()
    harness.reject(code)
    harness.run_until(16)
    assert harness.of("represent_action") == []


def test_second_rejection_blocks_third_presentation():
    harness = Harness()
    harness.reject("AM04")
    harness.run_until(4)
    harness.reject("AM04", event_id="r2")
    harness.apply("debtor_reply", event_id="bank", reply_type="new_bank_details")
    harness.run_until(16)
    assert len(harness.of("represent_action")) == 1
    assert [c["step_id"] for c in harness.of("send_notification")].count("second_rejection_alert") == 1


def test_new_bank_details_allow_represent_for_ac01():
    harness = Harness()
    harness.reject("AC01")
    harness.run_until(3)
    harness.apply("debtor_reply", event_id="bank", reply_type="new_bank_details")
    assert [a["step_id"] for a in harness.of("represent_action")] == ["represent_new_details"]


def test_payment_day_two_cancels_later_steps():
    harness = Harness()
    harness.reject("AM04")
    harness.run_until(1.5)
    harness.apply("payment_received", event_id="pay", mandate_id="M1",
                  amount={"amount_minor": 10000, "currency": "EUR"}, method="card")
    harness.run_until(16)
    assert [c["step_id"] for c in harness.of("send_notification")] == ["inform"]
    resolved = [e for e in harness.of("case_event") if e["type"] == "resolved"]
    assert resolved[0]["days_to_recover"] == pytest.approx(1.5, abs=0.05)


def test_partial_payment_keeps_case_open():
    harness = Harness()
    harness.reject("AM04")
    harness.apply("payment_received", event_id="pay", amount={"amount_minor": 4000, "currency": "EUR"}, method="transfer")
    harness.run_until(2.5)
    assert harness.of("represent_action")[0]["amount"]["amount_minor"] == 6000


@pytest.mark.parametrize("reply_type", ["instalment_plan_accepted", "dispute"])
def test_reply_pauses_case(reply_type):
    harness = Harness()
    harness.reject("AM04")
    harness.run_until(1.5)
    harness.apply("debtor_reply", event_id="reply", reply_type=reply_type)
    harness.run_until(16)
    assert [c["step_id"] for c in harness.of("send_notification")] == ["inform"]
    assert "paused" in [e["type"] for e in harness.of("case_event")]


def test_mandate_cancelled_drops_represent_and_offers():
    harness = Harness()
    harness.reject("AM04")
    harness.run_until(1.5)
    harness.apply("debtor_reply", event_id="cancel", reply_type="mandate_cancelled")
    harness.run_until(3)
    assert harness.of("represent_action") == []
    assert harness.of("send_notification")[-1]["step_id"] == "offer_after_mandate_cancelled"


def test_sms_opt_out_reroutes_to_email():
    harness = Harness()
    harness.reject("AM04")
    harness.apply("debtor_reply", event_id="optout", reply_type="opt_out", channel="sms")
    harness.run_until(1.5)
    assert harness.of("send_notification")[0]["channel"] == "email"


def test_suppressed_sms_falls_back_to_email():
    harness = Harness()
    harness.reject("AM04")
    harness.run_until(1.5)
    command = harness.of("send_notification")[0]
    harness.apply("notification_outcome", event_id="out1", command_id=command["event_id"],
                  idempotency_key=command["idempotency_key"], case_id=command["case_id"], step_id="inform",
                  channel="sms", status="suppressed", reason="invalid phone")
    retry = harness.of("send_notification")[-1]
    assert (retry["channel"], retry["attempt"]) == ("email", 2)
    assert retry["idempotency_key"] == command["idempotency_key"][:-1] + "2"


def test_event_applied_once():
    harness = Harness()
    harness.reject("AM04")
    harness.run_until(1.5)
    count = len(harness.outputs)
    state = harness.state
    assert state is not None
    due = {"event_id": "due-again", "occurred_at": START, "source": "t", "debtor_id": "D1",
           "case_id": next(iter(state.cases)), "step_id": "inform", "due_at": START}
    applied = harness.engine.apply(state, "step_due", due, now=harness.clock.now(), profile=PROFILE)
    assert applied.outputs == []
    harness.reject("AM04")  # the same event id again
    assert len(harness.outputs) == count


def test_no_channel_skips_step():
    harness = Harness(profile=None)
    harness.reject("AM04")
    harness.run_until(1.5)
    events = harness.of("case_event")
    assert events[-1]["type"] == "step_skipped"
    assert harness.of("send_notification") == []


def test_premium_segment_softens_timing():
    profile = {**PROFILE, "lifetime_value": {"amount_minor": 500_000, "currency": "EUR"},
               "customer_since": date(2018, 1, 1)}
    harness = Harness(profile=profile)
    harness.reject("AM04")
    assert harness.state is not None and harness.state.segment == "premium"
    harness.run_until(1.2)
    assert harness.of("send_notification") == []
    harness.run_until(1.6)
    assert [c["step_id"] for c in harness.of("send_notification")] == ["inform"]


def test_target2_skips_easter_monday():
    assert next_target2_business_day(date(2026, 4, 3)) == date(2026, 4, 7)
    assert next_target2_business_day(date(2026, 12, 25)) == date(2026, 12, 28)
