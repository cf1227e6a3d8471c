"""A rejection on the real broker becomes an e-mail on the SMTP server, through the case worker and the e-mail worker."""

from __future__ import annotations

import time
from datetime import date, datetime, timezone

import pytest

from streams.clock import ScaledClock
from tests.agents.cases.worker_process import WorkerProcess
from tests.agents.channels.conftest import publish, read_outcomes, wait_for
from tests.support import settings_with_topics

pytestmark = pytest.mark.integration

TIME_SCALE = 43200.0  # one scenario day every 2 s


def test_rejection_becomes_french_email(stack, tmp_path, mail_server, channel_settings, start_worker):
    settings = settings_with_topics()
    origin = time.time()
    worker = WorkerProcess(settings, tmp_path, time_scale=TIME_SCALE, clock_origin=origin)
    worker.start()
    try:
        start_worker("email", settings, channel_settings, ScaledClock(TIME_SCALE, origin))
        now = datetime.now(timezone.utc)
        publish(settings, "debtor_profile", {
            "event_id": "profile-e2e", "occurred_at": now, "source": "test", "debtor_id": "D-E2E",
            "name": "Camille Martin", "locale": "fr", "email": "camille@example.org",
            "consents": ["email"], "mandate_ids": ["RUM-E2E"],
        })
        publish(settings, "debit_rejected", {
            "event_id": "reject-e2e", "occurred_at": now, "source": "test", "debtor_id": "D-E2E",
            "mandate_id": "RUM-E2E", "end_to_end_id": "E2E-1", "reason_code": "AM04", "reason_code_origin": "cd",
            "kind": "return", "original_amount": {"amount_minor": 4990, "currency": "EUR"},
            "requested_collection_date": date(2026, 11, 5),
            "message_id": "MSG-E2E", "file_name": "test", "item_position": "1",
        })

        messages = wait_for(mail_server.messages, timeout=60)
    finally:
        worker.stop_quietly()

    message = messages[0]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert message["To"].addresses[0].addr_spec == "camille@example.org"
    assert "Bonjour Camille Martin" in text
    assert "solde de votre compte ne permettait pas ce paiement" in text
    assert "49,90 €" in text
    assert "https://pay.relance.example/c/D-E2E:RUM-E2E:E2E-1" in text
    assert "49,90 €" in html
    # Later steps (the re-presentation notice on day 2) may also have gone out before the worker stopped.
    outcomes = {item["step_id"]: item for item in read_outcomes(settings, expected=1)}
    assert outcomes["inform"]["status"] == "sent"
    assert outcomes["inform"]["channel"] == "email"
