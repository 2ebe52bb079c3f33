"""What every analysis page does first: authorise, parse the filter bar, find the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from analysis.forms import DashboardFilters
from analysis.models import AnalysisRun
from analysis.selectors.cells import CellFilter
from analysis.selectors.runs import latest_finished_run, require_dashboards
from cxm.models import User


@dataclass
class Dashboard:
    """A parsed request: `where` is None when the filter is invalid (answer 400) or there is
    no finished run yet (nothing to show)."""

    form: DashboardFilters
    run: AnalysisRun | None
    where: CellFilter | None

    @property
    def status(self) -> int:
        return 400 if self.form.errors else 200

    def context(self, page: str, **more: Any) -> dict[str, Any]:
        query = urlencode(self.form.query()) if not self.form.errors else ""
        return {
            "form": self.form,
            "run": self.run,
            "query": query,
            "dashboard_page": page,
            "window": self.where,
            **more,
        }


def dashboard(request: HttpRequest, form_class: type[DashboardFilters]) -> Dashboard:
    """Authorise (analysis.view_dashboards, else 403) and parse; one query for the run."""
    user: User = request.user  # type: ignore[assignment]
    require_dashboards(user)
    form = form_class(request.GET)
    run = latest_finished_run()
    if not form.is_valid() or run is None:
        return Dashboard(form, run, None)
    # Without dates the pages end on the run's own day: its fact table counts that day's
    # answers up to the moment it ran (the page says when), so a survey that started today
    # shows its first responses instead of n = 0 until tomorrow. Tests of change (tiles,
    # stored changes) still use complete months and weeks only.
    return Dashboard(form, run, form.cell_filter(last_day=run.as_of))


def not_ready(request: HttpRequest, template: str, page: Dashboard, name: str) -> HttpResponse:
    """The page `name` with its filter bar only: 400 for a filter that is not valid, else the
    "no analysis yet" state."""
    return render(request, template, page.context(name), status=page.status)


def csv_refusal(request: HttpRequest, page: Dashboard, name: str) -> HttpResponse:
    """The CSV of the dashboard page `name` (its URL name) when there is nothing to export: a
    page in the reader's language, 400 for a filter that is not valid, 404 before the first
    finished run, with a link back to that page (same filters)."""
    problem = _("Fix the filter first.") if page.form.errors else _("No analysis yet.")
    back = reverse(f"analysis:{name}")
    if request.GET:
        back = f"{back}?{request.GET.urlencode()}"
    context = {"problem": problem, "back": back, "back_label": _("Back to the analysis")}
    status = 400 if page.form.errors else 404
    return render(request, "includes/export_refused.html", context, status=status)
