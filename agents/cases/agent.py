"""The Faust case agent: decode each input record, apply it to the debtor's case, publish what it produced.

One agent consumes every topic keyed by debtor id, so it is the only writer of the cases and profiles
tables. A timer scans the due index and sends step_due records to the case-steps topic, which this
same agent applies. Any failure at the message boundary sends the message to the DLQ and moves on.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import faust
from faust.types import TP

from agents.cases import metrics
from agents.cases.dlq import dlq_record
from agents.cases.engine import CaseEngine
from agents.cases.outputs import SOURCE, Output, stable_event_id
from agents.cases.settings import get_creditor_settings
from agents.cases.state import DebtorState
from agents.cases.timers import DueIndex
from agents.reason_codes import classify
from agents.scenario import Scenario, load_scenario
from streams.clock import Clock
from streams.codec import AvroCodec
from streams.errors import SchemaError
from streams.json_avro import to_json
from streams.producer import TOPIC_OF_SCHEMA
from streams.settings import Settings, make_clock
from streams.tables import declare_tables
from streams.topics import Topic

log = logging.getLogger(__name__)

# Record types that each input topic may carry.
INPUT_SCHEMAS: dict[Topic, tuple[str, ...]] = {
    Topic.PAYMENTS: ("payment_presented", "payment_received"),
    Topic.REJECTIONS: ("debit_rejected",),
    Topic.REPLIES: ("debtor_reply",),
    Topic.DEBTORS: ("debtor_profile",),
    Topic.NOTIFICATION_OUTCOMES: ("notification_outcome",),
    Topic.CASE_STEPS: ("step_due",),
}
DLQ_SEND_ATTEMPTS = 3


@dataclass
class CaseWorker:
    """The case agent and its timer, registered on one Faust app."""

    app: faust.App
    settings: Settings
    scenario: Scenario
    clock: Clock
    codec: AvroCodec
    engine: CaseEngine
    cases: faust.Table
    profiles: faust.Table
    index: DueIndex
    agent: Any = None

    def topic_name(self, topic: Topic) -> str:
        return self.settings.topic_name(topic.value)

    # The message boundary

    async def on_message(self, message: Any) -> None:
        """Handle one message; send it to the DLQ when handling fails, so no failure is acked silently."""
        try:
            await self.handle(message)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the DLQ at this boundary
            log.warning("message sent to the DLQ topic=%s partition=%s offset=%s error_type=%s error=%s",
                        message.topic, message.partition, message.offset, type(exc).__name__, exc)
            await self.send_to_dlq(message, exc)

    async def send_to_dlq(self, message: Any, error: BaseException) -> None:
        record = dlq_record(error=error, topic=message.topic, partition=message.partition, offset=message.offset,
                            key=message.key, value=message.value, now=self.clock.now())
        for attempt in range(1, DLQ_SEND_ATTEMPTS + 1):
            try:
                await self.send(Output("dlq_record", record), key=message.key)
                metrics.DLQ_RECORDS.labels(message.topic, type(error).__name__).inc()
                return
            except Exception as exc:  # noqa: BLE001 - retried, then raised so the worker crashes unacked
                log.error("DLQ send failed attempt=%s topic=%s offset=%s error=%s", attempt, message.topic,
                          message.offset, exc)
                if attempt == DLQ_SEND_ATTEMPTS:
                    raise
                await asyncio.sleep(attempt)

    # One message

    async def handle(self, message: Any) -> None:
        topic = self._input_topic(message.topic)
        debtor_id = (message.key or b"").decode("utf-8", errors="replace")
        if not debtor_id:
            raise SchemaError(f"message on {message.topic} has no key; every record is keyed by its debtor_id")

        if message.value is None:
            self._erase(topic, debtor_id, message)
            return

        decoded = self.codec.decode_as(message.value, *INPUT_SCHEMAS[topic])
        record = decoded.record
        if record.get("debtor_id") != debtor_id:
            raise SchemaError(
                f"{decoded.schema_name} has debtor_id {record.get('debtor_id')!r} but key {debtor_id!r}; "
                "publish it keyed by its debtor_id, as streams.producer does"
            )

        if decoded.schema_name == "debtor_profile":
            self.profiles[debtor_id] = to_json(record)
            metrics.EVENTS_PROCESSED.labels(topic.value, "applied").inc()
            return

        stored = self.cases.get(debtor_id)
        state = DebtorState.from_json(stored) if stored else None
        applied = self.engine.apply(state, decoded.schema_name, record, now=self.clock.now(),
                                    profile=self.profiles.get(debtor_id))
        if applied.duplicate:
            metrics.EVENTS_PROCESSED.labels(topic.value, "duplicate").inc()
            log.info("duplicate skipped topic=%s event_id=%s", message.topic, record["event_id"])
            return

        # Outputs go out before the state is stored: a crash in between re-applies the record and sends
        # the same records again, with the same ids and idempotency keys, instead of losing them.
        for output in applied.outputs:
            await self.send(output, key=message.key)
        new_state = applied.state
        assert new_state is not None
        new_state.partition = message.partition
        self.cases[debtor_id] = new_state.to_json()
        self.index.update(message.partition, debtor_id, new_state.next_due_at)

        self._count(topic, decoded.schema_name, record, applied.outputs, new_state)

    def _erase(self, topic: Topic, debtor_id: str, message: Any) -> None:
        if topic is not Topic.DEBTORS:
            raise SchemaError(f"empty value on {message.topic}; only the debtors topic carries tombstones")
        # A tombstone on the compacted debtors topic erases the debtor everywhere this agent stores it.
        for table in (self.cases, self.profiles):
            if debtor_id in table:
                del table[debtor_id]
        self.index.update(message.partition, debtor_id, None)
        metrics.EVENTS_PROCESSED.labels(topic.value, "erased").inc()
        log.info("debtor erased debtor_id=%s", debtor_id)

    def _input_topic(self, name: str) -> Topic:
        for topic in INPUT_SCHEMAS:
            if self.topic_name(topic) == name:
                return topic
        raise SchemaError(f"the case agent does not read topic {name}")

    def _count(self, topic: Topic, schema_name: str, record: dict[str, Any], produced: list[Output],
               state: DebtorState) -> None:
        metrics.EVENTS_PROCESSED.labels(topic.value, "applied").inc()
        if schema_name == "debit_rejected":
            code = classify(record.get("reason_code"))
            metrics.REJECTIONS.labels(code.cause.value, str(code.known).lower()).inc()
        if schema_name == "debtor_reply" and record.get("reply_type") == "satisfaction" and record.get("csat_score"):
            metrics.CSAT_SCORES.observe(record["csat_score"])
        for output in produced:
            if output.schema_name == "case_event":
                self._count_case_event(output.record, state)

    @staticmethod
    def _count_case_event(event: dict[str, Any], state: DebtorState) -> None:
        event_type = event["type"]
        case = state.cases.get(event["case_id"])
        if event_type == "opened":
            metrics.CASES_OPENED.labels(event["cause"] or "unknown").inc()
        elif event_type == "step_fired":
            metrics.STEPS_FIRED.labels(event["step_id"]).inc()
            if (event.get("reason") or "").startswith("offer"):
                metrics.OFFERS_MADE.inc()
        elif event_type == "step_skipped":
            metrics.STEPS_SKIPPED.labels(event["step_id"]).inc()
        elif event_type == "resolved":
            metrics.RESOLUTIONS.labels(event["cause"] or "unknown").inc()
            if event.get("days_to_recover") is not None:
                metrics.RECOVERY_SECONDS.observe(event["days_to_recover"] * 86400)
            if case is not None and case.offer_sent:
                metrics.OFFERS_CONVERTED.inc()

    async def send(self, output: Output, *, key: bytes | None, partition: int | None = None) -> None:
        topic = self.topic_name(TOPIC_OF_SCHEMA[output.schema_name])
        value = self.codec.encode(output.schema_name, output.record)
        await self.app.producer.send_and_wait(topic, key, value, partition, None, None)

    # Durable timers

    def rebuild_index(self) -> None:
        assigned = {tp.partition for tp in self.app.consumer.assignment() if tp.topic == self.topic_name(Topic.CASE_STEPS)}
        count = self.index.rebuild(assigned, ((key, value) for key, value in self.cases.items() if value))
        open_cases = sum(
            1 for _, value in self.cases.items() if value and value.get("partition") in assigned
            for case in value.get("cases", {}).values() if case.get("status") in ("open", "paused")
        )
        metrics.CASES_OPEN.set(open_cases)
        log.info("due index rebuilt partitions=%s debtors_with_steps=%s open_cases=%s", sorted(assigned), count, open_cases)

    async def fire_due_steps(self) -> None:
        """Send a step_due record for every step due now; the case agent applies it, once."""
        now = self.clock.now()
        for entry in self.index.due(now):
            stored = self.cases.get(entry.debtor_id)
            if not stored:
                self.index.update(entry.partition, entry.debtor_id, None)
                continue
            state = DebtorState.from_json(stored)
            for case, item in state.due_steps(now):
                record = {
                    "event_id": stable_event_id("step_due", case.case_id, item.step_id, item.due_at.isoformat()),
                    "occurred_at": now,
                    "source": SOURCE,
                    "debtor_id": entry.debtor_id,
                    "case_id": case.case_id,
                    "step_id": item.step_id,
                    "due_at": item.due_at,
                }
                await self.send(Output("step_due", record), key=entry.debtor_id.encode(), partition=entry.partition)
                metrics.TIMER_LAG.observe(self.clock.real_seconds(now - item.due_at))
            self.index.mark_sent(entry)


def timer_interval(settings: Settings) -> float:
    """Return the timer period in real seconds: about ten scenario minutes, between 0.25 s and 1 s."""
    return min(1.0, max(0.25, 600 / settings.time_scale))


def register_case_agent(app: faust.App, settings: Settings, *, scenario: Scenario | None = None,
                        clock: Clock | None = None) -> CaseWorker:
    """Declare the tables, the case agent and its timer on `app`."""
    scenario = scenario or load_scenario(settings.scenario_file)
    cases, profiles = declare_tables(app)
    worker = CaseWorker(
        app=app, settings=settings, scenario=scenario, clock=clock or make_clock(settings), codec=AvroCodec(),
        engine=CaseEngine(scenario, get_creditor_settings()),
        cases=cases, profiles=profiles, index=DueIndex(),
    )
    source = app.topic(*(worker.topic_name(topic) for topic in INPUT_SCHEMAS), key_type=bytes, value_type=bytes,
                       key_serializer="raw", value_serializer="raw")

    async def case_agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await worker.on_message(event.message)

    worker.agent = app.agent(source, name="cases", concurrency=1)(case_agent)

    @app.on_rebalance_complete.connect
    async def _on_recovered(sender: Any, **kwargs: Any) -> None:
        worker.rebuild_index()

    @app.on_partitions_revoked.connect
    async def _on_revoked(sender: Any, revoked: set[TP], **kwargs: Any) -> None:
        worker.index.drop_partitions({tp.partition for tp in revoked if tp.topic == worker.topic_name(Topic.CASE_STEPS)})

    @app.timer(interval=timer_interval(settings))
    async def _fire_due_steps() -> None:
        if app.tables.recovery.completed.is_set() and not app.rebalancing:
            await worker.fire_due_steps()

    return worker
