"""The state of one debtor: open cases per mandate and invoice, history, schedule and applied event ids."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

CaseStatus = Literal["open", "paused", "resolved", "closed"]

# A debtor's state keeps this many applied event ids; older ones cannot be redelivered after
# the consumer committed past them, so the bound only matters for very chatty debtors.
MAX_APPLIED_EVENT_IDS = 1000


class Rejection(BaseModel):
    event_id: str
    code: str
    cause: str
    kind: str | None = None
    known_code: bool = True
    end_to_end_id: str | None = None
    seen_at: datetime


class ScheduledStep(BaseModel):
    """A timed step that is due at `due_at` in scenario time; the durable timer fires it."""

    step_id: str
    due_at: datetime
    day_offset: float


class FiredStep(BaseModel):
    step_id: str
    fired_at: datetime
    day_offset: float
    outcome: str
    """What the step did: notify:sms, represent, hand_off, formal_notice, close, or skipped:<reason>."""


class SentNotification(BaseModel):
    """A notification command, kept so that a suppressed one can fall back to the next channel."""

    step_id: str
    attempt: int
    channel: str
    channels_left: list[str]
    template: str
    tone: str
    extra_variables: dict[str, str] = {}
    """Step-specific template variables, such as the formal notice's deadline, that a fallback must repeat."""
    settled: bool = False


class Case(BaseModel):
    case_id: str
    mandate_id: str | None = None
    invoice_id: str | None = None
    end_to_end_id: str | None = None
    status: CaseStatus = "open"
    status_reason: str | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    currency: str = "EUR"
    amount_due_minor: int = 0
    amount_paid_minor: int = 0
    due_date: date | None = None
    rejections: list[Rejection] = Field(default_factory=list)
    presentations: int = 1
    """Presentations of the debit so far: the original one plus any re-presentation."""
    represent_date: date | None = None
    bank_details_updated: bool = False
    mandate_cancelled: bool = False
    offer_sent: bool = False
    fired: list[FiredStep] = Field(default_factory=list)
    pending: list[ScheduledStep] = Field(default_factory=list)
    notifications: dict[str, SentNotification] = Field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        return self.status == "open"

    @property
    def last_rejection(self) -> Rejection:
        return self.rejections[-1]

    @property
    def outstanding_minor(self) -> int:
        return max(0, self.amount_due_minor - self.amount_paid_minor)

    def has_fired(self, step_id: str) -> bool:
        return any(item.step_id == step_id for item in self.fired)

    def day_offset(self, moment: datetime) -> float:
        return round((moment - self.opened_at).total_seconds() / 86400, 3)


class Reply(BaseModel):
    event_id: str
    reply_type: str
    channel: str | None = None
    case_id: str | None = None
    csat_score: int | None = None
    seen_at: datetime


class Presentation(BaseModel):
    """A collection that was sent to the bank, so a later rejection finds its invoice and amount."""

    payment_id: str
    mandate_id: str
    invoice_id: str | None = None
    amount_minor: int
    currency: str
    due_date: date | None = None


class DebtorState(BaseModel):
    """Everything the case agent stores for one debtor, under the debtor id in the cases table."""

    debtor_id: str
    partition: int | None = None
    cases: dict[str, Case] = Field(default_factory=dict)
    presentations: dict[str, Presentation] = Field(default_factory=dict)
    replies: list[Reply] = Field(default_factory=list)
    score: float | None = None
    segment: str | None = None
    opt_outs: list[str] = Field(default_factory=list)
    rejection_count: int = 0
    applied_event_ids: list[str] = Field(default_factory=list)
    next_step_id: str | None = None
    next_due_at: datetime | None = None

    def was_applied(self, event_id: str) -> bool:
        return event_id in self.applied_event_ids

    def mark_applied(self, event_id: str) -> None:
        self.applied_event_ids.append(event_id)
        del self.applied_event_ids[:-MAX_APPLIED_EVENT_IDS]

    def refresh_next_step(self) -> None:
        """Set the next step and its due time from the pending steps of the active cases."""
        upcoming = [
            (item.due_at, item.step_id, case.case_id)
            for case in self.cases.values()
            if case.is_active
            for item in case.pending
        ]
        if upcoming:
            due_at, step_id, _ = min(upcoming)
            self.next_step_id, self.next_due_at = step_id, due_at
        else:
            self.next_step_id, self.next_due_at = None, None

    def due_steps(self, now: datetime) -> list[tuple[Case, ScheduledStep]]:
        return sorted(
            (
                (case, item)
                for case in self.cases.values()
                if case.is_active
                for item in case.pending
                if item.due_at <= now
            ),
            key=lambda pair: (pair[1].due_at, pair[1].day_offset),
        )

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DebtorState":
        return cls.model_validate(data)
