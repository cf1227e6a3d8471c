"""Quiet hours: the next moment a channel may contact the debtor, in the debtor's time zone."""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from agents.channels.quiet_hours import QuietHoursCalendar, debtor_zone
from agents.channels.settings import QuietHours

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def calendar() -> QuietHoursCalendar:
    return QuietHoursCalendar("FR")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(timezone.utc)


def test_saturday_evening_moves_to_monday_morning(calendar):
    allowed = calendar.next_allowed(paris(2026, 3, 7, 21, 0), QuietHours(), PARIS)
    assert allowed == paris(2026, 3, 9, 8, 0)


def test_holiday_monday_moves_to_tuesday(calendar):
    # 25 May 2026 is Whit Monday (lundi de Pentecôte), a public holiday in France.
    allowed = calendar.next_allowed(paris(2026, 5, 23, 21, 0), QuietHours(), PARIS)
    assert allowed == paris(2026, 5, 26, 8, 0)


def test_inside_window_is_unchanged(calendar):
    moment = paris(2026, 3, 10, 14, 30)
    assert calendar.next_allowed(moment, QuietHours(), PARIS) == moment


def test_early_morning_waits_for_opening(calendar):
    assert calendar.next_allowed(paris(2026, 3, 10, 6, 15), QuietHours(), PARIS) == paris(2026, 3, 10, 8, 0)


def test_closing_time_is_quiet(calendar):
    assert calendar.next_allowed(paris(2026, 3, 10, 20, 0), QuietHours(), PARIS) == paris(2026, 3, 11, 8, 0)


def test_debtor_time_zone_decides(calendar):
    # 09:00 in Paris is 03:00 in Montreal: too early there.
    montreal = ZoneInfo("America/Montreal")
    allowed = calendar.next_allowed(paris(2026, 3, 10, 9, 0), QuietHours(), montreal)
    assert allowed == datetime(2026, 3, 10, 8, 0, tzinfo=montreal).astimezone(timezone.utc)


def test_no_window_means_always_allowed(calendar):
    moment = paris(2026, 3, 8, 23, 0)
    assert calendar.next_allowed(moment, None, PARIS) == moment


def test_custom_window_and_holidays_allowed(calendar):
    window = QuietHours(start=time(10, 0), end=time(13, 0), weekdays=[0, 1, 2, 3, 4], public_holidays=True)
    assert calendar.next_allowed(paris(2026, 5, 25, 9, 0), window, PARIS) == paris(2026, 5, 25, 10, 0)
    assert calendar.next_allowed(paris(2026, 5, 29, 13, 30), window, PARIS) == paris(2026, 6, 1, 10, 0)


def test_invalid_window_is_rejected():
    with pytest.raises(ValueError, match="start must be before end"):
        QuietHours(start=time(20, 0), end=time(8, 0))
    with pytest.raises(ValueError, match="invalid weekdays"):
        QuietHours(weekdays=[7])


def test_unknown_zone_falls_back_to_default():
    assert debtor_zone("Mars/Olympus", "Europe/Paris") == PARIS
    assert debtor_zone(None, "Europe/Paris") == PARIS
