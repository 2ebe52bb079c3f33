"""Bad input at every page: the walk sends each route, as anonymous, staff, manager and admin,
odd query values (every parameter the page's GET forms name, and the common ones) and empty,
partial and junk POST bodies (every POST form on the page). Nothing may be a server error,
and every 4xx is a page in the reader's language: an HTML document, not a bare or plain-text
body. htmx requests are out of scope (htmx swaps no error responses, so a bare 4xx is right).

The routes are filled with real objects, so the detail pages and their forms are reached. The
API (`/api/`) has its own sweep in tests/cxm/test_api_bad_input_sweep.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from cxm.models import User
from tests.cxm.page_walk import all_routes, page_forms, world

pytestmark = pytest.mark.django_db

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
        forms = page_forms(html)
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
    values = world(people["admin"], tmp_path)
    for url in all_routes(values):
        if url == "/logout/":
            continue
        forms = list(sweep.page(url))
        sweep.posts(url, forms)
    assert sweep.problems == []
