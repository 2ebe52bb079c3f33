"""The fixed-window rate limiter on Redis."""

from __future__ import annotations

import django_rq
import time_machine

from cxm import ratelimit


def test_hits_pass_up_to_the_limit_then_fail_until_the_next_window() -> None:
    with time_machine.travel("2026-11-23 10:00:05 +0000", tick=False) as clock:
        assert [ratelimit.hit("t:a", 2, 60) for _ in range(3)] == [True, True, False]
        assert ratelimit.hit("t:b", 2, 60)  # another key counts apart
        clock.shift(60)
        assert ratelimit.hit("t:a", 2, 60)


def test_the_window_key_expires_after_the_window() -> None:
    ratelimit.hit("t:ttl", 5, 60)
    redis = django_rq.get_connection("default")
    [key] = redis.keys("cxm:ratelimit:t:ttl:*")
    assert 0 < redis.ttl(key) <= 61


def test_a_redis_that_lost_its_scripts_still_counts() -> None:
    """After a Redis restart the counting script is loaded again on first use."""
    ratelimit.hit("t:restart", 5, 60)
    django_rq.get_connection("default").script_flush()
    assert ratelimit.hit("t:restart", 1, 60) is False  # the second hit in the window
