"""Contact caps and opt-outs in Redis, both per debtor and per channel.

Caps: a sorted set per debtor and channel holds the idempotency keys sent, scored by send time. A key
reserves its place with a Lua script that counts the calendar day and ISO week in the debtor's time zone, so
a retried command is never counted twice. A failed send releases its place.

Opt-outs: a hash per debtor maps each channel to its latest opt-out or opt-in, with the event time in
milliseconds; an older event never overwrites a newer one. Two sources feed it: `debtor_reply` records
(reply_type opt_out or opt_in with a channel) and `debtor_profile.opt_outs`, which every channel worker reads
from the replies and debtors topics. The case agent may also list opted-out channels on the command, in the
`opted_out_channels` variable (comma-separated); the worker honours both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis

from agents.channels.settings import Channel, ContactCap

# KEYS[1] sorted set; ARGV: member, now_ms, day_start_ms, week_start_ms, per_day, per_week, expire_s, prune_before_ms
_RESERVE = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'already' end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[8])
local today = redis.call('ZCOUNT', KEYS[1], ARGV[3], '+inf')
if today >= tonumber(ARGV[5]) then return 'cap_daily' end
local week = redis.call('ZCOUNT', KEYS[1], ARGV[4], '+inf')
if week >= tonumber(ARGV[6]) then return 'cap_weekly' end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[7])
return 'ok'
"""

# KEYS[1] hash; ARGV: channel, 'out' or 'in', event_ms
_SET_OPT = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local at = tonumber(string.match(current, '|(%d+)$'))
  if at and at > tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
return 1
"""


@dataclass(frozen=True)
class CapDecision:
    allowed: bool
    reason: str | None = None


class ContactCaps:
    """Per-debtor, per-channel caps by calendar day and ISO week."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._reserve = client.register_script(_RESERVE)

    def _key(self, debtor_id: str, channel: Channel) -> str:
        return f"{self.prefix}caps:{channel.value}:{debtor_id}"

    def reserve(self, debtor_id: str, channel: Channel, key: str, cap: ContactCap | None, now: datetime,
                zone: ZoneInfo) -> CapDecision:
        if cap is None:
            return CapDecision(True)
        local = now.astimezone(zone)
        day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        week_start = day_start - timedelta(days=local.weekday())
        result = self._reserve(
            keys=[self._key(debtor_id, channel)],
            args=[key, _ms(now), _ms(day_start), _ms(week_start), cap.per_day, cap.per_week, 9 * 24 * 3600,
                  _ms(week_start - timedelta(days=1))],
        )
        result = result.decode() if isinstance(result, bytes) else result
        if result in ("ok", "already"):
            return CapDecision(True)
        limit = cap.per_day if result == "cap_daily" else cap.per_week
        period = "day" if result == "cap_daily" else "week"
        return CapDecision(False, f"{result}: {limit} {channel.value} messages per {period} already sent")

    def release(self, debtor_id: str, channel: Channel, key: str) -> None:
        self.client.zrem(self._key(debtor_id, channel), key)


class OptOuts:
    """Latest opt-out or opt-in per debtor and channel."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._set = client.register_script(_SET_OPT)

    def _key(self, debtor_id: str) -> str:
        return f"{self.prefix}optout:{debtor_id}"

    def record(self, debtor_id: str, channel: str, opted_out: bool, at: datetime) -> bool:
        """Store one opt-out or opt-in; return False when a newer event already decided that channel."""
        return bool(self._set(keys=[self._key(debtor_id)], args=[channel, "out" if opted_out else "in", _ms(at)]))

    def record_profile(self, debtor_id: str, opt_outs: list[str], at: datetime) -> None:
        """Apply a profile: its listed channels are opted out and the others opted in, unless a newer event says otherwise."""
        for channel in Channel:
            self.record(debtor_id, channel.value, channel.value in opt_outs, at)

    def erase(self, debtor_id: str) -> None:
        self.client.delete(self._key(debtor_id))

    def is_opted_out(self, debtor_id: str, channel: Channel) -> bool:
        value = self.client.hget(self._key(debtor_id), channel.value)
        return value is not None and (value.decode() if isinstance(value, bytes) else value).startswith("out|")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
