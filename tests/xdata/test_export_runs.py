"""The XLSX export as a job: the page that says what will be exported, "Prepare the file"
queueing a run on `bulk`, the job writing the workbook with progress, the run's page and the
download, once per run, and at most three exports in progress per person."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import django_rq
import pytest
from openpyxl import load_workbook

from cxm.models import User
from tests.conftest import client_for, with_language
from tests.xdata.test_explorer import make_response, published
from tests.xdata.test_exports import FORMULAS, XLSX, by_header, workbook_rows
from xdata import exports
from xdata.exports import EXPORT_LIMIT, write_xlsx
from xdata.jobs import export_responses
from xdata.models import ExportRun
from xdata.selectors import ExplorerFilters
from xdata.services import exports as export_service

pytestmark = pytest.mark.django_db


def start(user: User, query: str = "") -> ExportRun:
    response = client_for(user).post(XLSX + ("?" + query if query else ""))
    assert response.status_code == 302
    run = ExportRun.objects.get()
    assert response["Location"] == f"/xdata/exports/{run.code}/"
    return run


def test_the_page_says_what_will_be_exported_and_the_limit(agent: User) -> None:
    version = published()
    for _ in range(3):
        make_response(version)
    html = client_for(agent).get(f"{XLSX}?survey={version.survey.code}&score=nps_promoter")
    assert html.status_code == 200
    text = html.content.decode()
    assert version.survey.name in text
    assert "NPS" in text  # the score band's label, in words
    assert "3개 행" in text
    assert f"{EXPORT_LIMIT:,}" in text
    assert '<form method="post"' in text
    assert not ExportRun.objects.exists()  # GET changes nothing


def test_prepare_queues_one_job_on_bulk_on_commit(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    make_response()
    with django_capture_on_commit_callbacks(execute=True):
        run = start(agent, "source=surveys")
    assert run.status == ExportRun.Status.QUEUED
    assert run.created_by == agent
    assert run.query == "source=surveys"
    jobs = django_rq.get_queue("bulk").jobs
    assert [(job.func_name, job.args) for job in jobs] == [
        ("xdata.jobs.export_responses", (run.pk,))
    ]


def test_the_job_writes_the_workbook_with_safe_cells(agent: User) -> None:
    version = published()
    for formula in FORMULAS:
        make_response(version, comment=formula)
    run = start(agent)
    export_responses(run.pk)
    run.refresh_from_db()
    assert run.status == ExportRun.Status.DONE
    assert (run.rows_done, run.rows_total, run.progress) == (len(FORMULAS), len(FORMULAS), 100)
    assert run.finished_at is not None
    path = Path(run.file_path)
    assert path.is_file() and not path.with_suffix(".part").exists()
    rows = by_header(workbook_rows(load_workbook(path, read_only=True)))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        assert not str(row["comment"]).startswith(("=", "+", "-", "@"))
    download = client_for(agent).get(f"/xdata/exports/{run.code}/file")
    assert download.status_code == 200
    raw = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert load_workbook(io.BytesIO(raw)).worksheets[0].max_row == len(FORMULAS) + 1


def test_progress_is_reported_as_rows_are_written(agent: User, monkeypatch: Any) -> None:
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    for _ in range(5):
        make_response()
    reported: list[int] = []
    write_xlsx(ExplorerFilters(), io.BytesIO(), progress=reported.append)
    assert reported == [2, 4, 5]  # and once before the save
    # And the job writes each step to the run, where its page reads it.
    seen: list[tuple[int, int]] = []

    def watched(filters: ExplorerFilters, handle: Any, *, progress: Any) -> int:
        def step(rows: int) -> None:
            progress(rows)
            run = ExportRun.objects.get()
            seen.append((run.rows_done, run.rows_total))

        return write_xlsx(filters, handle, progress=step)

    monkeypatch.setattr(export_service, "write_xlsx", watched)
    run = start(agent)
    export_responses(run.pk)
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_the_run_page_shows_the_progress_and_polls_until_done(agent: User) -> None:
    run = ExportRun.objects.create(
        created_by=agent, status=ExportRun.Status.RUNNING, rows_done=2, rows_total=5
    )
    client = client_for(agent)
    page = client.get(f"/xdata/exports/{run.code}/").content.decode()
    assert 'value="40"' in page and "40%" in page
    assert "every 1s" in page
    fragment = client.get(f"/xdata/exports/{run.code}/", headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert 'id="export-status"' in fragment.content.decode()
    ExportRun.objects.filter(pk=run.pk).update(status=ExportRun.Status.QUEUED, rows_done=0)
    make_response()
    export_responses(run.pk)
    done = client.get(f"/xdata/exports/{run.code}/").content.decode()
    assert "every 1s" not in done
    assert f"/xdata/exports/{run.code}/file" in done


def test_a_second_job_for_the_run_writes_nothing(agent: User) -> None:
    make_response()
    run = start(agent)
    export_responses(run.pk)
    run.refresh_from_db()
    path = Path(run.file_path)
    path.write_bytes(b"kept")
    export_responses(run.pk)
    assert path.read_bytes() == b"kept"
    again = ExportRun.objects.get(pk=run.pk)
    assert (again.status, again.attempts, again.finished_at) == (
        ExportRun.Status.DONE,
        1,
        run.finished_at,
    )


def test_a_filter_that_no_longer_applies_fails_the_run_in_the_users_language(
    agent: User, manager: User
) -> None:
    version = published()
    run = start(agent, f"survey={version.survey.code}")
    # The survey named by the stored filter is gone before the job runs.
    ExportRun.objects.filter(pk=run.pk).update(query="survey=00000000-0000-0000-0000-000000000000")
    export_responses(run.pk)
    run.refresh_from_db()
    assert run.status == ExportRun.Status.FAILED
    assert run.message_code == "filter_not_valid"
    assert not run.file_path
    page = client_for(agent).get(f"/xdata/exports/{run.code}/").content.decode()
    assert "필터가 더 이상 유효하지 않습니다" in page  # Korean, the default language
    ExportRun.objects.filter(pk=run.pk).update(created_by=with_language(manager, "en"))
    page = client_for(manager).get(f"/xdata/exports/{run.code}/").content.decode()
    assert "The filter is no longer valid" in page


def test_a_bad_filter_is_refused_with_400_and_nothing_queued(agent: User) -> None:
    client = client_for(agent)
    for method in (client.get, client.post):
        response = method(f"{XLSX}?date_to=31-12-2025&score=csat_low")
        assert response.status_code == 400
        assert "내보낼 수 없습니다" in response.content.decode()
    assert not ExportRun.objects.exists()


def test_a_fourth_export_in_progress_is_refused(agent: User) -> None:
    for _ in range(3):
        ExportRun.objects.create(created_by=agent)
    ExportRun.objects.create(created_by=agent, status=ExportRun.Status.DONE)
    response = client_for(agent).post(XLSX)
    assert response.status_code == 429
    assert "진행 중인 내보내기가 이미 3개" in response.content.decode()
    assert ExportRun.objects.count() == 4


def test_the_last_ten_exports_are_listed(agent: User, manager: User) -> None:
    mine = [ExportRun.objects.create(created_by=agent) for _ in range(12)]
    theirs = ExportRun.objects.create(created_by=manager)
    page = client_for(agent).get(XLSX).content.decode()
    assert [f"/xdata/exports/{run.code}/" in page for run in mine] == [False] * 2 + [True] * 10
    assert str(theirs.code) not in page
