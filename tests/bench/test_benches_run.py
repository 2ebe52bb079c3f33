"""Every benchmark in bench/ still runs: each one, at a tiny size, as a subprocess against the
test run's servers, ends with the JSON summary ARCHITECTURE.md names and drops its database.

The figures of a tiny run say nothing about speed; what is checked is that the bench works
and reports honestly (its ratio is its value over its baseline). A bench works in a throwaway
database of its own on the PostgreSQL server (never the test database) and in a Redis
database of its own, emptied afterwards.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

pytestmark = pytest.mark.bench
ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
CONTRACT_KEYS = {"bench", "value", "unit", "baseline", "ratio", "target", "ok"}
# A Redis database no test uses, so a bench's queues and jobs meet no test's.
BENCH_REDIS_DB = 9

# The size knobs each bench documents, turned down so that all of them run in seconds.
TINY: dict[str, dict[str, str]] = {
    # Without comments the text-theme step does not load the Korean analyser (seconds).
    "analysis": {"BENCH_RESPONSES": "2000", "BENCH_COMMENT_SHARE": "0", "BENCH_PAGE_RUNS": "5"},
    "customer_search": {"BENCH_CUSTOMERS": "2000"},
    "import_orders": {"BENCH_ORDERS": "2000"},
    "response_explorer": {"BENCH_RESPONSES": "2000"},
    "response_export": {"BENCH_RESPONSES": "200"},
    "survey_submit": {"BENCH_DURATION": "1"},
    "time_to_task": {"BENCH_DURATION": "2", "BENCH_IMPORT_ROWS": "1000"},
}


def _redis_url() -> str:
    return urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{BENCH_REDIS_DB}"))


@pytest.fixture(scope="module")
def template_database() -> Iterator[str]:
    """A migrated database the benches copy (BENCH_TEMPLATE_DATABASE), so each one's migrate
    has little left to do; dropped after the last bench."""
    name = f"cxm_bench_template_{os.getpid()}"
    server = os.environ["DATABASE_URL"]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "REDIS_URL": _redis_url()},
            check=True,
            timeout=180,
        )
        yield name
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@pytest.fixture
def bench_redis() -> Iterator[str]:
    url = _redis_url()
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


def _database_exists(name: str) -> bool:
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name]).fetchone()
    return bool(row and row[0])


def _close(a: float, b: float) -> bool:
    # Both figures are rounded in the summary; at a tiny size the rounding is a large share.
    return math.isclose(a, b, rel_tol=0.25, abs_tol=0.01)


def test_every_bench_has_a_tiny_size() -> None:
    assert sorted(TINY) == BENCHES


@pytest.mark.parametrize("name", BENCHES)
def test_bench_runs_and_reports(
    name: str, template_database: str, bench_redis: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **TINY.get(name, {}),
        # The server, not the test database: the bench creates and drops its own there.
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "BENCH_TEMPLATE_DATABASE": template_database,
        "REDIS_URL": bench_redis,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / f"{name}.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err[-3000:]
    lines = out.strip().splitlines()
    assert lines, err[-3000:]
    summary: dict[str, Any] = json.loads(lines[-1])

    assert summary.keys() >= CONTRACT_KEYS
    assert summary["bench"] == name
    assert isinstance(summary["ok"], bool)
    assert isinstance(summary["unit"], str) and summary["unit"]
    value, baseline, ratio = summary["value"], summary["baseline"], summary["ratio"]
    assert all(isinstance(v, int | float) and v > 0 for v in (value, baseline, ratio)), summary
    assert _close(ratio, value / baseline), summary
    assert not _database_exists(f"cxm_bench_{name}_{process.pid}")
