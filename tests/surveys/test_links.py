"""Bad personal and open links get friendly pages with the right status and nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from surveys.models import Invitation, Survey
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey

pytestmark = pytest.mark.django_db


def _get(url: str, language: str = "en") -> tuple[int, str]:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(url)
    return response.status_code, response.content.decode()


def test_unknown_token_is_a_friendly_404() -> None:
    make_invitation(make_survey())
    status, html = _get("/s/not-a-real-token/")
    assert status == 404
    assert "This survey link does not work" in html


def test_expired_link_is_410() -> None:
    invitation = make_invitation(make_survey())
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save(update_fields=["expires_at"])
    status, html = _get(f"/s/{TOKEN}/")
    assert status == 410
    assert "This survey is closed" in html


@pytest.mark.parametrize("status", [Invitation.Status.EXPIRED, Invitation.Status.REVOKED])
def test_expired_or_revoked_status_is_410(status: str) -> None:
    make_invitation(make_survey(), status=status)
    code, html = _get(f"/s/{TOKEN}/")
    assert code == 410
    assert "This survey is closed" in html


def test_archived_survey_closes_its_links() -> None:
    survey = make_survey()
    make_invitation(survey)
    survey.status = Survey.Status.ARCHIVED
    survey.save(update_fields=["status"])
    assert _get(f"/s/{TOKEN}/")[0] == 410


def test_answered_link_thanks_the_customer_with_410() -> None:
    make_invitation(make_survey(), status=Invitation.Status.ANSWERED)
    status, html = _get(f"/s/{TOKEN}/")
    assert status == 410
    assert "Thank you, we have your answer" in html


def test_link_pages_reveal_nothing_about_the_customer_or_survey() -> None:
    survey = make_survey()
    invitation = make_invitation(survey, status=Invitation.Status.REVOKED)
    for url in (f"/s/{TOKEN}/", "/s/unknown/"):
        _status, html = _get(url)
        for secret in (invitation.customer.name, invitation.customer.email, survey.name):
            assert secret not in html
        assert "How likely" not in html


def test_gone_page_speaks_the_invitation_language() -> None:
    make_invitation(make_survey(), status=Invitation.Status.EXPIRED, language="en")
    _status, html = _get(f"/s/{TOKEN}/", language="ko")
    assert "This survey is closed" in html
    assert '<html lang="en">' in html


def test_never_published_survey_link_is_404() -> None:
    survey = make_survey()
    survey.current_version = None
    survey.save(update_fields=["current_version"])
    make_invitation(survey)
    assert _get(f"/s/{TOKEN}/")[0] == 404


def test_open_link_unknown_or_unpublished_is_404() -> None:
    survey = make_survey(open_code="TABLE1")
    assert _get("/o/NOPE/")[0] == 404
    assert _get("/o/TABLE1/")[0] == 200
    for status in (Survey.Status.DRAFT, Survey.Status.ARCHIVED):
        survey.status = status
        survey.save(update_fields=["status"])
        code, html = _get("/o/TABLE1/")
        assert code == 404
        assert "This survey link does not work" in html
