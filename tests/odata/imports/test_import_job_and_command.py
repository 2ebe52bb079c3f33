"""The `bulk` job runs a queued import once, uploads enqueue it only on commit, and the
`import_odata` command prints a JSON summary, exits non-zero when nothing was imported and
writes a formula-safe error report that Excel opens as UTF-8."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from odata import jobs
from odata.models import Customer, ImportRun, Order
from odata.services.imports import start_import

pytestmark = pytest.mark.django_db

CUSTOMERS = (
    "고객번호,고객명,이메일\r\nC1,김민준,minjun@example.com\r\nC2,이서연,seoyeon@example.com\r\n"
)
SUMMARY_KEYS = {"rows_in", "rows_ok", "rows_rejected", "created", "updated", "unchanged"}


def _file(tmp_path: Path, text: str, name: str = "customers.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _command(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = 0
    try:
        call_command("import_odata", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue().strip().splitlines()[-1])


def _queued(tmp_path: Path) -> ImportRun:
    run = start_import(
        kind="customers",
        source=_file(tmp_path, CUSTOMERS),
        file_name="customers.csv",
        enqueue=False,
    )
    assert run.status == ImportRun.Status.QUEUED
    return run


def test_job_called_twice_runs_once(tmp_path: Path) -> None:
    run = _queued(tmp_path)

    jobs.run_import(run.pk)
    run.refresh_from_db()
    finished = run.finished_at
    Customer.objects.filter(external_id="C1").update(name="changed by hand")
    jobs.run_import(run.pk)
    run.refresh_from_db()

    assert (run.status, run.created, run.finished_at) == ("succeeded", 2, finished)
    assert Customer.objects.get(external_id="C1").name == "changed by hand"


def test_job_leaves_a_running_run_alone(tmp_path: Path) -> None:
    run = _queued(tmp_path)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)

    jobs.run_import(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING
    assert Customer.objects.count() == 0


def test_upload_enqueues_the_job_on_the_bulk_queue_on_commit(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    bulk = django_rq.get_queue("bulk")

    with django_capture_on_commit_callbacks(execute=True):
        run = start_import(
            kind="customers", source=_file(tmp_path, CUSTOMERS), file_name="c.csv", enqueue=True
        )
        assert run.status == ImportRun.Status.QUEUED
        assert bulk.count == 0  # not before the commit

    assert [(job.func_name, job.args) for job in bulk.jobs] == [
        ("odata.jobs.run_import", (run.pk,))
    ]
    assert django_rq.get_queue("default").count == 0
    assert django_rq.get_queue("realtime").count == 0


def test_command_prints_a_json_summary(tmp_path: Path) -> None:
    code, summary = _command("customers", str(_file(tmp_path, CUSTOMERS)))

    assert code == 0
    assert SUMMARY_KEYS | {"errors_csv"} <= set(summary)
    assert {key: summary[key] for key in SUMMARY_KEYS} == {
        "rows_in": 2,
        "rows_ok": 2,
        "rows_rejected": 0,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert summary["errors_csv"] is None
    assert summary["status"] == "succeeded"

    code, again = _command("customers", str(_file(tmp_path, CUSTOMERS)))
    assert (code, again["status"], again["created"]) == (0, "duplicate", 0)


def test_command_exits_1_when_nothing_was_imported(tmp_path: Path) -> None:
    text = "주문번호,고객번호,채널,주문일시,결제금액\r\nO1,C404,온라인,2024-01-05,=cmd()\r\n"

    code, summary = _command("orders", str(_file(tmp_path, text)), "--mode", "skip-invalid")

    assert code == 1
    assert (summary["status"], summary["rows_in"], summary["rows_rejected"]) == ("rejected", 1, 1)
    assert Order.objects.count() == 0
    assert summary["errors_csv"]


def test_errors_csv_is_utf8_with_bom_and_formula_safe(tmp_path: Path, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"  # the report's language
    Customer.objects.create(external_id="C1", created_at=datetime(2023, 1, 1, tzinfo=UTC))
    text = (
        "주문번호,고객번호,채널,주문일시,결제금액\r\n"
        "O1,C1,온라인,2024-01-05,=cmd()\r\n"
        "O2,C1,+SUM(A1),2024-01-05,1000\r\n"
        "O3,C1,매장,2024-01-05,1000\r\n"
    )

    code, summary = _command("orders", str(_file(tmp_path, text)), "--mode", "strict")

    assert code == 1
    raw = Path(summary["errors_csv"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert [row[:3] for row in rows[1:]] == [
        ["2", "결제금액", "'=cmd()"],
        ["3", "채널", "'+SUM(A1)"],
    ]
    assert rows[2][3] == "Not one of the allowed values: online, store, app, phone."


def test_command_map_names_an_unknown_column(tmp_path: Path) -> None:
    text = "손님번호,고객명\r\nC1,김민준\r\n"

    code, summary = _command(
        "customers", str(_file(tmp_path, text)), "--map", "손님번호=external_id"
    )

    assert (code, summary["created"]) == (0, 1)
    assert Customer.objects.get().name == "김민준"


@pytest.mark.parametrize("bad", ["손님번호", "손님번호=", "=external_id", "손님번호=nickname"])
def test_command_refuses_a_bad_map(tmp_path: Path, bad: str) -> None:
    path = _file(tmp_path, "손님번호,고객명\r\nC1,김민준\r\n")

    with pytest.raises(CommandError, match="use COLUMN=FIELD"):
        call_command("import_odata", "customers", str(path), "--map", bad, stdout=io.StringIO())

    assert ImportRun.objects.count() == 0


def test_command_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_odata", "customers", str(tmp_path / "nope.csv"), stdout=io.StringIO())

    assert ImportRun.objects.count() == 0


def test_command_takes_a_declared_encoding(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(CUSTOMERS.encode("cp949"))

    code, summary = _command("customers", str(path), "--encoding", "euc-kr")

    assert (code, summary["encoding"], summary["created"]) == (0, "cp949", 2)
    assert Customer.objects.get(external_id="C2").name == "이서연"


def test_a_command_import_requests_an_analysis_run_as_an_upload_does(tmp_path: Path) -> None:
    from analysis.models import AnalysisRun

    bad = "주문번호,고객번호,채널,주문일시,결제금액\r\nO1,C404,온라인,2024-01-05,1000\r\n"
    _command("orders", str(_file(tmp_path, bad, "orders.csv")), "--mode", "skip-invalid")
    assert not AnalysisRun.objects.exists()  # nothing imported, nothing to recompute

    _command("customers", str(_file(tmp_path, CUSTOMERS)))
    (queued,) = AnalysisRun.objects.all()
    assert (queued.status, queued.reason) == ("queued", "import")
