"""The pages a walk visits: every route of the site filled with real objects, the forms each
page shows, and the people who read them. Shared by the page sweeps (bad input, accessibility)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cxm.models import StoredEmail, User
from odata.services.imports import start_import
from odata.services.tokens import create_integration_token
from tests.actions.builders import make_response, make_rule
from tests.factories import (
    FollowUpTaskFactory,
    RootCauseFactory,
    WebhookEndpointFactory,
)
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory, StoreFactory
from tests.surveys.test_answer_pages import make_invitation
from tests.surveys.test_answer_pages import make_survey as make_answerable_survey
from xdata.jobs import export_responses
from xdata.models import ExportRun, Feedback

NOT_OURS = ("django-admin/", "api/")
TOKEN = "sweep-token-0123456789abcdefghijklmnopqrstuvwx"


class _Forms(HTMLParser):
    """The forms of a page: method, action and (name, value) fields, as a browser sends them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {
                "method": "post" if "hx-post" in a else a.get("method", "get").lower(),
                "action": a.get("action") or a.get("hx-post") or "",
                "fields": [],
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        fields: list[tuple[str, str]] = self._form["fields"]
        name = a.get("name", "")
        if tag in ("input", "textarea", "button") and name:
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
            fields.append((name, ""))
        elif tag == "option" and self._select and ("selected" in a or fields[-1][1] == ""):
            fields[-1] = (self._select, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def page_forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def all_routes(values: dict[str, str]) -> list[str]:
    """Every page's URL, its parameters filled from `values` (route prefix -> value)."""
    found: list[str] = []

    def fill(route: str) -> str:
        def one(match: re.Match[str]) -> str:
            return values[route[: match.end()]]

        return "/" + re.sub(r"<(?:\w+:)?\w+>", one, route)

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if route.startswith(NOT_OURS):
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and fill(route) not in found:
                found.append(fill(route))

    walk(get_resolver().url_patterns, "")
    return found


def world(admin: User, folder: Path) -> dict[str, str]:
    """One of each object a route names, and each route parameter's value."""
    survey = make_answerable_survey(open_code="sweep")
    invitation = make_invitation(survey, TOKEN)
    store = StoreFactory()
    customer = CustomerFactory()
    OrderFactory(customer=customer, store=store)
    make_response(survey=survey, customer=customer, store=store, nps=3)
    rule = make_rule()
    task = FollowUpTaskFactory(owner=admin)
    token, _raw = create_integration_token(name="ERP", created_by=admin)
    feedback = Feedback.objects.create(
        channel="google", external_id="R-1", occurred_at=timezone.now(), text="좋아요"
    )
    email = StoredEmail.objects.create(from_email="cxm@example.com", subject="안내")
    run = start_import(
        kind="customers",
        source=_customers_file(folder),
        file_name="customers.csv",
        enqueue=False,
        user=admin,
    )
    export = ExportRun.objects.create(created_by=admin)
    export_responses(export.pk)  # a finished run with its file, under the caller's MEDIA_ROOT
    return {
        "manage/users/<uuid:code>": str(admin.code),
        "manage/sent-email/<uuid:code>": str(email.code),
        "odata/imports/<uuid:code>": str(run.code),
        "odata/customers/<uuid:code>": str(customer.code),
        "odata/integrations/<uuid:code>": str(token.code),
        "surveys/touchpoints/<uuid:code>": str(survey.touchpoint.code),
        "surveys/<uuid:code>": str(survey.code),
        "surveys/<uuid:code>/questions/<slug:key>": "nps",
        "surveys/invitations/<uuid:code>": str(invitation.code),
        "s/<str:token>": TOKEN,
        "o/<str:code>": "sweep",
        "u/<str:token>": TOKEN,
        "xdata/responses/<uuid:code>": str(survey.responses.get().code),
        "xdata/feedback/<uuid:code>": str(feedback.code),
        "xdata/exports/<uuid:code>": str(export.code),
        "analysis/runs/<uuid:code>": str(uuid4()),
        "actions/manage/rules/new/<slug:kind>": "response",
        "actions/manage/rules/<uuid:code>": str(rule.code),
        "actions/manage/plans/<uuid:code>": str(rule.plan.code),
        "actions/manage/root-causes/<uuid:code>": str(RootCauseFactory().code),
        "actions/manage/webhooks/<uuid:code>": str(WebhookEndpointFactory().code),
        "actions/tasks/<uuid:code>": str(task.code),
        "actions/tasks/<uuid:code>/checklist/<int:index>": "0",
        "account/password/<uidb64>": admin.code.hex,
        "account/password/<uidb64>/<token>": "set-password",
    }


def _customers_file(folder: Path) -> Path:
    path = folder / "customers.csv"
    path.write_text("고객번호,고객명\nC1,김민준\n", encoding="utf-8")
    return path
