"""Every rate limit answers 429 through one helper, with `Retry-After` equal to the seconds left
in the clock-aligned window of the limit that was passed (a whole minute or hour when passed at
its start, as here), and the page says how long to wait in the reader's language: unknown
survey, unsubscribe and API tokens, open-link views and submits, API requests per token,
sign-in failures per address and per account, password resets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from cxm import ratelimit
from cxm.models import User
from odata.services.tokens import create_integration_token
from tests.factories import TEST_PASSWORD
from tests.surveys.test_answer_open_link import SHORT, _answer
from tests.surveys.test_answer_pages import make_survey

pytestmark = pytest.mark.django_db

WAIT = {
    ("en", 60): "Please try again in 1 minute.",
    ("ko", 60): "1분 뒤에 다시 시도해 주세요.",
    ("en", 10): "Please try again in 1 minute.",
    ("ko", 10): "1분 뒤에 다시 시도해 주세요.",
    ("en", 3600): "Please try again in 1 hour.",
    ("ko", 3600): "1시간 뒤에 다시 시도해 주세요.",
    ("en", 900): "Please try again in 15 minutes.",
    ("ko", 900): "15분 뒤에 다시 시도해 주세요.",
}


@pytest.fixture(autouse=True)
def _at_the_start_of_an_hour() -> Iterator[None]:
    """Every window starts now, so a limit passed now waits its whole window."""
    with time_machine.travel("2026-11-23 10:00:00 +0000", tick=False):
        yield


def _limited(response: Any, window: int, language: str) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(window)
    assert WAIT[(language, window)] in response.content.decode()


def test_retry_after_is_the_longest_time_left_in_a_window_past_its_limit() -> None:
    with time_machine.travel("2026-11-23 10:00:05 +0000", tick=False):
        minute, hour = ("t:view", 2, ratelimit.MINUTE), ("t:submit", 1, ratelimit.HOUR)
        assert ratelimit.retry_after(minute, hour) == 0
        assert ratelimit.retry_after(minute, hour) == 3595  # only the hourly key is over
        assert ratelimit.retry_after(minute, hour) == 3595  # both are over
        assert ratelimit.retry_after(minute) == 55


def test_retry_after_near_a_window_end_is_the_seconds_until_it_ends() -> None:
    with time_machine.travel("2026-11-23 10:59:50.25 +0000", tick=False):
        hour = ("t:late", 1, ratelimit.HOUR)
        assert ratelimit.retry_after(hour) == 0
        assert ratelimit.retry_after(hour) == 10  # 9.75 s left, rounded up
    with time_machine.travel("2026-11-23 11:00:00 +0000", tick=False):
        assert ratelimit.retry_after(hour) == 0  # a new window


@pytest.mark.parametrize("language", ["en", "ko"])
def test_sign_in_refused_near_the_hour_end_waits_until_the_hour_ends(
    settings: Any, agent: User, language: str
) -> None:
    settings.CXM_LOGIN_FAILURES_PER_HOUR = 1
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    with time_machine.travel("2026-11-23 10:59:50 +0000", tick=False):
        assert client.post("/login/", {"username": "kim", "password": "x"}).status_code == 200
        response = client.post("/login/", {"username": agent.username, "password": TEST_PASSWORD})
    _limited(response, 10, language)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (60, "Please try again in 1 minute."),
        (61, "Please try again in 2 minutes."),
        (900, "Please try again in 15 minutes."),
        (3600, "Please try again in 1 hour."),
        (7200, "Please try again in 2 hours."),
        (5400, "Please try again in 90 minutes."),
    ],
)
def test_the_wait_is_said_in_whole_hours_or_minutes(seconds: int, text: str) -> None:
    with translation.override("en"):
        assert ratelimit.wait_text(seconds) == text


@pytest.mark.parametrize("language", ["en", "ko"])
def test_unknown_survey_links_wait_a_minute(settings: Any, language: str) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 1
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.get("/s/unknown-1/").status_code == 404
    _limited(client.get("/s/unknown-2/"), 60, language)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_unknown_unsubscribe_links_wait_a_minute(settings: Any, language: str) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 1
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.get("/u/unknown-1/").status_code == 404
    _limited(client.get("/u/unknown-2/"), 60, language)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_open_link_views_wait_a_minute(settings: Any, language: str) -> None:
    settings.CXM_OPEN_LINK_VIEWS_PER_MINUTE = 1
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.get("/o/T1/").status_code == 200
    _limited(client.get("/o/T1/"), 60, language)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_open_link_submits_wait_an_hour(settings: Any, language: str) -> None:
    settings.CXM_OPEN_LINK_SUBMITS_PER_HOUR = 1
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert _answer(client, "/o/T1/", client.get("/o/T1/").content.decode(), nps="10").status_code
    again = _answer(client, "/o/T1/", client.get("/o/T1/").content.decode(), nps="10")
    _limited(again, 3600, language)


def test_unknown_api_tokens_wait_a_minute(settings: Any) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 1
    client = Client(HTTP_AUTHORIZATION="Bearer cxm_not-a-token")
    assert client.get("/api/v1/tasks/").status_code == 401
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "errors": [{"path": "", "message": "too many requests; retry after 60 seconds"}]
    }


def test_one_integration_token_waits_a_minute(settings: Any) -> None:
    settings.CXM_API_REQUESTS_PER_MINUTE = 1
    _token, raw = create_integration_token(name="CRM", created_by=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/tasks/").status_code == 200
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert response.json()["errors"][0]["message"] == "too many requests; retry after 60 seconds"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_sign_in_failures_from_one_address_wait_an_hour(
    settings: Any, agent: User, language: str
) -> None:
    settings.CXM_LOGIN_FAILURES_PER_HOUR = 1
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.post("/login/", {"username": "kim", "password": "x"}).status_code == 200
    response = client.post("/login/", {"username": agent.username, "password": TEST_PASSWORD})
    _limited(response, 3600, language)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_paused_account_waits_the_cool_off(settings: Any, agent: User, language: str) -> None:
    settings.AXES_COOLOFF_TIME = 0.25  # hours, from AXES_COOLOFF_MINUTES=15
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": agent.username, "password": "wrong"})
    response = client.post("/login/", {"username": agent.username, "password": TEST_PASSWORD})
    _limited(response, 900, language)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_password_resets_wait_an_hour(settings: Any, language: str) -> None:
    settings.CXM_PASSWORD_RESETS_PER_HOUR = 1
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.post("/account/password/reset/", {"email": "a@example.com"}).status_code == 302
    response = client.post("/account/password/reset/", {"email": "a@example.com"})
    _limited(response, 3600, language)
