"""The builder says when a question is shown in a sentence of the reader's language, with the
comparison words of the rule pages and the answers' labels rather than their stored values."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.utils import translation

from cxm.models import User
from surveys.selectors import question_rows
from surveys.services.builder import add_question
from tests.conftest import client_for, with_language
from tests.surveys.test_builder_versioning import make_survey, text_question

pytestmark = pytest.mark.django_db


def _page(user: User, template: str, *, extra_condition: dict[str, object] | None = None) -> str:
    survey = make_survey(template=template)
    if extra_condition is not None:
        question = text_question() | {"show_if": extra_condition}
        add_question(survey=survey, question=question)
    return unescape(client_for(user).get(f"/surveys/{survey.code}/").content.decode())


def test_score_conditions_put_the_value_before_the_comparison_in_korean(admin: User) -> None:
    page = _page(with_language(admin, "ko"), "relationship_nps")
    assert "질문 1의 답이 6 이하일 때 표시" in page
    assert "질문 1의 답이 9 이상일 때 표시" in page
    assert "최대" not in page
    assert "최소" not in page


def test_score_conditions_read_as_an_english_sentence(admin: User) -> None:
    page = _page(with_language(admin, "en"), "relationship_nps")
    assert "Shown when question 1's answer is at most 6" in page
    assert "Shown when question 1's answer is at least 9" in page


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("ko", "질문 2의 답이 “아니요”, “잘 모르겠어요” 중 하나일 때 표시"),
        ("en", "Shown when question 2's answer is one of “No”, “Not sure”"),
    ],
)
def test_intent_conditions_show_the_answers_labels(
    admin: User, language: str, sentence: str
) -> None:
    page = _page(with_language(admin, language), "store_revisit")
    assert sentence in page
    assert "no, unsure" not in page


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("ko", "질문 2의 답이 “일부만 해결되었습니다”일 때 표시"),
        ("en", "Shown when question 2's answer is “Partly”"),
    ],
)
def test_single_choice_conditions_show_the_options_label_in_the_readers_language(
    admin: User, language: str, sentence: str
) -> None:
    condition = {"question": "resolved", "op": "eq", "value": "unsure"}
    page = _page(with_language(admin, language), "service_ces", extra_condition=condition)
    assert sentence in page


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("ko", "질문 2에서 “늦게 도착했어요”, “상품이 파손됐어요” 중 하나라도 선택 시 표시"),
        (
            "en",
            "Shown when any of “It arrived late”, “The item was damaged” is chosen in question 2",
        ),
    ],
)
def test_multiple_choice_conditions_say_an_option_is_chosen(
    admin: User, language: str, sentence: str
) -> None:
    condition = {"question": "what_went_wrong", "op": "in", "value": ["late", "damaged"]}
    page = _page(with_language(admin, language), "delivery_csat", extra_condition=condition)
    assert sentence in page


def test_the_question_forms_comparisons_use_the_rule_pages_words(admin: User) -> None:
    survey = make_survey()
    page = client_for(with_language(admin, "ko")).get(f"/surveys/{survey.code}/questions/new/")
    html = page.content.decode()
    assert re.search(r'<option value="lte"[^>]*>이하</option>', html)
    assert re.search(r'<option value="gte"[^>]*>이상</option>', html)
    assert "최대" not in html


def test_an_options_label_missing_in_the_readers_language_is_shown_in_the_other() -> None:
    """As on the answer page (`option_text`): the label in the other language, not the stored
    value."""
    choice = {
        "key": "visit",
        "type": "single",
        "text": {"ko": "방문 목적?", "en": "Why did you visit?"},
        "options": [{"value": "pickup", "text": {"ko": "매장 픽업"}}],
    }
    condition = {"question": "visit", "op": "eq", "value": "pickup"}
    follow_up = text_question() | {"key": "note", "show_if": condition}
    with translation.override("en"):
        rows = question_rows([choice, follow_up])
    assert rows[1].condition == "Shown when question 1's answer is “매장 픽업”"
