"""Admins add, edit, delete and reorder the questions of a survey's draft; every save checks
the whole draft and saves nothing when it is invalid."""

from __future__ import annotations

import pytest

from cxm.models import User
from surveys.models import Survey
from surveys.services.builder import publish_survey
from tests.conftest import client_for
from tests.surveys.test_builder_versioning import make_survey

pytestmark = pytest.mark.django_db


def _english(user: User) -> User:
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def _question(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "long_text",
        "text_ko": "무엇이 아쉬웠나요?",
        "text_en": "What went wrong?",
        "required": "",
        "options": "",
        "show_if_question": "",
        "show_if_op": "lte",
        "show_if_value": "",
    }
    data.update(changes)
    return data


def _keys(survey: Survey) -> list[str]:
    survey.refresh_from_db()
    return [q["key"] for q in survey.draft]


def _base(survey: Survey) -> str:
    return f"/surveys/{survey.code}/questions/"


def test_outsider_and_manager_are_refused(outsider: User, manager: User) -> None:
    survey = make_survey()
    before = list(survey.draft)
    base = _base(survey)
    for user in (outsider, manager):
        client = client_for(user)
        assert client.get(f"{base}new/").status_code == 403
        assert client.post(f"{base}new/", _question()).status_code == 403
        assert client.post(f"{base}comment/", _question()).status_code == 403
        assert client.post(f"{base}comment/delete/").status_code == 403
        assert client.post(f"{base}comment/move/", {"direction": "up"}).status_code == 403
    survey.refresh_from_db()
    assert survey.draft == before


def test_delete_and_move_refuse_get(admin: User) -> None:
    survey = make_survey()
    client = client_for(admin)
    assert client.get(f"{_base(survey)}comment/delete/").status_code == 405
    assert client.get(f"{_base(survey)}comment/move/?direction=up").status_code == 405
    assert _keys(survey) == ["csat", "what_went_wrong", "comment"]


