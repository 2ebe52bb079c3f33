"""Where staff type an intent answer (a rule's condition, a question's display condition) the
hint names the words in the reader's language, and the words it names are accepted in Korean
and English alike."""

from __future__ import annotations

import pytest

from actions.models import TriggerRule
from cxm.models import User
from tests.actions.test_admin_rules import LIST, response_rule_post
from tests.conftest import client_for
from tests.factories import ActionPlanFactory
from tests.surveys.test_builder_versioning import make_survey

pytestmark = pytest.mark.django_db

WORDS = {
    "예": "yes",
    "아니요": "no",
    "잘 모르겠음": "unsure",
    "잘 모르겠어요": "unsure",
    "Not sure": "unsure",
}


def _korean(user: User) -> User:
    user.language = "ko"
    user.save(update_fields=["language"])
    return user


def test_the_rule_hint_names_korean_words_and_the_rule_form_accepts_them(admin: User) -> None:
    client = client_for(_korean(admin))
    page = client.get(f"{LIST}new/response/").content.decode()
    assert "예, 아니요, 잘 모르겠음" in page
    plan = ActionPlanFactory()
    for word, value in WORDS.items():
        data = response_rule_post(
            plan, name=word, c0_field="intent", c0_op="", c0_value=word, c1_field="", c1_value=""
        )
        assert client.post(f"{LIST}new/response/", data).status_code == 302, word
        rule = TriggerRule.objects.get(name=word)
        assert rule.definition["conditions"] == [{"field": "intent", "op": "eq", "value": value}]


def test_the_display_condition_accepts_the_korean_words_for_an_intent_question(
    admin: User,
) -> None:
    survey = make_survey(template="store_revisit", name="재방문")
    client = client_for(_korean(admin))
    base = f"/surveys/{survey.code}/questions/"
    assert "예, 아니요, 잘 모르겠음" in client.get(f"{base}new/").content.decode()
    data = {
        "type": "long_text",
        "text_ko": "무엇이 아쉬웠나요?",
        "text_en": "What went wrong?",
        "options": "",
        "show_if_question": "revisit",
        "show_if_op": "in",
        "show_if_value": "아니요, 잘 모르겠음",
    }
    assert client.post(f"{base}new/", data).status_code == 302
    survey.refresh_from_db()
    assert survey.draft[-1]["show_if"] == {
        "question": "revisit",
        "op": "in",
        "value": ["no", "unsure"],
    }
    data["show_if_value"] = "글쎄요"
    assert client.post(f"{base}new/", data).status_code == 400
