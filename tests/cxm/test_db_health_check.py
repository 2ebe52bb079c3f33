"""The persistent connection's health check: no round trip while the connection is idle and
the server has said nothing; a session the server ended is dropped and replaced."""

from __future__ import annotations

import select

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client

from tests.conftest import subprocess_database_url

pytestmark = pytest.mark.django_db(transaction=True)


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
