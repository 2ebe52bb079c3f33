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


def test_hit_all_counts_every_key_and_fails_when_any_is_over() -> None:
    with time_machine.travel("2026-11-23 10:00:05 +0000", tick=False):
        minute, hour = ("t:view", 3, 60), ("t:submit", 1, 3600)
        assert ratelimit.hit_all(minute, hour)
        assert not ratelimit.hit_all(minute, hour)  # the hourly key is over
        assert ratelimit.hit(*minute)  # the minute key counted both: this is its third hit
        assert not ratelimit.hit(*minute)
    redis = django_rq.get_connection("default")
    [submit_key] = redis.keys("cxm:ratelimit:t:submit:*")
    assert 60 < redis.ttl(submit_key) <= 3601
