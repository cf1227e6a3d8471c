"""Channel workers deliver on the real stack: Kafka, Redis, the dev SMTP server and the dev HTTP providers."""

from __future__ import annotations

import json

import pytest

from agents.channels.adapters.email import message_id
from tests.agents.channels.conftest import make_command, publish, read_outcomes, wait_for
from tests.support import settings_with_topics

pytestmark = pytest.mark.integration


def test_rejection_reminder_arrives_as_french_email(stack, mail_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("email", settings, channel_settings)

    publish(settings, "send_notification", make_command(cause="incorrect_bank_details"))

    messages = wait_for(mail_server.messages)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "Camille Martin <camille.martin@example.org>"
    assert message["Subject"] == "Votre prélèvement de 49,90 € du 5 mars 2026 n'a pas abouti"
    assert message["Message-ID"] == message_id(f"{settings.topic_prefix}case-42:reminder:1")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "coordonnées bancaires" in text
    assert "49,90 €" in text
    assert "https://pay.example.org/p/abc123" in text
    assert '<a href="https://pay.example.org/p/abc123"' in html
    assert "coordonnées bancaires" in html

    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "sent"
    assert outcome["idempotency_key"] == "case-42:reminder:1"
    assert outcome["command_id"] == "cmd-case-42-reminder-1"
    assert outcome["provider_message_id"] == message_id(f"{settings.topic_prefix}case-42:reminder:1")
    assert outcome["attempts"] == 1


def test_command_delivered_three_times_sends_once(stack, mail_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("email", settings, channel_settings)

    publish(settings, "send_notification", make_command(), make_command(), make_command())

    outcomes = read_outcomes(settings, 1, timeout=20)
    assert [outcome["status"] for outcome in outcomes] == ["sent"]
    assert len(mail_server.messages()) == 1


def test_worker_ignores_other_channels(stack, mail_server, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("email", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="sms"), make_command(step_id="day8", template="payment_options"))

    [outcome] = read_outcomes(settings, 1)
    assert outcome["channel"] == "email"
    assert outcome["step_id"] == "day8"
    assert http_server.requests() == []


def test_sms_generic_provider_gets_json(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("sms", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="sms"))

    [request] = wait_for(lambda: http_server.requests("/sms"))
    assert request["json"]["to"] == "+33612345678"
    assert request["json"]["reference"] == f"{settings.topic_prefix}case-42:reminder:1"
    assert "49,90 €" in request["json"]["text"]
    assert request["idempotency_key"] == f"{settings.topic_prefix}case-42:reminder:1"
    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "sent"
    assert outcome["provider_message_id"] == f"dev-{request['seq']}"


def test_sms_twilio_shape(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    twilio = channel_settings.model_copy(update={"sms_provider": "twilio"})
    start_worker("sms", settings, twilio)

    publish(settings, "send_notification", make_command(channel="sms", locale="en"))

    [request] = wait_for(lambda: http_server.requests("/2010-04-01/Accounts/"))
    assert request["path"] == f"/2010-04-01/Accounts/{twilio.twilio_account_sid}/Messages.json"
    assert request["form"]["To"] == "+33612345678"
    assert request["form"]["From"] == "RELANCE"
    assert "€49.90" in request["form"]["Body"]
    [outcome] = read_outcomes(settings, 1)
    assert outcome["provider_message_id"].startswith("SM")


def test_voice_webhook_carries_call_context(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("voice", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="voice", template="call_context", tone="firm",
                                                        cause="opposition", step_id="day10"))

    [request] = wait_for(lambda: http_server.requests("/voice"))
    call = request["json"]
    assert call["call_id"] == f"{settings.topic_prefix}case-42:day10:1"
    assert call["to"] == "+33612345678"
    assert call["case_id"] == "case-42"
    assert call["cause"] == "opposition"
    assert call["amount_due"] == {"amount_minor": 4990, "currency": "EUR"}
    assert call["due_date"] == "2026-03-05"
    assert call["context"]["payment_link"] == "https://pay.example.org/p/abc123"
    assert "vérifiez l'identité" in call["script"]
    assert read_outcomes(settings, 1)[0]["status"] == "sent"


def test_push_webhook(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("push", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="push"))

    [request] = wait_for(lambda: http_server.requests("/push"))
    assert request["json"]["token"] == "device-token-42"
    assert "49,90 €" in request["json"]["title"]
    assert request["json"]["data"]["case_id"] == "case-42"
    assert read_outcomes(settings, 1)[0]["status"] == "sent"


def test_formal_notice_letter_to_outbox(stack, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("letter", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="letter", template="formal_notice", tone="legal",
                                                        step_id="day15"))

    [outcome] = read_outcomes(settings, 1)
    folder = channel_settings.letter_outbox_dir
    pdf = folder / f"{outcome['provider_message_id']}.pdf"
    metadata = json.loads((folder / f"{outcome['provider_message_id']}.json").read_text())
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert metadata["registered"] is True
    assert metadata["recipient"]["address"]["city"] == "Paris"
    assert metadata["reference"] == f"{settings.topic_prefix}case-42:day15:1"


def test_letter_to_print_provider(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("letter", settings, channel_settings.model_copy(update={"letter_mode": "http"}))

    publish(settings, "send_notification", make_command(channel="letter", template="payment_options", tone="formal"))

    [request] = wait_for(lambda: http_server.requests("/letters"))
    assert request["files"]["file"]["starts_with"].startswith("%PDF-")
    metadata = json.loads(request["form"]["metadata"])
    assert metadata["registered"] is False
    assert read_outcomes(settings, 1)[0]["status"] == "sent"


def test_email_with_auth(stack, tmp_path, channel_settings, start_worker):
    from pydantic import SecretStr

    from streams.stack.devservers import DevMailServer
    from tests.agents.channels.conftest import free_port

    server = DevMailServer(tmp_path / "auth-mail", free_port(), auth=("relance", "s3cret"))
    server.start()
    try:
        settings = settings_with_topics()
        good = channel_settings.model_copy(update={"smtp_port": server.port, "smtp_username": "relance",
                                                    "smtp_password": SecretStr("s3cret")})
        start_worker("email", settings, good)
        publish(settings, "send_notification", make_command())
        assert len(wait_for(server.messages)) == 1
        assert read_outcomes(settings, 1)[0]["status"] == "sent"
    finally:
        server.stop()


def test_email_wrong_password_fails_without_retry(stack, tmp_path, channel_settings, start_worker):
    from pydantic import SecretStr

    from streams.stack.devservers import DevMailServer
    from tests.agents.channels.conftest import free_port

    server = DevMailServer(tmp_path / "auth-mail", free_port(), auth=("relance", "s3cret"))
    server.start()
    try:
        settings = settings_with_topics()
        wrong = channel_settings.model_copy(update={"smtp_port": server.port, "smtp_username": "relance",
                                                     "smtp_password": SecretStr("wrong")})
        start_worker("email", settings, wrong)
        publish(settings, "send_notification", make_command())
        [outcome] = read_outcomes(settings, 1)
        assert outcome["status"] == "failed"
        assert "535" in outcome["reason"]
        assert outcome["attempts"] == 1
        assert server.messages() == []
    finally:
        server.stop()


def test_same_command_from_two_installs_sent_twice(stack, http_server, channel_settings, start_worker):
    first, second = settings_with_topics(), settings_with_topics()
    start_worker("sms", first, channel_settings)
    start_worker("sms", second, channel_settings)

    publish(first, "send_notification", make_command(channel="sms"))
    publish(second, "send_notification", make_command(channel="sms"))

    requests = wait_for(lambda: len(http_server.requests("/sms")) == 2 and http_server.requests("/sms"))
    assert sorted(request["idempotency_key"] for request in requests) == sorted(
        [f"{first.topic_prefix}case-42:reminder:1", f"{second.topic_prefix}case-42:reminder:1"]
    )
    assert [request["replayed"] for request in requests] == [False, False]
    assert read_outcomes(first, 1)[0]["status"] == "sent"
    assert read_outcomes(second, 1)[0]["status"] == "sent"
