"""Prometheus metrics of the case agent; labels carry topics, steps and reasons, never personal data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PROCESSED = Counter(
    "relance_case_events_processed_total", "Input records that the case agent handled, by topic and result.",
    ["topic", "result"],
)
DLQ_RECORDS = Counter(
    "relance_dlq_records_total", "Records sent to the dead-letter topic, by source topic and error type.",
    ["source_topic", "error_type"],
)
TIMER_LAG = Histogram(
    "relance_timer_lag_seconds", "Real seconds between a step's due time and the moment its timer record was sent.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
STEPS_FIRED = Counter("relance_steps_fired_total", "Scenario steps fired, by step id.", ["step_id"])
STEPS_SKIPPED = Counter("relance_steps_skipped_total", "Scenario steps skipped, by step id.", ["step_id"])
CASES_OPEN = Gauge("relance_cases_open", "Open or paused cases on this worker's partitions.")
RESOLUTIONS = Counter("relance_case_resolutions_total", "Cases resolved by a payment.", ["cause"])
REJECTIONS = Counter(
    "relance_case_rejections_total",
    "Rejections applied to cases, by cause and by whether the reason code is known; map unknown codes.",
    ["cause", "known_code"],
)

# Business KPIs; the dashboard compares them with the creditor's targets.
CASES_OPENED = Counter("relance_cases_opened_total", "Cases opened by a first rejection, by cause.", ["cause"])
RECOVERY_SECONDS = Histogram(
    "relance_case_recovery_seconds",
    "Scenario seconds from a case's opening to its resolution by payment.",
    buckets=tuple(day * 86400 for day in (1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60)),
)
OFFERS_MADE = Counter("relance_payment_offers_total", "Cases that were offered other ways to pay.")
OFFERS_CONVERTED = Counter(
    "relance_payment_offers_converted_total", "Cases resolved by a payment after they were offered other ways to pay."
)
CSAT_SCORES = Histogram(
    "relance_csat_score", "Satisfaction scores from 1 to 5 that debtors gave.", buckets=(1, 2, 3, 4, 5)
)
