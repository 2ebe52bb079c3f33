"""RQ queues on one Redis connection pool per process.

`django_rq.get_queue` builds a new Redis client, and so a new TCP connection, on every call;
on a request path that enqueues (a survey submit hands its response to rule evaluation) that
connect costs more than the enqueue itself. redis-py clients are thread-safe and their pools
reset themselves after a fork, so one client per URL serves a whole process.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import django_rq
import redis
from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError
from rq import Queue

logger = logging.getLogger(__name__)


@cache
def _connection(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def get_queue(name: str, *, commit_mode: str | None = None) -> Queue:
    """The queue `name` from `RQ_QUEUES`, on this process's shared connection."""
    url = settings.RQ_QUEUES[name]["URL"]
    return django_rq.get_queue(name, commit_mode=commit_mode, connection=_connection(url))


def enqueue_on_commit(name: str, func: str, *args: Any, job_id: str) -> None:
    """Queue `func(*args)` on queue `name` once the current transaction commits.

    For work whose row already says it is to be done (a response not yet evaluated, a pending
    notification): when Redis is unreachable the enqueue is logged and dropped, the committed
    row stays as it is, and the reconciler queues it later. A failed enqueue never undoes the
    write that asked for it.
    """

    def enqueue() -> None:
        try:
            queue = get_queue(name, commit_mode="auto")
            # On a caller's pipeline RQ's queue registration and job push share one round trip.
            with queue.connection.pipeline() as pipeline:
                queue.enqueue_call(func, args=args, job_id=job_id, pipeline=pipeline)
                pipeline.execute()
        except RedisError:
            logger.warning("%s %s not queued (%s); the reconciler will", func, args, job_id)

    transaction.on_commit(enqueue)
