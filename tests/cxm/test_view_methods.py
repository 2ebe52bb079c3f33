"""Every page declares the methods it takes (`cxm.methods.allow_methods`), and any other method
is answered 405 with `Allow` before the CSRF check, signed in or not: a PUT to a task action or
a rule switch is not a CSRF failure. The methods a page takes are still CSRF-checked.

The walk covers every route, so a new view that forgets to declare its methods fails here.
Django's admin and django-rq's dashboard under /django-admin/ are Django's and django-rq's own
views and are left out."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from actions.models import FollowUpTask, TaskStatus
from cxm.models import User
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory

pytestmark = pytest.mark.django_db

NOT_OURS = ("django-admin/",)
SAMPLES = {"uuid": str(uuid4()), "int": "0", "slug": "x", "str": "x", "path": "x"}
REFUSED = ["PUT", "DELETE", "PATCH"]


def _routes() -> list[str]:
    """The URL of every route (sample values for its parameters), first match first."""
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if route.startswith(NOT_OURS):
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                url = "/" + re.sub(
                    r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route
                )
                if url not in found:
                    found.append(url)

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = _routes()
PAGES = [url for url in ROUTES if not url.startswith("/api/")]


def test_the_walk_finds_the_pages() -> None:
    assert len(PAGES) > 80
    for url in ["/actions/tasks/{0}/close/", "/actions/manage/rules/{0}/enable/", "/login/"]:
        assert url.format(SAMPLES["uuid"]) in PAGES


@pytest.mark.parametrize("url", ROUTES)
def test_every_view_declares_its_methods(url: str) -> None:
    allowed = getattr(resolve(url).func, "allowed_methods", None)
    assert allowed, f"{url} does not declare its methods (cxm.methods.allow_methods)"
    assert not set(allowed) & set(REFUSED), f"{url} takes {allowed}: extend this test"


@pytest.mark.parametrize("url", PAGES)
def test_other_methods_are_405_before_the_csrf_check(url: str, admin: User) -> None:
    allowed = ", ".join(resolve(url).func.allowed_methods)
    signed_in = client_for(admin)
    signed_in.handler.enforce_csrf_checks = True
    for client in (Client(enforce_csrf_checks=True), signed_in):
        for method in REFUSED:
            response = client.generic(method, url, HTTP_ACCEPT="text/html")
            assert response.status_code == 405, (method, url, response.status_code)
            assert response["Allow"] == allowed


def test_the_refusal_is_the_405_page_in_the_users_language(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    agent.language = "ko"
    agent.save(update_fields=["language"])
    client = client_for(agent)
    client.handler.enforce_csrf_checks = True
    response = client.put(f"/actions/tasks/{task.code}/close/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "이 방법으로는 열 수 없는 페이지입니다" in response.content.decode()
    assert FollowUpTask.objects.get(pk=task.pk).status == TaskStatus.NEW


def test_a_staff_post_without_the_csrf_token_is_still_refused(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = client_for(agent)
    client.handler.enforce_csrf_checks = True
    response = client.post(f"/actions/tasks/{task.code}/start/")
    assert response.status_code == 403
    assert FollowUpTask.objects.get(pk=task.pk).status == TaskStatus.NEW


def test_a_staff_post_from_the_page_passes_the_csrf_check(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = client_for(agent)
    client.handler.enforce_csrf_checks = True
    html = client.get(f"/actions/tasks/{task.code}/").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found is not None
    response = client.post(
        f"/actions/tasks/{task.code}/start/", {"csrfmiddlewaretoken": found.group(1)}
    )
    assert response.status_code == 302
    assert FollowUpTask.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS


@pytest.mark.parametrize(
    "url", ["/healthz", "/login/", "/favicon.ico", "/account/password/reset/", "/"]
)
def test_head_is_answered_as_get_without_a_body(url: str) -> None:
    # Uptime monitors and link checkers send HEAD; a page that takes GET answers it.
    client = Client()
    get, head = client.get(url), client.head(url)
    assert head.status_code == get.status_code != 405
    assert head.content == b""
    assert head.get("Location") == get.get("Location")


def test_a_405_lists_head_beside_get(agent: User) -> None:
    response = client_for(agent).put("/actions/tasks/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
