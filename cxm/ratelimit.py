"""A small fixed-window rate limiter on Redis.

Fixed windows are coarse (a burst at a window's edge can pass up to twice the limit) but cost
one command per request (a server-side script that counts, and sets the expiry of, each key
the request counts against) and no clean-up, which is all abuse protection on public pages
needs.
"""

from __future__ import annotations

import time
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from redis.commands.core import Script

from cxm.clientip import client_address
from cxm.queues import redis_client

# Count a hit on each key; a key names its window, so its expiry is set with its first hit.
COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return counts
"""


@cache
def _script(url: str) -> Script:
    return redis_client(url).register_script(COUNT)


def _window_name(key: str, window_seconds: int, now: float) -> str:
    """The Redis key counting `key`'s hits in the window that holds `now`."""
    return f"cxm:ratelimit:{key}:{int(now // window_seconds)}"


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; True while the hits in the current window are within `limit`."""
    return hit_all((key, limit, window_seconds))


def hit_all(*limits: tuple[str, int, int]) -> bool:
    """Count one hit on each `(key, limit, window_seconds)` in one round trip; True while every
    key's hits in its current window are within its limit."""
    now = time.time()
    names, expiries = [], []
    for key, _limit, window_seconds in limits:
        names.append(_window_name(key, window_seconds, now))
        expiries.append(window_seconds + 1)
    counts = _script(settings.REDIS_URL)(keys=names, args=expiries)
    return all(int(count) <= limit for count, (_key, limit, _w) in zip(counts, limits, strict=True))


def exceeded(key: str, limit: int, window_seconds: int) -> bool:
    """Whether `key` has used up its `limit` hits in the current window, so one more would
    pass it (without counting one)."""
    count = redis_client(settings.REDIS_URL).get(_window_name(key, window_seconds, time.time()))
    return count is not None and int(count) >= limit


def unknown_token_allowed(request: HttpRequest) -> bool:
    """Count one unknown token (survey link, unsubscribe link, API bearer token) presented from
    the request's address; True while that address is within `CXM_BAD_TOKENS_PER_MINUTE`.

    Only failures count, so customers behind one shared mobile-network address are never
    slowed by each other's valid links. A token is 256 random bits: the limit bounds the load
    and the noise of guessing, not its odds."""
    key = f"bad-token:{client_address(request)}"
    return hit(key, settings.CXM_BAD_TOKENS_PER_MINUTE, 60)
