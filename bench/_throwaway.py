"""A database of its own for a benchmark, on the server DATABASE_URL names (make bench skips
files starting with "_").

BENCH_TEMPLATE_DATABASE, when set, names a database on that server to copy instead of
starting empty (`CREATE DATABASE … TEMPLATE`): an already migrated copy leaves migrate little
to do, which saves seconds when many benches run in a row at a tiny size. Nothing may be
connected to the template while a copy is made.
"""

from __future__ import annotations

import os
import sys
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
    template = os.environ.get("BENCH_TEMPLATE_DATABASE", "")
    if template and not template.replace("_", "").isalnum():
        raise SystemExit(f"BENCH_TEMPLATE_DATABASE: {template!r} is not a plain database name")
    copy = f' TEMPLATE "{template}"' if template else ""
    _admin_execute(server_url, f'CREATE DATABASE "{name}"{copy}')
    try:
        yield _with_database(server_url, name)
    finally:
        from django.conf import settings
        from django.db import connections

        if settings.configured:
            connections.close_all()
        _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_django(label: str) -> Iterator[str]:
    """A throwaway database on DATABASE_URL's server, with Django set up on it and every
    migration applied; yields its URL. Exits with status 2 when DATABASE_URL is not set.

    Settings are read when Django is set up here: a bench sets the environment it needs
    (DEBUG, rate limits, MEDIA_ROOT, ...) before entering. Processes the bench starts inherit
    DATABASE_URL pointed at the throwaway database."""
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url:
        print(f"{label}: DATABASE_URL is not set", file=sys.stderr)
        raise SystemExit(2)
    with throwaway_database(server_url, label) as url:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield url
