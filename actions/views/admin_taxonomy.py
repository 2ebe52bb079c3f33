"""Admin pages for the root-cause taxonomy a resolver picks from. A cause tasks were resolved
with is deactivated, never deleted, so their history and the evaluation by cause stay whole."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from actions.forms import RootCauseForm
from actions.models import RootCause
from actions.services.rules import (
    PERMISSION,
    access_root_cause,
    create_root_cause,
    retire_root_cause,
    root_cause_list,
    update_root_cause,
)
from cxm.methods import allow_methods
from cxm.models import User


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@allow_methods("GET")
@login_required
@permission_required(PERMISSION, raise_exception=True)
def root_causes(request: HttpRequest) -> HttpResponse:
    return render(request, "actions/admin/root_causes.html", {"causes": root_cause_list()})


def _form_page(
    request: HttpRequest, form: RootCauseForm, cause: RootCause | None, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "cause": cause}
    return render(request, "actions/admin/root_cause_form.html", context, status=status)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@allow_methods("GET", "POST")
def root_cause_new(request: HttpRequest) -> HttpResponse:
    form = RootCauseForm(request.POST or None)
    if request.method != "POST":
        return _form_page(request, form, None)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    cause = create_root_cause(**form.cleaned_data)
    messages.success(request, _("“%(key)s” is added.") % {"key": cause.key})
    return redirect("actions:root-causes")


@login_required
@allow_methods("GET", "POST")
def root_cause_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    cause = access_root_cause(_user(request), code, write=request.method == "POST")
    form = RootCauseForm(request.POST or None, cause=cause)
    if request.method != "POST":
        return _form_page(request, form, cause)
    if not form.is_valid():
        return _form_page(request, form, cause, status=400)
    update_root_cause(cause=cause, **form.cleaned_data)
    messages.success(request, _("Saved."))
    return redirect("actions:root-causes")


@allow_methods("POST")
@login_required
def root_cause_retire(request: HttpRequest, code: UUID) -> HttpResponse:
    cause = access_root_cause(_user(request), code, write=True)
    if retire_root_cause(cause=cause):
        messages.success(request, _("“%(key)s” is deleted.") % {"key": cause.key})
    else:
        messages.success(
            request,
            _("“%(key)s” is deactivated: tasks were resolved with it, so it is kept for them.")
            % {"key": cause.key},
        )
    return redirect("actions:root-causes")


urlpatterns: list[URLPattern] = [
    path("manage/root-causes/", root_causes, name="root-causes"),
    path("manage/root-causes/new/", root_cause_new, name="root-cause-new"),
    path("manage/root-causes/<uuid:code>/", root_cause_edit, name="root-cause-edit"),
    path("manage/root-causes/<uuid:code>/retire/", root_cause_retire, name="root-cause-retire"),
]
