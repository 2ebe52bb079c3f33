"""The question list of a survey says "draft" only when the draft differs from what customers
get, in both languages."""

from __future__ import annotations

import pytest

from cxm.models import User
from surveys.services.builder import add_question, publish_survey
from tests.conftest import client_for, with_language
from tests.surveys.test_builder_versioning import make_survey, text_question

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "plain", "draft"),
    [("en", "<h2>Questions</h2>", "Questions (draft)"), ("ko", "<h2>질문</h2>", "질문 (초안)")],
)
def test_a_published_survey_without_changes_heads_its_questions_plainly(
    admin: User, language: str, plain: str, draft: str
) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    page = (
        client_for(with_language(admin, language)).get(f"/surveys/{survey.code}/").content.decode()
    )
    assert plain in page
    assert draft not in page


@pytest.mark.parametrize(
    ("language", "draft"), [("en", "<h2>Questions (draft)</h2>"), ("ko", "<h2>질문 (초안)</h2>")]
)
def test_a_draft_that_differs_from_the_published_version_is_called_a_draft(
    admin: User, language: str, draft: str
) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    add_question(survey=survey, question=text_question())
    page = (
        client_for(with_language(admin, language)).get(f"/surveys/{survey.code}/").content.decode()
    )
    assert draft in page


def test_a_survey_never_published_is_a_draft(admin: User) -> None:
    survey = make_survey()
    page = client_for(with_language(admin, "en")).get(f"/surveys/{survey.code}/").content.decode()
    assert "<h2>Questions (draft)</h2>" in page
