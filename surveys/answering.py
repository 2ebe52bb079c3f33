"""Parse and validate a customer's answers against a question list (see `surveys.questions`).

Pure functions, no database. The answer pages ask a survey in steps: `next_page` picks the next
few questions that can be decided from the answers so far (a question whose display condition
depends on a question of the same step starts the next step, so "What went wrong?" appears only
after the NPS answer is in). Answers are keyed by question key; an asked but unanswered
optional question is stored as None, so "asked" is "key present".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _

from surveys.questions import INTENT_VALUES, SCALES, TEXT_LIMITS, is_visible

PAGE_SIZE = 3
# Keys in a saved answer dict that are not question keys (e.g. "_version").
META_PREFIX = "_"


class FormData(Protocol):
    def getlist(self, key: str) -> list[str]: ...


class InvalidAnswer(ValueError):
    """A value the question does not accept; the message is in the active language."""


@dataclass(frozen=True)
class ParsedPage:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # What the customer typed or picked, to show the form again after an error.
    raw: dict[str, list[str]] = field(default_factory=dict)


def question_answers(saved: Mapping[str, Any]) -> dict[str, Any]:
    """The answers in `saved` without the meta keys."""
    return {k: v for k, v in saved.items() if not k.startswith(META_PREFIX)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_value(question: dict[str, Any], raw: list[str]) -> Any:
    """The answer value for the submitted strings `raw`, None when not answered.

    Raises InvalidAnswer for a value out of range, an unknown option, too long a text, or a
    missing answer to a required question.
    """
    kind = question["type"]
    values = [v.replace("\x00", "") for v in raw]
    if kind == "multiple":
        picked = [v.strip() for v in values if v.strip()]
        allowed = [o["value"] for o in question.get("options") or []]
        if any(v not in allowed for v in picked):
            raise InvalidAnswer(_("Choose from the options shown."))
        value: Any = [v for v in allowed if v in picked] or None
    elif kind in TEXT_LIMITS:
        text = "\n".join(values).strip().replace("\r\n", "\n")
        limit = TEXT_LIMITS[kind]
        if len(text) > limit:
            raise InvalidAnswer(
                _("Please keep your answer to %(limit)s characters (it has %(count)s).")
                % {"limit": f"{limit:,}", "count": f"{len(text):,}"}
            )
        value = text or None
    else:
        given = [v.strip() for v in values if v.strip()]
        if len(given) > 1:
            raise InvalidAnswer(_("Choose only one answer."))
        value = _clean_single(question, given[0]) if given else None
    if value is None and question.get("required"):
        raise InvalidAnswer(_("Please answer this question."))
    return value


def _clean_single(question: dict[str, Any], text: str) -> Any:
    kind = question["type"]
    if kind in SCALES:
        low, high = SCALES[kind]
        number = int(text) if text.isascii() and text.lstrip("-").isdigit() else None
        if number is None or not low <= number <= high:
            raise InvalidAnswer(
                _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}
            )
        return number
    if kind == "intent":
        if text not in INTENT_VALUES:
            raise InvalidAnswer(_("Choose from the options shown."))
        return text
    if kind == "single":
        if text not in [o["value"] for o in question.get("options") or []]:
            raise InvalidAnswer(_("Choose from the options shown."))
        return text
    raise InvalidAnswer(_("This question cannot be answered."))


def valid_value(question: dict[str, Any], value: Any) -> bool:
    """Whether `value` is a well-formed stored answer to `question` (None = not answered)."""
    if value is None:
        return not question.get("required")
    kind = question["type"]
    if kind in SCALES:
        low, high = SCALES[kind]
        return _is_int(value) and low <= value <= high
    if kind == "intent":
        return value in INTENT_VALUES
    options = [o["value"] for o in question.get("options") or []]
    if kind == "single":
        return value in options
    if kind == "multiple":
        return isinstance(value, list) and bool(value) and all(v in options for v in value)
    if kind in TEXT_LIMITS:
        return isinstance(value, str) and 0 < len(value) <= TEXT_LIMITS[kind]
    return False


def asked_questions(questions: list[dict[str, Any]], answers: Mapping[str, Any]) -> list[dict]:
    """The questions a customer with `answers` is asked, in order.

    Visibility is decided in order on the answers of asked questions only, so a value
    submitted for a hidden question cannot make a later question appear.
    """
    asked: list[dict[str, Any]] = []
    seen: dict[str, Any] = {}
    for question in questions:
        if is_visible(question, seen):
            asked.append(question)
            seen[question["key"]] = answers.get(question["key"])
    return asked


def visible_answers(questions: list[dict[str, Any]], answers: Mapping[str, Any]) -> dict:
    """`answers` without the values of hidden questions (and without unknown keys)."""
    return {q["key"]: answers.get(q["key"]) for q in asked_questions(questions, answers)}


def missing_or_invalid(questions: list[dict[str, Any]], answers: Mapping[str, Any]) -> list[str]:
    """Keys of asked questions whose answer is missing (when required) or malformed."""
    return [
        q["key"]
        for q in asked_questions(questions, answers)
        if not valid_value(q, answers.get(q["key"]))
    ]


def next_page(
    questions: list[dict[str, Any]], answers: Mapping[str, Any], *, size: int = PAGE_SIZE
) -> list[dict[str, Any]]:
    """The next questions to ask, given the answers so far; empty when the survey is done.

    A page stops before a question whose condition refers to a question on the same page:
    its visibility is known only once that page is answered.
    """
    page: list[dict[str, Any]] = []
    on_page: set[str] = set()
    seen: dict[str, Any] = {}
    for question in questions:
        key = question["key"]
        condition = question.get("show_if") or {}
        if condition.get("question") in on_page:
            break
        if not is_visible(question, seen):
            continue
        if key in answers:
            seen[key] = answers[key]
            continue
        page.append(question)
        on_page.add(key)
        if len(page) >= size:
            break
    return page


def progress(questions: list[dict[str, Any]], answers: Mapping[str, Any]) -> tuple[int, int]:
    """(questions answered, questions the customer will probably be asked in all).

    A question whose condition depends on a question not answered yet counts as asked; the
    total shrinks when an answer hides it.
    """
    done = 0
    total = 0
    seen: dict[str, Any] = {}
    pending: set[str] = set()
    for question in questions:
        key = question["key"]
        condition = question.get("show_if") or {}
        undecided = condition.get("question") in pending
        if not undecided and not is_visible(question, seen):
            continue
        total += 1
        if key in answers and not undecided:
            done += 1
            seen[key] = answers[key]
        else:
            pending.add(key)
    return done, total


def answered_steps(
    questions: list[dict[str, Any]], answers: Mapping[str, Any], *, size: int = PAGE_SIZE
) -> list[list[dict[str, Any]]]:
    """The steps `answers` has answered, in order (`next_page` replayed from no answers)."""
    steps: list[list[dict[str, Any]]] = []
    so_far: dict[str, Any] = {}
    while True:
        page = next_page(questions, so_far, size=size)
        if not page or any(q["key"] not in answers for q in page):
            return steps
        steps.append(page)
        so_far.update((q["key"], answers[q["key"]]) for q in page)


def most_steps(questions: list[dict[str, Any]], *, size: int = PAGE_SIZE) -> int:
    """How many steps the survey takes when every conditional question is asked: the most a
    customer can be shown (a branch that skips questions can only shorten the way)."""
    steps = 0
    on_page: set[str] = set()
    for question in questions:
        condition = question.get("show_if") or {}
        if not on_page or condition.get("question") in on_page or len(on_page) >= size:
            steps += 1
            on_page = set()
        on_page.add(question["key"])
    return steps


def raw_values(answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """Answers as the answer form sends them, to show them in its fields again."""
    raw: dict[str, list[str]] = {}
    for key, value in answers.items():
        if value is None:
            raw[key] = []
        elif isinstance(value, list):
            raw[key] = [str(v) for v in value]
        else:
            raw[key] = [str(value)]
    return raw


def step_back(
    questions: list[dict[str, Any]],
    answers: Mapping[str, Any],
    *,
    page_keys: str,
    data: FormData,
    typed: Mapping[str, list[str]],
    size: int = PAGE_SIZE,
) -> tuple[dict[str, Any], dict[str, list[str]]] | None:
    """Go back one step from the current one: (the answers of the steps before the previous
    one, the values to show in the fields from now on). None when the form was for another
    step than the current one (a repeated press), so a double press goes back only once.

    Nothing is checked: what was typed on the current step is kept as it was, beside the
    previous step's answers, in `typed` (values to show, never answers). The previous step's
    answers leave `answers`, so the steps after it follow whatever is answered there now, and
    an answer to a question that a changed answer no longer asks is not recorded."""
    current = next_page(questions, answers, size=size)
    if page_keys != ",".join(q["key"] for q in current):
        return None
    now_typed = parse_page(current, data, answers=answers).raw
    steps = answered_steps(questions, answers, size=size)
    earlier = {q["key"] for page in steps[:-1] for q in page}
    kept = {k: v for k, v in answers.items() if k in earlier}
    undone = {k: v for k, v in answers.items() if k not in earlier}
    return kept, {**typed, **raw_values(undone), **now_typed}


def typed_left(typed: Mapping[str, list[str]], answers: Mapping[str, Any]) -> dict:
    """`typed` without the questions `answers` answers (what a step sent replaces)."""
    return {k: v for k, v in typed.items() if k not in answers}


# The longest value kept to show again for a question without a text limit (an option's value,
# a number).
SHOWN_VALUE_LIMIT = 100


def shown_values(question: dict[str, Any], values: list[str]) -> list[str]:
    """What a page keeps of sent values to show them again (never an answer; kept in the form
    state or the invitation across a language switch or a step back): no more values than the
    question can hold, each no longer than an answer may be, whatever a client sent."""
    kind = question["type"]
    most = max(len(question.get("options") or []), 1) if kind == "multiple" else 1
    limit = TEXT_LIMITS.get(kind, SHOWN_VALUE_LIMIT)
    return [value[:limit] for value in values[:most]]


def parse_page(
    page: list[dict[str, Any]], data: FormData, *, answers: Mapping[str, Any]
) -> ParsedPage:
    """Validate the submitted values for the questions of one page.

    Values of questions hidden by their condition (given `answers` and the earlier questions
    of the page) are dropped and not required.
    """
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    raw: dict[str, list[str]] = {}
    seen = dict(answers)
    for question in page:
        key = question["key"]
        if not is_visible(question, seen):
            continue
        sent = data.getlist(key)
        raw[key] = shown_values(question, sent)
        try:
            parsed[key] = clean_value(question, sent)
        except InvalidAnswer as problem:
            errors[key] = str(problem)
            parsed[key] = None
        seen[key] = parsed[key]
    return ParsedPage(answers=parsed if not errors else {}, errors=errors, raw=raw)


@dataclass(frozen=True)
class Step:
    """What one submitted page did: all answers so far, errors, and the page that follows."""

    answers: dict[str, Any]
    errors: dict[str, str]
    raw: dict[str, list[str]]
    page: list[dict[str, Any]]
    # The form was for another page than the current one (a repeated or old submit).
    stale: bool = False

    @property
    def finished(self) -> bool:
        return not self.stale and not self.errors and not self.page


def submit_page(
    questions: list[dict[str, Any]],
    answers: Mapping[str, Any],
    *,
    page_keys: str,
    data: FormData,
    size: int = PAGE_SIZE,
) -> Step:
    """Apply a submitted page to `answers` (question keys only).

    `page_keys` are the keys of the page the form showed, comma-separated; when they are not
    the current page's, nothing is applied and the step is stale.
    """
    page = next_page(questions, answers, size=size)
    if page_keys != ",".join(q["key"] for q in page):
        return Step(answers=dict(answers), errors={}, raw={}, page=page, stale=True)
    parsed = parse_page(page, data, answers=answers)
    if parsed.errors:
        return Step(answers=dict(answers), errors=parsed.errors, raw=parsed.raw, page=page)
    merged = {**answers, **parsed.answers}
    return Step(
        answers=merged, errors={}, raw=parsed.raw, page=next_page(questions, merged, size=size)
    )


def question_text(question: dict[str, Any], language: str) -> str:
    """The question's text in `language`, falling back to the other language."""
    texts = question.get("text") or {}
    return texts.get(language) or texts.get("ko") or texts.get("en") or ""


def option_text(option: dict[str, Any], language: str) -> str:
    return question_text(option, language)
