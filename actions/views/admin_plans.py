"""Admin pages for action plans: the manual a task is opened from, who owns it, how fast it
must be done and who hears about it."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from actions.forms import PlanForm
from actions.models import ActionPlan
from actions.services.rules import PERMISSION, access_plan, create_plan, plan_list, update_plan
from cxm.methods import allow_methods
from cxm.models import User


@allow_methods("GET")
@login_required
@permission_required(PERMISSION, raise_exception=True)
def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "actions/admin/plans.html", {"plans": plan_list()})


def _form_page(
    request: HttpRequest, form: PlanForm, plan: ActionPlan | None, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "plan": plan}
    return render(request, "actions/admin/plan_form.html", context, status=status)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@allow_methods("GET", "POST")
def plan_new(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method != "POST":
        return _form_page(request, form, None)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    plan = create_plan(**form.plan_fields())
    messages.success(request, _("“%(title)s” is added.") % {"title": plan.title})
    return redirect("actions:plans")


@login_required
@allow_methods("GET", "POST")
def plan_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    plan = access_plan(user, code, write=request.method == "POST")
    form = PlanForm(request.POST or None, plan=plan)
    if request.method != "POST":
        return _form_page(request, form, plan)
    if not form.is_valid():
        return _form_page(request, form, plan, status=400)
    update_plan(plan=plan, **form.plan_fields())
    messages.success(request, _("Saved."))
    return redirect("actions:plans")


urlpatterns: list[URLPattern] = [
    path("manage/plans/", plans, name="plans"),
    path("manage/plans/new/", plan_new, name="plan-new"),
    path("manage/plans/<uuid:code>/", plan_edit, name="plan-edit"),
]
