"""Adapter pieces that need no server: phone numbers, SMS bodies, letters as PDF, backoff."""

from __future__ import annotations

import random
from datetime import date

import pytest

from agents.channels.adapters.letter import render_pdf
from agents.channels.adapters.sms import GenericSmsAdapter, to_e164
from agents.channels.errors import InvalidRecipient, SendError
from agents.channels.retry import Backoff
from agents.channels.settings import ChannelSettings
from agents.channels.templates import TemplateRenderer
from tests.agents.channels.conftest import make_command


@pytest.mark.parametrize("given, expected", [
    ("06 12 34 56 78", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("0033612345678", "+33612345678"),
    ("+32 470 12 34 56", "+32470123456"),
])
def test_phone_normalised_to_e164(given, expected):
    assert to_e164(given, "FR") == expected


@pytest.mark.parametrize("given, reason", [
    (None, "no phone number"),
    ("", "no phone number"),
    ("not a number", "does not parse"),
    ("06 12", "invalid phone number"),
])
def test_bad_phone_gives_suppression_reason(given, reason):
    with pytest.raises(InvalidRecipient) as raised:
        to_e164(given, "FR")
    assert reason in raised.value.reason
    assert raised.value.reason.startswith("invalid_recipient")


def test_generic_sms_body_is_json_from_template():
    adapter = GenericSmsAdapter(ChannelSettings(), key_scope="relance.")
    message = TemplateRenderer().render(make_command(channel="sms"), date(2026, 3, 6))
    body = adapter.body(make_command(channel="sms"), message)
    adapter.close()
    assert body["to"] == "+33612345678"
    assert body["from"] == "RELANCE"
    assert body["reference"] == "relance.case-42:reminder:1"
    assert body["text"] == message.short


def test_generic_sms_body_template_must_be_json():
    adapter = GenericSmsAdapter(ChannelSettings(sms_body_template='{"to": {{ to }}}'), key_scope="relance.")
    message = TemplateRenderer().render(make_command(channel="sms"), date(2026, 3, 6))
    with pytest.raises(SendError, match="tojson") as raised:
        adapter.body(make_command(channel="sms"), message)
    adapter.close()
    assert raised.value.retryable is False


def test_formal_notice_pdf_is_a_pdf():
    message = TemplateRenderer().render(make_command(template="formal_notice", tone="legal", channel="letter"),
                                        date(2026, 3, 20))
    pdf = render_pdf(message)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 1500


def test_backoff_is_bounded_and_grows():
    backoff = Backoff(max_attempts=5, base_seconds=1.0, max_delay_seconds=3.0)
    rng = random.Random(7)
    for failed in range(1, 10):
        ceiling = min(3.0, 2 ** (failed - 1))
        delays = [backoff.delay(failed, rng) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling * 0.8