def test_admin_adds_a_question_with_a_display_condition(admin: User) -> None:
    survey = make_survey()
    client = client_for(admin)
    page = client.get(f"{_base(survey)}new/").content.decode()
    assert 'value="csat"' in page  # earlier score questions can be conditions
    assert 'value="comment"' not in page  # text answers cannot
    response = client.post(
        f"{_base(survey)}new/",
        _question(show_if_question="csat", show_if_op="lte", show_if_value="2", required="on"),
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    added = survey.draft[-1]
    assert added == {
        "key": "q4",
        "type": "long_text",
        "required": True,
        "text": {"ko": "무엇이 아쉬웠나요?", "en": "What went wrong?"},
        "options": [],
        "show_if": {"question": "csat", "op": "lte", "value": 2},
    }


def test_admin_adds_a_choice_question_with_options(admin: User) -> None:
    survey = make_survey(template="")
    options = "가격 | Price\nfast | 빠른 배송 | Fast delivery\n\n기타 | Something else"
    response = client_for(admin).post(
        f"{_base(survey)}new/", _question(type="multiple", options=options)
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.draft[0]["options"] == [
        {"value": "price", "text": {"ko": "가격", "en": "Price"}},
        {"value": "fast", "text": {"ko": "빠른 배송", "en": "Fast delivery"}},
        {"value": "something_else", "text": {"ko": "기타", "en": "Something else"}},
    ]


def test_a_choice_condition_value_is_an_option(admin: User) -> None:
    survey = make_survey()
    response = client_for(admin).post(
        f"{_base(survey)}new/",
        _question(
            show_if_question="what_went_wrong", show_if_op="in", show_if_value="late, damaged"
        ),
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.draft[-1]["show_if"] == {
        "question": "what_went_wrong",
        "op": "in",
        "value": ["late", "damaged"],
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text_en": " "}, "This field is required."),
        ({"type": "single", "options": "하나뿐 | Only one"}, "at least two options"),
        ({"type": "single", "options": "no separator"}, "Line 1: write"),
        ({"show_if_question": "csat", "show_if_value": "11"}, "not an answer the earlier"),
        ({"show_if_question": "csat", "show_if_value": "six"}, "is not a whole number"),
        ({"show_if_question": "csat", "show_if_value": ""}, "Give the value"),
        ({"show_if_question": "comment", "show_if_value": "x"}, "Select a valid choice"),
    ],
)
def test_an_invalid_question_is_refused_in_the_users_language(
    admin: User, changes: dict[str, str], message: str
) -> None:
    survey = make_survey()
    response = client_for(_english(admin)).post(f"{_base(survey)}new/", _question(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert len(_keys(survey)) == 3


def test_admin_edits_a_question(admin: User) -> None:
    survey = make_survey()
    client = client_for(admin)
    url = f"{_base(survey)}comment/"
    assert "더 하고 싶은 말씀" in client.get(url).content.decode()
    response = client.post(url, _question(text_ko="한마디", text_en="One word", type="short_text"))
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.draft[2]["key"] == "comment"
    assert survey.draft[2]["text"] == {"ko": "한마디", "en": "One word"}
    assert survey.draft[2]["type"] == "short_text"


def test_editing_keeps_the_condition_and_its_form_shows_it(admin: User) -> None:
    survey = make_survey()
    client = client_for(admin)
    page = client.get(f"{_base(survey)}what_went_wrong/").content.decode()
    assert 'value="csat" selected' in page
    assert 'value="2"' in page


def test_a_condition_cannot_refer_to_a_later_question(admin: User) -> None:
    survey = make_survey()
    client = client_for(_english(admin))
    # The first question's form offers no condition at all (nothing comes before it) ...
    response = client.post(
        f"{_base(survey)}csat/",
        _question(type="csat", show_if_question="comment", show_if_value="x"),
    )
    assert response.status_code == 400
    # ... and a move that would put a condition before its question is refused.
    response = client.post(f"{_base(survey)}what_went_wrong/move/", {"direction": "up"})
    assert response.status_code == 400
    assert "can only refer to an earlier question" in response.content.decode()
    assert _keys(survey) == ["csat", "what_went_wrong", "comment"]


def test_changing_a_questions_type_that_a_condition_needs_is_refused(admin: User) -> None:
    survey = make_survey()
    response = client_for(_english(admin)).post(f"{_base(survey)}csat/", _question())
    assert response.status_code == 400
    assert "Question 2: a display condition cannot depend on a text answer" in (
        response.content.decode()
    )
    survey.refresh_from_db()
    assert survey.draft[0]["type"] == "csat"


def test_admin_moves_questions_up_and_down(admin: User) -> None:
    survey = make_survey()
    client = client_for(admin)
    assert client.post(f"{_base(survey)}comment/move/", {"direction": "up"}).status_code == 302
    assert _keys(survey) == ["csat", "comment", "what_went_wrong"]
    assert client.post(f"{_base(survey)}csat/move/", {"direction": "down"}).status_code == 302
    assert _keys(survey) == ["comment", "csat", "what_went_wrong"]
    # At the ends nothing changes.
    client.post(f"{_base(survey)}comment/move/", {"direction": "up"})
    client.post(f"{_base(survey)}what_went_wrong/move/", {"direction": "down"})
    assert _keys(survey) == ["comment", "csat", "what_went_wrong"]
    assert client.post(f"{_base(survey)}csat/move/", {"direction": "sideways"}).status_code == 400


def test_moving_with_htmx_returns_the_question_list(admin: User) -> None:
    survey = make_survey()
    response = client_for(admin).post(
        f"{_base(survey)}comment/move/", {"direction": "up"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<ol class="questions" id="questions">')
    assert html.index("question-comment") < html.index("question-what_went_wrong")


def test_admin_deletes_a_question(admin: User) -> None:
    survey = make_survey()
    response = client_for(admin).post(f"{_base(survey)}comment/delete/")
    assert response.status_code == 302
    assert _keys(survey) == ["csat", "what_went_wrong"]


def test_a_question_a_condition_needs_cannot_be_deleted(admin: User) -> None:
    survey = make_survey()
    response = client_for(_english(admin)).post(f"{_base(survey)}csat/delete/")
    assert response.status_code == 400
    assert "Question 1 “How satisfied are you with the delivery of your order?” cannot be" in (
        response.content.decode()
    )
    assert _keys(survey) == ["csat", "what_went_wrong", "comment"]


def test_unknown_question_is_not_found(admin: User) -> None:
    survey = make_survey()
    client = client_for(admin)
    assert client.get(f"{_base(survey)}nope/").status_code == 404
    assert client.post(f"{_base(survey)}nope/delete/").status_code == 404
    assert client.post(f"{_base(survey)}nope/move/", {"direction": "up"}).status_code == 404


def test_editing_a_published_survey_edits_the_draft_only(admin: User) -> None:
    survey = make_survey()
    version = publish_survey(survey=survey, by=admin)
    client = client_for(admin)
    client.post(f"{_base(survey)}comment/delete/")
    client.post(f"{_base(survey)}new/", _question())
    version.refresh_from_db()
    assert [q["key"] for q in version.questions] == ["csat", "what_went_wrong", "comment"]
    assert _keys(survey) == ["csat", "what_went_wrong", "q3"]
    survey.refresh_from_db()
    assert survey.current_version == version
