"""A small fixed-window rate limiter on the Django cache (Redis).

Fixed windows are coarse (a burst at a window's edge can pass up to twice the limit) but need one
atomic INCR per hit and no clean-up, which is all abuse protection on public pages needs.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; True while the hits in the current window are within `limit`."""
    window = int(time.time() // window_seconds)
    name = f"ratelimit:{key}:{window}"
    # add() is a no-op when the counter exists; the expiry drops it after its window.
    cache.add(name, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add() and incr(): this is the window's first hit
        cache.add(name, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit
