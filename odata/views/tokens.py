"""Admins create and revoke the integration tokens that ERP/CRM systems post events with."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from cxm.methods import allow_methods
from cxm.models import User
from odata.services.tokens import (
    PERMISSION,
    TokenNameTaken,
    access_integration_token,
    integration_token_list,
    issue_integration_token,
    reserve_integration_token,
    revoke_integration_token,
)


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Which system uses it, e.g. “ERP orders”."),
    )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


def _list_page(request: HttpRequest, form: NewTokenForm, *, status: int = 200) -> HttpResponse:
    page = Paginator(integration_token_list(), 50).get_page(request.GET.get("page"))
    return render(request, "odata/tokens.html", {"page": page, "form": form}, status=status)


@allow_methods("GET")
@login_required
@permission_required(PERMISSION, raise_exception=True)
def tokens(request: HttpRequest) -> HttpResponse:
    return _list_page(request, NewTokenForm())


@allow_methods("POST")
@login_required
@permission_required(PERMISSION, raise_exception=True)
@never_cache
def token_new(request: HttpRequest) -> HttpResponse:
    form = NewTokenForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    user: User = request.user  # type: ignore[assignment]
    try:
        token = reserve_integration_token(name=form.cleaned_data["name"], created_by=user)
    except TokenNameTaken:
        message = _(
            "An active token is already called “%(name)s”. "
            "Choose another name, or revoke that token first."
        )
        form.add_error("name", message % {"name": form.cleaned_data["name"]})
        return _list_page(request, form, status=400)
    # Post/redirect/get, so a reload cannot create a second token. The token is pending: its
    # secret is minted by the page the browser is sent to, so the raw token never waits
    # anywhere (not in a URL, nor in the session, which is stored unencrypted). The session
    # only notes that this browser may have the reserved token issued.
    request.session[_session_key(token.code)] = str(token.code)
    return redirect("odata:token-detail", code=token.code)


def _session_key(code: UUID) -> str:
    return f"cxm-new-token:{code}"


@allow_methods("GET")
@login_required
@never_cache
def token_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    """The token's details; right after creation (once only) also the raw token.

    Only the session that reserved the token has it issued, so another admin opening a
    pending token's page cannot take its secret.
    """
    user: User = request.user  # type: ignore[assignment]
    token = access_integration_token(user, code)
    raw = None
    if request.session.pop(_session_key(token.code), None) == str(token.code):
        raw = issue_integration_token(token=token)
    return render(request, "odata/token_created.html", {"token": token, "raw": raw})


@allow_methods("POST")
@login_required
def token_revoke(request: HttpRequest, code: UUID) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = access_integration_token(user, code, write=True)
    if revoke_integration_token(token=token):
        messages.success(request, _("“%(name)s” is revoked.") % {"name": token.name})
    else:
        messages.info(request, _("“%(name)s” was already revoked.") % {"name": token.name})
    return redirect("odata:tokens")


urlpatterns: list[URLPattern] = [
    path("integrations/", tokens, name="tokens"),
    path("integrations/new/", token_new, name="token-new"),
    path("integrations/<uuid:code>/", token_detail, name="token-detail"),
    path("integrations/<uuid:code>/revoke/", token_revoke, name="token-revoke"),
]
