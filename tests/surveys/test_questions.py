"""`validate_questions` checks the question schema strictly, rule by rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import translation

from surveys.questions import validate_questions


def _q(key: str, kind: str = "nps", **extra: Any) -> dict[str, Any]:
    question: dict[str, Any] = {
        "key": key,
        "type": kind,
        "required": True,
        "text": {"ko": "질문", "en": "Question"},
        "options": [],
        "show_if": None,
    }
    if kind in ("single", "multiple"):
        question["options"] = [
            {"value": "a", "text": {"ko": "가", "en": "A"}},
            {"value": "b", "text": {"ko": "나", "en": "B"}},
        ]
    question.update(extra)
    return question


def _errors(questions: Any) -> list[str]:
    with translation.override("en"):
        return validate_questions(questions)


VALID = [
    _q("nps"),
    _q("why", "long_text", required=False, show_if={"question": "nps", "op": "lte", "value": 6}),
    _q("pick", "multiple"),
    _q("more", "short_text", show_if={"question": "pick", "op": "in", "value": ["a"]}),
    _q("again", "intent"),
    _q("why_not", "single", show_if={"question": "again", "op": "eq", "value": "no"}),
    _q("csat", "csat", show_if={"question": "nps", "op": "gte", "value": 9}),
    _q("ces", "ces"),
    _q("rating", "rating", show_if={"question": "ces", "op": "in", "value": [1, 2, 3]}),
]


def test_a_valid_survey_and_an_empty_one_pass() -> None:
    assert _errors(VALID) == []
    assert _errors([]) == []
    # A question without the optional fields is fine too.
    assert (
        _errors([{"key": "q1", "type": "nps", "required": False, "text": VALID[0]["text"]}]) == []
    )


def test_the_questions_must_be_a_list_of_dicts() -> None:
    assert _errors({"key": "q1"}) == ["The questions must be a list."]
    assert _errors(["q1"]) == ["Question 1: it is not a question."]


def _one_error(question_list: list[dict[str, Any]], fragment: str) -> None:
    errors = _errors(question_list)
    assert len(errors) == 1, errors
    assert fragment in errors[0], errors


@pytest.mark.parametrize("key", ["", "Q1", "q-1", "질문", "a" * 33, 7, None, "q 1"])
def test_keys_must_match_the_pattern(key: Any) -> None:
    _one_error([_q(key)], "the key must be 1 to 32 lowercase letters")


def test_keys_may_be_32_characters() -> None:
    assert _errors([_q("a" * 32)]) == []


def test_keys_must_be_unique() -> None:
    _one_error([_q("q1"), _q("q1", "csat")], "Question 2: the key “q1” is used by an earlier")


@pytest.mark.parametrize("kind", ["", "stars", "NPS", None])
def test_the_type_must_be_known(kind: Any) -> None:
    _one_error([_q("q1", kind)], "unknown question type")


def test_required_must_be_a_boolean() -> None:
    _one_error([_q("q1", required="yes")], "say whether an answer is required")
    question = _q("q1")
    del question["required"]
    _one_error([question], "say whether an answer is required")


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ({"ko": "질문", "en": ""}, "English"),
        ({"ko": "  ", "en": "Question"}, "Korean"),
        ({"ko": "질문"}, "English"),
        ({"ko": "질문", "en": 5}, "English"),
        ({}, "Korean, English"),
        ("질문", "Korean, English"),
        ({"ko": "가" * 501, "en": "Question"}, "Korean"),
    ],
)
def test_both_texts_are_needed(text: Any, missing: str) -> None:
    _one_error([_q("q1", text=text)], f"in: {missing}.")


def test_unknown_fields_are_refused() -> None:
    _one_error([_q("q1", colour="red")], "unknown fields: colour.")


@pytest.mark.parametrize("kind", ["single", "multiple"])
def test_choice_questions_need_two_options(kind: str) -> None:
    question = _q("q1", kind)
    question["options"] = question["options"][:1]
    _one_error([question], "at least two options")
    del question["options"]
    _one_error([question], "at least two options")


def test_option_values_are_unique_and_well_formed() -> None:
    question = _q("q1", "single")
    question["options"][1]["value"] = "a"
    _one_error([question], "the option value “a” is used twice")
    question["options"][1]["value"] = "B!"
    _one_error([question], "the value of option 2 must be")


def test_options_need_both_texts_and_nothing_else() -> None:
    question = _q("q1", "single")
    question["options"][0]["text"] = {"ko": "가", "en": ""}
    _one_error([question], "the text of option 1 is empty")
    question = _q("q1", "single")
    question["options"][0]["colour"] = "red"
    _one_error([question], "option 1 needs a value and a text")


def test_only_choice_questions_have_options() -> None:
    question = _q("q1", "nps", options=_q("x", "single")["options"])
    _one_error([question], "only single and multiple choice questions have options")


def test_a_condition_may_only_refer_to_an_earlier_question() -> None:
    later = [_q("q1", show_if={"question": "q2", "op": "lte", "value": 6}), _q("q2")]
    _one_error(later, "Question 1: the display condition can only refer to an earlier question")
    itself = [_q("q1", show_if={"question": "q1", "op": "lte", "value": 6})]
    _one_error(itself, "can only refer to an earlier question")
    unknown = [_q("q1"), _q("q2", show_if={"question": "nope", "op": "lte", "value": 6})]
    _one_error(unknown, "refers to an unknown question “nope”")


@pytest.mark.parametrize(
    "condition",
    [
        {"question": "nps", "op": "lte"},
        {"question": "nps", "op": "lte", "value": 6, "extra": 1},
        "nps <= 6",
        [],
    ],
)
def test_a_condition_has_exactly_question_op_and_value(condition: Any) -> None:
    _one_error([_q("nps"), _q("q2", show_if=condition)], "needs a question, an operator")


def test_the_operator_must_be_known() -> None:
    condition = {"question": "nps", "op": "lt", "value": 6}
    _one_error([_q("nps"), _q("q2", show_if=condition)], "unknown condition operator “lt”")


@pytest.mark.parametrize(
    ("kind", "op", "value"),
    [
        ("nps", "lte", 11),
        ("nps", "gte", -1),
        ("nps", "eq", "6"),
        ("nps", "lte", 6.0),
        ("csat", "lte", True),
        ("csat", "eq", 0),
        ("ces", "in", []),
        ("ces", "in", 3),
        ("ces", "in", [1, 8]),
        ("single", "eq", "c"),
        ("single", "in", ["a", "zz"]),
        ("intent", "eq", "maybe"),
        ("intent", "in", ["yes", 1]),
    ],
)
def test_the_value_must_be_a_possible_answer(kind: str, op: str, value: Any) -> None:
    condition = {"question": "first", "op": op, "value": value}
    errors = _errors([_q("first", kind), _q("q2", show_if=condition)])
    assert len(errors) == 1, errors
    assert "Question 2:" in errors[0]
    assert "value" in errors[0]


@pytest.mark.parametrize("kind", ["single", "multiple", "intent"])
def test_at_most_and_at_least_need_a_score(kind: str) -> None:
    value = "a" if kind != "intent" else "yes"
    condition = {"question": "first", "op": "lte", "value": value}
    _one_error([_q("first", kind), _q("q2", show_if=condition)], "only work with a score question")


@pytest.mark.parametrize("kind", ["short_text", "long_text"])
def test_text_answers_cannot_be_conditions(kind: str) -> None:
    condition = {"question": "first", "op": "eq", "value": "hello"}
    _one_error([_q("first", kind), _q("q2", show_if=condition)], "cannot depend on a text answer")


def test_every_problem_is_reported_with_its_question_number() -> None:
    broken = copy.deepcopy(VALID)
    broken[0]["text"]["en"] = ""
    broken[2]["type"] = "stars"
    broken[4]["key"] = "Again"
    errors = _errors(broken)
    numbers = [e.split(":")[0] for e in errors]
    # Question 6 refers to "again", which is no longer a key; question 4's condition on the
    # broken question 3 is not judged twice.
    assert numbers == ["Question 1", "Question 3", "Question 5", "Question 6"], errors
    assert "unknown question “again”" in errors[3]
