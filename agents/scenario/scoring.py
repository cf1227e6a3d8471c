"""Segment scoring: points for the debtor's value, tenure and rejection history."""

from __future__ import annotations

from datetime import date

from agents.scenario.model import Scenario, Segment


def score_debtor(
    scenario: Scenario, *, value_minor: int | None, customer_since: date | None, past_rejections: int, today: date
) -> float:
    """Return the debtor's score; a higher score means a more valuable, more reliable debtor."""
    rule = scenario.scoring
    score = rule.base
    if value_minor:
        score += min(rule.max_value_points, value_minor / 10_000 * rule.points_per_100_value)
    if customer_since is not None and customer_since < today:
        years = (today - customer_since).days / 365.25
        score += min(rule.max_tenure_points, years * rule.points_per_year)
    score += past_rejections * rule.points_per_past_rejection
    return round(score, 2)


def segment_for(scenario: Scenario, score: float) -> Segment:
    return scenario.segment_for(score)
