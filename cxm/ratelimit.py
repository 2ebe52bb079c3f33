"""A small fixed-window rate limiter on Redis.

Fixed windows are coarse (a burst at a window's edge can pass up to twice the limit) but cost
one command per request (a server-side script that counts, and sets the expiry of, each key
the request counts against) and no clean-up, which is all abuse protection on public pages
needs.

Windows are aligned to the clock (an hourly window runs from one full hour to the next), so a
request over a limit is answered by `too_many_requests`: 429 with `Retry-After` set to the
seconds left in the exceeded limit's window, the page (or the API's JSON error) saying how long
to wait.
"""

from __future__ import annotations

import math
import time
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from redis.commands.core import Script

from cxm.clientip import client_address
from cxm.queues import redis_client

# The windows limits count in, in seconds.
MINUTE = 60
HOUR = 60 * MINUTE

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


def seconds_left(window_seconds: int, now: float) -> int:
    """The whole seconds (rounded up, at least 1) from `now` until the window that holds `now`
    ends and a new one begins."""
    return max(1, math.ceil(window_seconds - now % window_seconds))


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; True while the hits in the current window are within `limit`."""
    return retry_after((key, limit, window_seconds)) == 0


def retry_after(*limits: tuple[str, int, int]) -> int:
    """Count one hit on each `(key, limit, window_seconds)` in one round trip; 0 while every
    key's hits in its current window are within its limit, else the seconds to wait: the
    longest time left in the windows of the keys past their limit (by then each of them has
    begun a new window)."""
    now = time.time()
    names, expiries = [], []
    for key, _limit, window_seconds in limits:
        names.append(_window_name(key, window_seconds, now))
        expiries.append(window_seconds + 1)
    counts = _script(settings.REDIS_URL)(keys=names, args=expiries)
    return max(
        (
            seconds_left(window, now)
            for count, (_key, limit, window) in zip(counts, limits, strict=True)
            if int(count) > limit
        ),
        default=0,
    )


def exceeded_retry_after(key: str, limit: int, window_seconds: int) -> int:
    """0 while `key` has hits left in the current window (without counting one), else the
    seconds left in that window: once `limit` hits are used up, one more would pass it."""
    now = time.time()
    count = redis_client(settings.REDIS_URL).get(_window_name(key, window_seconds, now))
    if count is None or int(count) < limit:
        return 0
    return seconds_left(window_seconds, now)


def unknown_token_retry_after(request: HttpRequest) -> int:
    """Count one unknown token (survey link, unsubscribe link, API bearer token) presented from
    the request's address; 0 while that address is within `CXM_BAD_TOKENS_PER_MINUTE`, else
    the seconds to wait (`retry_after`).

    Only failures count, so customers behind one shared mobile-network address are never
    slowed by each other's valid links. A token is 256 random bits: the limit bounds the load
    and the noise of guessing, not its odds."""
    key = f"bad-token:{client_address(request)}"
    return retry_after((key, settings.CXM_BAD_TOKENS_PER_MINUTE, MINUTE))


def wait_text(seconds: int) -> str:
    """How long to wait before trying again, as a sentence in the active language: whole hours
    when `seconds` is a number of hours, else minutes (rounded up)."""
    if seconds >= HOUR and seconds % HOUR == 0:
        hours = seconds // HOUR
        return ngettext(
            "Please try again in %(count)d hour.", "Please try again in %(count)d hours.", hours
        ) % {"count": hours}
    minutes = max(1, -(-seconds // MINUTE))
    return ngettext(
        "Please try again in %(count)d minute.", "Please try again in %(count)d minutes.", minutes
    ) % {"count": minutes}


def too_many_requests(
    request: HttpRequest,
    *,
    retry_after: int,
    template: str = "",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The answer to a request over a rate limit: 429 with `Retry-After: retry_after` (the
    seconds left in the exceeded limit's window, or a paused account's cool-off). With
    `template`, that page rendered with `context` and `wait` (`wait_text`, for the page to say
    how long); without one, the token API's JSON error, in English like the API's other
    errors."""
    if template:
        page = {**(context or {}), "wait": wait_text(retry_after)}
        response: HttpResponse = render(request, template, page, status=429)
    else:
        message = f"too many requests; retry after {retry_after} seconds"
        response = JsonResponse({"errors": [{"path": "", "message": message}]}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
