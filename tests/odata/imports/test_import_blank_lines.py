"""Blank lines at the end of an exported CSV are not rows; one in the middle still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from odata.importing.pipeline import content_end
from odata.models import ImportRun, Store
from odata.services.imports import run_import, start_import

pytestmark = pytest.mark.django_db(transaction=True)


def _import(tmp_path: Path, content: bytes, encoding_name: str = "stores.csv") -> ImportRun:
    source = tmp_path / encoding_name
    source.write_bytes(content)
    run = start_import(kind="stores", source=source, file_name=source.name, enqueue=False)
    run_import(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.mark.parametrize(
    "ending", [b"\n\n", b"\r\n\r\n\r\n", b"\r\n  \r\n\t\r\n", b"\n \n", b"", b"\n"]
)
def test_trailing_blank_lines_are_ignored(tmp_path: Path, ending: bytes) -> None:
    content = "매장코드,매장명\r\nS001,강남점\r\nS002,부산점".encode() + ending
    run = _import(tmp_path, content)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert (run.rows_total, run.created) == (2, 2)
    assert sorted(Store.objects.values_list("external_id", flat=True)) == ["S001", "S002"]


def test_cp949_file_with_trailing_blank_lines(tmp_path: Path) -> None:
    content = "매장코드,매장명\r\nS001,강남점\r\n\r\n".encode("cp949")
    run = _import(tmp_path, content)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert Store.objects.get().name == "강남점"


def test_a_blank_line_in_the_middle_is_still_reported(tmp_path: Path) -> None:
    run = _import(tmp_path, "매장코드,매장명\nS001,강남점\n\nS002,부산점\n".encode())
    assert run.status == ImportRun.Status.REJECTED
    assert "Row 3" in run.message
    assert not Store.objects.exists()


def test_content_end_keeps_a_quoted_line_break(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    data = b'a,b\n1,"x\n"\n\n'
    path.write_bytes(data)
    end, line_break = content_end(path, len(data))
    assert (data[:end], line_break) == (b'a,b\n1,"x\n"', b"\n")
