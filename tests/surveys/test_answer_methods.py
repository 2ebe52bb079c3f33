"""The customer pages /s/, /o/ and /u/ take GET and POST only: another method is 405 with
`Allow` and the friendly page, answered before the CSRF check (which still guards POST), before
any token lookup and without counting towards the rate limits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from surveys.models import Invitation
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey
from xdata.models import Response

pytestmark = pytest.mark.django_db

ONE = [{"key": "nps", "type": "nps", "required": True, "text": {"ko": "추천?", "en": "Recommend?"}}]
KNOWN = [f"/s/{TOKEN}/", "/o/T1/", f"/u/{TOKEN}/"]
UNKNOWN = ["/s/unknown-token/", "/o/NOPE/", "/u/unknown-token/"]


@pytest.fixture
def invitation() -> Invitation:
    return make_invitation(make_survey(ONE, open_code="T1"))


def _browser(**extra: Any) -> Client:
    """A client that enforces CSRF as browsers meet it (Django's test client skips it)."""
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en", **extra)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
@pytest.mark.parametrize("url", KNOWN + UNKNOWN)
def test_other_methods_are_405_with_allow_and_the_page(
    invitation: Invitation, url: str, method: str
) -> None:
    response = getattr(_browser(), method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "This page cannot be opened this way" in response.content.decode()


def _page(client: Client, url: str) -> tuple[int, str, str]:
    """Status, Allow and page of a PUT, without the address (the language switch's `next`)
    and the per-response CSRF token."""
    response = client.put(url)
    html = response.content.decode().replace(url, "URL")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return response.status_code, response["Allow"], html


def test_the_405_says_nothing_about_whether_a_link_exists(invitation: Invitation) -> None:
    client = _browser()
    for known, unknown in zip(KNOWN, UNKNOWN, strict=True):
        assert _page(client, known) == _page(client, unknown)


def test_the_405_page_speaks_korean() -> None:
    response = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ko").put("/s/x/")
    assert response.status_code == 405
    assert "이 방법으로는 열 수 없는 페이지입니다" in response.content.decode()


def test_refused_methods_neither_count_nor_bypass_the_unknown_link_limit(settings: Any) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 2
    client = _browser()
    assert [client.put(f"/s/unknown-{i}/").status_code for i in range(5)] == [405] * 5
    assert [client.get(f"/s/unknown-{i}/").status_code for i in range(3)] == [404, 404, 429]
    assert client.put("/s/unknown-9/").status_code == 405  # still no lookup


def test_refused_methods_neither_count_nor_bypass_the_open_link_limit(
    invitation: Invitation, settings: Any
) -> None:
    settings.CXM_OPEN_LINK_VIEWS_PER_MINUTE = 2
    client = _browser()
    assert [client.delete("/o/T1/").status_code for _ in range(5)] == [405] * 5
    assert [client.get("/o/T1/").status_code for _ in range(3)] == [200, 200, 429]


def test_a_post_without_the_csrf_token_is_still_refused(invitation: Invitation) -> None:
    consent = invitation.customer.survey_consent
    client = _browser()
    for url in KNOWN:
        response = client.post(url, {"page": "nps", "nps": "9"})
        assert response.status_code == 403
        assert "This page has expired" in response.content.decode()
    invitation.refresh_from_db()
    invitation.customer.refresh_from_db()
    assert invitation.partial_answers == {}
    assert invitation.customer.survey_consent == consent
    assert not Response.objects.exists()


def test_a_post_from_the_page_passes_the_csrf_check(invitation: Invitation) -> None:
    client = _browser()
    html = client.get(f"/s/{TOKEN}/").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found is not None
    response = client.post(
        f"/s/{TOKEN}/", {"csrfmiddlewaretoken": found.group(1), "page": "nps", "nps": "9"}
    )
    assert response.status_code == 200
    assert Response.objects.count() == 1
