"""The case agent under Faust's test_context(), with the memory store and no broker."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import asyncio

import pytest

from agents.cases.agent import register_case_agent
from agents.cases.outputs import Output
from streams.app import create_app
from streams.clock import ManualClock
from streams.codec import AvroCodec
from tests.support import unique_settings

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CODEC = AvroCodec()


class Sent:
    """Records what the agent sends, in place of the Kafka producer."""

    def __init__(self) -> None:
        self.outputs: list[Output] = []

    async def __call__(self, output: Output, *, key: bytes | None, partition: int | None = None) -> None:
        CODEC.validate(output.schema_name, output.record)
        self.outputs.append(output)

    def of(self, schema_name: str) -> list[dict[str, Any]]:
        return [output.record for output in self.outputs if output.schema_name == schema_name]


@pytest.fixture
def case_worker():
    settings = unique_settings()
    app = create_app(settings)
    clock = ManualClock(START)
    worker = register_case_agent(app, settings, clock=clock)
    sent = Sent()
    worker.send = sent
    return worker, sent, clock


def _on_topic(agent: Any, topic_name: str) -> None:
    """Make the test wrapper deliver the next messages as if they came from `topic_name`."""
    build = agent.to_message

    def to_message(key: Any, value: Any, **kwargs: Any) -> Any:
        message = build(key, value, **kwargs)
        message.topic = topic_name
        return message

    agent.to_message = to_message


def _rejection(event_id: str = "r1", code: str = "AM04") -> bytes:
    return CODEC.encode_json("debit_rejected", {
        "event_id": event_id, "occurred_at": START.isoformat(), "source": "test", "debtor_id": "D1",
        "mandate_id": "M1", "end_to_end_id": "E1", "reason_code": code, "reason_code_origin": "cd",
        "original_amount": {"amount_minor": 10000, "currency": "EUR"},
        "message_id": "m", "file_name": "f", "item_position": "1",
    })


def test_rejection_opens_case_once(case_worker):
    asyncio.run(_rejection_opens_case_once(case_worker))


async def _rejection_opens_case_once(case_worker):
    worker, sent, _ = case_worker
    async with worker.agent.test_context() as agent:
        _on_topic(agent, worker.settings.topic_name("rejections"))
        await agent.put(_rejection(), key=b"D1")
        await agent.put(_rejection(), key=b"D1")

    events = sent.of("case_event")
    assert [event["type"] for event in events] == ["opened"]
    assert events[0]["cause"] == "insufficient_funds"
    state = worker.cases["D1"]
    assert [case["rejections"][0]["code"] for case in state["cases"].values()] == ["AM04"]


def test_undecodable_record_goes_to_dlq(case_worker):
    asyncio.run(_undecodable_record_goes_to_dlq(case_worker))


async def _undecodable_record_goes_to_dlq(case_worker):
    worker, sent, _ = case_worker
    topic = worker.settings.topic_name("rejections")
    async with worker.agent.test_context() as agent:
        _on_topic(agent, topic)
        await agent.put(b"not avro", key=b"D1")
        await agent.put(_rejection(), key=b"D1")

    dead = sent.of("dlq_record")
    assert len(dead) == 1
    assert dead[0]["source_topic"] == topic
    assert dead[0]["source_offset"] == 0
    assert "magic byte" in dead[0]["error"]
    assert [event["type"] for event in sent.of("case_event")] == ["opened"]


def test_due_step_sends_reminder(case_worker):
    asyncio.run(_due_step_sends_reminder(case_worker))


async def _due_step_sends_reminder(case_worker):
    worker, sent, clock = case_worker
    async with worker.agent.test_context() as agent:
        _on_topic(agent, worker.settings.topic_name("debtors"))
        await agent.put(CODEC.encode_json("debtor_profile", {
            "event_id": "p1", "occurred_at": START.isoformat(), "source": "test", "debtor_id": "D1",
            "email": "d1@example.org", "consents": ["email"],
        }), key=b"D1")
        _on_topic(agent, worker.settings.topic_name("rejections"))
        await agent.put(_rejection(), key=b"D1")
        state = worker.cases["D1"]
        case_id, case = next(iter(state["cases"].items()))
        inform = next(item for item in case["pending"] if item["step_id"] == "inform")

        clock.advance(timedelta(days=1, minutes=1))
        _on_topic(agent, worker.settings.topic_name("case-steps"))
        await agent.put(CODEC.encode("step_due", {
            "event_id": "due-1", "occurred_at": clock.now(), "source": "test", "debtor_id": "D1",
            "case_id": case_id, "step_id": "inform", "due_at": datetime.fromisoformat(inform["due_at"]),
        }), key=b"D1")

    commands = sent.of("send_notification")
    assert [(command["step_id"], command["template"]) for command in commands] == [("inform", "reminder")]
    assert commands[0]["idempotency_key"] == f"{case_id}:inform:1"
    assert commands[0]["channel"] == "email"


def _sample(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_kpi_metrics_follow_case(case_worker):
    asyncio.run(_kpi_metrics_follow_case(case_worker))


async def _kpi_metrics_follow_case(case_worker):
    worker, _, clock = case_worker
    opened = _sample("relance_cases_opened_total", cause="insufficient_funds")
    recovered = _sample("relance_case_recovery_seconds_count")
    recovery_sum = _sample("relance_case_recovery_seconds_sum")
    csat = _sample("relance_csat_score_count")
    async with worker.agent.test_context() as agent:
        _on_topic(agent, worker.settings.topic_name("rejections"))
        await agent.put(_rejection(), key=b"D1")
        clock.advance(timedelta(days=2))
        _on_topic(agent, worker.settings.topic_name("payments"))
        await agent.put(CODEC.encode_json("payment_received", {
            "event_id": "pay-1", "occurred_at": clock.now().isoformat(), "source": "test", "debtor_id": "D1",
            "mandate_id": "M1", "amount": {"amount_minor": 10000, "currency": "EUR"}, "method": "card",
        }), key=b"D1")
        _on_topic(agent, worker.settings.topic_name("replies"))
        await agent.put(CODEC.encode_json("debtor_reply", {
            "event_id": "csat-1", "occurred_at": clock.now().isoformat(), "source": "test", "debtor_id": "D1",
            "reply_type": "satisfaction", "csat_score": 4,
        }), key=b"D1")

    assert _sample("relance_cases_opened_total", cause="insufficient_funds") == opened + 1
    assert _sample("relance_case_recovery_seconds_count") == recovered + 1
    assert _sample("relance_case_recovery_seconds_sum") - recovery_sum == pytest.approx(2 * 86400, rel=0.01)
    assert _sample("relance_csat_score_count") == csat + 1
