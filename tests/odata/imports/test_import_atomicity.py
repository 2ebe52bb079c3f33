"""An import that dies while writing leaves nothing behind: the write is one transaction, the
run is marked failed, and the scratch tables are gone. Large files cross the write batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from odata.importing import pipeline
from odata.models import Customer, ImportMode, ImportRun
from odata.services import imports
from odata.services.imports import run_import, start_import


class Crash(Exception):
    """Stands in for the worker dying mid-write."""


def _customers_csv(count: int, *, bad_every: int = 0) -> bytes:
    lines = ["고객번호,고객명,이메일"]
    for i in range(count):
        email = "broken" if bad_every and i % bad_every == bad_every - 1 else f"u{i}@example.com"
        lines.append(f"C{i:06d},고객{i},{email}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _start(tmp_path: Path, data: bytes, mode: str) -> ImportRun:
    source = tmp_path / "customers.csv"
    source.write_bytes(data)
    run = start_import(
        kind="customers", source=source, file_name="customers.csv", mode=mode, enqueue=False
    )
    assert run.status == ImportRun.Status.QUEUED, run.message
    return run


def _crash_after_first_batch(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The progress report after the first written batch raises; returns the rows seen then."""
    seen: list[int] = []

    def progress(self: Any, phase: str, percent: int) -> None:
        if phase == "writing":
            seen.append(Customer.objects.count())
            raise Crash

    monkeypatch.setattr(pipeline, "WRITE_BATCH", 3)
    monkeypatch.setattr(imports._ProgressWriter, "__call__", progress)
    return seen


def _scratch_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'import\\_%%'")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", [ImportMode.STRICT, ImportMode.SKIP_INVALID])
def test_crash_while_writing_leaves_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    run = _start(tmp_path, _customers_csv(10), mode)
    seen = _crash_after_first_batch(monkeypatch)

    with pytest.raises(Crash):
        run_import(run_id=run.pk)

    assert seen == [3]  # the first batch was written when the job died
    assert Customer.objects.count() == 0
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.message == "The import stopped because of an internal error; nothing was written."
    assert (run.rows_ok, run.created) == (0, 0)
    assert _scratch_tables() == []


@pytest.mark.django_db(transaction=True)
def test_failed_run_is_not_run_again_and_the_file_can_be_imported_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _customers_csv(10)
    run = _start(tmp_path, data, ImportMode.STRICT)
    _crash_after_first_batch(monkeypatch)
    with pytest.raises(Crash):
        run_import(run_id=run.pk)
    monkeypatch.undo()

    assert run_import(run_id=run.pk) is None  # only a queued run is claimed
    retry = _start(tmp_path, data, ImportMode.STRICT)  # a failed run is not a duplicate
    run_import(run_id=retry.pk)
    retry.refresh_from_db()

    assert (retry.status, retry.created) == (ImportRun.Status.SUCCEEDED, 10)
    assert Customer.objects.count() == 10


@pytest.mark.django_db
def test_large_file_crosses_the_sample_and_the_write_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "WRITE_BATCH", 7_000)
    data = _customers_csv(30_000, bad_every=9_000)
    assert len(data) > 10 * 64 * 1024
    run = _start(tmp_path, data, ImportMode.SKIP_INVALID)
    with connection.cursor() as cursor:
        # Each statement takes well under a second; a bad plan (probing the trigram index
        # once per row) took minutes and now fails the test instead.
        cursor.execute("SET LOCAL statement_timeout = '10s'")

    run_import(run_id=run.pk)
    run.refresh_from_db()

    assert (run.status, run.rows_total, run.rows_ok, run.rows_rejected) == (
        ImportRun.Status.SUCCEEDED,
        30_000,
        29_997,
        3,
    )
    assert (run.created, run.updated, run.unchanged) == (29_997, 0, 0)
    assert Customer.objects.count() == 29_997
    assert list(run.row_errors.values_list("line", flat=True)) == [9_001, 18_001, 27_001]
    assert Customer.objects.get(external_id="C029999").name == "고객29999"
