"""A live survey whose draft has the current version's questions has nothing to publish: the
confirmation page says so and offers no button, and a publish posted anyway makes no version.
Settings are not versioned, so changing them does not count; an archived survey can still be
published to make it live again."""

from __future__ import annotations

import pytest
from django.test import Client

from cxm.models import User
from surveys.models import Survey, SurveyVersion
from surveys.services.builder import add_question, archive_survey, publish_survey
from tests.conftest import client_for
from tests.surveys.test_builder_versioning import make_survey, text_question

pytestmark = pytest.mark.django_db


def _client(user: User, language: str = "en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    return client_for(user)


def test_an_unchanged_draft_is_not_offered_for_publishing(admin: User) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    page = _client(admin).get(f"/surveys/{survey.code}/publish/confirm/").content.decode()
    assert "The draft has no changes since version 1" in page
    assert "Publish version 2" not in page
    assert f'action="/surveys/{survey.code}/publish/"' not in page


def test_a_publish_posted_anyway_is_refused_with_a_message(admin: User) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    response = _client(admin).post(f"/surveys/{survey.code}/publish/")
    assert response.status_code == 400
    assert "no changes since version 1" in response.content.decode()
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


def test_a_changed_question_is_offered_again(admin: User) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    add_question(survey=survey, question=text_question())
    page = _client(admin).get(f"/surveys/{survey.code}/publish/confirm/").content.decode()
    assert "Publish version 2?" in page
    assert f'action="/surveys/{survey.code}/publish/"' in page


def test_an_archived_survey_can_be_published_again_unchanged(admin: User) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    archive_survey(survey=survey)
    client = _client(admin)
    page = client.get(f"/surveys/{survey.code}/publish/confirm/").content.decode()
    assert f'action="/surveys/{survey.code}/publish/"' in page
    assert client.post(f"/surveys/{survey.code}/publish/").status_code == 302
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.PUBLISHED


def test_the_korean_page_reads_without_particle_brackets(admin: User) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    add_question(survey=survey, question=text_question())
    page = _client(admin, "ko").get(f"/surveys/{survey.code}/publish/confirm/").content.decode()
    assert "버전 2 게시" in page
    assert "을(를)" not in page
    assert "이(가)" not in page
