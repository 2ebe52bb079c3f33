"""Django's PostgreSQL backend with two additions for the busiest paths.

1. A persistent connection's health check that asks the kernel instead of the server. Each
   request that touches the database first checks that its worker's persistent connection still
   works (CONN_HEALTH_CHECKS). Django's check sends `SELECT 1`, a round trip on every request. A
   server that ends a session (restart, `pg_terminate_backend`, idle timeout) sends a message and
   closes the socket, so an idle connection whose socket has nothing to read is alive as far as
   anything could tell without a query; one with something to read gets Django's `SELECT 1`,
   which fails and drops it when the server has gone. A peer that vanished without closing is
   found by neither check before the next query.

2. `prepared_cursor()`: a cursor whose statements the server parses and plans once per
   connection, for a statement with the same text on every request (a survey submit's INSERT:
   half of its database time was parsing and planning). Django's own cursors bind parameters
   on the client and are never prepared. With DB_PREPARED_STATEMENTS=0 (for a connection pooler
   that cannot carry prepared statements) the cursor still binds on the server, unprepared.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base, operations
from django.db.backends.utils import CursorWrapper
from psycopg import errors
from psycopg.pq import TransactionStatus


class PreparedCursor(psycopg.Cursor[Any]):
    """Binds parameters on the server and has psycopg prepare each statement it runs."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = True, binary: Any = None
    ) -> PreparedCursor:
        super().execute(query, params, prepare=prepare, binary=binary)
        return self


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: Any, params: Any) -> str:
        # Query logs (DEBUG, tests) show a prepared cursor's statement with its parameters
        # written in, as they show Django's own.
        if isinstance(cursor, PreparedCursor):
            try:
                return self.compose_sql(sql, params)
            except errors.DataError:
                return ""
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status == TransactionStatus.IDLE and not _readable(conn.fileno()):
            return True
        return super().is_usable()

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor for statements worth preparing: the same text, run often. The caller
        closes it (`with connection.prepared_cursor() as cursor:`)."""
        # As Django's own `cursor()`: the health check, a connection, then its wrapper (the
        # debug one when queries are logged) from Django's `_prepare_cursor`.
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparedCursor(self.connection))  # type: ignore[attr-defined]


def _readable(fd: int) -> bool:
    """Whether the socket has data or an end of file waiting, without blocking."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
