"""RQ queues on one Redis connection pool per process.

`django_rq.get_queue` builds a new Redis client, and so a new TCP connection, on every call;
on a request path that enqueues (a survey submit hands its response to rule evaluation) that
connect costs more than the enqueue itself. redis-py clients are thread-safe and their pools
reset themselves after a fork, so one client per URL serves a whole process.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

import django_rq
import redis
from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError
from rq import Queue
from rq.job import JobStatus

logger = logging.getLogger(__name__)


@cache
def redis_client(url: str) -> redis.Redis:
    """This process's Redis client for `url` (queues, wake-up flags, the rate limiter)."""
    return redis.Redis.from_url(url)


def _queue_redis(name: str) -> redis.Redis:
    return redis_client(settings.RQ_QUEUES[name]["URL"])


def get_queue(name: str, *, commit_mode: str | None = None) -> Queue:
    """The queue `name` from `RQ_QUEUES`, on this process's shared connection."""
    return django_rq.get_queue(name, commit_mode=commit_mode, connection=_queue_redis(name))


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


def wake_on_commit(name: str, func: str, *, flag: str, ttl: int) -> None:
    """Queue one `func()` on queue `name` once the current transaction commits, unless one is
    queued already and has not started.

    For a job that drains what the database says is to do (responses not yet evaluated): the
    job calls `woken(name, flag)` first, so work committed after its start queues the next
    job, and work committed before its start is in what it reads. A burst of commits costs
    one job, and each commit one Redis command (SET NX). `ttl` (seconds) bounds how long a lost
    job's flag holds new ones back; the reconciler finds what waited meanwhile. As in
    `enqueue_on_commit`, an unreachable Redis is logged and the committed rows wait.
    """

    def wake() -> None:
        try:
            connection = _queue_redis(name)
            if not connection.set(flag, 1, nx=True, ex=ttl):
                return  # a job is queued and will read this commit's rows
            try:
                get_queue(name, commit_mode="auto").enqueue_call(func)
            except RedisError:
                connection.delete(flag)  # so the next commit tries again
                raise
        except RedisError:
            logger.warning("%s not queued (%s); the reconciler will", func, flag)

    transaction.on_commit(wake)


def woken(name: str, flag: str) -> None:
    """Called by a job queued by `wake_on_commit` when it starts: commits from now on queue
    another one."""
    _queue_redis(name).delete(flag)


# A job that started longer ago than its timeout plus this is taken for dead (killed worker).
STARTED_GRACE = timedelta(seconds=60)


def job_in_flight(queue: Queue, job_id: str) -> bool:
    """A job with this id waits in Redis, or runs and is not past its timeout: what a
    reconciler checks before queueing a job again."""
    job = queue.fetch_job(job_id)
    if job is None:
        return False
    status = job.get_status(refresh=False)
    if status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
        return True
    if status == JobStatus.STARTED and job.started_at is not None:
        started = job.started_at.replace(tzinfo=job.started_at.tzinfo or UTC)
        default = cast(int, settings.RQ_QUEUES[queue.name]["DEFAULT_TIMEOUT"])
        limit = timedelta(seconds=job.timeout or default)
        return datetime.now(UTC) - started < limit + STARTED_GRACE
    return False
