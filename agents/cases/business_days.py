"""TARGET2 business days, from the ECB calendar of the holidays package, for re-presentation dates."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _target2_closing_days(year: int) -> frozenset[date]:
    # XECB lists the TARGET2 closing days: 1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December.
    return frozenset(holidays.financial_holidays("XECB", years=year))


def is_target2_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _target2_closing_days(day.year)


def next_target2_business_day(day: date) -> date:
    """Return `day` when it is a TARGET2 business day, otherwise the first one after it."""
    while not is_target2_business_day(day):
        day += timedelta(days=1)
    return day
