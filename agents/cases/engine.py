"""The case engine: apply one input record to a debtor's state and return the records to publish.

The engine is pure: it reads no clock and sends nothing, so the Faust agent and the unit tests drive it
the same way. Each handler checks idempotency first, through the event ids that the state has applied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from agents.cases import outputs
from agents.cases.outputs import Output
from agents.cases.rules import usable_channels
from agents.cases.settings import CreditorSettings
from agents.cases.state import Case, DebtorState, Presentation, Rejection, Reply, SentNotification
from agents.cases.steps import StepRunner, plan, step_applies
from agents.reason_codes import classify
from agents.scenario.model import Scenario
from agents.scenario.scoring import score_debtor

log = logging.getLogger(__name__)

MAX_PRESENTATIONS_KEPT = 50
# Outcome reasons that mean the debtor refused the channel, so later steps avoid it too.
OPT_OUT_REASONS = ("opt_out", "opt-out", "opted_out")


@dataclass
class Applied:
    """What applying one record produced: the new state (None to erase it) and the records to publish."""

    state: DebtorState | None
    outputs: list[Output] = field(default_factory=list)
    duplicate: bool = False


class CaseEngine:
    def __init__(self, scenario: Scenario, creditor: CreditorSettings) -> None:
        self.scenario = scenario
        self.runner = StepRunner(scenario, creditor)

    def apply(
        self,
        state: DebtorState | None,
        schema_name: str,
        record: dict[str, Any],
        *,
        now: datetime,
        profile: dict[str, Any] | None,
    ) -> Applied:
        """Apply `record`, a decoded `schema_name` record keyed by its debtor id, at scenario time `now`."""
        debtor_id = record["debtor_id"]
        state = state or DebtorState(debtor_id=debtor_id)
        if state.was_applied(record["event_id"]):
            return Applied(state, duplicate=True)

        handler = getattr(self, f"_on_{schema_name}", None)
        produced = handler(state, record, now, profile) if handler else []

        state.mark_applied(record["event_id"])
        state.refresh_next_step()
        return Applied(state, produced)

    # Rejections

    def _on_debit_rejected(self, state: DebtorState, record: dict[str, Any], now: datetime, profile: dict[str, Any] | None) -> list[Output]:
        code = classify(record.get("reason_code"))
        rejection = Rejection(
            event_id=record["event_id"], code=code.code, cause=code.cause.value, kind=record.get("kind"),
            known_code=code.known, end_to_end_id=record.get("end_to_end_id"), seen_at=now,
        )
        presentation = state.presentations.get(record.get("end_to_end_id") or "")
        case = self._matching_case(state, record.get("mandate_id"), presentation.invoice_id if presentation else None)
        past_rejections = state.rejection_count
        state.rejection_count += 1

        if case is None:
            return self._open_case(state, record, rejection, presentation, past_rejections, now, profile)

        case.rejections.append(rejection)
        produced = [self._event(state, case, "rejection_recorded", record["event_id"], now, reason=f"reason code {code.code}")]
        if len(case.rejections) == 2 and case.is_active:
            produced.append(self._event(state, case, "escalated", record["event_id"], now, reason="second rejection"))
            produced += self._trigger(state, case, "second_rejection", record["event_id"], now, profile)
        if case.is_active:
            plan(self.scenario, state, case, profile, now)
        return produced

    def _open_case(self, state: DebtorState, record: dict[str, Any], rejection: Rejection,
                   presentation: Presentation | None, past_rejections: int, now: datetime,
                   profile: dict[str, Any] | None) -> list[Output]:
        amount = record.get("returned_amount") or record.get("original_amount")
        if amount is None and presentation is not None:
            amount = {"amount_minor": presentation.amount_minor, "currency": presentation.currency}
        amount = amount or {"amount_minor": 0, "currency": "EUR"}
        mandate_id = record.get("mandate_id") or (presentation.mandate_id if presentation else None)
        invoice_id = presentation.invoice_id if presentation else None
        reference = invoice_id or record.get("end_to_end_id") or record["event_id"][:12]
        case = Case(
            case_id=f"{state.debtor_id}:{mandate_id or 'no-mandate'}:{reference}",
            mandate_id=mandate_id, invoice_id=invoice_id, end_to_end_id=record.get("end_to_end_id"),
            opened_at=now, currency=amount["currency"], amount_due_minor=amount["amount_minor"],
            due_date=_due_date(record, presentation),
            rejections=[rejection],
        )
        state.cases[case.case_id] = case

        profile = profile or {}
        value = profile.get("lifetime_value") or {}
        state.score = score_debtor(
            self.scenario, value_minor=value.get("amount_minor"), customer_since=_as_date(profile.get("customer_since")),
            past_rejections=past_rejections, today=now.date(),
        )
        state.segment = self.scenario.segment_for(state.score).name

        plan(self.scenario, state, case, profile, now)
        log.info("case opened case_id=%s code=%s cause=%s segment=%s", case.case_id, rejection.code,
                 rejection.cause, state.segment)
        return [
            self._event(state, case, "opened", record["event_id"], now, reason=f"reason code {rejection.code}",
                        amount_minor=case.amount_due_minor),
        ]

    @staticmethod
    def _matching_case(state: DebtorState, mandate_id: str | None, invoice_id: str | None) -> Case | None:
        for case in state.cases.values():
            if case.status in ("resolved", "closed") or case.mandate_id != mandate_id:
                continue
            if invoice_id is None or case.invoice_id in (None, invoice_id):
                return case
        return None

    # Payments

    def _on_payment_presented(self, state: DebtorState, record: dict[str, Any], now: datetime, profile: dict[str, Any] | None) -> list[Output]:
        key = record.get("end_to_end_id") or record["payment_id"]
        state.presentations[key] = Presentation(
            payment_id=record["payment_id"], mandate_id=record["mandate_id"], invoice_id=record.get("invoice_id"),
            amount_minor=record["amount"]["amount_minor"], currency=record["amount"]["currency"],
            due_date=record.get("due_date"),
        )
        for stale in list(state.presentations)[:-MAX_PRESENTATIONS_KEPT]:
            del state.presentations[stale]
        return []

    def _on_payment_received(self, state: DebtorState, record: dict[str, Any], now: datetime, profile: dict[str, Any] | None) -> list[Output]:
        case = self._case_for_payment(state, record)
        if case is None:
            log.info("payment matches no open case debtor_id=%s event_id=%s", state.debtor_id, record["event_id"])
            return []
        case.amount_paid_minor += record["amount"]["amount_minor"]
        method = record.get("method") or "other"
        if case.outstanding_minor > 0:
            return [self._event(state, case, "other", record["event_id"], now,
                                reason=f"partial payment by {method}; later steps ask for the rest",
                                amount_minor=record["amount"]["amount_minor"])]

        days = case.day_offset(now)
        case.status, case.status_reason, case.closed_at = "resolved", f"payment_received:{method}", now
        case.pending = []
        log.info("case resolved case_id=%s method=%s days_to_recover=%s", case.case_id, method, days)
        return [
            self._event(state, case, "resolved", record["event_id"], now, reason=f"payment received by {method}",
                        amount_minor=case.amount_paid_minor, days_to_recover=days),
            self._event(state, case, "closed", record["event_id"], now, reason="paid in full"),
        ]

    @staticmethod
    def _case_for_payment(state: DebtorState, record: dict[str, Any]) -> Case | None:
        unpaid = [case for case in state.cases.values() if case.status != "resolved" and case.outstanding_minor > 0]
        for field_name in ("invoice_id", "mandate_id"):
            wanted = record.get(field_name)
            match = next((case for case in unpaid if wanted and getattr(case, field_name) == wanted), None)
            if match is not None:
                return match
        return min(unpaid, key=lambda case: case.opened_at, default=None)

    # Replies

    def _on_debtor_reply(self, state: DebtorState, record: dict[str, Any], now: datetime, profile: dict[str, Any] | None) -> list[Output]:
        reply_type, channel = record["reply_type"], record.get("channel")
        state.replies.append(Reply(event_id=record["event_id"], reply_type=reply_type, channel=channel,
                                   case_id=record.get("case_id"), csat_score=record.get("csat_score"), seen_at=now))
        if reply_type == "opt_out" and channel and channel not in state.opt_outs:
            state.opt_outs.append(channel)
        if reply_type == "opt_in" and channel in state.opt_outs:
            state.opt_outs.remove(channel)

        cases = [case for case in state.cases.values() if case.status in ("open", "paused")]
        if record.get("case_id") in state.cases:
            cases = [case for case in cases if case.case_id == record["case_id"]]
        produced: list[Output] = []
        for case in cases:
            produced += self._reply_to_case(state, case, record, now, profile)
        return produced

    def _reply_to_case(self, state: DebtorState, case: Case, record: dict[str, Any], now: datetime,
                       profile: dict[str, Any] | None) -> list[Output]:
        reply_type, event_id = record["reply_type"], record["event_id"]
        if reply_type == "opt_out":
            return [self._event(state, case, "other", event_id, now,
                                reason=f"opt-out of {record.get('channel')}; later messages use another channel")]
        if reply_type == "instalment_plan_accepted":
            return self._pause(state, case, event_id, now, "instalment plan accepted")
        if reply_type == "dispute":
            produced = self._trigger(state, case, "dispute", event_id, now, profile)
            if case.status == "open":
                produced += self._pause(state, case, event_id, now, "dispute")
            return produced
        if reply_type == "new_bank_details":
            case.bank_details_updated = True
            return self._trigger(state, case, "new_bank_details", event_id, now, profile)
        if reply_type == "mandate_cancelled":
            case.mandate_cancelled = True
            represent_steps = {step.id for step in self.scenario.steps if step.action.type == "represent"}
            case.pending = [item for item in case.pending if item.step_id not in represent_steps]
            return self._trigger(state, case, "mandate_cancelled", event_id, now, profile)
        return []

    def _pause(self, state: DebtorState, case: Case, event_id: str, now: datetime, reason: str) -> list[Output]:
        case.status, case.status_reason = "paused", reason
        case.pending = []
        return [self._event(state, case, "paused", event_id, now, reason=reason)]

    # Notification outcomes

    def _on_notification_outcome(self, state: DebtorState, record: dict[str, Any], now: datetime, profile: dict[str, Any] | None) -> list[Output]:
        case = state.cases.get(record["case_id"])
        sent = case.notifications.get(record["idempotency_key"]) if case else None
        if case is None or sent is None or sent.settled:
            return []
        sent.settled = True
        reason = (record.get("reason") or "").lower()
        if record["status"] not in ("suppressed", "failed"):
            return []
        if any(word in reason for word in OPT_OUT_REASONS) and sent.channel not in state.opt_outs:
            state.opt_outs.append(sent.channel)
        if not case.is_active:
            return []
        return self._fall_back(state, case, sent, record, now, profile)

    def _fall_back(self, state: DebtorState, case: Case, sent: SentNotification, record: dict[str, Any],
                   now: datetime, profile: dict[str, Any] | None) -> list[Output]:
        usable = usable_channels(sent.channels_left, profile, state.opt_outs, self.scenario.consent_required)
        why = f"{sent.channel} {record['status']}: {record.get('reason') or 'no reason given'}"
        if not usable:
            return [self._event(state, case, "other", record["event_id"], now, step_id=sent.step_id,
                                reason=f"{why}; no other usable channel")]
        attempt = sent.attempt + 1
        key = outputs.notification_key(case.case_id, sent.step_id, attempt)
        case.notifications[key] = SentNotification(step_id=sent.step_id, attempt=attempt, channel=usable[0],
                                                   channels_left=usable[1:], template=sent.template, tone=sent.tone,
                                                   extra_variables=sent.extra_variables)
        command = outputs.send_notification(
            now=now, debtor_id=state.debtor_id, case=case, step_id=sent.step_id, attempt=attempt, channel=usable[0],
            template=sent.template, tone=sent.tone, profile=profile,
            variables=self.runner.variables(state, case, profile, now, **sent.extra_variables),
        )
        return [command, self._event(state, case, "other", record["event_id"], now, step_id=sent.step_id,
                                     reason=f"{why}; falls back to {usable[0]}")]

    # Timers

    def _on_step_due(self, state: DebtorState, record: dict[str, Any], now: datetime, profile: dict[str, Any] | None) -> list[Output]:
        case = state.cases.get(record["case_id"])
        if case is None or not case.is_active:
            return []
        scheduled = next((item for item in case.pending if item.step_id == record["step_id"]), None)
        step = self.scenario.step(record["step_id"])
        if scheduled is None or step is None:
            # Fired already, or cancelled since the timer sent this record.
            return []
        case.pending.remove(scheduled)
        return self.runner.run(state, case, step, now=now, day_offset=scheduled.day_offset, profile=profile,
                               cause_event_id=record["event_id"])

    def _trigger(self, state: DebtorState, case: Case, trigger: str, event_id: str, now: datetime,
                 profile: dict[str, Any] | None) -> list[Output]:
        produced: list[Output] = []
        for step in self.scenario.triggered_steps(trigger):
            if case.has_fired(step.id) or not case.is_active or not step_applies(step, state, case, profile):
                continue
            produced += self.runner.run(state, case, step, now=now, day_offset=case.day_offset(now), profile=profile,
                                        cause_event_id=event_id)
        return produced

    @staticmethod
    def _event(state: DebtorState, case: Case, event_type: str, event_id: str, now: datetime, **fields: Any) -> Output:
        return outputs.case_event(now=now, debtor_id=state.debtor_id, case=case, event_type=event_type,
                                  cause_event_id=event_id, **fields)


def _as_date(value: Any) -> date | None:
    """Return a profile date that may come decoded from Avro or stored as ISO text in the profiles table."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _due_date(record: dict[str, Any], presentation: Presentation | None) -> Any:
    """Return the date the debit was due: the requested collection date, else the presentation's, else the booking date."""
    if record.get("requested_collection_date"):
        return record["requested_collection_date"]
    if presentation is not None and presentation.due_date:
        return presentation.due_date
    return record.get("booking_date") or record.get("value_date") or record["occurred_at"].date()
