"""Commands that wait in Redis until a moment: quiet hours, a future `not_before`, or a claim held elsewhere.

Why Redis and not a re-published Kafka record: a re-published command comes straight back to the same
partition, so the worker would have to block it or spin on it until its time comes. A sorted set per channel,
scored by the due time in milliseconds of the pipeline clock, lets the consumer commit and go on. Every
worker loop moves the due commands out of it. A command leaves the set only after its outcome was
published; two workers that pick the same command meet on its idempotency claim, so it is sent once.
"""

from __future__ import annotations

from datetime import datetime, timezone

import redis

from agents.channels.settings import Channel


class DeferredCommands:
    """Encoded commands by idempotency key, with their due times, for one channel."""

    def __init__(self, client: redis.Redis, prefix: str, channel: Channel) -> None:
        self.client = client
        self.schedule_key = f"{prefix}deferred:{channel.value}"
        self.payload_key = f"{prefix}deferred-payload:{channel.value}"

    def add(self, key: str, payload: bytes, due: datetime) -> None:
        """Store `payload` under `key`, due at `due`; adding the same key again only moves its time."""
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(self.payload_key, key, payload)
        pipe.zadd(self.schedule_key, {key: int(due.timestamp() * 1000)})
        pipe.execute()

    def due(self, now: datetime, limit: int) -> list[tuple[str, bytes]]:
        keys = self.client.zrangebyscore(self.schedule_key, "-inf", int(now.timestamp() * 1000), start=0, num=limit)
        if not keys:
            return []
        payloads = self.client.hmget(self.payload_key, keys)
        return [(key.decode(), payload) for key, payload in zip(keys, payloads) if payload is not None]

    def due_time(self, key: str) -> datetime | None:
        score = self.client.zscore(self.schedule_key, key)
        return None if score is None else datetime.fromtimestamp(score / 1000, timezone.utc)

    def remove(self, key: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.zrem(self.schedule_key, key)
        pipe.hdel(self.payload_key, key)
        pipe.execute()

    def size(self) -> int:
        return int(self.client.zcard(self.schedule_key))
