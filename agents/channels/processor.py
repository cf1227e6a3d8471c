"""Handle one notification command: idempotency, rendering, opt-outs, quiet hours, caps, claim, send, outcome.

Every path ends in exactly one published outcome per command (sent, delivered, failed, suppressed, or
deferred and later one of the others), except a duplicate, which publishes nothing new. Redis and Kafka
errors propagate, so the worker can pause and hand the same command back without committing it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from agents.channels import metrics
from agents.channels.adapters.base import Adapter, SendResult
from agents.channels.deferred import DeferredCommands
from agents.channels.errors import InvalidRecipient, SendError, TemplateRenderError
from agents.channels.idempotency import IdempotencyStore
from agents.channels.limits import ContactCaps, OptOuts
from agents.channels.outcomes import Origin, OutcomePublisher
from agents.channels.quiet_hours import QuietHoursCalendar, debtor_zone
from agents.channels.retry import Backoff
from agents.channels.settings import Channel, ChannelSettings
from agents.channels.templates import RenderedMessage, TemplateRenderer
from streams.clock import Clock

log = logging.getLogger(__name__)


class WorkerStopping(Exception):
    """The worker was asked to stop while a command waited for a retry; the command stays uncommitted."""


class CommandProcessor:
    def __init__(
        self,
        channel: Channel,
        settings: ChannelSettings,
        *,
        keys: IdempotencyStore,
        caps: ContactCaps,
        opt_outs: OptOuts,
        deferred: DeferredCommands,
        adapter: Adapter,
        publisher: OutcomePublisher,
        renderer: TemplateRenderer,
        calendar: QuietHoursCalendar,
        clock: Clock,
        stop: threading.Event,
    ) -> None:
        self.channel = channel
        self.settings = settings
        self.keys = keys
        self.caps = caps
        self.opt_outs = opt_outs
        self.deferred = deferred
        self.adapter = adapter
        self.publisher = publisher
        self.renderer = renderer
        self.calendar = calendar
        self.clock = clock
        self.stop = stop
        self.backoff = Backoff(settings.retry_max_attempts, settings.retry_base_seconds, settings.retry_max_delay_seconds)
        # Messages that a provider accepted but whose `sent` state Redis did not store yet.
        self._unrecorded: dict[str, tuple[SendResult, int]] = {}

    def handle(self, command: dict[str, Any], origin: Origin, from_deferred: bool = False) -> None:
        key = command["idempotency_key"]
        if key in self._unrecorded:
            result, attempts = self._unrecorded[key]
            self._record_sent(command, result, attempts)
            return

        # Idempotency first: a key already handled publishes nothing new.
        state = self.keys.get(key)
        if state is not None and state.state == "done":
            self._duplicate(command, state.state, from_deferred)
            return
        if state is not None and state.state == "sent":
            self._publish_recorded(command, state.data)
            return
        if state is not None and state.state == "deferred" and not from_deferred:
            self._duplicate(command, state.state, from_deferred)
            return

        # Render before claiming, so a broken template never blocks or half-sends anything.
        zone = debtor_zone(command["recipient"].get("timezone"), self.settings.default_timezone)
        now = self.clock.now()
        try:
            message = self.renderer.render(command, now.astimezone(zone).date())
        except TemplateRenderError as exc:
            self._fail(command, origin, exc, attempts=0)
            return

        # Respect the debtor: opt-outs and a usable address, then quiet hours, then contact caps.
        opted_out = self._opted_out_on_command(command) or self.opt_outs.is_opted_out(command["debtor_id"], self.channel)
        if opted_out:
            self._suppress(command, f"opt_out: the debtor opted out of {self.channel.value}")
            return
        try:
            self.adapter.check_recipient(command)
        except InvalidRecipient as exc:
            self._suppress(command, exc.reason)
            return

        earliest = max(now, _not_before(command) or now)
        allowed = self.calendar.next_allowed(earliest, self.settings.quiet_hours.get(self.channel), zone)
        if allowed > now:
            delay_kind = "quiet_hours" if allowed > earliest else "not_before"
            self._defer(command, origin, allowed, f"{delay_kind}: next allowed at {allowed.astimezone(zone).isoformat()}")
            return

        cap = self.caps.reserve(command["debtor_id"], self.channel, key, self.settings.contact_caps.get(self.channel), now, zone)
        if not cap.allowed:
            self._suppress(command, cap.reason or "cap")
            return

        # Claim the key; a claim that another worker holds is checked again when its lease ends.
        claim = self.keys.claim(key)
        if claim.result == "finished":
            self.handle(command, origin, from_deferred)
            return
        if claim.result == "held":
            assert claim.state is not None
            wait = max(0.0, claim.state.lease_until - time.time()) + 0.5
            self.deferred.add(key, _payload(origin), now + timedelta(seconds=wait))
            log.info("claim held by another worker key=%s recheck_in_seconds=%.1f", key, wait)
            return
        log.info("claimed key=%s case_id=%s channel=%s", key, command["case_id"], self.channel.value)
        if self.settings.channel_test_pause_after_claim_seconds:
            log.warning("test hook: pausing %.1f s after the claim", self.settings.channel_test_pause_after_claim_seconds)
            time.sleep(self.settings.channel_test_pause_after_claim_seconds)

        # Send, with bounded retries; then record the outcome.
        result, attempts, error = self._send_with_retries(command, message)
        if result is None:
            assert error is not None
            self.caps.release(command["debtor_id"], self.channel, key)
            self._fail(command, origin, error, attempts)
            return
        self._unrecorded[key] = (result, attempts)
        self._record_sent(command, result, attempts)

    def _send_with_retries(
        self, command: dict[str, Any], message: RenderedMessage
    ) -> tuple[SendResult | None, int, Exception | None]:
        key = command["idempotency_key"]
        error: Exception | None = None
        started = time.monotonic()
        attempt = 0
        for attempt in range(1, self.settings.retry_max_attempts + 1):
            if attempt > 1:
                delay = self.backoff.delay(attempt - 1)
                metrics.RETRIES.labels(self.channel.value).inc()
                log.warning("retrying key=%s attempt=%d delay_seconds=%.2f error=%s", key, attempt, delay, error)
                if self.stop.wait(delay):
                    raise WorkerStopping(f"stopped while waiting to retry {key}")
            self.keys.renew(key)
            try:
                result = self.adapter.send(command, message)
            except SendError as exc:
                error = exc
                if not exc.retryable:
                    break
                continue
            metrics.SEND_SECONDS.labels(self.channel.value).observe(time.monotonic() - started)
            return result, attempt, None
        metrics.SEND_SECONDS.labels(self.channel.value).observe(time.monotonic() - started)
        return None, attempt, error

    def _record_sent(self, command: dict[str, Any], result: SendResult, attempts: int) -> None:
        key = command["idempotency_key"]
        status = "delivered" if result.delivered else "sent"
        data = {"status": status, "provider_message_id": result.provider_message_id, "attempts": attempts}
        self.keys.mark(key, "sent", **data)
        self._unrecorded.pop(key, None)
        self._publish_recorded(command, data)

    def _publish_recorded(self, command: dict[str, Any], data: dict[str, Any]) -> None:
        self.publisher.outcome(
            command, data["status"], provider_message_id=data.get("provider_message_id"), attempts=data.get("attempts", 1)
        )
        self._finish(command, data["status"], provider_message_id=data.get("provider_message_id"))
        log.info("%s key=%s case_id=%s channel=%s attempts=%s", data["status"], command["idempotency_key"],
                 command["case_id"], self.channel.value, data.get("attempts", 1))

    def _suppress(self, command: dict[str, Any], reason: str) -> None:
        self.publisher.outcome(command, "suppressed", reason=reason)
        metrics.SUPPRESSED.labels(self.channel.value, reason.split(":", 1)[0]).inc()
        self._finish(command, "suppressed", reason=reason)
        log.info("suppressed key=%s case_id=%s reason=%s", command["idempotency_key"], command["case_id"], reason)

    def _defer(self, command: dict[str, Any], origin: Origin, due: datetime, reason: str) -> None:
        key = command["idempotency_key"]
        self.deferred.add(key, _payload(origin), due)
        self.publisher.outcome(command, "deferred", reason=reason)
        self.keys.mark(key, "deferred", due=due.isoformat())
        log.info("deferred key=%s case_id=%s reason=%s", key, command["case_id"], reason)

    def _fail(self, command: dict[str, Any], origin: Origin, error: Exception, attempts: int) -> None:
        self.publisher.dead_letter(origin, error)
        self.publisher.outcome(command, "failed", reason=str(error)[:1000], attempts=attempts)
        self._finish(command, "failed", reason=str(error)[:1000])
        log.error("failed key=%s case_id=%s attempts=%d error_type=%s error=%s", command["idempotency_key"],
                  command["case_id"], attempts, type(error).__name__, error)

    def _finish(self, command: dict[str, Any], status: str, **data: Any) -> None:
        self.keys.mark(command["idempotency_key"], "done", status=status, **data)
        self.deferred.remove(command["idempotency_key"])

    def _duplicate(self, command: dict[str, Any], state: str, from_deferred: bool) -> None:
        metrics.DUPLICATES.labels(self.channel.value).inc()
        if from_deferred and state == "done":
            self.deferred.remove(command["idempotency_key"])
        log.info("duplicate key=%s state=%s skipped", command["idempotency_key"], state)

    def _opted_out_on_command(self, command: dict[str, Any]) -> bool:
        listed = (command.get("variables") or {}).get("opted_out_channels", "")
        return self.channel.value in {item.strip() for item in listed.split(",")}


def _not_before(command: dict[str, Any]) -> datetime | None:
    value = command.get("not_before")
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _payload(origin: Origin) -> bytes:
    if origin.value is None:
        raise ValueError("a deferred command needs its encoded value")
    return origin.value
