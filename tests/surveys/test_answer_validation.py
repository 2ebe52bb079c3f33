"""Each question type's validation: ranges, required, unknown options, too-long text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import translation

from surveys.answering import (
    InvalidAnswer,
    asked_questions,
    clean_value,
    missing_or_invalid,
    next_page,
    parse_page,
    progress,
    submit_page,
)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def q(kind: str, *, required: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "key": "q",
        "type": kind,
        "required": required,
        "text": {"ko": "질문", "en": "Q"},
        **extra,
    }


CHOICES = [
    {"value": "a", "text": {"ko": "가", "en": "A"}},
    {"value": "b", "text": {"ko": "나", "en": "B"}},
]


@pytest.mark.parametrize(
    ("kind", "low", "high"), [("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7), ("rating", 1, 5)]
)
def test_scales_accept_their_range_only(kind: str, low: int, high: int) -> None:
    assert clean_value(q(kind), [str(low)]) == low
    assert clean_value(q(kind), [f" {high} "]) == high
    for bad in (str(low - 1), str(high + 1), "5.5", "abc", "٣", "1e1"):
        with pytest.raises(InvalidAnswer, match=f"Choose a number from {low} to {high}."):
            clean_value(q(kind), [bad])


def test_scale_with_two_values_is_refused() -> None:
    with pytest.raises(InvalidAnswer, match=re.escape("Choose only one answer.")):
        clean_value(q("nps"), ["3", "9"])


@pytest.mark.parametrize(
    "kind", ["nps", "csat", "ces", "rating", "intent", "short_text", "long_text"]
)
def test_required_question_needs_an_answer(kind: str) -> None:
    with pytest.raises(InvalidAnswer, match=re.escape("Please answer this question.")):
        clean_value(q(kind), [])
    with pytest.raises(InvalidAnswer, match=re.escape("Please answer this question.")):
        clean_value(q(kind), ["   "])
    assert clean_value(q(kind, required=False), []) is None


def test_single_choice_accepts_known_options_only() -> None:
    question = q("single", options=CHOICES)
    assert clean_value(question, ["b"]) == "b"
    with pytest.raises(InvalidAnswer, match=re.escape("Choose from the options shown.")):
        clean_value(question, ["c"])
    with pytest.raises(InvalidAnswer, match=re.escape("Please answer this question.")):
        clean_value(question, [])


def test_multiple_choice_keeps_option_order_and_refuses_unknown_values() -> None:
    question = q("multiple", options=CHOICES)
    assert clean_value(question, ["b", "a", "b"]) == ["a", "b"]
    with pytest.raises(InvalidAnswer, match=re.escape("Choose from the options shown.")):
        clean_value(question, ["a", "zzz"])
    with pytest.raises(InvalidAnswer, match=re.escape("Please answer this question.")):
        clean_value(question, [])
    assert clean_value(q("multiple", required=False, options=CHOICES), []) is None


def test_intent_is_yes_no_or_unsure() -> None:
    for value in ("yes", "no", "unsure"):
        assert clean_value(q("intent"), [value]) == value
    with pytest.raises(InvalidAnswer, match=re.escape("Choose from the options shown.")):
        clean_value(q("intent"), ["maybe"])


@pytest.mark.parametrize(("kind", "limit"), [("short_text", 200), ("long_text", 5000)])
def test_text_has_a_length_limit(kind: str, limit: int) -> None:
    assert clean_value(q(kind), ["x" * limit]) == "x" * limit
    with pytest.raises(InvalidAnswer, match=f"keep your answer to {limit:,} characters"):
        clean_value(q(kind), ["x" * (limit + 1)])


def test_text_is_trimmed_and_loses_nul_bytes() -> None:
    assert clean_value(q("long_text"), ["  line one\r\nline\x00 two  "]) == "line one\nline two"


CONDITIONAL = [
    {"key": "nps", "type": "nps", "required": True, "text": {"ko": "a", "en": "a"}},
    {
        "key": "why",
        "type": "long_text",
        "required": True,
        "text": {"ko": "b", "en": "b"},
        "show_if": {"question": "nps", "op": "lte", "value": 6},
    },
    {
        "key": "again",
        "type": "intent",
        "required": True,
        "text": {"ko": "c", "en": "c"},
        "show_if": {"question": "why", "op": "eq", "value": "never"},
    },
    {"key": "csat", "type": "csat", "required": False, "text": {"ko": "d", "en": "d"}},
]


def test_condition_starts_a_new_page() -> None:
    assert [x["key"] for x in next_page(CONDITIONAL, {})] == ["nps"]
    assert [x["key"] for x in next_page(CONDITIONAL, {"nps": 3})] == ["why"]
    assert [x["key"] for x in next_page(CONDITIONAL, {"nps": 9})] == ["csat"]
    assert next_page(CONDITIONAL, {"nps": 9, "csat": None}) == []


def test_hidden_question_is_not_required_and_its_value_is_dropped() -> None:
    data = QueryDict(mutable=True)
    data.update({"nps": "9", "why": "should be dropped"})
    parsed = parse_page(CONDITIONAL[:2], data, answers={})
    assert parsed.errors == {}
    assert parsed.answers == {"nps": 9}


def test_chained_conditions_follow_the_asked_answers_only() -> None:
    # "why" is hidden for a promoter, so a stray "never" cannot show "again".
    answers = {"nps": 10, "why": "never", "again": "yes"}
    assert [x["key"] for x in asked_questions(CONDITIONAL, answers)] == ["nps", "csat"]
    assert missing_or_invalid(CONDITIONAL, {"nps": 3}) == ["why"]
    assert missing_or_invalid(CONDITIONAL, {"nps": 3, "why": "ok"}) == []


def test_progress_counts_undecided_conditional_questions() -> None:
    assert progress(CONDITIONAL, {}) == (0, 4)
    assert progress(CONDITIONAL, {"nps": 9}) == (1, 2)
    assert progress(CONDITIONAL, {"nps": 2}) == (1, 4)
    assert progress(CONDITIONAL, {"nps": 2, "why": "slow"}) == (2, 3)


def test_submit_page_for_another_page_is_stale() -> None:
    data = QueryDict(mutable=True)
    data.update({"nps": "5"})
    first = submit_page(CONDITIONAL, {}, page_keys="nps", data=data)
    assert first.answers == {"nps": 5} and [x["key"] for x in first.page] == ["why"]
    again = submit_page(CONDITIONAL, first.answers, page_keys="nps", data=data)
    assert again.stale and not again.finished
