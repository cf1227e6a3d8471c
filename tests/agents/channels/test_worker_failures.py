"""Provider failures: retries with backoff, the dead-letter topic after the last attempt, and broken templates."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.agents.channels.conftest import make_command, publish, read_dead_letters, read_outcomes
from tests.support import settings_with_topics

pytestmark = pytest.mark.integration


def _retries(channel: str) -> float:
    return REGISTRY.get_sample_value("relance_channel_retries_total", {"channel": channel}) or 0.0


def test_500_then_200_delivers_once_and_counts_retry(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    http_server.script("/sms", statuses=[500])
    retries_before = _retries("sms")
    start_worker("sms", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="sms"))

    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "sent"
    assert outcome["attempts"] == 2
    assert [request["status"] for request in http_server.requests("/sms")] == [500, 200]
    assert _retries("sms") - retries_before == 1


def test_429_is_retried(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    http_server.script("/push", statuses=[429, 503])
    start_worker("push", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="push"))

    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "sent"
    assert outcome["attempts"] == 3
    assert [request["status"] for request in http_server.requests("/push")] == [429, 503, 200]


def test_always_500_dead_letters_then_continues(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    http_server.script("/sms", always=500)
    start_worker("sms", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="sms", step_id="day1"))

    [dead] = read_dead_letters(settings, 1)
    assert dead["error_type"] == "SendError"
    assert "HTTP 500" in dead["error"]
    assert dead["source_topic"] == settings.topic_name("notification-commands")
    assert dead["source_offset"] >= 0
    assert len(http_server.requests("/sms")) == channel_settings.retry_max_attempts

    http_server.script("/sms", statuses=[])
    publish(settings, "send_notification", make_command(channel="sms", step_id="day8", template="payment_options"))

    outcomes = read_outcomes(settings, 2)
    assert [(outcome["step_id"], outcome["status"]) for outcome in outcomes] == [("day1", "failed"), ("day8", "sent")]
    assert "HTTP 500" in outcomes[0]["reason"]
    assert outcomes[0]["attempts"] == channel_settings.retry_max_attempts


def test_client_error_is_not_retried(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    http_server.script("/voice", always=400)
    start_worker("voice", settings, channel_settings)

    publish(settings, "send_notification", make_command(channel="voice", template="call_context", tone="firm"))

    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "failed"
    assert "HTTP 400" in outcome["reason"]
    assert outcome["attempts"] == 1
    assert len(http_server.requests("/voice")) == 1


def test_hanging_provider_times_out_then_fails(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    http_server.script("/push", hang_seconds=2.0)
    start_worker("push", settings, channel_settings.model_copy(update={"http_timeout_seconds": 0.5}))

    publish(settings, "send_notification", make_command(channel="push"))

    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "failed"
    assert "timed out" in outcome["reason"]
    assert len(http_server.requests("/push")) == channel_settings.retry_max_attempts


def test_missing_variable_dead_letters_without_sending(stack, mail_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("email", settings, channel_settings)

    publish(settings, "send_notification", make_command(drop_variables=["creditor_iban"]))

    [dead] = read_dead_letters(settings, 1)
    assert dead["error_type"] == "TemplateRenderError"
    assert "fr/reminder.j2" in dead["error"]
    assert "'creditor_iban'" in dead["error"]
    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "failed"
    assert outcome["attempts"] == 0
    assert "'creditor_iban'" in outcome["reason"]
    assert mail_server.messages() == []


def test_undecodable_command_dead_letters(stack, mail_server, channel_settings, start_worker):
    from streams.producer import RelanceProducer

    settings = settings_with_topics()
    start_worker("email", settings, channel_settings)
    producer = RelanceProducer(settings)
    producer.produce_raw(settings.topic_name("notification-commands"), b"debtor-42", b"not avro")
    producer.flush()

    [dead] = read_dead_letters(settings, 1)
    assert dead["error_type"] == "SchemaError"
    assert dead["value"] == b"not avro"
    assert mail_server.messages() == []
