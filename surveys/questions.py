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

import re
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _


def text_language() -> str:
    """The language of a question's texts to show staff: English for an English reader, else
    Korean (a survey's texts are written in these two)."""
    return "en" if (get_language() or "").startswith("en") else "ko"


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
TYPE_LABELS = {
    "nps": gettext_lazy("Recommendation (NPS, 0-10)"),
    "csat": gettext_lazy("Satisfaction (CSAT, 1-5)"),
    "ces": gettext_lazy("Effort (CES, 1-7)"),
    "rating": gettext_lazy("Rating (1-5)"),
    "single": gettext_lazy("Single choice"),
    "multiple": gettext_lazy("Multiple choice"),
    "intent": gettext_lazy("Yes / no / not sure"),
    "short_text": gettext_lazy("Short text"),
    "long_text": gettext_lazy("Long text"),
}
# The comparison words of the rule pages (actions.conditions.OPS), so both builders read alike.
OP_LABELS = {
    "lte": gettext_lazy("at most"),
    "gte": gettext_lazy("at least"),
    "eq": gettext_lazy("is"),
    "in": gettext_lazy("is one of"),
}
# The words that name an intent answer where staff type one (rule conditions, display
# conditions), in either language and in the customer's and the staff's wording.
INTENT_WORDS = {
    "yes": ("yes", "y", "예", "네"),
    "no": ("no", "n", "아니요", "아니오"),
    "unsure": ("unsure", "not sure", "잘 모르겠음", "잘 모르겠어요", "모름"),
}


def intent_value(text: str) -> str | None:
    """The intent answer ("yes", "no", "unsure") a typed word names, or None."""
    folded = " ".join(text.casefold().split())
    for value, words in INTENT_WORDS.items():
        if folded in words:
            return value
    return None


INTENT_LABELS = {
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    "unsure": gettext_lazy("Not sure"),
}


def csat_rating_key(questions: Any) -> str:
    """The key of the question a response to `questions` counts as its CSAT when it has no CSAT
    answer: the first 1-5 rating question of a list without a CSAT question, else "" (a list
    with a CSAT question is judged by it alone; one without a rating question has no fallback).
    Stored on each `SurveyVersion` when it is published (`csat_rating_key`)."""
    if not isinstance(questions, list):
        return ""
    kinds = [q.get("type") for q in questions if isinstance(q, dict)]
    if "csat" in kinds or "rating" not in kinds:
        return ""
    first = next(q for q in questions if isinstance(q, dict) and q.get("type") == "rating")
    return str(first.get("key", ""))


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


# -- Validation ------------------------------------------------------------------------------

KEY_PATTERN = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGES = ("ko", "en")
CHOICE_TYPES = ("single", "multiple")
MAX_QUESTIONS = 100
MAX_TEXT = 500  # a question's text, per language
MAX_OPTION_TEXT = 200
MAX_OPTIONS = 30
QUESTION_FIELDS = frozenset({"key", "type", "required", "text", "options", "show_if"})
CONDITION_FIELDS = frozenset({"question", "op", "value"})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _texts_missing(text: Any, limit: int) -> list[str]:
    """The languages whose text is empty or too long (all of them if `text` is no dict)."""
    if not isinstance(text, dict):
        return list(LANGUAGES)
    return [
        lang
        for lang in LANGUAGES
        if not isinstance(text.get(lang), str) or not text[lang].strip() or len(text[lang]) > limit
    ]


def _language_names(languages: list[str]) -> str:
    names = {"ko": _("Korean"), "en": _("English")}
    return ", ".join(str(names[lang]) for lang in languages)


def conditions_on(questions: list[dict[str, Any]], key: str) -> list[tuple[int, dict[str, Any]]]:
    """(number, question) of each question whose display condition looks at question `key`,
    numbered from 1 as the builder shows them."""
    return [
        (number, question)
        for number, question in enumerate(questions, start=1)
        if isinstance(question.get("show_if"), dict) and question["show_if"].get("question") == key
    ]


def validate_questions(questions: Any) -> list[str]:
    """Every way `questions` breaks the schema, as messages in the active language.

    An empty list is valid (a survey being built); publishing asks for at least one question.
    """
    if not isinstance(questions, list):
        return [_("The questions must be a list.")]
    if len(questions) > MAX_QUESTIONS:
        return [_("A survey can have at most %(max)d questions.") % {"max": MAX_QUESTIONS}]
    errors: list[str] = []
    earlier: dict[str, dict[str, Any]] = {}
    all_keys = {q.get("key") for q in questions if isinstance(q, dict)}
    for number, question in enumerate(questions, start=1):
        problems = _question_problems(question, earlier, all_keys)
        label = _("Question %(number)d") % {"number": number}
        errors.extend(f"{label}: {problem}" for problem in problems)
        if isinstance(question, dict) and isinstance(question.get("key"), str):
            earlier.setdefault(question["key"], question)
    return errors


