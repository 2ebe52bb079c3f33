"""A file that cannot be imported as a whole is refused with a message that says what to fix,
and nothing reaches the target tables."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.core.management import call_command

from odata.models import Customer, ImportRowError, ImportRun, Order
from odata.services.imports import run_import, set_mapping, start_import
from tests.odata.imports.files import xlsx_bytes

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def _import(tmp_path: Path, kind: str, data: bytes, *, name: str = "upload.csv") -> ImportRun:
    source = tmp_path / name
    source.write_bytes(data)
    run = start_import(kind=kind, source=source, file_name=name, enqueue=False)
    if run.status == ImportRun.Status.QUEUED:
        run_import(run_id=run.pk)
        run.refresh_from_db()
    return run


def _command(tmp_path: Path, kind: str, data: bytes) -> tuple[int, dict[str, Any], str]:
    import json

    source = tmp_path / "command.csv"
    source.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_odata", kind, str(source), stdout=out, stderr=err)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


def _assert_nothing_written() -> None:
    assert Customer.objects.count() == 0
    assert Order.objects.count() == 0
    assert ImportRowError.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n  \r\n", "The file is empty."),
        (PNG, "not a CSV or Excel"),
        (b"\r\nexternal_id,name\r\nC1,Kim\r\n", "The first row is empty"),
        (",,\r\nC1,Kim,\r\n", "The first row is empty"),
        ("고객번호,이름,고객번호\r\nC1,Kim,C2\r\n".encode(), "more than once: 고객번호"),
        (b"PK\x03\x04 this zip is cut short", "The Excel file could not be read"),
    ],
    ids=["empty", "blank-lines", "png", "empty-first-line", "empty-first-row", "dup", "xlsx"],
)
def test_file_problem_is_rejected_with_a_message(
    tmp_path: Path, data: bytes | str, message: str
) -> None:
    raw = data.encode() if isinstance(data, str) else data

    run = _import(tmp_path, "customers", raw)

    assert run.status == ImportRun.Status.REJECTED
    assert message in run.message
    _assert_nothing_written()


@pytest.mark.django_db
def test_header_only_file_is_rejected(tmp_path: Path) -> None:
    run = _import(tmp_path, "customers", "고객번호,고객명\r\n".encode())

    assert run.status == ImportRun.Status.REJECTED
    assert run.message == "The file has no data rows."
    _assert_nothing_written()


@pytest.mark.django_db
def test_empty_workbook_is_rejected(tmp_path: Path) -> None:
    run = _import(tmp_path, "customers", xlsx_bytes([]), name="upload.xlsx")

    assert run.status == ImportRun.Status.REJECTED
    assert run.message == "The file is empty."


@pytest.mark.django_db
def test_first_row_of_data_is_not_taken_for_a_header(tmp_path: Path) -> None:
    data = "O1,C1,온라인,2024-01-05,1000\r\nO2,C1,온라인,2024-01-05,2000\r\n".encode()

    code, summary, err = _command(tmp_path, "orders", data)

    assert code == 1
    assert summary["status"] == ImportRun.Status.REJECTED
    assert "Required columns are missing: order number, customer number, channel" in err
    _assert_nothing_written()


@pytest.mark.django_db
def test_missing_required_columns_are_named_by_the_command(tmp_path: Path) -> None:
    data = "주문번호,고객번호,결제금액\r\nO1,C1,1000\r\n".encode()

    code, summary, err = _command(tmp_path, "orders", data)

    assert code == 1
    assert summary["status"] == ImportRun.Status.REJECTED
    assert "Required columns are missing: channel, placed at." in summary["message"]
    assert summary["message"] in err
    assert "order number" not in summary["message"]
    _assert_nothing_written()


@pytest.mark.django_db
def test_missing_required_columns_wait_for_mapping_when_uploaded(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    Customer.objects.create(external_id="C1", created_at=datetime(2023, 1, 1, tzinfo=UTC))
    source = tmp_path / "upload.csv"
    source.write_bytes(
        "주문번호,고객번호,경로,일자,결제금액\r\nO1,C1,매장,2024-01-05,1000\r\n".encode()
    )
    queue = django_rq.get_queue("bulk")

    with django_capture_on_commit_callbacks(execute=True):
        run = start_import(kind="orders", source=source, file_name="upload.csv", enqueue=True)

    assert run.status == ImportRun.Status.NEEDS_MAPPING
    assert queue.count == 0
    assert Order.objects.count() == 0

    mapping = {**run.mapping, "경로": "channel", "일자": "placed_at"}
    with django_capture_on_commit_callbacks(execute=True):
        run = set_mapping(run=run, mapping=mapping)

    assert run.status == ImportRun.Status.QUEUED
    assert [(job.func_name, job.args) for job in queue.jobs] == [
        ("odata.jobs.run_import", (run.pk,))
    ]
    run_import(run_id=run.pk)
    assert Order.objects.get().channel == "store"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "row", ["C3,Park,park@example.com,extra", "C3,Park"], ids=["extra", "missing"]
)
def test_ragged_row_is_named_and_nothing_is_written(tmp_path: Path, row: str) -> None:
    data = f"고객번호,고객명,이메일\r\nC1,Kim,kim@example.com\r\nC2,Lee,\r\n{row}\r\nC4,Choi,\r\n"

    run = _import(tmp_path, "customers", data.encode())

    assert run.status == ImportRun.Status.REJECTED
    assert run.message.startswith("Row 4 does not have the same number of columns")
    _assert_nothing_written()
    assert ImportRun.objects.get().status == ImportRun.Status.REJECTED
