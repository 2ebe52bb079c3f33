"""A small fixed-window rate limiter on Redis.

Fixed windows are coarse (a burst at a window's edge can pass up to twice the limit) but cost
one round trip per hit (INCR and EXPIRE pipelined) and no clean-up, which is all abuse
protection on public pages needs.
"""

from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; True while the hits in the current window are within `limit`."""
    window = int(time.time() // window_seconds)
    name = f"cxm:ratelimit:{key}:{window}"
    pipeline = _client(settings.REDIS_URL).pipeline(transaction=False)
    pipeline.incr(name)
    # The key names its window, so refreshing the expiry on each hit is harmless.
    pipeline.expire(name, window_seconds + 1)
    count, _ = pipeline.execute()
    return int(count) <= limit
