"""A database of its own for a benchmark, on the server DATABASE_URL names (make bench skips
files starting with "_")."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def _admin_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@contextmanager
def throwaway_database(server_url: str, label: str) -> Iterator[str]:
    """Create `cxm_bench_<label>_<pid>`, yield its URL, drop it afterwards (also on error)."""
    name = f"cxm_bench_{label}_{os.getpid()}"
    _admin_execute(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server_url, name)
    finally:
        from django.conf import settings
        from django.db import connections

        if settings.configured:
            connections.close_all()
        _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
