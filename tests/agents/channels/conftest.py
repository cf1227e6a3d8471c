"""Fixtures for the channel tests: commands, dev servers on free loopback ports, and workers in threads."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import redis

from agents.channels import ChannelSettings
from agents.channels.worker import ChannelWorker
from streams.clock import Clock
from streams.settings import Settings
from streams.stack.devservers import DevHttpServer, DevMailServer

CREDITOR_VARIABLES = {
    "payment_link": "https://pay.example.org/p/abc123",
    "creditor_name": "Énergie Verte SA",
    "creditor_email": "recouvrement@example.org",
    "creditor_phone": "01 23 45 67 89",
    "creditor_iban": "FR7630006000011234567890189",
    "creditor_bic": "AGRIFRPP",
    "creditor_address": "12 avenue de la République, 69002 Lyon",
    "invoice_id": "F-2026-0042",
    "mandate_id": "RUM-000042",
    "case_id": "case-42",
    "represent_date": "2026-03-10",
    "deadline": "2026-03-25",
    "instalments_link": "https://pay.example.org/plan/abc123",
    "cash_points_link": "https://pay.example.org/cash/abc123",
    "is_business": "false",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_command(**overrides: Any) -> dict[str, Any]:
    """Return a valid send_notification record; `variables` entries in overrides replace single variables."""
    variables = {**CREDITOR_VARIABLES, **overrides.pop("variables", {})}
    for name in overrides.pop("drop_variables", ()):
        variables.pop(name)
    step = overrides.pop("step_id", "reminder")
    case_id = overrides.pop("case_id", "case-42")
    attempt = overrides.pop("attempt", 1)
    command: dict[str, Any] = {
        "event_id": f"cmd-{case_id}-{step}-{attempt}",
        "occurred_at": 1_772_000_000_000,
        "source": "tests",
        "idempotency_key": f"{case_id}:{step}:{attempt}",
        "debtor_id": "debtor-42",
        "case_id": case_id,
        "step_id": step,
        "attempt": attempt,
        "channel": "email",
        "template": "reminder",
        "tone": "friendly",
        "locale": "fr",
        "cause": "insufficient_funds",
        "recipient": {
            "name": "Camille Martin",
            "email": "camille.martin@example.org",
            "phone": "06 12 34 56 78",
            "push_token": "device-token-42",
            "postal_address": {"lines": ["3 rue des Lilas"], "postcode": "75011", "city": "Paris", "country": "FR"},
            "timezone": "Europe/Paris",
        },
        "amount_due": {"amount_minor": 4990, "currency": "EUR"},
        "due_date": date(2026, 3, 5),
        "variables": variables,
        "not_before": None,
    }
    command.update(overrides)
    return command


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[DevMailServer]:
    server = DevMailServer(tmp_path / "mail", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http_server() -> Iterator[DevHttpServer]:
    server = DevHttpServer(port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def channel_settings(mail_server: DevMailServer, http_server: DevHttpServer, tmp_path: Path) -> ChannelSettings:
    """Channel settings aimed at this test's dev servers, with quick retries."""
    base = http_server.base_url
    return ChannelSettings(
        smtp_port=mail_server.port,
        sms_url=f"{base}/sms",
        twilio_base_url=base,
        voice_url=f"{base}/voice",
        push_url=f"{base}/push",
        letter_url=f"{base}/letters",
        letter_outbox_dir=tmp_path / "letters",
        retry_max_attempts=3,
        retry_base_seconds=0.05,
        retry_max_delay_seconds=0.2,
        http_timeout_seconds=2.0,
        quiet_hours={},
    )


@pytest.fixture
def start_worker() -> Iterator[Callable[..., ChannelWorker]]:
    """Start channel workers in threads; each is stopped and joined at teardown."""
    running: list[tuple[ChannelWorker, threading.Event, threading.Thread]] = []

    def start(channel: str, settings: Settings, channel_settings: ChannelSettings, clock: Clock | None = None,
              redis_client: redis.Redis | None = None) -> ChannelWorker:
        from agents.channels.settings import Channel

        worker = ChannelWorker(Channel(channel), settings, channel_settings, clock, redis_client)
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), name=f"worker-{channel}", daemon=True)
        thread.start()
        running.append((worker, stop, thread))
        return worker

    yield start
    for _, stop, thread in running:
        stop.set()
    for _, _, thread in running:
        thread.join(timeout=15)
        assert not thread.is_alive(), "a channel worker did not stop within 15 s"


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll `condition` until it returns a truthy value; fail with the timeout otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout:.0f} s")


def publish(settings: Settings, schema_name: str, *records: dict[str, Any]) -> None:
    from streams.producer import RelanceProducer

    with RelanceProducer(settings) as producer:
        for record in records:
            producer.publish(schema_name, record)


def read_outcomes(settings: Settings, expected: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Read the outcomes topic until `expected` outcomes arrived, plus any extra within a second."""
    from tests.support import read_topic

    topic = settings.topic_name("notification-outcomes")
    return [decoded.record for _, decoded in read_topic(settings, topic, expected, timeout)]


def read_dead_letters(settings: Settings, expected: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    from tests.support import read_topic

    return [decoded.record for _, decoded in read_topic(settings, settings.topic_name("dlq"), expected, timeout)]
