"""Idempotency keys in Redis: claim with SET NX and a lease, then record what happened, so a key is sent once.

One Redis string per key holds a JSON state with the key's TTL:
  pending   claimed by `owner` until `lease_until` (Unix seconds, wall clock); another worker may take the key
            over only after the lease expired, because a crash between the claim and the send leaves it there;
  deferred  waiting in the deferred set; the deferred outcome was published;
  sent      the provider accepted the message, and the outcome may still be unpublished;
  done      the outcome was published; `status` is sent, delivered, failed or suppressed.
A crash after the provider accepted a message but before `sent` was written is the one window where a retry
sends again; the adapters pass the key to providers that deduplicate on it to close that window too.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import redis

State = Literal["pending", "deferred", "sent", "done"]
ClaimResult = Literal["claimed", "held", "finished"]

# Replace the value only when it is still the one we read, so two workers cannot take over one expired lease.
_COMPARE_AND_SET = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class KeyState:
    state: State
    data: dict[str, Any]

    @property
    def lease_until(self) -> float:
        return float(self.data.get("lease_until", 0))


@dataclass(frozen=True)
class Claim:
    result: ClaimResult
    state: KeyState | None


class IdempotencyStore:
    """Claims and states of idempotency keys under one Redis key prefix."""

    def __init__(self, client: redis.Redis, prefix: str, ttl_seconds: int, lease_seconds: float, owner: str) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_ms = ttl_seconds * 1000
        self.lease_seconds = lease_seconds
        self.owner = owner
        self._compare_and_set = client.register_script(_COMPARE_AND_SET)

    def redis_key(self, key: str) -> str:
        return f"{self.prefix}idem:{key}"

    def get(self, key: str) -> KeyState | None:
        raw = self.client.get(self.redis_key(key))
        return _parse(raw) if raw is not None else None

    def claim(self, key: str) -> Claim:
        """Claim `key` for this worker: new keys with SET NX, expired leases by compare-and-set."""
        pending = self._pending_value()
        if self.client.set(self.redis_key(key), pending, nx=True, px=self.ttl_ms):
            return Claim("claimed", None)
        raw = self.client.get(self.redis_key(key))
        if raw is None:  # expired between the two calls
            return self.claim(key)
        current = _parse(raw)
        if current.state == "pending":
            mine = current.data.get("owner") == self.owner
            if mine or current.lease_until < time.time():
                if self._compare_and_set(keys=[self.redis_key(key)], args=[raw, pending, self.ttl_ms]):
                    return Claim("claimed", current)
            return Claim("held", current)
        if current.state == "deferred":
            if self._compare_and_set(keys=[self.redis_key(key)], args=[raw, pending, self.ttl_ms]):
                return Claim("claimed", current)
            return self.claim(key)
        return Claim("finished", current)

    def renew(self, key: str) -> None:
        """Extend this worker's lease before a new delivery attempt."""
        self._write(key, "pending", owner=self.owner, lease_until=time.time() + self.lease_seconds)

    def mark(self, key: str, state: State, **data: Any) -> None:
        self._write(key, state, **data)

    def _pending_value(self) -> str:
        return json.dumps({"state": "pending", "owner": self.owner, "lease_until": time.time() + self.lease_seconds})

    def _write(self, key: str, state: State, **data: Any) -> None:
        self.client.set(self.redis_key(key), json.dumps({"state": state, **data}), px=self.ttl_ms)


def _parse(raw: bytes | str) -> KeyState:
    data = json.loads(raw)
    return KeyState(data.pop("state"), data)
