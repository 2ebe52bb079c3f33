"""Bad personal and open links get friendly pages with the right status and nothing more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from surveys.models import Invitation, Survey
from surveys.services import answering
from surveys.services.answering import forget_open_surveys
from surveys.services.builder import archive_survey, update_survey_settings
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
    # Archived through the service: this process forgets the survey it kept at once.
    assert archive_survey(survey=survey)
    code, html = _get("/o/TABLE1/")
    assert code == 404
    assert "This survey link does not work" in html
    # A draft (a change made elsewhere: another process's kept copy lasts its seconds).
    survey.status = Survey.Status.DRAFT
    survey.save(update_fields=["status"])
    forget_open_surveys()
    assert _get("/o/TABLE1/")[0] == 404


def test_open_link_without_its_code_is_404_at_once() -> None:
    survey = make_survey(open_code="TABLE1")
    assert _get("/o/TABLE1/")[0] == 200
    update_survey_settings(
        survey=survey,
        name=survey.name,
        touchpoint=survey.touchpoint,
        send_on_milestone=False,
        send_delay_hours=0,
        reminder_after_days=3,
        expires_after_days=14,
        open_link=False,
    )
    assert _get("/o/TABLE1/")[0] == 404


def test_the_kept_open_survey_saves_the_query_and_expires(
    settings: Any, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    settings.CXM_OPEN_LINK_CACHE_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(answering, "_clock", lambda: clock[0])
    survey = make_survey(open_code="TABLE1")
    with django_assert_num_queries(1):
        assert answering.survey_for_open_code(code="TABLE1").pk == survey.pk
    with django_assert_num_queries(0):
        answering.survey_for_open_code(code="TABLE1")
    # Closed by another process: this one serves its copy until the seconds run out.
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.ARCHIVED)
    clock[0] += 4.9
    assert answering.survey_for_open_code(code="TABLE1").pk == survey.pk
    clock[0] += 0.2
    with pytest.raises(answering.LinkProblem):
        answering.survey_for_open_code(code="TABLE1")


def test_no_open_survey_is_kept_when_the_cache_is_off(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.CXM_OPEN_LINK_CACHE_SECONDS = 0
    make_survey(open_code="TABLE1")
    with django_assert_num_queries(2):
        answering.survey_for_open_code(code="TABLE1")
        answering.survey_for_open_code(code="TABLE1")
