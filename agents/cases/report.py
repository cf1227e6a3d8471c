"""Timelines and KPIs built from the records the engine published, for the demo and for operators."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

# Targets that the creditor tracks for the automated dunning.
TARGET_RESOLUTION_RATE = 0.85
TARGET_DAYS_TO_RECOVER = 10.0
TARGET_OFFER_CONVERSION = 0.70
TARGET_CSAT = 4.5


@dataclass(frozen=True)
class TimelineLine:
    day: float
    text: str


def timelines(case_events: list[dict[str, Any]], commands: list[dict[str, Any]], actions: list[tuple[str, dict[str, Any]]]) -> dict[str, list[TimelineLine]]:
    """Return, per debtor id, the case's story ordered by scenario day."""
    opened_at = {e["case_id"]: e["occurred_at"] for e in case_events if e["type"] == "opened"}

    def day_of(record: dict[str, Any]) -> float:
        start = opened_at.get(record["case_id"])
        return round((record["occurred_at"] - start).total_seconds() / 86400, 1) if start else 0.0

    lines: dict[str, list[TimelineLine]] = defaultdict(list)
    for event in case_events:
        if event["type"] in ("step_fired",):
            continue
        step = f" {event['step_id']}" if event["type"] == "step_skipped" else ""
        text = f"case {event['type']}{step}" + (f" ({event['reason']})" if event.get("reason") else "")
        if event["type"] == "opened":
            text += f", cause {event['cause']}"
        lines[event["debtor_id"]].append(TimelineLine(day_of(event), text))
    for command in commands:
        lines[command["debtor_id"]].append(TimelineLine(
            day_of(command), f"step {command['step_id']}: {command['channel']} {command['template']} ({command['tone']})"))
    for schema_name, action in actions:
        detail = {
            "represent_action": lambda a: f"re-present on {a['collection_date']}",
            "hand_off_action": lambda a: f"hand off to a person: {a['reason']}",
            "formal_notice_action": lambda a: f"formal notice, deadline {a['deadline']}",
        }[schema_name](action)
        lines[action["debtor_id"]].append(TimelineLine(day_of(action), f"step {action['step_id']}: {detail}"))
    return {debtor: sorted(items, key=lambda line: line.day) for debtor, items in lines.items()}


@dataclass(frozen=True)
class Kpis:
    cases: int
    resolved: int
    mean_days_to_recover: float | None
    offers: int
    offers_converted: int
    csat: float | None

    @property
    def resolution_rate(self) -> float:
        return self.resolved / self.cases if self.cases else 0.0

    @property
    def offer_conversion(self) -> float | None:
        return self.offers_converted / self.offers if self.offers else None

    def lines(self) -> list[str]:
        def show(value: float | None, fmt: str) -> str:
            return "n/a" if value is None else format(value, fmt)

        return [
            f"resolution rate      {self.resolution_rate:6.0%}  ({self.resolved} of {self.cases} cases)  target {TARGET_RESOLUTION_RATE:.0%}",
            f"mean days to recover {show(self.mean_days_to_recover, '6.1f')}  target {TARGET_DAYS_TO_RECOVER:.0f}",
            f"offer conversion     {show(self.offer_conversion, '6.0%')}  ({self.offers_converted} of {self.offers} offers)  target {TARGET_OFFER_CONVERSION:.0%}",
            f"CSAT                 {show(self.csat, '6.1f')}  target {TARGET_CSAT}",
        ]


def kpis(case_events: list[dict[str, Any]], replies: list[dict[str, Any]]) -> Kpis:
    cases = {e["case_id"] for e in case_events if e["type"] == "opened"}
    resolved = [e for e in case_events if e["type"] == "resolved"]
    offered_at = {}
    for event in case_events:
        if event["type"] == "step_fired" and (event.get("reason") or "").startswith("offer"):
            offered_at.setdefault(event["case_id"], event["occurred_at"])
    converted = sum(1 for e in resolved if e["case_id"] in offered_at and e["occurred_at"] >= offered_at[e["case_id"]])
    days = [e["days_to_recover"] for e in resolved if e.get("days_to_recover") is not None]
    # Only debtors with a case count: a satisfaction reply from anyone else rates no dunning.
    debtors = {e["debtor_id"] for e in case_events if e["type"] == "opened"}
    scores = [r["csat_score"] for r in replies
              if r.get("reply_type") == "satisfaction" and r.get("csat_score") and r["debtor_id"] in debtors]
    return Kpis(
        cases=len(cases), resolved=len(resolved), mean_days_to_recover=sum(days) / len(days) if days else None,
        offers=len(offered_at), offers_converted=converted, csat=sum(scores) / len(scores) if scores else None,
    )
