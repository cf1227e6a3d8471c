"""The channel worker: consume notification commands for one channel and deliver each one once per idempotency key.

One consumer group per channel (`<app_id>-channel-<channel>`) reads the commands topic, and also the replies
and debtors topics to keep the opt-outs in Redis current. Offsets are committed by hand, one message at a
time, only after its outcome was published (or, for replies and profiles, after Redis stored them). When Redis
or Kafka is unavailable, the worker keeps the message in hand, waits and tries it again. It sends nothing
that it could not claim first. Outages are logged through `OutageLog`: a warning when one starts, a reminder
while it lasts, and one line when it ends.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

import redis
from confluent_kafka import Consumer, KafkaError, KafkaException, Message

from agents.channels import metrics
from agents.channels.adapters import build_adapter
from agents.channels.deferred import DeferredCommands
from agents.channels.health import serve_health
from agents.channels.idempotency import IdempotencyStore
from agents.channels.limits import ContactCaps, OptOuts
from agents.channels.outages import OutageLog
from agents.channels.outcomes import Origin, OutcomePublisher
from agents.channels.processor import CommandProcessor, WorkerStopping
from agents.channels.quiet_hours import QuietHoursCalendar
from agents.channels.settings import Channel, ChannelSettings
from agents.channels.templates import TemplateRenderer
from streams.clock import Clock
from streams.codec import AvroCodec
from streams.errors import BrokerUnavailable, SchemaError
from streams.producer import RelanceProducer
from streams.settings import Settings, make_clock
from streams.topics import Topic, check_broker

log = logging.getLogger(__name__)

_REDIS_TIMEOUT_SECONDS = 2.0
_PAUSE_MAX_SECONDS = 5.0
# While the consumer reports the broker down, ask it for metadata this often to notice when it is back.
_BROKER_PROBE_SECONDS = 2.0
_BROKER_PROBE_TIMEOUT_SECONDS = 1.0
# librdkafka errors that mean the consumer reaches no broker at all; other errors are logged as they come.
_BROKER_DOWN_CODES = frozenset({KafkaError._ALL_BROKERS_DOWN, KafkaError._RESOLVE})


def consumer_group(settings: Settings, channel: Channel) -> str:
    return f"{settings.app_id}-channel-{channel.value}"


class ChannelWorker:
    """Consume, deliver and record; call `run(stop)` and set `stop` to end it."""

    def __init__(
        self,
        channel: Channel,
        settings: Settings,
        channel_settings: ChannelSettings,
        clock: Clock | None = None,
        redis_client: redis.Redis | None = None,
    ) -> None:
        self.channel = channel
        self.settings = settings
        self.channel_settings = channel_settings
        self.clock = clock or make_clock(settings)
        self.codec = AvroCodec()
        self.stop = threading.Event()
        # Monotonic time of the last turn of the consume loop; the liveness probe reads it.
        self.last_turn_at: float | None = None
        self.redis = redis_client or redis.Redis.from_url(
            settings.redis_url.get_secret_value(),
            socket_timeout=_REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
        )

        prefix = settings.topic_prefix
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.opt_outs = OptOuts(self.redis, prefix)
        self.deferred = DeferredCommands(self.redis, prefix, channel)
        self.adapter = build_adapter(channel, channel_settings, key_scope=prefix)
        interval = channel_settings.outage_warning_interval_seconds
        self.redis_outage = OutageLog("Redis", channel.value, interval)
        self.kafka_outage = OutageLog("Kafka broker", channel.value, interval)
        self._next_broker_probe = 0.0
        self._client_error_logged_at: float | None = None
        self._client_errors_not_logged = 0

        self.producer = RelanceProducer(settings, self.codec)
        self.processor = CommandProcessor(
            channel,
            channel_settings,
            keys=IdempotencyStore(self.redis, prefix, channel_settings.idempotency_ttl_seconds,
                                  channel_settings.claim_lease_seconds, owner),
            caps=ContactCaps(self.redis, prefix),
            opt_outs=self.opt_outs,
            deferred=self.deferred,
            adapter=self.adapter,
            publisher=OutcomePublisher(self.producer, self.clock, channel.value),
            renderer=TemplateRenderer(),
            calendar=QuietHoursCalendar(channel_settings.holiday_country, channel_settings.holiday_subdivision),
            clock=self.clock,
            stop=self.stop,
        )

        self.topics = {
            settings.topic_name(Topic.NOTIFICATION_COMMANDS.value): self._on_command,
            settings.topic_name(Topic.REPLIES.value): self._on_reply,
            settings.topic_name(Topic.DEBTORS.value): self._on_profile,
        }

    def run(self, stop: threading.Event | None = None) -> None:
        """Consume until `stop` (or `self.stop`) is set, then close the consumer cleanly."""
        if stop is not None:
            self.stop = stop
            self.processor.stop = stop
        consumer = Consumer({
            **self.settings.confluent_config(),
            "group.id": consumer_group(self.settings, self.channel),
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "max.poll.interval.ms": self.channel_settings.max_poll_interval_seconds * 1000,
            "session.timeout.ms": self.channel_settings.session_timeout_seconds * 1000,
            "error_cb": self._on_client_error,
        })
        consumer.subscribe(list(self.topics))
        log.info("channel worker started channel=%s group=%s topics=%s", self.channel.value,
                 consumer_group(self.settings, self.channel), ",".join(self.topics))
        try:
            while not self.stop.is_set():
                self.last_turn_at = time.monotonic()
                message = consumer.poll(0.5)
                if message is not None and not message.error():
                    self.kafka_outage.recovered()
                    if self._with_recovery(lambda: self._dispatch(message)):
                        self._commit(consumer, message)
                elif message is not None:
                    log.warning("consumer error channel=%s error=%s", self.channel.value, message.error().str())
                elif self.kafka_outage.down:
                    self._probe_broker(consumer)
                self._with_recovery(self._run_due_deferred)
        finally:
            consumer.close()
            self.adapter.close()
            self.producer.flush(10)
            log.info("channel worker stopped channel=%s", self.channel.value)

    def _on_client_error(self, error: KafkaError) -> None:
        """Log a librdkafka error that the consumer reports; it runs in `poll()`, on the worker's thread."""
        if error.code() in _BROKER_DOWN_CODES:
            self.kafka_outage.failed(f"{error.str()} (bootstrap servers {self.settings.kafka_bootstrap_servers})")
        elif error.fatal():
            log.error("Kafka client fatal error channel=%s error=%s", self.channel.value, error.str())
        elif self.kafka_outage.down:
            self.kafka_outage.failed(error.str())
        else:
            # Other errors, such as one broker of several disconnecting or a request timing out, are usually
            # transient, so they are logged at most once per interval and counted in between.
            now = time.monotonic()
            interval = self.channel_settings.outage_warning_interval_seconds
            if self._client_error_logged_at is not None and now - self._client_error_logged_at < interval:
                self._client_errors_not_logged += 1
                return
            log.warning("Kafka client error channel=%s error=%s earlier_errors_not_logged=%d",
                        self.channel.value, error.str(), self._client_errors_not_logged)
            self._client_error_logged_at = now
            self._client_errors_not_logged = 0

    def _probe_broker(self, consumer: Consumer) -> None:
        now = time.monotonic()
        if now < self._next_broker_probe:
            return
        self._next_broker_probe = now + _BROKER_PROBE_SECONDS
        commands = self.settings.topic_name(Topic.NOTIFICATION_COMMANDS.value)
        try:
            consumer.list_topics(commands, timeout=_BROKER_PROBE_TIMEOUT_SECONDS)
        except KafkaException as exc:
            self.kafka_outage.failed(exc)
            return
        self.kafka_outage.recovered()

    def _dispatch(self, message: Message) -> None:
        self.topics[message.topic()](message)

    def _on_command(self, message: Message) -> None:
        origin = Origin(message.topic(), message.partition(), message.offset(), message.key(), message.value())
        try:
            command = self.codec.decode_as(message.value(), "send_notification").record
        except SchemaError as exc:
            log.error("undecodable command partition=%d offset=%d error=%s", message.partition(), message.offset(), exc)
            self.processor.publisher.dead_letter(origin, exc)
            return
        if command["channel"] != self.channel.value:
            return
        try:
            self.processor.handle(command, origin)
        except (redis.RedisError, BrokerUnavailable, KafkaException, WorkerStopping):
            raise
        except Exception as exc:  # a bug must not stop the worker or lose the command: dead-letter it
            log.exception("command handler failed key=%s offset=%d", command["idempotency_key"], message.offset())
            self.processor.publisher.dead_letter(origin, exc)

    def _on_reply(self, message: Message) -> None:
        try:
            reply = self.codec.decode_as(message.value(), "debtor_reply").record
        except SchemaError as exc:
            log.warning("undecodable reply skipped partition=%d offset=%d error=%s", message.partition(), message.offset(), exc)
            return
        if reply["reply_type"] not in ("opt_out", "opt_in"):
            return
        # A reply without a channel opts the debtor out of (or back into) every channel.
        channels = [reply["channel"]] if reply["channel"] else [channel.value for channel in Channel]
        for channel in channels:
            self.opt_outs.record(reply["debtor_id"], channel, reply["reply_type"] == "opt_out", reply["occurred_at"])
        log.info("%s recorded debtor_id=%s channels=%s", reply["reply_type"], reply["debtor_id"], ",".join(channels))

    def _on_profile(self, message: Message) -> None:
        if message.value() is None:
            if message.key():
                self.opt_outs.erase(message.key().decode())
            return
        try:
            profile = self.codec.decode_as(message.value(), "debtor_profile").record
        except SchemaError as exc:
            log.warning("undecodable profile skipped partition=%d offset=%d error=%s", message.partition(), message.offset(), exc)
            return
        self.opt_outs.record_profile(profile["debtor_id"], profile["opt_outs"], profile["occurred_at"])

    def _run_due_deferred(self) -> None:
        due = self.deferred.due(self.clock.now(), self.channel_settings.deferred_batch_size)
        for key, payload in due:
            if self.stop.is_set():
                return
            origin = Origin("deferred", -1, -1, None, payload)
            try:
                command = self.codec.decode_as(payload, "send_notification").record
            except SchemaError as exc:
                self.processor.publisher.dead_letter(origin, exc)
                self.deferred.remove(key)
                continue
            self.processor.handle(command, origin, from_deferred=True)
        metrics.DEFERRED_WAITING.labels(self.channel.value).set(self.deferred.size())

    def _with_recovery(self, step: Any) -> bool:
        """Run `step` until it succeeds; pause while Redis or Kafka is down. Return False when stopped first."""
        pause = 0.5
        failed: set[OutageLog] = set()
        while not self.stop.is_set():
            try:
                step()
            except WorkerStopping:
                return False
            except redis.RedisError as exc:
                failed.add(self.redis_outage)
                if self.redis_outage.failed(exc):
                    metrics.REDIS_UNAVAILABLE.labels(self.channel.value).inc()
            except (BrokerUnavailable, KafkaException) as exc:
                failed.add(self.kafka_outage)
                self.kafka_outage.failed(exc)
            else:
                for outage in failed:
                    outage.recovered()
                return True
            self.stop.wait(pause)
            pause = min(pause * 2, _PAUSE_MAX_SECONDS)
        return False

    def _commit(self, consumer: Consumer, message: Message) -> None:
        try:
            consumer.commit(message=message, asynchronous=False)
        except KafkaException as exc:
            # The message will come again after a rebalance; its idempotency key makes that harmless.
            log.warning("commit failed partition=%d offset=%d error=%s", message.partition(), message.offset(), exc)


def run_worker(
    channel: Channel | str,
    settings: Settings,
    stop: threading.Event,
    channel_settings: ChannelSettings | None = None,
    clock: Clock | None = None,
) -> None:
    """Run one channel worker in this thread until `stop` is set; the demo and the CLI both call this.

    Raises BrokerUnavailable, naming the address and the fix, when the Kafka broker does not respond at start.
    """
    channel = Channel(channel)
    channel_settings = channel_settings or ChannelSettings()
    log.info("channel settings channel=%s settings=%s", channel.value, channel_settings.redacted())
    check_broker(settings)
    worker = ChannelWorker(channel, settings, channel_settings, clock)
    health = serve_health(worker, channel_settings) if channel_settings.metrics_port else None
    try:
        worker.run(stop)
    finally:
        if health is not None:
            health.stop()
