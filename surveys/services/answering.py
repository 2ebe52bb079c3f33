"""Finding what a customer's link opens, pinning the version answered, saving partial answers."""

from __future__ import annotations

import re
import time
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from odata.models import Order, Store
from surveys.answering import question_answers
from surveys.models import Invitation, Survey, SurveyVersion
from surveys.open_links import SignedOrder, signature_matches
from surveys.tokens import token_matches

# Invitations a customer can still answer (a scheduled one whose link is already out, too).
ANSWERABLE = (Invitation.Status.SCHEDULED, Invitation.Status.SENT)
VERSION_KEY = "_version"
# Values shown in fields, not answers: a step the customer went back from, or left by going back.
TYPED_KEY = "_typed"
CHANNEL_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,16}")


class LinkProblem(Exception):
    """Why a link cannot be answered: `kind` is one of the constants below."""

    NOT_FOUND = "not_found"
    BAD_LINK = "bad_link"  # an open link's order parameters are not well formed
    GONE = "gone"  # expired, revoked, or the survey was archived
    ANSWERED = "answered"

    def __init__(self, kind: str, *, language: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        # The invitation's language, when the link names one: the page speaks it.
        self.language = language


def invitation_for_token(*, token: str) -> Invitation:
    """The invitation behind the personal link `token`, if it can still be answered.

    One query (with the survey and its current version). Raises LinkProblem.
    """
    invitation = (
        Invitation.objects.select_related("survey__current_version")
        .filter(token_matches(token))
        .first()
    )
    if invitation is None:
        raise LinkProblem(LinkProblem.NOT_FOUND)
    if invitation.status == Invitation.Status.ANSWERED:
        raise LinkProblem(LinkProblem.ANSWERED, language=invitation.language)
    if (
        invitation.status not in ANSWERABLE
        or invitation.expires_at <= timezone.now()
        or invitation.survey.status == Survey.Status.ARCHIVED
    ):
        raise LinkProblem(LinkProblem.GONE, language=invitation.language)
    return invitation


def answering_version(*, invitation: Invitation) -> SurveyVersion:
    """The version this invitation answers: the survey's current version when the link was
    first opened, pinned in `partial_answers["_version"]` so a later publish changes nothing
    for this customer. Raises LinkProblem when the survey was never published."""
    current = invitation.survey.current_version
    number = invitation.partial_answers.get(VERSION_KEY)
    if number is None:
        if current is None:
            raise LinkProblem(LinkProblem.NOT_FOUND)
        pinned = {**invitation.partial_answers, VERSION_KEY: current.number}
        # Conditional: two first opens at once pin one version, the first.
        updated = (
            Invitation.objects.filter(pk=invitation.pk, status__in=ANSWERABLE)
            .filter(~Q(partial_answers__has_key=VERSION_KEY))
            .update(partial_answers=pinned)
        )
        if updated:
            invitation.partial_answers = pinned
            return current
        invitation.refresh_from_db(fields=["partial_answers"])
        number = invitation.partial_answers.get(VERSION_KEY)
    if current is not None and current.number == number:
        return current
    version = SurveyVersion.objects.filter(survey_id=invitation.survey_id, number=number).first()
    if version is None:
        raise LinkProblem(LinkProblem.NOT_FOUND)
    return version


def saved_answers(*, invitation: Invitation) -> dict[str, Any]:
    """The answers saved so far (question keys only)."""
    return question_answers(invitation.partial_answers)


def saved_typed(*, invitation: Invitation) -> dict[str, list[str]]:
    """What the customer typed or picked on steps they went back from, to show in the fields."""
    typed = invitation.partial_answers.get(TYPED_KEY)
    return typed if isinstance(typed, dict) else {}


def save_partial_answers(
    *,
    invitation: Invitation,
    answers: dict[str, Any],
    typed: dict[str, list[str]] | None = None,
) -> bool:
    """Keep the answers given so far (question keys) beside the pinned version, for resuming,
    and `typed`, the field values of steps the customer went back from (none when empty).

    Conditional on the invitation still being answerable; False when it no longer is.
    """
    partial = {**answers, VERSION_KEY: invitation.partial_answers.get(VERSION_KEY)}
    if typed:
        partial[TYPED_KEY] = typed
    saved = Invitation.objects.filter(pk=invitation.pk, status__in=ANSWERABLE).update(
        partial_answers=partial
    )
    if saved:
        invitation.partial_answers = partial
    return bool(saved)


# code: (good until, on `_clock`; the survey with its touchpoint and current version)
_open_surveys: dict[str, tuple[float, Survey]] = {}
_clock = time.monotonic
OPEN_SURVEYS_KEPT = 1000


def survey_for_open_code(*, code: str) -> Survey:
    """The published survey behind the open link `code`, with its touchpoint and current
    version (one query, or none within `CXM_OPEN_LINK_CACHE_SECONDS` of the last). Raises
    LinkProblem.

    The survey is kept per process for those seconds: a closed, republished or unlinked survey
    is seen by this process at once (`forget_open_surveys`) and by the other web processes
    within them. Unknown codes are not kept, so a new open link works at once.
    """
    now = _clock()
    kept = _open_surveys.get(code)
    if kept is not None and kept[0] > now:
        return kept[1]
    survey = (
        Survey.objects.select_related("current_version", "touchpoint")
        .filter(open_code=code, status=Survey.Status.PUBLISHED, current_version__isnull=False)
        .first()
    )
    if survey is None:
        _open_surveys.pop(code, None)
        raise LinkProblem(LinkProblem.NOT_FOUND)
    seconds = settings.CXM_OPEN_LINK_CACHE_SECONDS
    if seconds > 0:
        if len(_open_surveys) >= OPEN_SURVEYS_KEPT:
            _open_surveys.clear()
        _open_surveys[code] = (now + seconds, survey)
    return survey


def forget_open_surveys() -> None:
    """Drop this process's kept open-link surveys (a survey's status, version or code changed)."""
    _open_surveys.clear()


def open_link_version(*, survey: Survey, number: int) -> SurveyVersion:
    """Version `number` of `survey` (the one the visitor started with). Raises LinkProblem."""
    current = survey.current_version
    if current is not None and current.number == number:
        current.survey = survey  # the recorder reads its touchpoint
        return current
    version = SurveyVersion.objects.filter(survey=survey, number=number).first()
    if version is None:
        raise LinkProblem(LinkProblem.NOT_FOUND)
    version.survey = survey
    return version


def store_for_open_link(external_id: str) -> Store | None:
    """The active store named by an open link's `store=` parameter; None when unknown."""
    if not external_id or len(external_id) > 64:
        return None
    return Store.objects.filter(external_id=external_id, is_active=True).first()


def clean_channel(value: str) -> str:
    """An open link's `channel=` parameter, or "" when it is not a short plain word."""
    return value if CHANNEL_PATTERN.fullmatch(value) else ""


def check_signed_order(*, survey: Survey, signed: SignedOrder, first_page: bool) -> None:
    """Raise LinkProblem unless `signed` is signed with the survey's open-link secret.

    NOT_FOUND when the signature does not match (tampered, signed with a rotated secret, or the
    survey has no secret); on the first page an expired link is GONE (a visitor who started
    before the expiry may finish: the form's state lasts a day). No query. The same check for
    the test order (`signed.is_test`) as for a real one.
    """
    if survey.open_code is None or not signature_matches(
        secret=survey.open_link_secret, code=survey.open_code, signed=signed
    ):
        raise LinkProblem(LinkProblem.NOT_FOUND)
    if first_page and signed.is_expired():
        raise LinkProblem(LinkProblem.GONE)


def order_for_open_link(*, survey: Survey, signed: SignedOrder, first_page: bool) -> Order:
    """The order an open link names with a valid signature under the survey's open-link secret.

    Raises LinkProblem as `check_signed_order` does, and NOT_FOUND when no order has that
    external id: one answer for both, so a link tells nothing about which orders exist. The
    signature is checked before anything is looked up, so a forged link costs no query. One
    query when the signature matches. Not for the test order, which is never looked up.
    """
    if signed.is_test:
        raise ValueError("the test order is never looked up")
    check_signed_order(survey=survey, signed=signed, first_page=first_page)
    order = (
        Order.objects.filter(external_id=signed.order)
        .only("pk", "customer_id", "store_id", "channel", "placed_at")
        .first()
    )
    if order is None:
        raise LinkProblem(LinkProblem.NOT_FOUND)
    return order
