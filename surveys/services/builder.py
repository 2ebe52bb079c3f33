"""The survey builder: touchpoints, survey settings, the question draft, publishing.

Every change to a draft re-reads it under the survey's row lock, applies the change to a copy,
validates the whole list with `validate_questions` and saves only a valid result: two admins
editing at once never lose each other's change, and a draft is never half-saved.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cxm.models import User
from surveys.answering import question_text
from surveys.models import Survey, SurveyVersion, Touchpoint
from surveys.open_links import new_open_link_secret
from surveys.questions import conditions_on, csat_rating_key, text_language, validate_questions
from surveys.selectors import has_unpublished_changes
from surveys.services.answering import forget_open_surveys
from surveys.survey_templates import TEMPLATES

Question = dict[str, Any]


class DraftInvalid(Exception):
    """The change would leave the draft invalid; `errors` say why (in the active language)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class QuestionNotFound(LookupError):
    pass


class NothingToPublish(Exception):
    """The draft is the current version's questions: publishing would make an identical copy."""

    def __init__(self, number: int) -> None:
        super().__init__(f"the draft has no changes since version {number}")
        self.number = number


# -- Touchpoints -----------------------------------------------------------------------------


def create_touchpoint(
    *,
    name: str,
    description: str = "",
    owner_team: Group | None = None,
    owner_user: User | None = None,
    milestone: str = "",
    contact_interval_days: int | None = None,
    is_active: bool = True,
) -> Touchpoint:
    return Touchpoint.objects.create(
        name=name,
        description=description,
        owner_team=owner_team,
        owner_user=owner_user,
        milestone=milestone,
        contact_interval_days=contact_interval_days,
        is_active=is_active,
    )


TOUCHPOINT_FIELDS = (
    "name",
    "description",
    "owner_team",
    "owner_user",
    "milestone",
    "contact_interval_days",
    "is_active",
)


def update_touchpoint(
    *,
    touchpoint: Touchpoint,
    name: str,
    description: str,
    owner_team: Group | None,
    owner_user: User | None,
    milestone: str,
    contact_interval_days: int | None,
    is_active: bool,
) -> Touchpoint:
    touchpoint.name = name
    touchpoint.description = description
    touchpoint.owner_team = owner_team
    touchpoint.owner_user = owner_user
    touchpoint.milestone = milestone
    touchpoint.contact_interval_days = contact_interval_days
    touchpoint.is_active = is_active
    touchpoint.save(update_fields=list(TOUCHPOINT_FIELDS))
    return touchpoint


# -- Surveys ---------------------------------------------------------------------------------


def create_survey(
    *, name: str, touchpoint: Touchpoint, template: str = "", created_by: User | None
) -> Survey:
    """A draft survey, empty or with a copy of the starting template's questions."""
    questions = TEMPLATES[template].question_list() if template else []
    return Survey.objects.create(
        name=name, touchpoint=touchpoint, draft=questions, created_by=created_by
    )


def new_open_code() -> str:
    # 64 random bits in 11 URL-safe characters: short enough for a QR code, not guessable.
    return secrets.token_urlsafe(8)


def update_survey_settings(
    *,
    survey: Survey,
    name: str,
    touchpoint: Touchpoint,
    send_on_milestone: bool,
    send_delay_hours: int,
    reminder_after_days: int,
    expires_after_days: int,
    open_link: bool,
) -> Survey:
    """Save the settings. Switching the open link on keeps an existing code (printed QR codes
    go on working); switching it off forgets the code, so old QR codes stop working. A new code
    comes with a new open-link secret for signing orders."""
    survey.name = name
    survey.touchpoint = touchpoint
    survey.send_on_milestone = send_on_milestone
    survey.send_delay_hours = send_delay_hours
    survey.reminder_after_days = reminder_after_days
    survey.expires_after_days = expires_after_days
    if not open_link:
        survey.open_code = None
    elif not survey.open_code:
        survey.open_code = new_open_code()
        survey.open_link_secret = new_open_link_secret()
    survey.save(
        update_fields=[
            "name",
            "touchpoint",
            "send_on_milestone",
            "send_delay_hours",
            "reminder_after_days",
            "expires_after_days",
            "open_code",
            "open_link_secret",
            "updated_at",
        ]
    )
    forget_open_surveys()
    return survey


def rotate_open_link_secret(*, survey: Survey) -> str:
    """Give `survey` a new open-link secret and return it. Orders signed with the old secret
    stop opening the survey: here at once, in the other web processes within
    `CXM_OPEN_LINK_CACHE_SECONDS` (they keep the survey that long)."""
    survey.open_link_secret = new_open_link_secret()
    survey.save(update_fields=["open_link_secret", "updated_at"])
    forget_open_surveys()
    return survey.open_link_secret


