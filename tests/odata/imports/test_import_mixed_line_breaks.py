"""A CSV whose rows end in CRLF and LF alike (rows appended by another tool) imports whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from odata.importing import pipeline
from odata.models import ImportRun, Store
from odata.services.imports import run_import, start_import

pytestmark = pytest.mark.django_db(transaction=True)


def _import(tmp_path: Path, content: bytes) -> ImportRun:
    source = tmp_path / "stores.csv"
    source.write_bytes(content)
    run = start_import(kind="stores", source=source, file_name=source.name, enqueue=False)
    run_import(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.mark.parametrize(
    ("first", "later"), [("\r\n", "\n"), ("\n", "\r\n")], ids=["crlf-then-lf", "lf-then-crlf"]
)
def test_mixed_line_breaks_import_every_row(tmp_path: Path, first: str, later: str) -> None:
    text = (
        first.join(["매장코드,매장명", "S001,강남점", "S002,부산점"])
        + later
        + later.join(["S003,대구점", "S004,광주점", "S005,대전점"])
        + later
    )
    content = text.encode()
    run = _import(tmp_path, content)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert (run.rows_total, run.created) == (5, 5)
    assert dict(Store.objects.values_list("external_id", "name")) == {
        "S001": "강남점",
        "S002": "부산점",
        "S003": "대구점",
        "S004": "광주점",
        "S005": "대전점",
    }


def test_a_crlf_split_between_chunks_is_one_line_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "COPY_CHUNK", 5)
    content = b"code,name\r\nS1,a\nS2,b\r\nS3,c\r\n"  # with 5-byte chunks a CR ends "name\r"
    run = _import(tmp_path, content.replace(b"code,name", "매장코드,매장명".encode()))
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert sorted(Store.objects.values_list("name", flat=True)) == ["a", "b", "c"]


def test_a_ragged_row_in_a_mixed_file_names_its_row(tmp_path: Path) -> None:
    run = _import(tmp_path, "매장코드,매장명\r\nS001,강남점\nS002,부산점,x\nS003,대구점\n".encode())
    assert run.status == ImportRun.Status.REJECTED
    assert "Row 3" in run.message
    assert not Store.objects.exists()
