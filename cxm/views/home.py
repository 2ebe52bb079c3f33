"""Home: what is waiting for the reader and how the customers feel, at a glance.

Each part is shown to those who may open the page it summarises: the reader's own open tasks
(My tasks), the team's follow-up figures (the board), the scores of the last twelve months with
their intervals and month-on-month markers (the analysis overview: the reader's store when they
manage exactly one, else the whole company), then the links to every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from actions.access import visible_tasks
from actions.selectors import (
    REVIEW_PERMISSION,
    WORK_PERMISSION,
    BoardFigures,
    TaskFilters,
    TaskList,
    board_figures,
    board_scope,
    my_tasks,
)
from analysis.forms import DashboardFilters
from analysis.selectors.dashboards import Tile, headline_tiles
from analysis.selectors.runs import VIEW_PERMISSION, latest_finished_run
from cxm.health import run_checks
from cxm.methods import allow_methods
from cxm.models import User
from odata.models import Store

# Open tasks listed on Home; My tasks has the rest.
HOME_TASKS = 5


@dataclass(frozen=True)
class Scores:
    tiles: list[Tile]
    store: Store | None  # the reader's store, or None for the whole company
    overview_url: str


def _scores(user: User) -> Scores | None:
    """The overview's tiles over its default window, for the reader's one store if they
    manage exactly one; None before the first analysis run."""
    run = latest_finished_run()
    if run is None or run.as_of is None:
        return None
    stores = list(user.managed_stores.filter(is_active=True)[:2])
    store = stores[0] if len(stores) == 1 else None
    # The overview's own default window (its filter form without dates), for one store or all.
    form = DashboardFilters({"store": str(store.code)} if store is not None else {})
    if not form.is_valid():
        return None
    # Ends on the run's own day, as the overview's default window does (analysis.views.common).
    where = form.cell_filter(last_day=run.as_of)
    url = reverse("analysis:overview")
    if store is not None:
        url += "?" + urlencode({"store": str(store.code)})
    return Scores(headline_tiles(run, where), store, url)


@login_required
@allow_methods("GET")
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    tasks: TaskList | None = None
    if user.has_perm(WORK_PERMISSION):
        tasks = my_tasks(user, filters=TaskFilters(), limit=HOME_TASKS)
    team: BoardFigures | None = None
    if user.has_perm(REVIEW_PERMISSION):
        scope = board_scope(visible_tasks(user), store=None, owner=None)
        team = board_figures(scope, loads=False)
    scores = _scores(user) if user.has_perm(VIEW_PERMISSION) else None
    context: dict[str, Any] = {
        "tasks": tasks,
        "team": team,
        "scores": scores,
        "can_see_scores": user.has_perm(VIEW_PERMISSION),
        "checks": run_checks() if user.has_perm("cxm.view_system_status") else None,
    }
    return render(request, "cxm/home.html", context)
