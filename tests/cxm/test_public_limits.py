"""Rate limits beyond the open link: unknown survey, unsubscribe and API tokens per address,
API requests per integration token, password-reset e-mails per address and per e-mail; and
the client address they count when cxm sits behind proxies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django_rq
import pytest
import time_machine
from django.test import Client, RequestFactory

from cxm.clientip import client_address
from cxm.models import User
from odata.services.tokens import create_integration_token
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey

pytestmark = pytest.mark.django_db

ONE = [{"key": "nps", "type": "nps", "required": True, "text": {"ko": "추천?", "en": "Recommend?"}}]


@pytest.fixture(autouse=True)
def _at_the_start_of_an_hour() -> Iterator[None]:
    """Every window starts now, so a limit passed now waits its whole window (`Retry-After`)."""
    with time_machine.travel("2026-11-23 10:00:00 +0000", tick=False):
        yield


def _statuses(client: Client, urls: list[str], **extra: Any) -> list[int]:
    return [client.get(url, **extra).status_code for url in urls]


def test_unknown_survey_links_from_one_address_get_429_past_the_limit(settings: Any) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 3
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert _statuses(client, [f"/s/unknown-{i}/" for i in range(4)]) == [404, 404, 404, 429]
    response = client.get("/s/unknown-9/")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Too many attempts" in response.content.decode()
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.get("/s/unknown-1/").status_code == 404


def test_valid_survey_links_are_not_counted_nor_held_back(settings: Any) -> None:
    """Customers on one shared mobile-network address answer their own links freely."""
    settings.CXM_BAD_TOKENS_PER_MINUTE = 2
    make_invitation(make_survey(ONE))
    client = Client()
    assert _statuses(client, [f"/s/{TOKEN}/"] * 5) == [200] * 5
    assert _statuses(client, ["/s/nope-1/", "/s/nope-2/", "/s/nope-3/"]) == [404, 404, 429]
    assert client.get(f"/s/{TOKEN}/").status_code == 200


def test_unknown_unsubscribe_links_get_429_past_the_limit(settings: Any) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 2
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert _statuses(client, [f"/u/unknown-{i}/" for i in range(3)]) == [404, 404, 429]
    response = client.get("/u/unknown-3/")
    assert response["Retry-After"] == "60"
    assert "Too many attempts" in response.content.decode()


@pytest.mark.parametrize("url", ["/api/v1/tasks/", "/api/v1/events/", "/api/v1/feedback/"])
def test_unknown_api_tokens_from_one_address_get_429_past_the_limit(
    settings: Any, url: str
) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 2
    client = Client(HTTP_AUTHORIZATION="Bearer cxm_not-a-token")
    method = client.get if url.endswith("tasks/") else client.post
    statuses = [method(url).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    response = method(url)
    assert response["Retry-After"] == "60"
    assert response.json()["errors"][0]["message"].startswith("too many requests")


def test_one_integration_token_gets_429_past_its_requests_per_minute(settings: Any) -> None:
    settings.CXM_API_REQUESTS_PER_MINUTE = 3
    _token, raw = create_integration_token(name="CRM", created_by=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert _statuses(client, ["/api/v1/tasks/"] * 4) == [200, 200, 200, 429]
    # Another integration has its own allowance.
    _other, raw_other = create_integration_token(name="ERP", created_by=None)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw_other}").get("/api/v1/tasks/").status_code == 200


def test_password_reset_requests_are_limited_per_e_mail_address(settings: Any, agent: User) -> None:
    settings.CXM_PASSWORD_RESETS_PER_HOUR = 2
    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    statuses = []
    for n in range(3):
        # A new address each time: the limit per e-mail address holds on its own.
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}", HTTP_ACCEPT_LANGUAGE="en")
        response = client.post("/account/password/reset/", {"email": "agent@example.com"})
        statuses.append(response.status_code)
    assert statuses == [302, 302, 429]
    assert "Too many reset requests" in response.content.decode()
    assert response["Retry-After"] == "3600"


def test_password_reset_requests_are_limited_per_address(settings: Any) -> None:
    settings.CXM_PASSWORD_RESETS_PER_HOUR = 2
    client = Client()
    statuses = [
        client.post("/account/password/reset/", {"email": f"p{n}@example.com"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_only_requests_within_the_limit_queue_a_reset_e_mail(
    settings: Any, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CXM_PASSWORD_RESETS_PER_HOUR = 1
    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            Client().post("/account/password/reset/", {"email": "agent@example.com"})
    jobs = django_rq.get_queue("realtime").jobs
    assert [(job.func_name, job.args) for job in jobs] == [
        ("cxm.jobs.send_password_reset", (agent.pk,))
    ]


# -- the client address ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.5"),  # no proxies trusted: the header is the client's word
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client wrote the left part
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.5"),  # shorter than the proxies: not from them
        (1, "", "10.0.0.5"),
        (1, "not-an-address", "10.0.0.5"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_is_counted_from_the_right_behind_proxies(
    settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.CXM_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_behind_a_proxy_each_client_has_its_own_allowance(settings: Any) -> None:
    settings.CXM_PROXY_COUNT = 1
    settings.CXM_BAD_TOKENS_PER_MINUTE = 1
    via_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    first = Client(**via_proxy, HTTP_X_FORWARDED_FOR="203.0.113.1")
    second = Client(**via_proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert _statuses(first, ["/s/x-1/", "/s/x-2/"]) == [404, 429]
    assert second.get("/s/x-3/").status_code == 404
