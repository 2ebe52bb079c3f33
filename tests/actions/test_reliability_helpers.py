"""Worker processes, row locks and a detractor rule for the reliability tests.

The tests start real `manage.py rqworker` processes against the test database (see
`subprocess_database_url`) and use PostgreSQL row locks, held from a separate connection, to
stop those workers at a known point of a job: that is how "several workers at once" and "killed
mid-job" are made to happen every time rather than by luck of timing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone
from rq import SimpleWorker

from actions.models import TriggerRule
from actions.services import response_recorded
from cxm.models import User
from cxm.queues import get_queue
from odata.models import Customer
from tests.actions.conftest import LOOPBACK
from tests.actions.test_outcomes_helpers import make_answer
from tests.conftest import subprocess_database_url
from tests.factories import ActionPlanFactory, TriggerRuleFactory, UserFactory
from tests.surveys.test_invitations_helpers import make_customer
from xdata.models import Response

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 90


def worker_env() -> dict[str, str]:
    """The test process's environment, pointed at the test database, keeping e-mails, with
    webhooks allowed to reach the tests' receivers on loopback."""
    return {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "EMAIL_URL": "store:",
        "LOG_FORMAT": "text",
        "CXM_WEBHOOK_ALLOWED_NETWORKS": LOOPBACK,  # the tests' receivers
    }


class Processes:
    """Processes started by a test, each in its own session (so a SIGKILL reaches the work
    horse RQ forks as well), with output kept in a file for failure messages."""

    def __init__(self) -> None:
        self.started: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []

    def manage(self, *args: str) -> subprocess.Popen[bytes]:
        log = tempfile.TemporaryFile()  # noqa: SIM115 -- closed in stop_all
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=worker_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((process, log))
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        for started, log in self.started:
            if started is process:
                log.seek(0)
                return log.read().decode("utf-8", "replace")
        return ""

    def wait(self, process: subprocess.Popen[bytes], timeout: float = WAIT_SECONDS) -> str:
        """Wait for a process to end; its output. Fails the test when it exits non-zero."""
        process.wait(timeout=timeout)
        output = self.output(process)
        assert process.returncode == 0, output
        return output

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its work horse (RQ puts the horse in a process group of
        its own): no handler runs, nothing is cleaned up, as when the machine dies."""
        horses = _children(process.pid)
        assert horses, "the worker has no work horse: it is not running a job"
        for pid in horses:
            os.killpg(pid, signal.SIGKILL)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT_SECONDS)

    def stop_all(self) -> None:
        for process, _log in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, log in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
            log.close()


def _children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc (Linux)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.fixture
def processes() -> Iterator[Processes]:
    started = Processes()
    yield started
    started.stop_all()
    _end_orphaned_backends()


def _end_orphaned_backends() -> None:
    """A killed worker's database session may still wait on a lock; end it so the test
    database can be flushed (PostgreSQL would notice the dead client only later)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def run_burst_worker(processes: Processes, *queues: str) -> str:
    """A real worker that runs what is queued and exits."""
    return processes.wait(processes.manage("rqworker", "--burst", *(queues or ("realtime",))))


def drain_in_process(queue: str = "realtime") -> None:
    """Run the queued jobs with RQ's worker in this process, so `time_machine` governs the
    clock the jobs see (a subprocess would see the real time)."""
    worker = SimpleWorker([get_queue(queue)], connection=get_queue(queue).connection)
    worker.work(burst=True)


@contextmanager
def rows_locked(table: str, ids: list[int]) -> Iterator[psycopg.Connection[Any]]:
    """Hold `SELECT … FOR UPDATE` on rows from another session until the block ends."""
    with psycopg.connect(subprocess_database_url()) as other:
        other.execute(
            f"SELECT id FROM {table} WHERE id = ANY(%s) FOR UPDATE",  # noqa: S608 -- table names from the tests
            [ids],
        )
        yield other
        other.commit()


@contextmanager
def writes_locked(table: str) -> Iterator[psycopg.Connection[Any]]:
    """Hold a lock on `table` from another session that lets reads go on and makes every
    write wait until the block ends."""
    with psycopg.connect(subprocess_database_url()) as other:
        other.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        yield other
        other.commit()


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def wait_for_lock_waiters(count: int, processes: Processes) -> None:
    """Wait (bounded) until `count` sessions are blocked on a lock: the workers are mid-job."""
    deadline = time.monotonic() + WAIT_SECONDS
    while lock_waiters() < count:
        for process, _log in processes.started:
            if process.poll() not in (None, 0):
                pytest.fail(f"a worker died early:\n{processes.output(process)}")
        if time.monotonic() > deadline:
            pytest.fail(f"only {lock_waiters()} of {count} workers reached the lock")
        time.sleep(0.2)


def detractor_rule(owner: User | None = None) -> TriggerRule:
    """An enabled rule (NPS ≤ 6) whose plan e-mails a named owner."""
    owner = owner or UserFactory(username="owner", email="owner@example.com")
    plan = ActionPlanFactory(owner=owner, routing="user", notify_email=True)
    rule: TriggerRule = TriggerRuleFactory(plan=plan, is_enabled=True)
    return rule


def answer(customer: Customer | None = None, *, nps: int = 3) -> Response:
    """A detractor's answer recorded as the answer views do: committed, then handed to rule
    evaluation on commit."""
    with transaction.atomic():
        response = make_answer(customer or make_customer(), timezone.now(), nps=nps)
        response_recorded(response=response)
    return response
