"""Korean by default, English on request; a signed-in user's choice follows them."""

from __future__ import annotations

import pytest
from django.test import Client

from cxm.models import User
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_korean_is_the_default() -> None:
    response = Client().get("/login/")
    assert response["Content-Language"] == "ko"
    assert "로그인" in response.content.decode()


def test_browser_asking_for_english_gets_english() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/login/")
    assert response["Content-Language"] == "en"
    assert "Sign in" in response.content.decode()


def test_switch_is_kept_on_the_account_and_wins_over_the_browser(manager: User) -> None:
    client = client_for(manager)
    response = client.post("/language/", {"language": "en", "next": "/manage/system/"})
    assert response.status_code == 302
    assert response["Location"] == "/manage/system/"
    manager.refresh_from_db()
    assert manager.language == "en"
    # A new device with a Korean browser still shows the user's choice once signed in.
    other_device = Client(HTTP_ACCEPT_LANGUAGE="ko")
    other_device.post("/login/", {"username": manager.username, "password": TEST_PASSWORD})
    assert other_device.get("/")["Content-Language"] == "en"


def test_anonymous_switch_sets_the_cookie_only() -> None:
    client = Client()
    response = client.post("/language/", {"language": "en", "next": "/login/"})
    assert response.cookies["django_language"].value == "en"
    assert client.get("/login/")["Content-Language"] == "en"


def test_switch_refuses_unknown_language_and_foreign_redirects(agent: User) -> None:
    client = client_for(agent)
    assert client.post("/language/", {"language": "fr"}).status_code == 400
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_switch_refuses_get() -> None:
    assert Client().get("/language/?language=en").status_code == 405
