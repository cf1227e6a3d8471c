"""Quiet hours: the next moment a channel may contact a debtor, in the debtor's time zone."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from agents.channels.settings import QuietHours

log = logging.getLogger(__name__)

_MAX_DAYS_AHEAD = 31


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def debtor_zone(name: str | None, default: str) -> ZoneInfo:
    """Return the debtor's time zone, or `default` when the name is missing or unknown."""
    try:
        return _zone(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown debtor time zone timezone=%r; using default=%s", name, default)
        return _zone(default)


class QuietHoursCalendar:
    """Contact windows and public holidays of one country."""

    def __init__(self, country: str = "FR", subdivision: str | None = None) -> None:
        self.public_holidays = holidays.country_holidays(country, subdiv=subdivision)

    def next_allowed(self, moment: datetime, window: QuietHours | None, zone: ZoneInfo) -> datetime:
        """Return `moment` when contact is allowed then, else the start of the next allowed window (aware, UTC).

        Raises ValueError when the window allows no day within a month, which only a broken setting causes.
        """
        if window is None:
            return moment
        local = moment.astimezone(zone)
        for _ in range(_MAX_DAYS_AHEAD):
            day = local.date()
            allowed_day = day.weekday() in window.weekdays and (window.public_holidays or day not in self.public_holidays)
            if allowed_day:
                opens = datetime.combine(day, window.start, zone)
                closes = datetime.combine(day, window.end, zone)
                if local < opens:
                    return opens.astimezone(moment.tzinfo)
                if local < closes:
                    return moment
            local = datetime.combine(day + timedelta(days=1), window.start, zone) - timedelta(microseconds=1)
        raise ValueError(f"quiet hours {window} allow no contact within {_MAX_DAYS_AHEAD} days; fix the setting")
