"""The one clock of the pipeline, with a time scale so a 15-day scenario can run in seconds."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

DAY = timedelta(days=1)


class Clock(Protocol):
    def now(self) -> datetime: ...

    def real_seconds(self, scenario: timedelta) -> float: ...


class ScaledClock:
    """Scenario time that runs `scale` times faster than real time from `origin` (Unix seconds).

    At `origin` the scenario time equals the wall-clock time. With scale 1 it is the wall clock.
    Processes that share an origin and a scale agree on the time, so a restarted worker keeps the schedule.
    """

    def __init__(self, scale: float = 1.0, origin: float | None = None) -> None:
        if scale <= 0:
            raise ValueError(f"invalid time scale {scale}: it must be greater than 0")
        self.scale = scale
        self.origin = time.time() if origin is None else origin

    def now(self) -> datetime:
        scenario_seconds = self.origin + (time.time() - self.origin) * self.scale
        return datetime.fromtimestamp(scenario_seconds, timezone.utc)

    def real_seconds(self, scenario: timedelta) -> float:
        return scenario.total_seconds() / self.scale


class ManualClock:
    """A clock that tests move forward by hand instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime, for example with tzinfo=timezone.utc")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment

    def real_seconds(self, scenario: timedelta) -> float:
        return 0.0
