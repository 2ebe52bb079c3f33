"""Checks behind /healthz and the admins' system status page."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import django_rq
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cxm.api_time import api_instant
from cxm.models import WorkerHeartbeat

QUEUES = ("realtime", "default", "bulk")


@dataclass(frozen=True)
class Check:
    ok: bool
    latency_ms: float | None = None
    error: str | None = None
    details: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"ok": self.ok}
        if self.latency_ms is not None:
            out["latency_ms"] = round(self.latency_ms, 1)
        if self.error:
            out["error"] = self.error
        out.update(self.details)
        return out


def check_database() -> Check:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down"; the class of error is not the caller's business
        return Check(ok=False, error="unreachable")
    return Check(ok=True, latency_ms=(time.perf_counter() - started) * 1000)


def check_redis() -> Check:
    started = time.perf_counter()
    try:
        django_rq.get_connection("default").ping()
    except Exception:
        return Check(ok=False, error="unreachable")
    return Check(ok=True, latency_ms=(time.perf_counter() - started) * 1000)


def check_worker(*, database_ok: bool, now: datetime | None = None) -> Check:
    """The worker is up when the heartbeat job ran on every queue recently."""
    if not database_ok:
        return Check(ok=False, error="unknown while the database is down")
    now = now or timezone.now()
    stale_after = settings.CXM_WORKER_STALE_SECONDS
    beats = {b.queue: b for b in WorkerHeartbeat.objects.filter(queue__in=QUEUES)}
    queues: dict[str, object] = {}
    ok = True
    for queue in QUEUES:
        beat = beats.get(queue)
        if beat is None:
            queues[queue] = {"ok": False, "last_heartbeat": None}
            ok = False
            continue
        age = (now - beat.beat_at).total_seconds()
        fresh = age <= stale_after
        ok = ok and fresh
        queues[queue] = {
            "ok": fresh,
            "last_heartbeat": api_instant(beat.beat_at),
            "age_seconds": round(age),
        }
    return Check(
        ok=ok,
        error=None if ok else f"no heartbeat on every queue within {stale_after} s",
        details={"queues": queues},
    )


def run_checks() -> dict[str, Check]:
    database = check_database()
    return {
        "database": database,
        "redis": check_redis(),
        "worker": check_worker(database_ok=database.ok),
    }
