"""Builders of the records that the case agent publishes: commands, actions and case events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from agents.cases.state import Case

SOURCE = "relance.cases"
_EVENT_ID_NAMESPACE = uuid.UUID("3f6c1d8e-6a53-4d3b-9a52-52c3f1f0c0de")


@dataclass(frozen=True)
class Output:
    """One record to publish, keyed by the debtor id."""

    schema_name: str
    record: dict[str, Any]


def stable_event_id(*parts: object) -> str:
    """Return a UUID derived from `parts`, so a record produced again after a crash keeps its id."""
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, ":".join(str(part) for part in parts)))


def notification_key(case_id: str, step_id: str, attempt: int) -> str:
    return f"{case_id}:{step_id}:{attempt}"


def action_key(case_id: str, step_id: str) -> str:
    return f"{case_id}:{step_id}"


def money(case: Case, amount_minor: int | None = None) -> dict[str, Any]:
    return {"amount_minor": case.outstanding_minor if amount_minor is None else amount_minor, "currency": case.currency}


def send_notification(
    *,
    now: datetime,
    debtor_id: str,
    case: Case,
    step_id: str,
    attempt: int,
    channel: str,
    template: str,
    tone: str,
    profile: dict[str, Any] | None,
    variables: dict[str, str],
) -> Output:
    key = notification_key(case.case_id, step_id, attempt)
    profile = profile or {}
    recipient = {
        "name": profile.get("name"),
        "email": profile.get("email"),
        "phone": profile.get("phone"),
        "push_token": profile.get("push_token"),
        "postal_address": profile.get("postal_address"),
        "timezone": profile.get("timezone") or "Europe/Paris",
    }
    return Output(
        "send_notification",
        {
            "event_id": stable_event_id("send_notification", key),
            "occurred_at": now,
            "source": SOURCE,
            "idempotency_key": key,
            "debtor_id": debtor_id,
            "case_id": case.case_id,
            "step_id": step_id,
            "attempt": attempt,
            "channel": channel,
            "template": template,
            "tone": tone,
            "locale": profile.get("locale") or "fr",
            "cause": case.last_rejection.cause,
            "recipient": recipient,
            "amount_due": money(case),
            "due_date": case.due_date,
            "variables": variables,
            "not_before": None,
        },
    )


def _action(schema_name: str, *, now: datetime, debtor_id: str, case: Case, step_id: str,
            **fields: Any) -> Output:
    """Build an action record: its idempotency key and event id derive from the case and the step."""
    key = action_key(case.case_id, step_id)
    return Output(
        schema_name,
        {
            "event_id": stable_event_id(schema_name, key),
            "occurred_at": now,
            "source": SOURCE,
            "idempotency_key": key,
            "debtor_id": debtor_id,
            "case_id": case.case_id,
            "step_id": step_id,
            **fields,
        },
    )


def represent_action(*, now: datetime, debtor_id: str, case: Case, step_id: str, collection_date: date) -> Output:
    return _action(
        "represent_action", now=now, debtor_id=debtor_id, case=case, step_id=step_id,
        mandate_id=case.mandate_id or "", original_end_to_end_id=case.end_to_end_id, amount=money(case),
        collection_date=collection_date,
    )


def hand_off_action(*, now: datetime, debtor_id: str, case: Case, step_id: str, reason: str) -> Output:
    return _action(
        "hand_off_action", now=now, debtor_id=debtor_id, case=case, step_id=step_id,
        reason=reason, amount_due=money(case), cause=case.last_rejection.cause,
    )


def formal_notice_action(
    *, now: datetime, debtor_id: str, case: Case, step_id: str, deadline: date, registered: bool
) -> Output:
    return _action(
        "formal_notice_action", now=now, debtor_id=debtor_id, case=case, step_id=step_id,
        amount_due=money(case), deadline=deadline, registered=registered,
    )


def case_event(
    *,
    now: datetime,
    debtor_id: str,
    case: Case,
    event_type: str,
    cause_event_id: str,
    step_id: str | None = None,
    day_offset: float | None = None,
    reason: str | None = None,
    amount_minor: int | None = None,
    days_to_recover: float | None = None,
) -> Output:
    """Build a case event; `cause_event_id` is the id of the record or step that led to it."""
    rejections = case.rejections
    return Output(
        "case_event",
        {
            "event_id": stable_event_id("case_event", case.case_id, event_type, step_id, cause_event_id),
            "occurred_at": now,
            "source": SOURCE,
            "debtor_id": debtor_id,
            "case_id": case.case_id,
            "type": event_type,
            "step_id": step_id,
            "day_offset": case.day_offset(now) if day_offset is None else day_offset,
            "reason": reason,
            "cause": rejections[-1].cause if rejections else None,
            "amount": money(case, amount_minor) if amount_minor is not None else None,
            "days_to_recover": days_to_recover,
        },
    )
