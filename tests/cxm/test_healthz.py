"""/healthz reports database, Redis and worker heartbeat; 503 when any is down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from cxm.jobs import heartbeat
from cxm.models import WorkerHeartbeat
from tests.conftest import subprocess_database_url

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
QUEUES = ("realtime", "default", "bulk")


def _beat_all() -> None:
    for queue in QUEUES:
        heartbeat(queue)


def test_all_up_answers_200_with_each_check() -> None:
    _beat_all()
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is True
    assert set(body["checks"]["worker"]["queues"]) == set(QUEUES)
    assert response["Cache-Control"].startswith("max-age=0")


def test_no_heartbeat_yet_means_worker_down() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_stale_heartbeat_on_one_queue_means_worker_down(settings) -> None:  # type: ignore[no-untyped-def]
    _beat_all()
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.CXM_WORKER_STALE_SECONDS + 5)
    ):
        heartbeat("realtime")
        heartbeat("default")
        response = Client().get("/healthz")
    assert response.status_code == 503
    queues = response.json()["checks"]["worker"]["queues"]
    assert queues["bulk"]["ok"] is False
    assert queues["realtime"]["ok"] is True


def test_heartbeat_job_upserts_one_row_per_queue() -> None:
    heartbeat("default")
    heartbeat("default")
    assert WorkerHeartbeat.objects.filter(queue="default").count() == 1


def _healthz_in_subprocess(**env: str) -> tuple[int, dict[str, object]]:
    """Ask /healthz from a fresh process whose settings point at a dead server."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code); print(r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": subprocess_database_url(),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return int(lines[-2]), json.loads(lines[-1])


def test_redis_down_answers_503() -> None:
    status, body = _healthz_in_subprocess(REDIS_URL="redis://127.0.0.1:1/0")
    assert status == 503
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["redis"] == {"ok": False, "error": "unreachable"}


def test_database_down_answers_503_without_details() -> None:
    status, body = _healthz_in_subprocess(DATABASE_URL="postgres://cxm:x@127.0.0.1:1/cxm")
    assert status == 503
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["database"] == {"ok": False, "error": "unreachable"}
    assert checks["worker"]["ok"] is False
    assert "Traceback" not in json.dumps(body)