def _question_problems(
    question: Any, earlier: dict[str, dict[str, Any]], all_keys: set[Any]
) -> list[str]:
    if not isinstance(question, dict):
        return [_("it is not a question.")]
    problems: list[str] = []
    unknown = sorted(str(name) for name in set(question) - QUESTION_FIELDS)
    if unknown:
        problems.append(_("unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    key = question.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        problems.append(_("the key must be 1 to 32 lowercase letters, digits or underscores."))
    elif key in earlier:
        problems.append(_("the key “%(key)s” is used by an earlier question.") % {"key": key})
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        problems.append(_("unknown question type “%(type)s”.") % {"type": kind})
    if not isinstance(question.get("required"), bool):
        problems.append(_("say whether an answer is required."))
    missing = _texts_missing(question.get("text"), MAX_TEXT)
    if missing:
        problems.append(
            _("the question text is empty or longer than %(max)d characters in: %(languages)s.")
            % {"max": MAX_TEXT, "languages": _language_names(missing)}
        )
    problems.extend(_options_problems(kind, question.get("options")))
    condition = question.get("show_if")
    if condition is not None:
        problems.extend(_condition_problems(condition, earlier, all_keys, key))
    return problems


def _options_problems(kind: Any, options: Any) -> list[str]:
    if kind not in QUESTION_TYPES:
        return []  # the type is already reported; options cannot be judged without it
    if kind not in CHOICE_TYPES:
        if options:
            return [_("only single and multiple choice questions have options.")]
        return []
    if not isinstance(options, list) or len(options) < 2:
        return [_("a choice question needs at least two options.")]
    if len(options) > MAX_OPTIONS:
        return [_("a question can have at most %(max)d options.") % {"max": MAX_OPTIONS}]
    problems: list[str] = []
    seen: set[str] = set()
    for number, option in enumerate(options, start=1):
        if not isinstance(option, dict) or set(option) != {"value", "text"}:
            problems.append(
                _("option %(number)d needs a value and a text, nothing else.") % {"number": number}
            )
            continue
        value = option["value"]
        if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
            problems.append(
                _(
                    "the value of option %(number)d must be 1 to 32 lowercase letters, digits "
                    "or underscores."
                )
                % {"number": number}
            )
        elif value in seen:
            problems.append(_("the option value “%(value)s” is used twice.") % {"value": value})
        else:
            seen.add(value)
        missing = _texts_missing(option["text"], MAX_OPTION_TEXT)
        if missing:
            problems.append(
                _(
                    "the text of option %(number)d is empty or longer than %(max)d characters "
                    "in: %(languages)s."
                )
                % {"number": number, "max": MAX_OPTION_TEXT, "languages": _language_names(missing)}
            )
    return problems


def _condition_problems(
    condition: Any, earlier: dict[str, dict[str, Any]], all_keys: set[Any], own_key: Any
) -> list[str]:
    if not isinstance(condition, dict) or set(condition) != CONDITION_FIELDS:
        return [_("the display condition needs a question, an operator and a value.")]
    target_key, op, value = condition["question"], condition["op"], condition["value"]
    target = earlier.get(target_key) if isinstance(target_key, str) else None
    if target is None:
        if target_key == own_key or target_key in all_keys:
            return [_("the display condition can only refer to an earlier question.")]
        return [
            _("the display condition refers to an unknown question “%(key)s”.")
            % {"key": target_key}
        ]
    if op not in CONDITION_OPS:
        return [_("unknown condition operator “%(op)s”.") % {"op": op}]
    kind = target.get("type")
    if kind not in QUESTION_TYPES:
        return []  # the earlier question's type is already reported
    allowed = condition_values(target)
    if allowed is None:
        return [_("a display condition cannot depend on a text answer.")]
    if op in ("lte", "gte") and kind not in SCALES:
        return [_("“at most” and “at least” only work with a score question.")]
    if op == "in":
        if (
            not isinstance(value, list)
            or not value
            or not all(_is_allowed(item, allowed, kind) for item in value)
        ):
            return [_("the condition needs one or more values the earlier question can have.")]
        return []
    if not _is_allowed(value, allowed, kind):
        return [_("the condition value is not an answer the earlier question can have.")]
    return []


def _is_allowed(value: Any, allowed: list[Any], kind: Any) -> bool:
    # 6.0 == 6 and True == 1 in Python; answers are ints, so the condition must be too.
    if kind in SCALES:
        return _is_int(value) and value in allowed
    return isinstance(value, str) and value in allowed


def condition_values(question: dict[str, Any]) -> list[Any] | None:
    """The answer values a display condition on `question` may name; None: not conditionable."""
    kind = question.get("type")
    if kind in SCALES:
        low, high = SCALES[kind]
        return list(range(low, high + 1))
    if kind in CHOICE_TYPES:
        options = question.get("options")
        if not isinstance(options, list):
            return []
        return [o["value"] for o in options if isinstance(o, dict) and "value" in o]
    if kind == "intent":
        return list(INTENT_VALUES)
    return None
