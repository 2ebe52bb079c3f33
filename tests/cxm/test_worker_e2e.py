"""A real `rqworker` process runs what the web process enqueued on commit, and the cron
scheduler keeps the worker heartbeat that /healthz reads."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

from cxm.models import StoredEmail, User
from cxm.roles import Role
from cxm.services import create_user
from tests.conftest import subprocess_database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _worker_env() -> dict[str, str]:
    """The test process's environment, pointed at the test database, keeping e-mails."""
    return {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "EMAIL_URL": "store:",
        "LOG_FORMAT": "text",
    }


def _manage(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_job_enqueued_on_commit_is_run_by_a_real_worker(processes: list) -> None:  # type: ignore[type-arg]
    with transaction.atomic():
        user = create_user(
            username="newhire", email="newhire@example.com", name="신입", role=Role.STAFF
        )
    worker = _manage("rqworker", "--burst", "realtime")
    processes.append(worker)
    output, _ = worker.communicate(timeout=90)
    assert worker.returncode == 0, output
    kept = StoredEmail.objects.get(to=["newhire@example.com"])
    assert f"/account/password/{user.code.hex}/" in kept.body_text
    assert User.objects.get(pk=user.pk).invited_at is not None


def test_nothing_is_enqueued_when_the_transaction_rolls_back() -> None:
    import django_rq

    with pytest.raises(RuntimeError), transaction.atomic():
        create_user(username="ghost", email="ghost@example.com", name="", role=Role.STAFF)
        raise RuntimeError("rolled back")
    assert django_rq.get_queue("realtime").count == 0
    assert not User.objects.filter(username="ghost").exists()


def test_cron_and_worker_bring_healthz_up(processes: list) -> None:  # type: ignore[type-arg]
    assert Client().get("/healthz").status_code == 503  # no heartbeat yet
    processes.append(_manage("rqworker", "--with-scheduler", "realtime", "default", "bulk"))
    processes.append(_manage("rqcron", "cxm.cron"))
    deadline = time.monotonic() + 60
    status = 503
    while time.monotonic() < deadline and status != 200:
        time.sleep(0.5)
        status = Client().get("/healthz").status_code
        for process in processes:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
    assert status == 200
