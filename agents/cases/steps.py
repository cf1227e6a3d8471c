"""Planning and running scenario steps: conditions, the timed schedule, and the records each action produces."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from agents.cases import outputs
from agents.cases.business_days import next_target2_business_day
from agents.cases.outputs import Output
from agents.cases.rules import represent_refusal, usable_channels
from agents.cases.settings import CreditorSettings
from agents.cases.state import Case, DebtorState, FiredStep, ScheduledStep, SentNotification
from agents.reason_codes import classify
from agents.scenario.model import (
    CloseAction,
    Conditions,
    FormalNoticeAction,
    HandOffAction,
    NotifyAction,
    OfferAction,
    RepresentAction,
    Scenario,
    Step,
)


def conditions_hold(
    conditions: Conditions, state: DebtorState, case: Case, profile: dict[str, Any] | None, *, static_only: bool = False
) -> bool:
    """Return whether every condition holds; `static_only` checks only facts that stay fixed until a new rejection."""
    last = case.last_rejection
    code = classify(last.code)
    profile = profile or {}
    checks = [
        conditions.causes is None or last.cause in {cause.value for cause in conditions.causes},
        conditions.codes is None or last.code in conditions.codes,
        conditions.known_code is None or code.known == conditions.known_code,
        conditions.may_represent is None or code.may_represent == conditions.may_represent,
        conditions.segments is None or state.segment in conditions.segments,
        conditions.is_business is None or bool(profile.get("is_business")) == conditions.is_business,
    ]
    if not static_only:
        replied = any(reply.seen_at >= case.opened_at for reply in state.replies)
        checks += [
            conditions.rejections_min is None or len(case.rejections) >= conditions.rejections_min,
            conditions.rejections_max is None or len(case.rejections) <= conditions.rejections_max,
            conditions.consent is None or conditions.consent in (profile.get("consents") or []),
            conditions.unanswered is None or (not replied) == conditions.unanswered,
        ]
    return all(checks)


def step_applies(step: Step, state: DebtorState, case: Case, profile: dict[str, Any] | None) -> bool:
    if not conditions_hold(step.when, state, case, profile):
        return False
    return step.unless is None or not conditions_hold(step.unless, state, case, profile)


def plan(scenario: Scenario, state: DebtorState, case: Case, profile: dict[str, Any] | None, now: datetime) -> None:
    """Schedule the timed steps that may apply to `case`, keeping those already pending.

    A step whose time has passed is scheduled only when the case opens now, so a re-plan after a
    second rejection never fires an old step late.
    """
    segment = next((item for item in scenario.segments if item.name == state.segment), None)
    factor = segment.day_factor if segment else 1.0
    pending = {item.step_id: item for item in case.pending}
    opening = not case.fired and not case.pending and case.opened_at == now
    for step in scenario.timed_steps():
        if step.id in pending or case.has_fired(step.id):
            continue
        if not conditions_hold(step.when, state, case, profile, static_only=True):
            continue
        day_offset = round((step.day or 0.0) * factor, 3)
        due_at = case.opened_at + timedelta(days=day_offset)
        if due_at < now and not opening:
            continue
        pending[step.id] = ScheduledStep(step_id=step.id, due_at=due_at, day_offset=day_offset)
    order = {step.id: index for index, step in enumerate(scenario.steps)}
    case.pending = sorted(
        (item for item in pending.values() if conditions_hold(scenario.step(item.step_id).when, state, case, profile, static_only=True)),
        key=lambda item: (item.due_at, order[item.step_id]),
    )


class StepRunner:
    """Run one step of a case and return the records it produces; the caller stores the changed state."""

    def __init__(self, scenario: Scenario, creditor: CreditorSettings) -> None:
        self.scenario = scenario
        self.creditor = creditor

    def run(
        self,
        state: DebtorState,
        case: Case,
        step: Step,
        *,
        now: datetime,
        day_offset: float,
        profile: dict[str, Any] | None,
        cause_event_id: str,
    ) -> list[Output]:
        context = _Context(self, state, case, step, now, day_offset, profile, cause_event_id)
        if not step_applies(step, state, case, profile):
            return context.skipped("conditions no longer hold")
        action = step.action
        if isinstance(action, NotifyAction):
            return context.notify(action.channels, action.template, action.tone, "notify")
        if isinstance(action, RepresentAction):
            return context.represent(action)
        if isinstance(action, OfferAction):
            case.offer_sent = True
            extra = {"offer_options": ",".join(action.options)}
            return context.notify(action.channels, action.template, action.tone, "offer", extra)
        if isinstance(action, HandOffAction):
            return context.hand_off(action)
        if isinstance(action, FormalNoticeAction):
            return context.formal_notice(action)
        if isinstance(action, CloseAction):
            return context.close(action.reason)
        raise AssertionError(f"unhandled action type {action.type}")

    def variables(self, state: DebtorState, case: Case, profile: dict[str, Any] | None, now: datetime,
                  **extra: str) -> dict[str, str]:
        creditor = self.creditor
        values = {
            "payment_link": f"{creditor.payment_link_base}{case.case_id}",
            "creditor_name": creditor.name,
            "creditor_email": creditor.email,
            "creditor_phone": creditor.phone,
            "creditor_iban": creditor.iban,
            "creditor_bic": creditor.bic,
            "invoice_id": case.invoice_id or "",
            "mandate_id": case.mandate_id or "",
            "case_id": case.case_id,
            "represent_date": case.represent_date.isoformat() if case.represent_date else "",
            "deadline": (now.date() + timedelta(days=creditor.payment_deadline_days)).isoformat(),
            "creditor_address": creditor.address,
            "instalments_link": f"{creditor.instalments_link_base}{case.case_id}",
            "cash_points_link": creditor.cash_points_link,
            "is_business": "true" if (profile or {}).get("is_business") else "false",
            "reason_code": case.last_rejection.code,
        }
        values.update(extra)
        return values


class _Context:
    """The facts one step run needs, so each action reads as a short method."""

    def __init__(self, runner: StepRunner, state: DebtorState, case: Case, step: Step, now: datetime,
                 day_offset: float, profile: dict[str, Any] | None, cause_event_id: str) -> None:
        self.runner, self.state, self.case, self.step = runner, state, case, step
        self.now, self.day_offset, self.profile, self.cause_event_id = now, day_offset, profile, cause_event_id

    def event(self, event_type: str, reason: str | None = None) -> Output:
        return outputs.case_event(
            now=self.now, debtor_id=self.state.debtor_id, case=self.case, event_type=event_type,
            cause_event_id=self.cause_event_id, step_id=self.step.id, day_offset=self.day_offset, reason=reason,
        )

    def record(self, outcome: str) -> None:
        self.case.fired.append(FiredStep(step_id=self.step.id, fired_at=self.now, day_offset=self.day_offset, outcome=outcome))

    def skipped(self, reason: str) -> list[Output]:
        self.record(f"skipped: {reason}")
        return [self.event("step_skipped", reason)]

    def notification(self, channels: list[str], template: str, tone: str, extra: dict[str, str] | None = None) -> tuple[str | None, list[Output]]:
        usable = usable_channels(channels, self.profile, self.state.opt_outs, self.runner.scenario.consent_required)
        if not usable:
            return None, []
        channel, rest = usable[0], usable[1:]
        key = outputs.notification_key(self.case.case_id, self.step.id, 1)
        self.case.notifications[key] = SentNotification(
            step_id=self.step.id, attempt=1, channel=channel, channels_left=rest, template=template, tone=tone,
            extra_variables=extra or {},
        )
        command = outputs.send_notification(
            now=self.now, debtor_id=self.state.debtor_id, case=self.case, step_id=self.step.id, attempt=1,
            channel=channel, template=template, tone=tone, profile=self.profile,
            variables=self.runner.variables(self.state, self.case, self.profile, self.now, **(extra or {})),
        )
        return channel, [command]

    def notify(self, channels: list[str], template: str, tone: str, kind: str, extra: dict[str, str] | None = None) -> list[Output]:
        channel, commands = self.notification(channels, template, tone, extra)
        if channel is None:
            return self.skipped(f"no usable channel among {', '.join(channels)}")
        self.record(f"{kind}:{channel}")
        return commands + [self.event("step_fired", f"{kind} by {channel}")]

    def represent(self, action: RepresentAction) -> list[Output]:
        refusal = represent_refusal(self.case)
        if refusal is not None:
            return self.skipped(refusal)
        collection_date = next_target2_business_day(self.now.date() + timedelta(days=action.collect_after_days))
        self.case.represent_date = collection_date
        self.case.presentations += 1
        announce = action.announce
        # NOTE: the debit is presented again even when no channel can carry the announcement, because the
        # original pre-notification already covered this collection.
        channel, commands = self.notification(announce.channels, announce.template, announce.tone)
        self.record(f"represent on {collection_date.isoformat()}" + (f", announced by {channel}" if channel else ""))
        action_record = outputs.represent_action(
            now=self.now, debtor_id=self.state.debtor_id, case=self.case, step_id=self.step.id,
            collection_date=collection_date,
        )
        return commands + [action_record, self.event("step_fired", f"re-presentation on {collection_date.isoformat()}")]

    def hand_off(self, action: HandOffAction) -> list[Output]:
        self.record("hand_off")
        records = [
            outputs.hand_off_action(now=self.now, debtor_id=self.state.debtor_id, case=self.case, step_id=self.step.id,
                                    reason=action.reason),
            self.event("step_fired", "hand-off to a person"),
            self.event("escalated", action.reason),
        ]
        if action.pause:
            self.case.status, self.case.status_reason = "paused", "handed_off"
            self.case.pending = []
            records.append(self.event("paused", "handed off to a person"))
        return records

    def formal_notice(self, action: FormalNoticeAction) -> list[Output]:
        deadline = self.now.date() + timedelta(days=action.deadline_days)
        channel, commands = self.notification(
            action.channels, action.template, action.tone, {"deadline": deadline.isoformat()}
        )
        self.record("formal_notice" + (f":{channel}" if channel else ""))
        notice = outputs.formal_notice_action(
            now=self.now, debtor_id=self.state.debtor_id, case=self.case, step_id=self.step.id, deadline=deadline,
            registered=action.registered,
        )
        return commands + [notice, self.event("step_fired", "formal notice"), self.event("escalated", "formal notice sent")]

    def close(self, reason: str) -> list[Output]:
        self.record("close")
        self.case.status, self.case.status_reason = "closed", reason
        self.case.closed_at = self.now
        self.case.pending = []
        return [self.event("step_fired", "close"), self.event("closed", reason)]
