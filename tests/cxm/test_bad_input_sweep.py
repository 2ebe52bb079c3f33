"""Bad input at every page: the walk sends each route, as anonymous, staff, manager and admin,
odd query values (every parameter the page's GET forms name, and the common ones) and empty,
partial and junk POST bodies (every POST form on the page). Nothing may be a server error,
and every 4xx is a page in the reader's language: an HTML document, not a bare or plain-text
body. htmx requests are out of scope (htmx swaps no error responses, so a bare 4xx is right).

The routes are filled with real objects, so the detail pages and their forms are reached. The
API (`/api/`) has its own sweep in tests/cxm/test_api_bad_input_sweep.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cxm.models import StoredEmail, User
from cxm.roles import Role
from odata.services.imports import start_import
from odata.services.tokens import create_integration_token
from tests.actions.builders import make_response, make_rule
from tests.factories import (
    FollowUpTaskFactory,
    RootCauseFactory,
    UserFactory,
    WebhookEndpointFactory,
)
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory, StoreFactory
from tests.surveys.test_answer_pages import make_invitation
from tests.surveys.test_answer_pages import make_survey as make_answerable_survey
from xdata.models import Feedback

pytestmark = pytest.mark.django_db

NOT_OURS = ("django-admin/", "api/")
# Odd values for every query parameter at once, and for every field of a form.
ODD = [
    "-1",
    "abc",
    "99999999999999999999",
    "2024-13-45",
    "0001-01-01",
    "9999-12-31",
    "x" * 1000,
    "\x00",
    "한국어 ✓ 😀 \u202e",
    "",
]
# Left out of form bodies to keep the walk short: RejectNulMiddleware answers a NUL before any
# view reads a form (tests/cxm/test_nul_characters.py).
NOT_POSTED = {"\x00"}
# Parameters many list pages read, sent even where no form names them.
COMMON = ["page", "q", "after", "before", "order", "exp", "sig", "store", "channel", "customer",
          "template", "role", "status", "next", "survey", "period", "since", "date_from",
          "date_to"]  # fmt: skip
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


def _forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _routes(values: dict[str, str]) -> list[str]:
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


def _world(admin: User, folder: Path) -> dict[str, str]:
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


def _problem(response: Any, language: str) -> str | None:
    """Why this answer breaks the rule, or None."""
    status = response.status_code
    # /healthz is 503 by design here: no worker has reported (tests/cxm/test_healthz.py).
    if status >= 500 and response.request["PATH_INFO"] != "/healthz":
        return f"{status}"
    if not 400 <= status < 500:
        return None
    if getattr(response, "streaming", False):
        return f"{status} streamed"
    body = response.content.decode(errors="replace")
    if f'<html lang="{language}">' not in body:
        kind = response.get("Content-Type", "")
        return f"{status} not a page in {language}: {kind} {body[:120]!r}"
    return None


class _Sweep:
    def __init__(self, user: User | None, language: str) -> None:
        self.user = user
        self.language = language
        self.problems: list[str] = []
        # A form shown on many pages (the language switch) is tried once.
        self.posted: set[str] = set()
        # The browser asks for Korean; a user's own language must win over it.
        self.client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="ko")

    def sign_in(self) -> None:
        if self.user is not None:
            self.client.force_login(self.user, backend="django.contrib.auth.backends.ModelBackend")

    def send(self, method: str, url: str, data: Any = None) -> Any:
        request = self.client.get if method == "get" else self.client.post
        response = request(url, data or {})
        problem = _problem(response, self.language)
        if problem is not None:
            self.problems.append(f"{method.upper()} {url} {str(data)[:160]}: {problem}")
        return response

    def page(self, url: str) -> Iterator[dict[str, Any]]:
        """GET the page plain and with odd query values; the forms it shows."""
        self.sign_in()
        response = self.send("get", url)
        html = ""
        if response.status_code == 200 and not getattr(response, "streaming", False):
            html = response.content.decode(errors="replace")
        forms = _forms(html)
        names = set(COMMON)
        for form in forms:
            if form["method"] == "get":
                names.update(name for name, _value in form["fields"])
        names.discard("csrfmiddlewaretoken")
        for odd in ODD:
            self.send("get", url, {name: odd for name in sorted(names)})
        self.send("get", url, {name: ["1", "2"] for name in sorted(names)})
        yield from (form for form in forms if form["method"] == "post")

    def posts(self, url: str, forms: list[dict[str, Any]]) -> None:
        """Empty, partial and junk bodies to each POST form (or the route itself)."""
        targets = [(urlsplit(f["action"]).path or url, f["fields"]) for f in forms]
        for action, fields in targets or [(url, [])]:
            if action in self.posted or action == "/logout/":
                continue
            self.posted.add(action)
            names = sorted({name for name, _value in fields} - {"csrfmiddlewaretoken"})
            bodies: list[dict[str, Any]] = [{}, dict(fields[: len(fields) // 2])]
            bodies += [{name: odd for name in names} for odd in ODD if odd not in NOT_POSTED]
            for body in bodies:
                self.sign_in()
                self.send("post", action, body)


@pytest.fixture
def people(db: None) -> dict[str, User]:
    return {
        "staff": UserFactory(username="sweep-staff", role=Role.STAFF),
        "manager": UserFactory(username="sweep-manager", role=Role.MANAGER),
        "admin": UserFactory(username="sweep-admin", role=Role.ADMIN, language="en"),
    }


@pytest.mark.parametrize("persona", ["anonymous", "staff", "manager", "admin"])
def test_no_page_answers_bad_input_with_a_server_error_or_a_bare_refusal(
    persona: str, people: dict[str, User], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The walk sends many requests from one address; the limits have their own tests.
    settings.CXM_LOGIN_FAILURES_PER_HOUR = 10_000
    settings.CXM_BAD_TOKENS_PER_MINUTE = 10_000
    settings.CXM_OPEN_LINK_VIEWS_PER_MINUTE = 10_000
    settings.CXM_OPEN_LINK_SUBMITS_PER_HOUR = 10_000
    settings.CXM_PASSWORD_RESETS_PER_HOUR = 10_000
    settings.AXES_ENABLED = False
    user = people.get(persona)
    sweep = _Sweep(user, (user.language if user is not None else "") or "ko")
    values = _world(people["admin"], tmp_path)
    for url in _routes(values):
        if url == "/logout/":
            continue
        forms = list(sweep.page(url))
        sweep.posts(url, forms)
    assert sweep.problems == []
