"""A wrong method on a POST-only page (`require_POST`) is 405 with `Allow` and a short page in
the reader's language; htmx requests, clients that do not take HTML and the API keep their
own bodies."""

from __future__ import annotations

import pytest
from django.test import Client

from cxm.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BULK = "/actions/board/reassign/"  # POST-only, for managers


def test_get_on_a_post_only_staff_url_shows_the_405_page(manager: User) -> None:
    client = client_for(manager)
    response = client.get(BULK, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in response["Vary"] and "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<title>405 · cxm</title>" in html
    assert "This page cannot be opened this way" in html
    assert 'href="/"' in html


def test_the_page_is_in_the_users_language(manager: User) -> None:
    manager.language = "ko"
    manager.save(update_fields=["language"])
    response = client_for(manager).get(BULK, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    assert "이 방법으로는 열 수 없는 페이지입니다" in response.content.decode()


def test_anonymous_visitors_get_it_too() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/language/?language=en")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "This page cannot be opened this way" in response.content.decode()


def test_htmx_requests_keep_the_empty_405(manager: User) -> None:
    response = client_for(manager).get(BULK, HTTP_HX_REQUEST="true")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.content == b""


def test_clients_that_do_not_take_html_keep_the_empty_405(manager: User) -> None:
    response = client_for(manager).get(BULK, HTTP_ACCEPT="application/json")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.content == b""


def test_the_api_keeps_its_json_405() -> None:
    response = Client(HTTP_ACCEPT="text/html").get("/api/v1/events/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["message"] == "method GET not allowed; use POST"
