"""What the import tests share: files made from rows, and an import run to its end."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from odata.models import ImportMode, ImportRun
from odata.services.imports import run_import, start_import


def csv_bytes(rows: list[list[Any]]) -> bytes:
    """A UTF-8 CSV with Windows line breaks, as spreadsheet exports write it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_file(
    tmp_path: Path,
    kind: str,
    data: bytes,
    *,
    mode: str = ImportMode.STRICT,
    name: str = "upload.csv",
) -> ImportRun:
    """Import `data` as the file `name`: queued, then run here to its end."""
    source = tmp_path / name
    source.write_bytes(data)
    run = start_import(kind=kind, source=source, file_name=name, mode=mode, enqueue=False)
    assert run.status == ImportRun.Status.QUEUED, run.message
    run_import(run_id=run.pk)
    run.refresh_from_db()
    return run


def row_errors(run: ImportRun) -> set[tuple[int, str, str, str]]:
    return {(e.line, e.column, e.value, e.reason) for e in run.row_errors.all()}
