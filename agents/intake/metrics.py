"""Prometheus counters of the bank-file intake; the CLI is short-lived, so they live in-process."""

from __future__ import annotations

from prometheus_client import Counter

UNKNOWN_REASON_CODES = Counter(
    "relance_unknown_reason_codes_total",
    "Rejection events whose reason code is not in the reason-code table, by where the code came from.",
    ["origin"],
)
INTAKE_ITEMS = Counter(
    "relance_intake_items_total",
    "Bank-file items by outcome: parsed, published, duplicate or rejected.",
    ["message_family", "outcome"],
)
INTAKE_FILES = Counter(
    "relance_intake_files_total",
    "Bank files read, by outcome: accepted, or rejected as a whole.",
    ["outcome"],
)
