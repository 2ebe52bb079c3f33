"""import_feedback: CSV (UTF-8, BOM, CP949) and XLSX, header matching and --map, --channel,
row errors with line, column, value and reason, strict and skip-invalid modes, idempotent
re-imports, the JSON summary and the exit code."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from odata.models import Customer, Store
from xdata.models import Feedback

pytestmark = pytest.mark.django_db

HEADER = "리뷰번호,고객번호,매장코드,별점,내용,작성일시\n"
GOOD = "R-1,C-1,S-1,5,정말 친절해요,2025-03-01 14:05\nR-2,,,2,=배송 지연,2025.03.02\n"


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    when = datetime(2025, 1, 1, tzinfo=UTC)
    Customer.objects.create(external_id="C-1", name="김하나", created_at=when)
    Store.objects.create(external_id="S-1", name="강남점")


def run(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = 0
    try:
        call_command("import_feedback", str(path), *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue().strip().splitlines()[-1])


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def errors(summary: dict[str, Any]) -> list[list[str]]:
    with open(summary["errors_csv"], encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))[1:]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_imports_korean_csv_in_each_encoding(world: None, tmp_path: Path, encoding: str) -> None:
    code, summary = run(write(tmp_path, HEADER + GOOD, encoding), "--channel", "naver")
    assert code == 0, summary
    assert summary["rows_in"] == 2 and summary["rows_ok"] == 2 and summary["created"] == 2
    assert summary["errors_csv"] is None
    first = Feedback.objects.get(external_id="R-1")
    assert first.channel == "naver" and first.text == "정말 친절해요" and first.rating == 5
    assert first.customer and first.customer.external_id == "C-1"
    assert first.store and first.store.external_id == "S-1"
    second = Feedback.objects.get(external_id="R-2")
    assert second.text == "=배송 지연"  # stored as written; exports neutralise it
    assert timezone.localtime(second.occurred_at).date().isoformat() == "2025-03-02"


def test_xlsx_with_a_channel_column(world: None, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["channel", "id", "rating", "review", "date"])
    sheet.append(["kakao", 1001, 4.0, "좋아요", datetime(2025, 3, 1, 9, 0)])  # noqa: DTZ001  # Excel has no zones
    sheet.cell(row=4, column=1, value="kakao")  # row 3 stays blank
    for column, value in enumerate([1002, "six", "", "nope"], start=2):
        sheet.cell(row=4, column=column, value=value)
    path = tmp_path / "f.xlsx"
    workbook.save(path)
    code, summary = run(path, "--mode", "skip-invalid")
    assert code == 0
    assert (summary["rows_in"], summary["rows_ok"], summary["rows_rejected"]) == (2, 1, 1)
    feedback = Feedback.objects.get()
    assert (feedback.channel, feedback.external_id, feedback.rating) == ("kakao", "1001", 4)
    # The sheet's row number, past the blank row.
    assert [row[:3] for row in errors(summary)] == [["4", "rating", "six"], ["4", "date", "nope"]]


def test_row_errors_report_line_column_value_and_reason(
    world: None, tmp_path: Path, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    text = HEADER + (
        "R-1,C-404,S-1,5,ok,2025-03-01\n"  # line 2: unknown customer
        '"R-2",C-1,,9,"여러 줄\n의견",2025-03-01\n'  # line 3 (spans 3-4): bad rating
        "R-3,C-1,,3,ok,not a date\n"  # line 5
        "R-5,C-1,,3,ok,2025-03-01\n"  # line 6: fine
        "R-4,,,,,2025-03-01\n"  # line 7: neither text nor rating
        ",C-1,,3,=cmd|' /C calc'!A0,2025-03-01\n"  # line 8: no id
    )
    code, summary = run(write(tmp_path, text), "--channel", "naver", "--mode", "skip-invalid")
    assert code == 0, summary
    assert summary["rows_in"] == 6 and summary["rows_rejected"] == 5 and summary["created"] == 1
    rows = errors(summary)
    found = {(line, column, value) for line, column, value, _reason in rows}
    assert found == {
        ("2", "고객번호", "C-404"),
        ("3", "별점", "9"),
        ("5", "작성일시", "not a date"),
        ("7", "내용", ""),
        ("8", "리뷰번호", ""),
    }
    reasons = {line: reason for line, _c, _v, reason in rows}
    assert reasons["2"] == "No customer with this number: import customers first."
    assert reasons["3"] == "Not a rating from 1 to 5."


def test_duplicate_ids_in_one_file_are_rejected(world: None, tmp_path: Path) -> None:
    text = HEADER + "R-1,,,5,a,2025-03-01\nR-1,,,4,b,2025-03-01\n"
    code, summary = run(write(tmp_path, text), "--channel", "x", "--mode", "skip-invalid")
    assert code == 0 and summary["created"] == 1 and summary["rows_rejected"] == 1
    assert errors(summary)[0][:3] == ["3", "리뷰번호", "R-1"]
    assert Feedback.objects.get().text == "a"


def test_strict_mode_imports_nothing_when_a_row_is_bad(world: None, tmp_path: Path) -> None:
    text = HEADER + GOOD + "R-3,,,9,bad,2025-03-01\n"
    code, summary = run(write(tmp_path, text), "--channel", "naver")
    assert code == 1
    assert summary["status"] == "rejected" and summary["created"] == 0
    assert summary["rows_rejected"] == 1 and summary["errors_csv"]
    assert not Feedback.objects.exists()


def test_reimport_is_idempotent_and_updates_changed_rows(world: None, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD)
    run(path, "--channel", "naver")
    code, summary = run(path, "--channel", "naver")
    assert code == 0
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 2)
    changed = write(tmp_path, HEADER + GOOD.replace("정말 친절해요", "수정했어요"), name="g.csv")
    _code, summary = run(changed, "--channel", "naver")
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 1, 1)
    assert Feedback.objects.get(external_id="R-1").text == "수정했어요"
    assert Feedback.objects.count() == 2


def test_map_names_a_column_and_missing_columns_are_refused(world: None, tmp_path: Path) -> None:
    text = "ticket,note,when\nT-1,콜센터 메모,2025-03-01 10:00\n"
    code, summary = run(write(tmp_path, text), "--channel", "call")
    assert code == 1 and summary["status"] == "rejected"
    assert summary["message"]
    code, summary = run(
        write(tmp_path, text),
        "--channel",
        "call",
        "--map",
        "ticket=external_id",
        "--map",
        "note=text",
        "--map",
        "when=occurred_at",
    )
    assert code == 0 and summary["created"] == 1
    assert Feedback.objects.get().text == "콜센터 메모"


def test_a_channel_is_required(world: None, tmp_path: Path) -> None:
    code, summary = run(write(tmp_path, HEADER + GOOD))
    assert code == 1 and summary["status"] == "rejected"


@pytest.mark.parametrize(
    ("content", "encoding"), [(b"", None), (b"\x00\x01\x02binary", None), ("a", "bad")]
)
def test_bad_files_exit_1_with_a_message(
    world: None, tmp_path: Path, content: Any, encoding: str | None
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    if encoding:
        with pytest.raises(CommandError):  # argparse refuses an unknown --encoding
            run(path, "--encoding", encoding)
        return
    code, summary = run(path, "--channel", "x")
    assert code == 1 and summary["status"] == "rejected" and summary["message"]


def test_cp949_file_read_as_utf8_is_refused(world: None, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD, "cp949")
    code, summary = run(path, "--channel", "x", "--encoding", "utf-8")
    assert code == 1 and summary["status"] == "rejected"


def test_an_import_that_changes_feedback_requests_an_analysis_run(
    world: None, tmp_path: Path
) -> None:
    from analysis.models import AnalysisRun

    path = write(tmp_path, HEADER + GOOD)
    run(path, "--channel", "naver")
    (queued,) = AnalysisRun.objects.all()
    assert (queued.status, queued.reason) == ("queued", "import")
    queued.delete()
    run(path, "--channel", "naver")  # the same file again: nothing changed
    assert not AnalysisRun.objects.exists()


def test_a_date_outside_1900_to_2100_is_a_row_error(world: None, tmp_path: Path) -> None:
    bad = GOOD.replace("2025.03.02", "0001-01-01")
    code, summary = run(
        write(tmp_path, HEADER + bad), "--channel", "naver", "--mode", "skip-invalid"
    )
    assert code == 0
    assert summary["created"] == 1
    assert [row[2] for row in errors(summary)] == ["0001-01-01"]
    assert Feedback.objects.filter(external_id="R-2").count() == 0


def test_an_uncalculated_formula_in_a_read_column_refuses_the_file(
    world: None, tmp_path: Path, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["channel", "id", "rating", "review", "date", "note"])
    when = datetime(2025, 3, 1, 9, 0)  # noqa: DTZ001  # Excel has no zones
    sheet.append(["kakao", 1001, 4, "좋아요", when, "=LEN(D2)"])  # a column not read
    sheet.append(["kakao", 1002, "=2+3", "보통", when, ""])
    path = tmp_path / "f.xlsx"
    workbook.save(path)  # openpyxl stores formulas without their values, as programs do
    code, summary = run(path)
    assert code == 1
    assert summary["status"] == "rejected"
    assert summary["message"].startswith("Cell C3 (column rating) holds a formula")
    assert not Feedback.objects.exists()


def test_a_formula_in_a_column_not_read_does_not_matter(world: None, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["channel", "id", "rating", "review", "date", "note"])
    when = datetime(2025, 3, 1, 9, 0)  # noqa: DTZ001  # Excel has no zones
    sheet.append(["kakao", 1001, 4, "좋아요", when, "=LEN(D2)"])
    path = tmp_path / "f.xlsx"
    workbook.save(path)
    code, summary = run(path)
    assert code == 0 and summary["created"] == 1