def archive_survey(*, survey: Survey) -> bool:
    """Stop new invitations; answers already given stay. Idempotent: False if archived."""
    changed = (
        Survey.objects.filter(pk=survey.pk)
        .exclude(status=Survey.Status.ARCHIVED)
        .update(status=Survey.Status.ARCHIVED)
    )
    survey.status = Survey.Status.ARCHIVED
    forget_open_surveys()
    return bool(changed)


# -- The draft -------------------------------------------------------------------------------


def _change_draft(*, survey: Survey, change: Callable[[list[Question]], None]) -> Survey:
    """Apply `change` to the current draft (under the row lock) and save it if it is valid."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        draft = copy.deepcopy(locked.draft)
        change(draft)
        errors = validate_questions(draft)
        if errors:
            raise DraftInvalid(errors)
        locked.draft = draft
        locked.save(update_fields=["draft", "updated_at"])
    survey.draft, survey.updated_at = locked.draft, locked.updated_at
    return survey


def _index_of(draft: list[Question], key: str) -> int:
    for index, question in enumerate(draft):
        if question.get("key") == key:
            return index
    raise QuestionNotFound(key)


def next_question_key(draft: list[Question]) -> str:
    used = {q.get("key") for q in draft}
    number = len(draft) + 1
    while f"q{number}" in used:
        number += 1
    return f"q{number}"


def add_question(*, survey: Survey, question: Question) -> str:
    """Append `question` (without a key: the builder gives it the next free `q<n>`).

    Returns its key. Raises DraftInvalid."""
    added: dict[str, str] = {}

    def change(draft: list[Question]) -> None:
        key = next_question_key(draft)
        draft.append({**question, "key": key})
        added["key"] = key

    _change_draft(survey=survey, change=change)
    return added["key"]


def update_question(*, survey: Survey, key: str, question: Question) -> None:
    """Replace the question `key` (which keeps its key). Raises QuestionNotFound, DraftInvalid."""

    def change(draft: list[Question]) -> None:
        draft[_index_of(draft, key)] = {**question, "key": key}

    _change_draft(survey=survey, change=change)


def delete_question(*, survey: Survey, key: str) -> None:
    """Remove the question `key`; refused (DraftInvalid) while a later one's display condition
    looks at it, naming both questions by their number before the delete and their text."""

    def change(draft: list[Question]) -> None:
        index = _index_of(draft, key)
        dependents = conditions_on(draft, key)
        if dependents:
            language = text_language()
            raise DraftInvalid(
                [
                    _(
                        "Question %(number)d “%(text)s” cannot be deleted: question "
                        "%(dependent)d “%(dependent_text)s” is shown depending on its answer. "
                        "Change or remove that display condition first."
                    )
                    % {
                        "number": index + 1,
                        "text": question_text(draft[index], language),
                        "dependent": number,
                        "dependent_text": question_text(question, language),
                    }
                    for number, question in dependents
                ]
            )
        del draft[index]

    _change_draft(survey=survey, change=change)


def move_question(*, survey: Survey, key: str, up: bool) -> None:
    """Swap the question `key` with its neighbour. At either end nothing changes; a move that
    would put a condition before its question is refused (DraftInvalid)."""

    def change(draft: list[Question]) -> None:
        index = _index_of(draft, key)
        other = index - 1 if up else index + 1
        if 0 <= other < len(draft):
            draft[index], draft[other] = draft[other], draft[index]

    _change_draft(survey=survey, change=change)


# -- Publishing ------------------------------------------------------------------------------


def publish_survey(*, survey: Survey, by: User | None) -> SurveyVersion:
    """Freeze the draft into the next version and make it the one customers get.

    The survey row is locked for the whole transaction, so two admins publishing at once get
    versions n and n+1, never two n's (the unique constraint would refuse the second anyway,
    with an error instead of a version). Raises DraftInvalid for an empty or invalid draft and
    NothingToPublish when the survey is live and the draft has the current version's questions.
    """
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        draft = locked.draft
        current = locked.current_version
        # Settings are not part of a version (they apply when saved): only the questions count.
        # An archived survey is made live again by publishing, changed or not.
        if (
            current is not None
            and locked.status == Survey.Status.PUBLISHED
            and not has_unpublished_changes(locked)
        ):
            raise NothingToPublish(current.number)
        errors = validate_questions(draft)
        if not errors and not draft:
            errors = [_("Add at least one question before publishing.")]
        if errors:
            raise DraftInvalid(errors)
        last = SurveyVersion.objects.filter(survey=locked).aggregate(n=Max("number"))["n"] or 0
        version = SurveyVersion.objects.create(
            survey=locked,
            number=last + 1,
            questions=copy.deepcopy(draft),
            csat_rating_key=csat_rating_key(draft),
            published_by=by,
        )
        locked.current_version = version
        locked.status = Survey.Status.PUBLISHED
        locked.save(update_fields=["current_version", "status", "updated_at"])
    survey.current_version, survey.status = version, locked.status
    survey.draft = locked.draft
    forget_open_surveys()
    return version
