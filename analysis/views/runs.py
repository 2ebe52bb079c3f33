"""Runs: the recent runs, the progress of the current one, and the "run now" button."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from analysis.models import AnalysisRun
from analysis.selectors.runs import (
    RUN_PERMISSION,
    access_run,
    active_run,
    latest_finished_run,
    recent_runs,
    require_dashboards,
)
from analysis.services.runs import request_run
from cxm.methods import allow_methods
from cxm.models import User


def _working(run: AnalysisRun | None) -> bool:
    return run is not None and run.status in (AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING)


@allow_methods("GET")
@login_required
def runs_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_dashboards(user)
    current = active_run()
    context = {
        "runs": recent_runs(),
        "current": current,
        "working": _working(current),
        "latest": latest_finished_run(),
        "can_run": user.has_perm(RUN_PERMISSION),
        "dashboard_page": "runs",
    }
    return render(request, "analysis/runs.html", context)


@allow_methods("POST")
@login_required
def run_start(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm(RUN_PERMISSION):
        raise PermissionDenied
    run, _created = request_run(reason=AnalysisRun.Reason.MANUAL, by=user)
    return redirect("analysis:run-detail", code=run.code)


@allow_methods("GET")
@login_required
def run_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    run = access_run(request.user, code)  # type: ignore[arg-type]
    context = {"run": run, "working": _working(run), "dashboard_page": "runs"}
    if getattr(request, "htmx", False):
        return render(request, "analysis/_run_status.html", context)
    return render(request, "analysis/run_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("runs/", runs_page, name="runs"),
    path("runs/start", run_start, name="run-start"),
    path("runs/<uuid:code>/", run_detail, name="run-detail"),
]
