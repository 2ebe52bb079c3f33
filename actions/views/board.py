"""The managers' review board: open and overdue work by owner and store, SLA compliance, time
to first action and to close, recovery, and bulk reassignment. Figures and the list refresh by
htmx polling of the same partials the page includes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from actions.access import access_task, visible_tasks
from actions.selectors import (
    MY_STATUS_CHOICES,
    REVIEW_PERMISSION,
    StatusFilter,
    TaskFilters,
    assignable_users,
    board_figures,
    board_people,
    board_scope,
    board_tasks,
    people_labels,
)
from actions.services.tasks import TransitionNotAllowed, reassign_task
from actions.views.tasks import ReassignForm, poll_seconds
from cxm.forms import UserChoiceField
from cxm.htmx import is_fragment, varies_on_htmx
from cxm.methods import allow_methods
from cxm.models import User
from odata.models import Store

MAX_BULK = 200


class BoardFilterForm(forms.Form):
    """The board's query string; unknown values fall back to "any"."""

    store = forms.ModelChoiceField(
        label=gettext_lazy("Store"),
        queryset=Store.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All stores"),
    )
    owner = UserChoiceField(
        label=gettext_lazy("Owner"),
        queryset=User.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Everyone"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=MY_STATUS_CHOICES, required=False
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.queryset = assignable_users()

    def filters(self) -> TaskFilters:
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return TaskFilters(
            status=data.get("status") or StatusFilter.OPEN,
            overdue=bool(data.get("overdue")),
            store=data.get("store"),
            owner=data.get("owner"),
        )


def _board_page(
    request: HttpRequest, query: QueryDict, *, target: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The board's context for the filters in `query`: the figures, the list, or both."""
    user: User = request.user  # type: ignore[assignment]
    form = BoardFilterForm(query)
    filters = form.filters()
    visible = visible_tasks(user)
    # One set of labels for the page's selects, owner table and list.
    labels = people_labels(board_people(visible))
    context: dict[str, Any] = {
        "form": form,
        "query": query.urlencode(),
        "back_url": _board_url(query),
        "poll_seconds": poll_seconds(),
        "reassign_form": ReassignForm(),
        "selected": set(),
        **extra,
    }
    for select in (form, context["reassign_form"]):
        owner: Any = select.fields["owner"]
        owner.labels = labels
    if target != "board-list":
        scope = board_scope(visible, store=filters.store, owner=filters.owner)
        context["figures"] = board_figures(scope, labels=labels)
    if target != "board-figures":
        context["result"] = board_tasks(visible, filters=filters, labels=labels)
    return context


@allow_methods("GET")
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    target = request.htmx.target if is_fragment(request) else None  # type: ignore[attr-defined]
    context = _board_page(request, request.GET, target=target)
    if target == "board-figures":
        return varies_on_htmx(
            render(request, "actions/tasks/_board_figures.html", context), by_target=True
        )
    if target == "board-list":
        return varies_on_htmx(
            render(request, "actions/tasks/_board_list.html", context), by_target=True
        )
    return varies_on_htmx(render(request, "actions/tasks/board.html", context), by_target=True)


def _codes(values: list[str]) -> list[UUID] | None:
    try:
        return list(dict.fromkeys(UUID(v) for v in values))
    except ValueError:
        return None


@allow_methods("POST")
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def bulk_reassign(request: HttpRequest) -> HttpResponse:
    """Give the selected tasks to one owner, each through `reassign_task` (so each is claimed,
    logged and notified on its own); tasks no longer open or visible are counted, not failed."""
    user: User = request.user  # type: ignore[assignment]
    back = _back(request)
    form = ReassignForm(request.POST)
    codes = _codes(request.POST.getlist("tasks")) or []
    problem = ""
    if not codes:
        problem = _("Select the tasks to reassign first.")
    elif len(codes) > MAX_BULK:
        problem = _("Reassign at most %(n)s tasks at once.") % {"n": MAX_BULK}
    if not form.is_valid() or problem:
        query = QueryDict(urlsplit(back).query)
        context = _board_page(
            request, query, reassign_form=form, bulk_problem=problem, selected=set(map(str, codes))
        )
        return render(request, "actions/tasks/board.html", context, status=400)
    owner: User = form.cleaned_data["owner"]
    moved = skipped = 0
    for code in codes:
        try:
            task = access_task(user, code, write=True)
            reassign_task(task=task, by=user, owner=owner, note=form.cleaned_data["note"])
        except (Http404, TransitionNotAllowed):
            skipped += 1
        else:
            moved += 1
    if moved:
        messages.success(
            request,
            ngettext(
                "%(count)s task reassigned to %(owner)s.",
                "%(count)s tasks reassigned to %(owner)s.",
                moved,
            )
            % {"count": moved, "owner": people_labels(board_people(visible_tasks(user)))[owner.pk]},
        )
    if skipped:
        messages.error(
            request,
            ngettext(
                "%(count)s task was not reassigned: it is no longer open.",
                "%(count)s tasks were not reassigned: they are no longer open.",
                skipped,
            )
            % {"count": skipped},
        )
    return redirect(back)


def _board_url(query: QueryDict) -> str:
    encoded = query.urlencode()
    return reverse("actions:board") + (f"?{encoded}" if encoded else "")


def _back(request: HttpRequest) -> str:
    """Where to return: the board with the filters the reviewer had (the board only)."""
    back = request.POST.get("back", "")
    parts = urlsplit(back)
    if (
        parts.path == reverse("actions:board")
        and not parts.scheme
        and not parts.netloc
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        return back
    return reverse("actions:board")


urlpatterns: list[URLPattern] = [
    path("board/", board, name="board"),
    path("board/reassign/", bulk_reassign, name="board-reassign"),
]
