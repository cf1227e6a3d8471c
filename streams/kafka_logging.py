"""Route librdkafka's own log lines through Python logging, with repeats of one line rate-limited."""

from __future__ import annotations

import logging
import time

REPEAT_INTERVAL_SECONDS = 60.0


class RepeatFilter(logging.Filter):
    """Let one line through, then drop exact repeats of it for `interval` seconds.

    A client whose broker is down logs the same connection failure many times a second; one line a
    minute carries the same information.
    """

    def __init__(self, interval: float = REPEAT_INTERVAL_SECONDS) -> None:
        super().__init__()
        self.interval = interval
        self._last_seen: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        now = time.monotonic()
        last = self._last_seen.get(text)
        if last is not None and now - last < self.interval:
            return False
        self._last_seen[text] = now
        if len(self._last_seen) > 1000:
            self._last_seen.clear()
        return True


def client_logger() -> logging.Logger:
    """Return the logger that confluent-kafka clients write to, set up once per process."""
    logger = logging.getLogger("relance.kafka.client")
    if not any(isinstance(item, RepeatFilter) for item in logger.filters):
        logger.addFilter(RepeatFilter())
    return logger
