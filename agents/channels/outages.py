"""Rate-limited logs of a dependency outage (Redis or the Kafka broker) seen by a channel worker."""

from __future__ import annotations

import logging
import time
from typing import Callable

log = logging.getLogger(__name__)


class OutageLog:
    """Log one dependency's outages without flooding the log.

    An outage logs a warning when it starts, a reminder every `interval_seconds` while it lasts, and one info
    line when it ends. An outage that starts within `interval_seconds` of the previous warning is counted
    instead of logged, and so is its end, so a flapping connection logs at most one warning per interval.
    """

    def __init__(self, dependency: str, channel: str, interval_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.dependency = dependency
        self.channel = channel
        self.interval_seconds = interval_seconds
        self.clock = clock
        self.down_since: float | None = None
        self._last_warning_at: float | None = None
        self._announced = False
        self._failures = 0
        self._unannounced_outages = 0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, error: object) -> bool:
        """Record one failed call; return True when it starts an outage."""
        now = self.clock()
        self._failures += 1
        if self.down_since is not None:
            if self._warning_due(now):
                self._warn(now, "%s still unavailable channel=%s down_seconds=%.0f failures=%d error=%s",
                           self.dependency, self.channel, now - self.down_since, self._failures, error)
            return False

        self.down_since = now
        self._failures = 1
        if self._warning_due(now):
            self._warn(now, "%s unavailable; pausing channel=%s earlier_outages_not_logged=%d error=%s",
                       self.dependency, self.channel, self._unannounced_outages, error)
            self._unannounced_outages = 0
        else:
            self._announced = False
            self._unannounced_outages += 1
        return True

    def recovered(self) -> None:
        """Record a successful call; log the end of the outage when its start was logged."""
        if self.down_since is None:
            return
        if self._announced:
            log.info("%s available again; resumed channel=%s paused_seconds=%.1f failures=%d",
                     self.dependency, self.channel, self.clock() - self.down_since, self._failures)
        self.down_since = None
        self._announced = False

    def _warning_due(self, now: float) -> bool:
        return self._last_warning_at is None or now - self._last_warning_at >= self.interval_seconds

    def _warn(self, now: float, message: str, *args: object) -> None:
        log.warning(message, *args)
        self._last_warning_at = now
        self._announced = True
