"""Analysis runs: the latest finished one (what every page reads), recent runs, access."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from analysis.models import AnalysisRun
from cxm.models import User

VIEW_PERMISSION = "analysis.view_dashboards"
RUN_PERMISSION = "analysis.run_analysis"


def latest_finished_run() -> AnalysisRun | None:
    return (
        AnalysisRun.objects.filter(status=AnalysisRun.Status.FINISHED)
        .order_by("-finished_at", "-id")
        .first()
    )


def recent_runs(limit: int = 10) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.select_related("requested_by").order_by("-created_at", "-id")[:limit]


def active_run() -> AnalysisRun | None:
    """The run queued or running now, if any (for the progress bar)."""
    return (
        AnalysisRun.objects.filter(
            status__in=(AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING)
        )
        .order_by("-created_at", "-id")
        .first()
    )


def require_dashboards(user: User) -> None:
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied


def access_run(user: User, code: UUID) -> AnalysisRun:
    """The run with this code, for someone who may see the dashboards (404 / 403)."""
    require_dashboards(user)
    run = AnalysisRun.objects.filter(code=code).first()
    if run is None:
        raise Http404
    return run
