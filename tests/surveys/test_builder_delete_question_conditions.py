"""A question that a later question's display condition looks at cannot be deleted: the
confirmation page names those later questions (number and text, linked to their forms) instead
of offering the delete, and a delete posted anyway (from a page shown before the condition was
added) is refused with both questions named by their numbers as the admin saw them."""

from __future__ import annotations

import pytest
from django.test import Client

from cxm.models import User
from surveys.services.builder import update_question
from tests.conftest import client_for
from tests.surveys.test_builder_versioning import make_survey

pytestmark = pytest.mark.django_db


def _client(user: User, language: str) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    return client_for(user)


def test_the_confirmation_names_the_conditions_and_offers_no_delete(admin: User) -> None:
    survey = make_survey()
    base = f"/surveys/{survey.code}/questions/"
    page = _client(admin, "en").get(f"{base}csat/delete/confirm/").content.decode()
    assert "It cannot be deleted yet" in page
    assert f'href="{base}what_went_wrong/"' in page
    assert "Question 2: What went wrong? Choose all that apply." in page
    assert f'action="{base}csat/delete/"' not in page


def test_once_the_condition_is_removed_the_delete_is_offered(admin: User) -> None:
    survey = make_survey()
    dependent = {k: v for k, v in survey.draft[1].items() if k != "key"}
    update_question(survey=survey, key="what_went_wrong", question={**dependent, "show_if": None})
    base = f"/surveys/{survey.code}/questions/"
    page = _client(admin, "en").get(f"{base}csat/delete/confirm/").content.decode()
    assert "It cannot be deleted yet" not in page
    assert f'action="{base}csat/delete/"' in page


def test_a_stale_delete_names_both_questions_as_numbered_before_it(admin: User) -> None:
    survey = make_survey()
    response = _client(admin, "ko").post(f"/surveys/{survey.code}/questions/csat/delete/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "질문 1 “이번 주문의 배송에 얼마나 만족하셨나요?”" in page
    assert "질문 2 “어떤 점이 불편하셨나요? 해당하는 것을 모두 골라 주세요.”" in page
    assert "표시 조건이 없는 질문" not in page
    survey.refresh_from_db()
    assert [q["key"] for q in survey.draft] == ["csat", "what_went_wrong", "comment"]
