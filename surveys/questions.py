"""The question schema shared by the builder, the answer pages and the response recorder.

A survey's draft and each frozen version hold a list of question dicts:

    {
        "key": "q1",                      # unique in the survey, [a-z0-9_]{1,32}, stable
        "type": "nps",                    # one of QUESTION_TYPES
        "required": true,
        "text": {"ko": "…", "en": "…"},   # both languages
        "options": [                      # single / multiple only
            {"value": "price", "text": {"ko": "가격", "en": "Price"}}
        ],
        "show_if": null                   # or {"question": "q1", "op": "lte", "value": 6}
    }

`show_if` refers to an earlier question; ops: lte, gte, eq (numbers or a choice value / intent
value) and in (a list of values). A question hidden by its condition is not asked and not
required.

Answer values: nps 0-10, csat 1-5, ces 1-7, rating 1-5 (int); single (one option value);
multiple (list of option values); intent "yes" / "no" / "unsure"; short_text (≤ 200 chars)
and long_text (≤ 5,000 chars) strings.
"""

from __future__ import annotations

from typing import Any

QUESTION_TYPES = (
    "nps",
    "csat",
    "ces",
    "rating",
    "single",
    "multiple",
    "intent",
    "short_text",
    "long_text",
)
SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "rating": (1, 5),
}
INTENT_VALUES = ("yes", "no", "unsure")
TEXT_LIMITS = {"short_text": 200, "long_text": 5000}
CONDITION_OPS = ("lte", "gte", "eq", "in")


def is_visible(question: dict[str, Any], answers: dict[str, Any]) -> bool:
    """Whether `question` is asked, given the answers so far (keyed by question key)."""
    condition = question.get("show_if")
    if not condition:
        return True
    given = answers.get(condition["question"])
    if given is None or given == "" or given == []:
        return False
    op, value = condition["op"], condition["value"]
    if op == "in":
        if isinstance(given, list):
            return any(item in value for item in given)
        return given in value
    if op == "eq":
        return given == value or (isinstance(given, list) and value in given)
    if not isinstance(given, int) or isinstance(given, bool):
        return False
    return given <= value if op == "lte" else given >= value
