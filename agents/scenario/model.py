"""Pydantic model of a dunning scenario: steps with a day offset or a trigger, conditions and actions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.reason_codes import Cause

Channel = Literal["email", "sms", "voice", "letter", "push"]
Tone = Literal["friendly", "formal", "firm", "legal"]
Trigger = Literal["second_rejection", "new_bank_details", "mandate_cancelled", "dispute"]
OfferOption = Literal["payment_link", "card", "transfer", "instalments", "cash"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conditions(_Strict):
    """Facts about a case that must all hold; an empty block always holds."""

    causes: list[Cause] | None = None
    codes: list[str] | None = None
    known_code: bool | None = None
    may_represent: bool | None = Field(None, description="The last reason code allows an automatic re-presentation.")
    rejections_min: int | None = Field(None, ge=1)
    rejections_max: int | None = Field(None, ge=1)
    segments: list[str] | None = None
    consent: Channel | None = Field(None, description="The debtor consented to this channel.")
    unanswered: bool | None = Field(None, description="The debtor has not replied since the case opened.")
    is_business: bool | None = None


class NotifyAction(_Strict):
    type: Literal["notify"]
    channels: list[Channel] = Field(min_length=1, description="Channels in order of preference; the next is the fallback.")
    template: str
    tone: Tone = "friendly"


class RepresentAction(_Strict):
    """Present the debit again on the first TARGET2 business day on or after `collect_after_days`."""

    type: Literal["represent"]
    collect_after_days: int = Field(1, ge=1, description="Calendar days between the announcement and the collection.")
    announce: NotifyAction


class OfferAction(_Strict):
    type: Literal["offer"]
    channels: list[Channel] = Field(min_length=1)
    template: str = "payment_options"
    tone: Tone = "friendly"
    options: list[OfferOption] = Field(min_length=1)


class HandOffAction(_Strict):
    type: Literal["hand_off"]
    reason: str
    pause: bool = Field(True, description="Stop the automated steps while a person has the case.")


class FormalNoticeAction(_Strict):
    type: Literal["formal_notice"]
    deadline_days: int = Field(8, ge=1)
    registered: bool = True
    channels: list[Channel] = Field(default_factory=lambda: ["letter"], min_length=1)
    template: str = "formal_notice"
    tone: Tone = "legal"


class CloseAction(_Strict):
    type: Literal["close"]
    reason: str


Action = Annotated[
    NotifyAction | RepresentAction | OfferAction | HandOffAction | FormalNoticeAction | CloseAction,
    Field(discriminator="type"),
]


class Step(_Strict):
    """One dunning step, due `day` days after the case opened or at once when `trigger` happens."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    day: float | None = Field(None, ge=0)
    trigger: Trigger | None = None
    when: Conditions = Conditions()
    unless: Conditions | None = Field(None, description="Skip the step when every one of these conditions holds.")
    action: Action

    @model_validator(mode="after")
    def _one_trigger(self) -> "Step":
        if (self.day is None) == (self.trigger is None):
            raise ValueError("give exactly one of day (days after the case opened) or trigger (an event)")
        return self


class Segment(_Strict):
    name: str
    min_score: float
    day_factor: float = Field(1.0, gt=0, description="Multiplies the day offset of every timed step.")


class Scoring(_Strict):
    """Points for value, tenure and rejection history; the score selects the segment."""

    base: float = 50
    points_per_100_value: float = 1
    max_value_points: float = 30
    points_per_year: float = 5
    max_tenure_points: float = 20
    points_per_past_rejection: float = -15


class Scenario(_Strict):
    name: str
    consent_required: list[Channel] = Field(default_factory=list, description="Channels that need the debtor's consent.")
    scoring: Scoring = Scoring()
    segments: list[Segment] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Scenario":
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} appears twice; give each step its own id")
            seen.add(step.id)
        return self

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    def timed_steps(self) -> list[Step]:
        return sorted((step for step in self.steps if step.day is not None), key=lambda step: step.day or 0.0)

    def triggered_steps(self, trigger: str) -> list[Step]:
        return [step for step in self.steps if step.trigger == trigger]

    def segment_for(self, score: float) -> Segment:
        ranked = sorted(self.segments, key=lambda segment: segment.min_score, reverse=True)
        return next((segment for segment in ranked if score >= segment.min_score), ranked[-1])
