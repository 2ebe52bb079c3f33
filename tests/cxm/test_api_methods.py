"""Every /api/v1/ endpoint answers a method it does not take with a JSON 405 and `Allow`, not
a CSRF page; CSRF is not applied to the token API, and a signed-in session never
authenticates it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cxm.models import User
from odata.services.tokens import create_integration_token
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/events/": "POST",
    "/api/v1/feedback/": "POST",
    "/api/v1/tasks/": "GET",
    "/api/v1/openapi.json": "GET",
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@pytest.fixture
def bearer(admin: User) -> str:
    _token, raw = create_integration_token(name="crm", created_by=admin)
    return f"Bearer {raw}"


def _api_callbacks() -> dict[str, Any]:
    """route -> view of everything mounted under api/v1/."""
    found: dict[str, Any] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
                found.setdefault(route, entry.callback)  # the first match wins, as in routing

    walk(get_resolver().url_patterns, "")
    return found


def test_every_api_route_is_declared_with_its_methods() -> None:
    callbacks = _api_callbacks()
    assert {f"/{route}" for route in callbacks} == set(ENDPOINTS)
    for route, view in callbacks.items():
        assert getattr(view, "api_view", False), f"{route} is not declared with api_view"
        assert view.allowed_methods == (ENDPOINTS[f"/{route}"],)


@pytest.mark.parametrize("url", list(ENDPOINTS))
@pytest.mark.parametrize("with_token", [True, False])
def test_other_methods_are_a_json_405_with_allow(url: str, with_token: bool, bearer: str) -> None:
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": bearer} if with_token else {}
    for method in METHODS:
        if method == ENDPOINTS[url]:
            continue
        response = client.generic(method, url, b"{}", "application/json", **headers)
        assert response.status_code == 405, (method, url)
        assert response["Allow"] == ENDPOINTS[url]
        assert response["Content-Type"] == "application/json"
        if method != "HEAD":
            assert response.json() == {
                "errors": [
                    {"path": "", "message": f"method {method} not allowed; use {ENDPOINTS[url]}"}
                ]
            }


def test_a_signed_in_session_does_not_authenticate_the_api(admin: User) -> None:
    browser = client_for(admin)
    browser.handler.enforce_csrf_checks = True
    assert browser.get("/api/v1/tasks/").status_code == 401
    body = {"channel": "call", "external_id": "1", "occurred_at": "2025-03-01T00:00:00Z"}
    response = browser.post("/api/v1/feedback/", {**body, "rating": 4}, "application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="cxm"'


def test_token_calls_need_no_csrf_token(bearer: str) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=bearer)
    assert client.get("/api/v1/tasks/").status_code == 200
    body = {"channel": "call", "external_id": "1", "occurred_at": "2025-03-01T00:00:00Z"}
    response = client.post("/api/v1/feedback/", {**body, "rating": 4}, "application/json")
    assert response.status_code == 201, response.content
