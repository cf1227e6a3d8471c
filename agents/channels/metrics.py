"""Prometheus metrics of the channel workers; labels carry channels and statuses, never personal data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES = Counter(
    "relance_channel_messages_total",
    "Notification outcomes published, by channel and status (sent, delivered, failed, suppressed, deferred).",
    ["channel", "status"],
)
SUPPRESSED = Counter(
    "relance_channel_suppressed_total",
    "Commands suppressed, by channel and reason (opt_out, cap_daily, cap_weekly, invalid_recipient).",
    ["channel", "reason"],
)
RETRIES = Counter("relance_channel_retries_total", "Delivery attempts after a failed one.", ["channel"])
DUPLICATES = Counter(
    "relance_channel_duplicates_total", "Commands skipped because their idempotency key was already handled.", ["channel"]
)
DLQ = Counter("relance_channel_dlq_total", "Commands sent to the dead-letter topic.", ["channel"])
REDIS_UNAVAILABLE = Counter(
    "relance_channel_redis_unavailable_total", "Times the worker paused because Redis did not answer.", ["channel"]
)
SEND_SECONDS = Histogram(
    "relance_channel_send_duration_seconds",
    "Time from the first delivery attempt until the provider accepted the message or the last attempt failed.",
    ["channel"],
)
DEFERRED_WAITING = Gauge("relance_channel_deferred_commands", "Commands waiting in the deferred set.", ["channel"])
