"""Every Kafka topic of relance, declared once, and the idempotent command that creates them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from streams.errors import BrokerUnavailable, TopicMismatch
from streams.settings import Settings


class Topic(str, Enum):
    """Base names of the topics; the configured prefix is added in front."""

    PAYMENTS = "payments"
    REJECTIONS = "rejections"
    REPLIES = "replies"
    DEBTORS = "debtors"
    NOTIFICATION_COMMANDS = "notification-commands"
    NOTIFICATION_OUTCOMES = "notification-outcomes"
    ACTIONS = "actions"
    CASE_EVENTS = "case-events"
    CASE_STEPS = "case-steps"
    DLQ = "dlq"


@dataclass(frozen=True)
class TopicSpec:
    topic: Topic
    cleanup_policy: str = "delete"
    retention_ms: int | None = None
    keyed_by_debtor: bool = True
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        config = {"cleanup.policy": self.cleanup_policy, **self.extra_config}
        if self.retention_ms is not None:
            config["retention.ms"] = str(self.retention_ms)
        return config


_WEEK_MS = 7 * 24 * 3600 * 1000

# Every topic is keyed by debtor id and shares one partition count, so one worker owns a debtor's
# case, timers, commands and outcomes. Compacted topics keep the latest record per debtor forever.
TOPIC_SPECS: tuple[TopicSpec, ...] = (
    TopicSpec(Topic.PAYMENTS, retention_ms=90 * 24 * 3600 * 1000),
    TopicSpec(Topic.REJECTIONS, retention_ms=90 * 24 * 3600 * 1000),
    TopicSpec(Topic.REPLIES, retention_ms=90 * 24 * 3600 * 1000),
    TopicSpec(Topic.DEBTORS, cleanup_policy="compact"),
    TopicSpec(Topic.NOTIFICATION_COMMANDS, retention_ms=4 * _WEEK_MS),
    TopicSpec(Topic.NOTIFICATION_OUTCOMES, retention_ms=4 * _WEEK_MS),
    TopicSpec(Topic.ACTIONS, retention_ms=4 * _WEEK_MS),
    TopicSpec(Topic.CASE_EVENTS, retention_ms=365 * 24 * 3600 * 1000),
    TopicSpec(Topic.CASE_STEPS, retention_ms=4 * _WEEK_MS),
    TopicSpec(Topic.DLQ, retention_ms=4 * _WEEK_MS),
)


@dataclass(frozen=True)
class TopicReport:
    name: str
    status: str  # "created" or "exists, matches"


def admin_client(settings: Settings) -> AdminClient:
    return AdminClient({**settings.confluent_config(), "socket.timeout.ms": 5000})


def check_broker(settings: Settings, admin: AdminClient | None = None, timeout: float = 5.0) -> AdminClient:
    """Return an admin client once the broker responds, or raise BrokerUnavailable naming the address."""
    admin = admin or admin_client(settings)
    try:
        admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise BrokerUnavailable(
            f"Kafka broker at {settings.kafka_bootstrap_servers} did not respond within {timeout:.0f} s; "
            "start the local stack with `relance stack up` or set RELANCE_KAFKA_BOOTSTRAP_SERVERS"
        ) from exc
    return admin


def create_topics(
    settings: Settings, report: Callable[[TopicReport], None] = lambda _: None
) -> list[TopicReport]:
    """Create every declared topic that is missing and check the existing ones against their declaration.

    Raises TopicMismatch listing every difference, after creating what was missing.
    """
    admin = check_broker(settings)
    existing = admin.list_topics(timeout=10).topics
    reports: list[TopicReport] = []
    mismatches: list[str] = []
    to_create = []
    for spec in TOPIC_SPECS:
        name = settings.topic_name(spec.topic.value)
        if name in existing:
            mismatches += _differences(admin, settings, spec, len(existing[name].partitions))
            if not any(m.startswith(f"{name}:") for m in mismatches):
                reports.append(TopicReport(name, "exists, matches"))
        else:
            to_create.append(NewTopic(name, settings.partitions, settings.replication_factor, config=spec.config()))
    if to_create:
        specs = {settings.topic_name(spec.topic.value): spec for spec in TOPIC_SPECS}
        for name, future in admin.create_topics(to_create, operation_timeout=30).items():
            try:
                future.result()
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise BrokerUnavailable(f"could not create topic {name}: {exc.args[0].str()}") from exc
                # Another process (a second worker, the Helm hook) created it since the listing above.
                found = _differences(admin, settings, specs[name], _partition_count(admin, name))
                mismatches += found
                if not found:
                    reports.append(TopicReport(name, "exists, matches"))
                continue
            # The controller has the topic now. Wait until the broker's metadata lists it too, so that a
            # caller can produce to it or read it right away.
            _partition_count(admin, name)
            reports.append(TopicReport(name, "created"))
    for item in reports:
        report(item)
    if mismatches:
        raise TopicMismatch("\n".join(mismatches))
    return reports


def _partition_count(admin: AdminClient, name: str, timeout: float = 10.0) -> int:
    """Return the partition count of a topic that exists, waiting while the broker's metadata catches up."""
    deadline = time.monotonic() + timeout
    while True:
        partitions = admin.list_topics(name, timeout=timeout).topics[name].partitions
        if partitions or time.monotonic() > deadline:
            return len(partitions)
        time.sleep(0.2)


def _differences(admin: AdminClient, settings: Settings, spec: TopicSpec, partitions: int) -> list[str]:
    name = settings.topic_name(spec.topic.value)
    differences = []
    if partitions != settings.partitions:
        differences.append(
            f"{name}: has {partitions} partitions, declared {settings.partitions}. Topics keyed by debtor id must "
            f"share one partition count: delete and recreate {name}, or set RELANCE_PARTITIONS={partitions} "
            "if every topic has that count"
        )
    resource = ConfigResource(ConfigResource.Type.TOPIC, name)
    config = admin.describe_configs([resource])[resource].result()
    actual_policy = config["cleanup.policy"].value
    if actual_policy != spec.cleanup_policy:
        differences.append(
            f"{name}: cleanup.policy is {actual_policy}, declared {spec.cleanup_policy}; fix it with "
            f"kafka-configs --alter --entity-type topics --entity-name {name} "
            f"--add-config cleanup.policy={spec.cleanup_policy}"
        )
    return differences
