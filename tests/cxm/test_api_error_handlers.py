"""Under /api/, what Django refuses before a view answers is the API's JSON error too, not a
page: an unknown address (404) and a NUL in the address or a form body (400). Pages keep
their error pages."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _errors(response: object) -> list[dict[str, str]]:
    assert response["Content-Type"] == "application/json"  # type: ignore[index]
    errors: list[dict[str, str]] = response.json()["errors"]  # type: ignore[attr-defined]
    return errors


@pytest.mark.parametrize("url", ["/api/v1/nope/", "/api/v2/events/", "/api/"])
def test_an_unknown_api_address_is_a_json_404(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 404
    assert _errors(response) == [
        {"path": "", "message": f"no endpoint at {url}; see /api/v1/openapi.json"}
    ]


@pytest.mark.parametrize(
    "url", ["/api/v1/tasks/?limit=1%00", "/api/v1/tasks/?a%00=1", "/api/v1/openapi.json?x=%00"]
)
def test_a_nul_in_an_api_address_is_a_json_400(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 400
    assert _errors(response) == [
        {"path": "", "message": "bad request: NUL character in the request's address"}
    ]


def test_a_nul_in_a_form_posted_to_the_api_is_a_json_400() -> None:
    response = Client().post(
        "/api/v1/events/", "a=%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert _errors(response)[0]["message"] == "bad request: NUL character in a form field"


def test_pages_keep_their_error_pages_in_the_readers_language() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    bad = client.get("/odata/customers/?q=%00")
    assert bad.status_code == 400
    assert "Something in the request was not right" in bad.content.decode()
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko").get("/no/such/page/")
    assert '<html lang="ko">' in korean.content.decode()


def test_djangos_own_reasons_are_not_repeated_to_api_clients() -> None:
    # A host not in ALLOWED_HOSTS: Django's message speaks of settings; the client gets none.
    response = Client().get("/api/v1/openapi.json", HTTP_HOST="not-ours.example")
    assert response.status_code == 400
    assert _errors(response) == [{"path": "", "message": "bad request"}]
