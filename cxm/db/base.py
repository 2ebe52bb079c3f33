"""Django's PostgreSQL backend, with a persistent connection's health check that asks the
kernel instead of the server.

Each request that touches the database first checks that its worker's persistent connection
still works (CONN_HEALTH_CHECKS). Django's check sends `SELECT 1`: a round trip on every
request, a fifth of the database work of a survey submit. A server that ends a session
(restart, `pg_terminate_backend`, idle timeout) sends a message and closes the socket, so an
idle connection whose socket has nothing to read is alive as far as anything could tell
without a query; one with something to read gets Django's `SELECT 1`, which fails and drops
it when the server has gone. A peer that vanished without closing is found by neither check
before the next query.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status == TransactionStatus.IDLE and not _readable(conn.fileno()):
            return True
        return super().is_usable()


def _readable(fd: int) -> bool:
    """Whether the socket has data or an end of file waiting, without blocking."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
