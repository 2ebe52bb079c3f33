"""Admin pages for webhook endpoints: other systems (CRM, chat) that receive signed task
events. The signing secret is shown once, when the endpoint is created; each endpoint has a
delivery log of every attempt."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from actions.forms import WebhookEditForm, WebhookForm
from actions.services.rules import (
    PERMISSION,
    access_webhook,
    create_webhook,
    deactivate_webhook,
    update_webhook,
    webhook_deliveries,
    webhook_list,
)
from cxm.methods import allow_methods
from cxm.models import User

DELIVERIES_PER_PAGE = 50
# The session key naming the endpoint whose secret is still to be shown.
NEW_ENDPOINT_KEY = "cxm-new-webhook"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@allow_methods("GET")
@login_required
@permission_required(PERMISSION, raise_exception=True)
def webhooks(request: HttpRequest) -> HttpResponse:
    return render(request, "actions/admin/webhooks.html", {"endpoints": webhook_list()})


@login_required
@permission_required(PERMISSION, raise_exception=True)
@allow_methods("GET", "POST")
@never_cache
def webhook_new(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method != "POST":
        return render(request, "actions/admin/webhook_form.html", {"form": form})
    if not form.is_valid():
        return render(request, "actions/admin/webhook_form.html", {"form": form}, status=400)
    endpoint = create_webhook(**form.cleaned_data)
    # Post/redirect/get, so a reload cannot add a second endpoint. The session remembers only
    # which endpoint's secret is still to be shown (the secret stays in its row).
    request.session[NEW_ENDPOINT_KEY] = str(endpoint.code)
    return redirect("actions:webhook-created", code=endpoint.code)


@allow_methods("GET")
@login_required
@never_cache
def webhook_created(request: HttpRequest, code: UUID) -> HttpResponse:
    """The signing secret of a just-added endpoint, once; later visits say it was shown."""
    endpoint = access_webhook(_user(request), code, write=True)
    show_secret = request.session.get(NEW_ENDPOINT_KEY) == str(endpoint.code)
    if show_secret:
        del request.session[NEW_ENDPOINT_KEY]
    context = {"endpoint": endpoint, "show_secret": show_secret}
    return render(request, "actions/admin/webhook_created.html", context)


@login_required
@allow_methods("GET", "POST")
def webhook_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    endpoint = access_webhook(_user(request), code, write=request.method == "POST")
    initial = {"name": endpoint.name, "url": endpoint.url, "is_active": endpoint.is_active}
    form = WebhookEditForm(request.POST or None, initial=initial)
    context = {"form": form, "endpoint": endpoint}
    if request.method != "POST":
        return render(request, "actions/admin/webhook_form.html", context)
    if not form.is_valid():
        return render(request, "actions/admin/webhook_form.html", context, status=400)
    update_webhook(endpoint=endpoint, **form.cleaned_data)
    messages.success(request, _("Saved."))
    return redirect("actions:webhooks")


@allow_methods("POST")
@login_required
def webhook_deactivate(request: HttpRequest, code: UUID) -> HttpResponse:
    endpoint = access_webhook(_user(request), code, write=True)
    if deactivate_webhook(endpoint=endpoint):
        messages.success(request, _("“%(name)s” no longer receives events.") % {"name": endpoint})
    else:
        messages.info(request, _("“%(name)s” was already inactive.") % {"name": endpoint})
    return redirect("actions:webhooks")


@allow_methods("GET")
@login_required
def webhook_log(request: HttpRequest, code: UUID) -> HttpResponse:
    endpoint = access_webhook(_user(request), code)
    page = Paginator(webhook_deliveries(endpoint), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"endpoint": endpoint, "page": page}
    return render(request, "actions/admin/webhook_log.html", context)


urlpatterns: list[URLPattern] = [
    path("manage/webhooks/", webhooks, name="webhooks"),
    path("manage/webhooks/new/", webhook_new, name="webhook-new"),
    path("manage/webhooks/<uuid:code>/created/", webhook_created, name="webhook-created"),
    path("manage/webhooks/<uuid:code>/", webhook_edit, name="webhook-edit"),
    path("manage/webhooks/<uuid:code>/deactivate/", webhook_deactivate, name="webhook-deactivate"),
    path("manage/webhooks/<uuid:code>/deliveries/", webhook_log, name="webhook-log"),
]
