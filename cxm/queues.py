"""RQ queues on one Redis connection pool per process.

`django_rq.get_queue` builds a new Redis client, and so a new TCP connection, on every call;
on a request path that enqueues (a survey submit hands its response to rule evaluation) that
connect costs more than the enqueue itself. redis-py clients are thread-safe and their pools
reset themselves after a fork, so one client per URL serves a whole process.
"""

from __future__ import annotations

from functools import cache

import django_rq
import redis
from django.conf import settings
from rq import Queue


@cache
def _connection(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def get_queue(name: str, *, commit_mode: str | None = None) -> Queue:
    """The queue `name` from `RQ_QUEUES`, on this process's shared connection."""
    url = settings.RQ_QUEUES[name]["URL"]
    return django_rq.get_queue(name, commit_mode=commit_mode, connection=_connection(url))
