"""Exponential backoff with full jitter and a bounded number of attempts."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delays before attempts 2..max_attempts: random in [0, min(max_delay, base * 2**(n-1))]."""

    max_attempts: int
    base_seconds: float
    max_delay_seconds: float

    def delay(self, failed_attempts: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.max_delay_seconds, self.base_seconds * 2 ** (failed_attempts - 1))
        return (rng or random).uniform(0, ceiling)
