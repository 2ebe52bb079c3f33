"""Wide files: more columns than PostgreSQL can stage are refused up front, a header longer
than the 64 KB sample is read whole (up to 1 MB), and rows too wide to store say so; never an
internal error, and nothing is written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from odata.models import Customer, ImportKind, ImportRowError, ImportRun
from odata.services.imports import run_import, start_import
from tests.odata.imports.files import csv_bytes, run_file, xlsx_bytes

pytestmark = pytest.mark.django_db


def _import(tmp_path: Path, data: bytes, name: str = "wide.csv") -> ImportRun:
    source = tmp_path / name
    source.write_bytes(data)
    run = start_import(kind=ImportKind.CUSTOMERS, source=source, file_name=name, enqueue=False)
    if run.status == ImportRun.Status.QUEUED:
        run_import(run_id=run.pk)
        run.refresh_from_db()
    return run


def _extra(count: int, width: int = 8) -> list[str]:
    return [f"x{i:0{width}d}" for i in range(count)]


def test_more_columns_than_the_staging_table_can_hold_are_refused_naming_the_limit(
    tmp_path: Path,
) -> None:
    header = ["고객번호", "이름", *_extra(1598)]  # 1,600 columns

    run = _import(tmp_path, csv_bytes([header, ["C1", "김민준", *[""] * 1598]]))

    assert run.status == ImportRun.Status.REJECTED
    assert (run.message_code, run.message_params) == (
        "too_many_columns",
        {"count": 1600, "limit": 1599},
    )
    assert run.message.startswith("The file has 1,600 columns; at most 1,599 can be imported.")
    assert not Customer.objects.exists()


def test_the_widest_file_allowed_imports(tmp_path: Path) -> None:
    header = ["고객번호", "이름", *_extra(1597)]  # 1,599 columns

    run = _import(tmp_path, csv_bytes([header, ["C1", "김민준", *[""] * 1597]]))

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert Customer.objects.get().name == "김민준"


def test_an_xlsx_sheet_formatted_far_to_the_right_is_not_too_wide(tmp_path: Path) -> None:
    # Empty cells after the last named column (a sheet formatted across 2,000 columns).
    rows = [["고객번호", "이름", *[None] * 2000], ["C1", "김민준", *[None] * 2000]]

    run = run_file(tmp_path, ImportKind.CUSTOMERS, xlsx_bytes(rows), name="wide.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert Customer.objects.get().name == "김민준"


def test_a_header_longer_than_the_64_kb_sample_is_read_whole(tmp_path: Path) -> None:
    # 1,200 distinct names of 60 characters: about 73 KB. A cut header used to end in a
    # partial name equal to an earlier one ("duplicate column names").
    names = [f"extra column {i:04d} " + "-" * 40 for i in range(1200)]
    names += [names[0][:20]]  # what the cut at 64 KB would have looked like
    header = ["고객번호", "이름", *names]
    assert len(",".join(header).encode()) > 64 * 1024

    run = _import(tmp_path, csv_bytes([header, ["C1", "김민준", *[""] * len(names)]]))

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert Customer.objects.get().name == "김민준"


def test_a_header_longer_than_one_megabyte_is_refused(tmp_path: Path) -> None:
    header = ["고객번호", "이름", *_extra(1500, width=700)]  # about 1.05 MB
    assert len(",".join(header).encode()) > 1024 * 1024

    run = _import(tmp_path, csv_bytes([header, ["C1", "김민준", *[""] * 1500]]))

    assert run.status == ImportRun.Status.REJECTED
    assert run.message_code == "header_too_long"
    assert "longer than 1\xa0MB" in run.message
    assert "more than once" not in run.message


def test_a_first_row_with_an_unclosed_quote_is_refused(tmp_path: Path) -> None:
    data = b'"\xea\xb3\xa0\xea\xb0\x9d\xeb\xb2\x88\xed\x98\xb8,name\r\n' + b"C1,Kim\r\n" * 150_000

    run = _import(tmp_path, data)

    assert (run.status, run.message_code) == (ImportRun.Status.REJECTED, "header_too_long")


@pytest.mark.django_db(transaction=True)  # COPY's error aborts the transaction it runs in
def test_a_row_too_wide_to_store_is_a_file_error_not_an_internal_error(tmp_path: Path) -> None:
    # 1,500 cells of 12 characters: about 19 KB, more than a table row holds.
    header = ["고객번호", "이름", *_extra(1500)]
    rows = [header, ["C1", "김민준", *["abcdefghijkl"] * 1500]]
    source = tmp_path / "wide.csv"
    source.write_bytes(csv_bytes(rows))
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("import_odata", "customers", str(source), stdout=out, stderr=err)

    assert exited.value.code == 1
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (summary["status"], summary["message_code"]) == ("rejected", "row_too_wide")
    assert "Remove the columns you do not need" in err.getvalue()
    assert not Customer.objects.exists()
    assert not ImportRowError.objects.exists()
