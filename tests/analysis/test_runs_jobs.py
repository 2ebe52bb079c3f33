"""Analysis runs: debounced requests, idempotent jobs, the command's JSON, the run button,
the import hook, pruning and failure."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import django_rq
import pytest
from django.core.management import call_command

from analysis import jobs
from analysis.models import AnalysisRun, MetricCell
from analysis.sections import SECTIONS
from analysis.services import runs as run_service
from analysis.services.runs import KEEP_FINISHED, request_run
from cxm.models import User
from tests.conftest import client_for
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db


def test_requests_while_a_run_waits_fold_into_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first, created = request_run(reason=AnalysisRun.Reason.IMPORT)
        second, created_again = request_run(reason=AnalysisRun.Reason.MANUAL)
    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert AnalysisRun.objects.filter(status=AnalysisRun.Status.QUEUED).count() == 1
    assert django_rq.get_queue("bulk").count == 1


def test_the_job_computes_once_and_a_second_call_does_nothing() -> None:
    make_response(published(), nps=10)
    run, _created = request_run(reason=AnalysisRun.Reason.MANUAL, enqueue=False)

    summary = jobs.run_analysis(run.pk)
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.FINISHED
    assert (run.steps_done, run.steps_total, run.percent) == (len(SECTIONS), len(SECTIONS), 100)
    assert summary["cells"] == MetricCell.objects.filter(run=run).count() > 0
    cells = MetricCell.objects.count()

    assert jobs.run_analysis(run.pk) == {}
    assert MetricCell.objects.count() == cells


def test_the_command_prints_a_json_summary_last() -> None:
    make_response(published(), nps=3)
    out = StringIO()
    call_command("run_analysis", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["status"] == "finished"
    assert summary["cells"] > 0 and "changes" in summary and "significant_drops" in summary
    assert AnalysisRun.objects.get(code=summary["run"]).status == AnalysisRun.Status.FINISHED


def test_only_the_last_runs_are_kept() -> None:
    make_response(published(), nps=9)
    for _ in range(KEEP_FINISHED + 2):
        jobs.run_analysis_now(reason=AnalysisRun.Reason.MANUAL)
    kept = AnalysisRun.objects.filter(status=AnalysisRun.Status.FINISHED)
    assert kept.count() == KEEP_FINISHED
    assert set(MetricCell.objects.values_list("run_id", flat=True)) == set(
        kept.values_list("pk", flat=True)
    )


def test_a_failing_section_marks_the_run_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(run: AnalysisRun, progress: Any) -> None:
        raise RuntimeError("disk full")

    from analysis import sections

    monkeypatch.setattr(
        sections, "SECTIONS", [sections.Section("broken", "Broken", broken), *SECTIONS]
    )
    run = jobs.run_analysis_now(reason=AnalysisRun.Reason.MANUAL)
    assert run.status == AnalysisRun.Status.FAILED
    assert "disk full" in run.error
    assert run_service.running_run() is None


def test_the_button_queues_a_run_for_managers_only(
    manager: User, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    assert client_for(manager).get("/analysis/runs/start").status_code == 405
    assert client_for(agent).post("/analysis/runs/start").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post("/analysis/runs/start")
    run = AnalysisRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/analysis/runs/{run.code}/"
    assert (run.reason, run.requested_by) == ("manual", manager)
    page = client_for(agent).get(f"/analysis/runs/{run.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Waiting for a worker" in page.content.decode()
    assert 'hx-trigger="every 1s"' in page.content.decode()
    runs_page = client_for(agent).get("/analysis/runs/", HTTP_ACCEPT_LANGUAGE="en")
    assert runs_page.status_code == 200
    assert "Recompute now" not in runs_page.content.decode()


def test_outsiders_cannot_see_runs(outsider: User) -> None:
    run = AnalysisRun.objects.create()
    assert client_for(outsider).get("/analysis/runs/").status_code == 403
    assert client_for(outsider).get(f"/analysis/runs/{run.code}/").status_code == 403


def test_a_successful_import_requests_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from odata import jobs as odata_jobs
    from odata.models import ImportRun

    finished = ImportRun(status=ImportRun.Status.SUCCEEDED)
    monkeypatch.setattr(odata_jobs, "run_import_service", lambda run_id: finished)
    odata_jobs.run_import(1)
    odata_jobs.run_import(2)
    assert list(AnalysisRun.objects.values_list("reason", "status")) == [("import", "queued")]

    monkeypatch.setattr(odata_jobs, "run_import_service", lambda run_id: None)
    AnalysisRun.objects.all().delete()
    odata_jobs.run_import(3)
    assert not AnalysisRun.objects.exists()
