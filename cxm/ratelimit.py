"""A small fixed-window rate limiter on Redis.

Fixed windows are coarse (a burst at a window's edge can pass up to twice the limit) but cost
one command per hit (a server-side script that counts and sets the expiry) and no clean-up,
which is all abuse protection on public pages needs.
"""

from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings
from redis.commands.core import Script

# Count the hit; the key names its window, so its expiry is set with the first hit only.
COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@cache
def _script(url: str) -> Script:
    return redis.Redis.from_url(url).register_script(COUNT)


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; True while the hits in the current window are within `limit`."""
    window = int(time.time() // window_seconds)
    name = f"cxm:ratelimit:{key}:{window}"
    count = _script(settings.REDIS_URL)(keys=[name], args=[window_seconds + 1])
    return int(count) <= limit
