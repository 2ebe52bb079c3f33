"""Reads for the survey builder, and the access functions for touchpoints and surveys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cxm.models import User
from surveys.answering import option_text
from surveys.models import Survey, Touchpoint
from surveys.open_links import TEST_ORDER, canonical_string, open_link_signature
from surveys.questions import INTENT_LABELS, SCALES, TYPE_LABELS, conditions_on, text_language

MANAGE = "surveys.manage_surveys"


def access_touchpoint(user: User, code: UUID, *, write: bool = False) -> Touchpoint:
    """The touchpoint `code` if `user` may build surveys; 403 otherwise (checked first, so
    codes cannot be probed), 404 if unknown. Reading and writing need the same permission."""
    if not user.has_perm(MANAGE):
        raise PermissionDenied
    touchpoint = (
        Touchpoint.objects.select_related("owner_team", "owner_user").filter(code=code).first()
    )
    if touchpoint is None:
        raise Http404
    return touchpoint


def access_survey(user: User, code: UUID, *, write: bool = False) -> Survey:
    """The survey `code` with its touchpoint and current version if `user` may build
    surveys; 403 otherwise, 404 if unknown."""
    if not user.has_perm(MANAGE):
        raise PermissionDenied
    survey = (
        Survey.objects.select_related("touchpoint", "current_version__published_by")
        .filter(code=code)
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def touchpoint_list() -> QuerySet[Touchpoint]:
    """Every touchpoint by name, with its owners (one query)."""
    return Touchpoint.objects.select_related("owner_team", "owner_user").order_by("name", "id")


def survey_list() -> QuerySet[Survey]:
    """Every survey by touchpoint and name, with its current version (one query)."""
    return Survey.objects.select_related("touchpoint", "current_version").order_by(
        "touchpoint__name", "name", "id"
    )


def has_unpublished_changes(survey: Survey) -> bool:
    """Whether the draft differs from what customers currently get."""
    if survey.current_version is None:
        return bool(survey.draft)
    return survey.draft != survey.current_version.questions


@dataclass(frozen=True)
class SurveyRow:
    survey: Survey
    version_number: int | None
    unpublished_changes: bool


def survey_rows(surveys: list[Survey]) -> list[SurveyRow]:
    return [
        SurveyRow(
            survey=s,
            version_number=s.current_version.number if s.current_version else None,
            unpublished_changes=has_unpublished_changes(s),
        )
        for s in surveys
    ]


@dataclass(frozen=True)
class QuestionRow:
    key: str
    number: int
    type_label: str
    text: str  # in the reader's language
    other_text: str  # in the other language, to check the translation at a glance
    required: bool
    options: list[str]
    condition: str
    first: bool
    last: bool


def question_rows(questions: list[dict[str, Any]]) -> list[QuestionRow]:
    """The questions as the builder shows them, in the active language."""
    language = text_language()
    other = "ko" if language == "en" else "en"
    numbered = {q.get("key"): (n, q) for n, q in enumerate(questions, start=1)}
    rows = []
    for number, q in enumerate(questions, start=1):
        text = q.get("text") or {}
        rows.append(
            QuestionRow(
                key=q["key"],
                number=number,
                type_label=str(TYPE_LABELS.get(q.get("type", ""), q.get("type", ""))),
                text=text.get(language, ""),
                other_text=text.get(other, ""),
                required=bool(q.get("required")),
                options=[(o.get("text") or {}).get(language, "") for o in q.get("options") or []],
                condition=_describe_condition(q.get("show_if"), numbered, language),
                first=number == 1,
                last=number == len(questions),
            )
        )
    return rows


# One sentence per comparison, so each language puts the value where it belongs
# ("질문 1의 답이 6 이하일 때 표시"). A multiple-choice answer holds several options, so "is"
# there means "includes" (see questions.is_visible).
_CONDITION_SENTENCES = {
    "lte": gettext_lazy("Shown when question %(number)s's answer is at most %(value)s"),
    "gte": gettext_lazy("Shown when question %(number)s's answer is at least %(value)s"),
    "eq": gettext_lazy("Shown when question %(number)s's answer is %(value)s"),
    "in": gettext_lazy("Shown when question %(number)s's answer is one of %(value)s"),
}
_MULTIPLE_CONDITION_SENTENCES = {
    "eq": gettext_lazy("Shown when %(value)s is chosen in question %(number)s"),
    "in": gettext_lazy("Shown when any of %(value)s is chosen in question %(number)s"),
}


def _value_label(value: Any, question: dict[str, Any], language: str) -> str:
    """A condition value as the reader knows it: a score as is, a choice or an intent answer
    by its label in `language` (in the other language if it has none in `language`; the raw
    value if the question no longer has the option or the option has no text)."""
    if question.get("type") == "intent" and value in INTENT_LABELS:
        return f"“{INTENT_LABELS[value]}”"
    for option in question.get("options") or []:
        if isinstance(option, dict) and option.get("value") == value:
            label = option_text(option, language) or value
            return f"“{label}”"
    return str(value) if question.get("type") in SCALES else f"“{value}”"


def _describe_condition(
    condition: dict[str, Any] | None,
    numbered: dict[Any, tuple[int, dict[str, Any]]],
    language: str,
) -> str:
    if not condition:
        return ""
    target = numbered.get(condition.get("question"))
    number: int | str = target[0] if target else "?"
    question: dict[str, Any] = target[1] if target else {}
    value = condition.get("value")
    values = value if isinstance(value, list) else [value]
    shown = ", ".join(_value_label(v, question, language) for v in values)
    op = condition.get("op", "")
    sentences = _CONDITION_SENTENCES
    if question.get("type") == "multiple" and op in _MULTIPLE_CONDITION_SENTENCES:
        sentences = _MULTIPLE_CONDITION_SENTENCES
    if op not in sentences:
        return ""  # validate_questions refuses unknown operators; nothing sensible to say
    return str(sentences[op]) % {"number": number, "value": shown}


def condition_rows(questions: list[dict[str, Any]], key: str) -> list[QuestionRow]:
    """The builder rows of the questions whose display condition looks at question `key`:
    while there are any, the question cannot be deleted."""
    numbers = {number for number, _question in conditions_on(questions, key)}
    return [row for row in question_rows(questions) if row.number in numbers]


def draft_question(survey: Survey, key: str) -> tuple[int, dict[str, Any]]:
    """(index, question) of the draft question `key`; 404 if the draft has none."""
    for index, question in enumerate(survey.draft):
        if question.get("key") == key:
            return index, question
    raise Http404


@dataclass(frozen=True)
class PublishPreview:
    """What publishing `survey`'s draft would do: the version it makes, the one it replaces
    for new invitations (None for a first publication), and the other published surveys of
    the same touchpoint (names), which would keep sending alongside it. `unchanged_since` is
    the current version's number when the survey is live and the draft has its questions
    (nothing to publish; an archived survey is made live again by publishing)."""

    number: int
    replaces: int | None
    same_touchpoint: list[str]
    unchanged_since: int | None = None


def publish_preview(survey: Survey) -> PublishPreview:
    last = survey.versions.aggregate(n=Max("number"))["n"]
    current = survey.current_version.number if survey.current_version else None
    others = (
        Survey.objects.filter(touchpoint_id=survey.touchpoint_id, status=Survey.Status.PUBLISHED)
        .exclude(pk=survey.pk)
        .order_by("name")
        .values_list("name", flat=True)
    )
    unchanged = (
        survey.current_version is not None
        and survey.status == Survey.Status.PUBLISHED
        and not has_unpublished_changes(survey)
    )
    return PublishPreview(
        number=(last or 0) + 1,
        replaces=current,
        same_touchpoint=list(others),
        unchanged_since=current if unchanged else None,
    )


EXAMPLE_VALID_DAYS = 30


@dataclass(frozen=True)
class OpenLinkExample:
    """A worked example of a signed order link, with the survey's own code and secret."""

    order: str
    expires: str
    expires_at: datetime
    canonical_lines: list[str]
    signature: str
    url: str


def open_link_example(survey: Survey, *, link: str, now: datetime | None = None) -> OpenLinkExample:
    """The open link `link` (absolute, ending in /o/<code>/) signed for the test order number
    with the survey's current secret, valid for 30 days from the start of today: it opens the
    survey and records nothing. No query."""
    code = survey.open_code or ""
    today = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    expires_at = today + timedelta(days=EXAMPLE_VALID_DAYS)
    expires = str(int(expires_at.timestamp()))
    signature = open_link_signature(
        secret=survey.open_link_secret, code=code, order=TEST_ORDER, expires=expires
    )
    query = urlencode({"order": TEST_ORDER, "exp": expires, "sig": signature})
    return OpenLinkExample(
        order=TEST_ORDER,
        expires=expires,
        expires_at=expires_at,
        canonical_lines=canonical_string(code=code, order=TEST_ORDER, expires=expires).split("\n"),
        signature=signature,
        url=f"{link}?{query}",
    )
