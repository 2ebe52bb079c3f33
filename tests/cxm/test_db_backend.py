"""cxm.db, the database backend: the persistent connection's health check needs no round trip
while the connection is idle and the server has said nothing, and a session the server ended
is dropped and replaced; statements run through `prepared_cursor()` are prepared once per
connection, Django's own queries never."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cxm.models import User
from tests.conftest import subprocess_database_url

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def _last_query(pid: int) -> str:
    with psycopg.connect(subprocess_database_url()) as other:
        row = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    assert row is not None, "the session is gone"
    return str(row[0])


def _wait_readable(fd: int) -> None:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    assert poller.poll(5000), "the server did not close the session within 5 s"


def test_an_idle_connection_is_checked_without_a_query() -> None:
    pid = _backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'health-check-marker'")
    assert connection.is_usable()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    # The server's record of the session's last statement: the check sent none.
    assert _last_query(pid) == "SELECT 'health-check-marker'"
    assert _backend_pid() == pid  # the same connection serves on


def test_a_session_the_server_ended_is_replaced() -> None:
    pid = _backend_pid()
    with psycopg.connect(subprocess_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert connection.connection is not None
    _wait_readable(connection.connection.fileno())
    assert not connection.is_usable()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None
    assert _backend_pid() != pid


def test_a_request_after_a_server_restart_is_served() -> None:
    """What a worker sees after PostgreSQL restarts: its old session is gone; the next
    request opens a new one instead of failing."""
    old = _backend_pid()
    with psycopg.connect(subprocess_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [old])
    assert connection.connection is not None
    _wait_readable(connection.connection.fileno())
    close_old_connections()  # what Django does when a request starts
    response = Client().get("/healthz")
    assert response.json()["checks"]["database"]["ok"] is True
    assert _backend_pid() != old


def test_a_connection_inside_a_transaction_gets_a_real_check() -> None:
    """Inside a transaction the socket says nothing about whether the session is fine."""
    pid = _backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'before-transaction'")
    connection.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'in-transaction'")
        assert connection.is_usable()
        assert _last_query(pid) == "SELECT 1"
    finally:
        connection.rollback()
        connection.set_autocommit(True)


def test_a_prepared_cursor_prepares_its_statement_once_and_django_queries_are_not() -> None:
    statement = "SELECT %s::int + 1"
    with CaptureQueriesContext(connection) as captured:
        for n in (1, 2, 3):
            with connection.prepared_cursor() as cursor:  # type: ignore[attr-defined]
                cursor.execute(statement, [n])
                assert cursor.fetchone() == (n + 1,)
    assert len(captured) == 3  # counted and logged like any query
    for _ in range(3):
        User.objects.filter(username="nobody").exists()
    with connection.cursor() as cursor:
        # The connection outlives a test: look only for this test's statements.
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE statement = %s OR statement LIKE %s",
            ["SELECT $1::int + 1", f"%{User._meta.db_table}%"],
        )
        assert cursor.fetchall() == [("SELECT $1::int + 1", 3)]


def test_prepared_statements_can_be_switched_off(settings: Any) -> None:
    """DB_PREPARED_STATEMENTS=0, for a pooler that cannot keep them: the prepared cursor
    still works, and nothing is prepared."""
    result = subprocess.run(
        [sys.executable, "-c", _PREPARED_OFF],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": subprocess_database_url(),
            "DB_PREPARED_STATEMENTS": "0",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "0"]


_PREPARED_OFF = """
import django
django.setup()
from django.db import connection
with connection.prepared_cursor() as cursor:
    cursor.execute("SELECT %s::int + 1", [1])
    print(cursor.fetchone()[0])
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM pg_prepared_statements")
    print(cursor.fetchone()[0])
"""


def test_query_logs_show_a_prepared_statement_with_its_values() -> None:
    with (
        CaptureQueriesContext(connection) as captured,
        connection.prepared_cursor() as cursor,  # type: ignore[attr-defined]
    ):
        cursor.execute("SELECT %s::text", ["o'clock"])
    assert captured.captured_queries[0]["sql"] == "SELECT 'o''clock'::text"
