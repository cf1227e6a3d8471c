"""Respect for the debtor on the real stack: quiet hours on the clock, contact caps and opt-outs."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import redis

from agents.channels.limits import OptOuts
from agents.channels.settings import Channel, ContactCap, QuietHours
from streams.clock import ManualClock
from tests.agents.channels.conftest import make_command, publish, read_outcomes, wait_for
from tests.support import settings_with_topics

pytestmark = pytest.mark.integration

PARIS = ZoneInfo("Europe/Paris")


def _paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(timezone.utc)


@pytest.fixture
def redis_client(stack):
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    yield client
    client.close()


@pytest.mark.parametrize("saturday, expected_local", [
    ((2026, 3, 7), datetime(2026, 3, 9, 8, 0, tzinfo=PARIS)),     # plain weekend: Monday 08:00
    ((2026, 5, 23), datetime(2026, 5, 26, 8, 0, tzinfo=PARIS)),   # Whit Monday 25 May: Tuesday 08:00
])
def test_saturday_night_sms_waits_for_morning(
    stack, http_server, channel_settings, start_worker, saturday, expected_local
):
    settings = settings_with_topics()
    clock = ManualClock(_paris(*saturday, 21, 0))
    quiet = channel_settings.model_copy(update={"quiet_hours": {"sms": QuietHours()}})
    start_worker("sms", settings, quiet, clock=clock)

    publish(settings, "send_notification", make_command(channel="sms"))

    [deferred] = read_outcomes(settings, 1)
    assert deferred["status"] == "deferred"
    assert deferred["reason"] == f"quiet_hours: next allowed at {expected_local.isoformat()}"
    assert http_server.requests("/sms") == []

    clock.set(expected_local - timedelta(minutes=1))
    time.sleep(2.0)  # several worker loops run at 07:59 and must send nothing
    assert http_server.requests("/sms") == []

    clock.set(expected_local)
    [request] = wait_for(lambda: http_server.requests("/sms"))
    assert request["status"] == 200
    outcomes = read_outcomes(settings, 2)
    assert [outcome["status"] for outcome in outcomes] == ["deferred", "sent"]
    assert outcomes[1]["occurred_at"] == expected_local.astimezone(timezone.utc)
    assert len(http_server.requests("/sms")) == 1


def test_future_not_before_is_deferred_then_sent_once(stack, mail_server, channel_settings, start_worker):
    settings = settings_with_topics()
    clock = ManualClock(datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc))
    start_worker("email", settings, channel_settings, clock=clock)
    later = datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc)

    publish(settings, "send_notification", make_command(not_before=later), make_command(not_before=later))

    [deferred] = read_outcomes(settings, 1)
    assert deferred["status"] == "deferred"
    assert deferred["reason"].startswith("not_before: next allowed at 2026-03-11T10:00:00+01:00")
    clock.set(later)
    wait_for(mail_server.messages)
    assert [outcome["status"] for outcome in read_outcomes(settings, 2)] == ["deferred", "sent"]
    assert len(mail_server.messages()) == 1


def test_commands_over_daily_cap_are_suppressed(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    clock = ManualClock(_paris(2026, 3, 10, 10, 0))
    capped = channel_settings.model_copy(update={"contact_caps": {"sms": ContactCap(per_day=1, per_week=2)}})
    start_worker("sms", settings, capped, clock=clock)

    publish(settings, "send_notification", make_command(channel="sms", step_id="a"), make_command(channel="sms", step_id="b"))
    outcomes = read_outcomes(settings, 2)
    assert [(outcome["step_id"], outcome["status"]) for outcome in outcomes] == [("a", "sent"), ("b", "suppressed")]
    assert outcomes[1]["reason"].startswith("cap_daily: 1 sms messages per day")

    clock.set(_paris(2026, 3, 11, 10, 0))
    publish(settings, "send_notification", make_command(channel="sms", step_id="c"), make_command(channel="sms", step_id="d"))
    outcomes = read_outcomes(settings, 4)
    assert [(outcome["step_id"], outcome["status"]) for outcome in outcomes[2:]] == [("c", "sent"), ("d", "suppressed")]
    assert outcomes[3]["reason"].startswith("cap_daily")

    clock.set(_paris(2026, 3, 12, 10, 0))
    publish(settings, "send_notification", make_command(channel="sms", step_id="e"))
    outcomes = read_outcomes(settings, 5)
    assert outcomes[4]["status"] == "suppressed"
    assert outcomes[4]["reason"].startswith("cap_weekly: 2 sms messages per week")
    assert len(http_server.requests("/sms")) == 2


def test_opt_out_reply_suppresses_and_opt_in_restores(stack, redis_client, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    opt_outs = OptOuts(redis_client, settings.topic_prefix)
    start_worker("sms", settings, channel_settings)
    reply = {"event_id": "reply-1", "occurred_at": datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc), "source": "tests",
             "debtor_id": "debtor-42", "reply_type": "opt_out", "channel": "sms"}

    publish(settings, "debtor_reply", reply)
    wait_for(lambda: opt_outs.is_opted_out("debtor-42", Channel.SMS))
    publish(settings, "send_notification", make_command(channel="sms", step_id="a"))
    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "suppressed"
    assert outcome["reason"] == "opt_out: the debtor opted out of sms"

    publish(settings, "debtor_reply", {**reply, "event_id": "reply-2", "reply_type": "opt_in",
                                       "occurred_at": datetime(2026, 3, 10, 10, 0, tzinfo=timezone.utc)})
    wait_for(lambda: not opt_outs.is_opted_out("debtor-42", Channel.SMS))
    publish(settings, "send_notification", make_command(channel="sms", step_id="b"))
    outcomes = read_outcomes(settings, 2)
    assert outcomes[1]["status"] == "sent"
    assert len(http_server.requests("/sms")) == 1


def test_profile_opt_out_suppresses(stack, redis_client, mail_server, channel_settings, start_worker):
    settings = settings_with_topics()
    opt_outs = OptOuts(redis_client, settings.topic_prefix)
    start_worker("email", settings, channel_settings)
    profile = {"event_id": "profile-1", "occurred_at": datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc),
               "source": "tests", "debtor_id": "debtor-42", "opt_outs": ["email"]}

    publish(settings, "debtor_profile", profile)
    wait_for(lambda: opt_outs.is_opted_out("debtor-42", Channel.EMAIL))
    publish(settings, "send_notification", make_command())

    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "suppressed"
    assert outcome["reason"].startswith("opt_out")
    assert mail_server.messages() == []


def test_older_event_does_not_override_newer_opt_out(redis_client):
    opt_outs = OptOuts(redis_client, f"test-{time.time_ns()}.")
    opt_outs.record("debtor-1", "sms", True, datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc))
    assert not opt_outs.record("debtor-1", "sms", False, datetime(2026, 3, 10, 11, 0, tzinfo=timezone.utc))
    assert opt_outs.is_opted_out("debtor-1", Channel.SMS)


def test_opt_out_listed_on_command_suppresses(stack, mail_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("email", settings, channel_settings)

    publish(settings, "send_notification", make_command(variables={"opted_out_channels": "sms, email"}))

    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "suppressed"
    assert outcome["reason"].startswith("opt_out")
    assert mail_server.messages() == []


def test_invalid_phone_is_suppressed_with_reason(stack, http_server, channel_settings, start_worker):
    settings = settings_with_topics()
    start_worker("sms", settings, channel_settings)
    command = make_command(channel="sms")
    command["recipient"] = {**command["recipient"], "phone": "12"}

    publish(settings, "send_notification", command)

    [outcome] = read_outcomes(settings, 1)
    assert outcome["status"] == "suppressed"
    assert outcome["reason"].startswith("invalid_recipient")
    assert http_server.requests("/sms") == []

