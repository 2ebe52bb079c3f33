"""Reads for the response explorer: survey responses and feedback side by side, keyset-paged,
their detail pages, and the access checks.

Both sources are read newest first by keyset on (time, code): one query per source, each
reading at most `limit + 1` rows, merged in Python (as the customer timeline merges its
sources). Never OFFSET and never COUNT(*) over everything, so page 2,000 costs what page 1
costs. Integer ids stay out of URLs: the tie-breaker is the row's `code` (a UUID), which
PostgreSQL and Python order the same way (big-endian bytes).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Upper
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cxm.models import User
from odata.masking import Contact, contact_for, may_see_contact
from odata.models import Channel, Store
from surveys.answering import asked_questions
from surveys.models import Survey, Touchpoint
from surveys.questions import SCALES
from xdata.csat import response_csat_expression
from xdata.models import ExportRun, Feedback, Response

PERMISSION = "xdata.view_responses"
PAGE_SIZE = 50
# pg_trgm finds no trigram in a pattern shorter than three characters; shorter searches
# (two Hangul syllables are a whole word: 친절, 배송) still work, by filtering the time-ordered
# scan instead of the index, which is fast for common words and bounded by the LIMIT.
MIN_SEARCH_LENGTH = 2

RESPONSE = "response"
FEEDBACK = "feedback"


class Source:
    ALL = "all"
    SURVEYS = "surveys"
    FEEDBACK = "feedback"


# A response's CSAT as the analysis counts it (`xdata.csat`), annotated under this name.
CSAT_SCORE = "csat_score"

# Score bands: (source kind, column, low, high). NPS and CSAT bands pick survey responses
# (a rating-only survey's first rating counts as its CSAT); rating bands pick feedback from
# other channels by its 1-5 stars (`Feedback.rating`, e.g. a review's), shown as "Review rating".
SCORE_BANDS: dict[str, tuple[str, str, int, int]] = {
    "nps_promoter": (RESPONSE, "nps", 9, 10),
    "nps_passive": (RESPONSE, "nps", 7, 8),
    "nps_detractor": (RESPONSE, "nps", 0, 6),
    "csat_high": (RESPONSE, CSAT_SCORE, 4, 5),
    "csat_mid": (RESPONSE, CSAT_SCORE, 3, 3),
    "csat_low": (RESPONSE, CSAT_SCORE, 1, 2),
    "rating_high": (FEEDBACK, "rating", 4, 5),
    "rating_mid": (FEEDBACK, "rating", 3, 3),
    "rating_low": (FEEDBACK, "rating", 1, 2),
}


def require_explorer(user: User) -> None:
    if not user.has_perm(PERMISSION):
        raise PermissionDenied


def access_response(user: User, code: UUID) -> Response:
    """The response `code` with its survey, version and context, and its CSAT as the analysis
    counts it (`csat_score`); 403 without `xdata.view_responses` (checked first, so outsiders
    cannot probe codes), 404 if unknown."""
    require_explorer(user)
    response = (
        Response.objects.select_related(
            "survey", "version", "touchpoint", "store", "order", "customer"
        )
        .annotate(**{CSAT_SCORE: response_csat_expression()})
        .filter(code=code)
        .first()
    )
    if response is None:
        raise Http404
    return response


def access_feedback(user: User, code: UUID) -> Feedback:
    """The feedback `code` with its context; 403 without `xdata.view_responses`, 404 if
    unknown."""
    require_explorer(user)
    feedback = Feedback.objects.select_related("store", "order", "customer").filter(code=code)
    row = feedback.first()
    if row is None:
        raise Http404
    return row


# -- Filters and cursor ----------------------------------------------------------------------


@dataclass(frozen=True)
class ExplorerFilters:
    source: str = Source.ALL
    survey: Survey | None = None
    touchpoint: Touchpoint | None = None
    store: Store | None = None
    date_from: date | None = None  # inclusive, in TIME_ZONE
    date_to: date | None = None  # inclusive, in TIME_ZONE
    score: str = ""  # a key of SCORE_BANDS
    language: str = ""
    has_comment: bool | None = None
    q: str = ""

    def includes(self, kind: str) -> bool:
        """Whether rows of `kind` can match: survey-only filters leave feedback out, and
        a rating band leaves survey responses out."""
        if kind == RESPONSE:
            if self.source == Source.FEEDBACK:
                return False
            return not self.score or SCORE_BANDS[self.score][0] == RESPONSE
        if self.source == Source.SURVEYS or self.survey or self.touchpoint:
            return False
        return not self.score or SCORE_BANDS[self.score][0] == FEEDBACK

    @property
    def search(self) -> str:
        """The text searched for, or empty when too short to search."""
        return self.q if len(self.q) >= MIN_SEARCH_LENGTH else ""


@dataclass(frozen=True)
class Cursor:
    """Where a page stopped: rows strictly older in (at, kind, code) order, newest first."""

    at: datetime
    kind: str
    code: UUID

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.kind}|{self.code.hex}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        """The cursor in `token`, or None when it is missing or malformed."""
        if not token or len(token) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            at_text, kind, code_hex = raw.split("|")
            at = datetime.fromisoformat(at_text)
            code = UUID(hex=code_hex)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if timezone.is_naive(at) or kind not in (RESPONSE, FEEDBACK):
            return None
        return cls(at=at, kind=kind, code=code)

    def older_than(self, *, kind: str, at: str) -> Q:
        """Rows of `kind` after this cursor in newest-first order (kind breaks ties in time
        between the sources, code within one)."""
        if kind < self.kind:
            return Q(**{f"{at}__lte": self.at})
        if kind > self.kind:
            return Q(**{f"{at}__lt": self.at})
        # The redundant `at <= cursor` gives the planner a range on the time index; the OR
        # alone would make it read every row newer than the cursor too.
        return Q(**{f"{at}__lte": self.at}) & (
            Q(**{f"{at}__lt": self.at}) | Q(**{at: self.at, "code__lt": self.code})
        )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _common(filters: ExplorerFilters, *, at: str, text: str) -> Q:
    condition = Q()
    if filters.store is not None:
        condition &= Q(store=filters.store)
    if filters.date_from is not None:
        condition &= Q(**{f"{at}__gte": _day_start(filters.date_from)})
    if filters.date_to is not None:
        condition &= Q(**{f"{at}__lt": _day_start(filters.date_to + timedelta(days=1))})
    if filters.language:
        condition &= Q(language=filters.language)
    if filters.has_comment is True:
        condition &= ~Q(**{text: ""})
    elif filters.has_comment is False:
        condition &= Q(**{text: ""})
    if filters.score:
        _kind, column, low, high = SCORE_BANDS[filters.score]
        condition &= Q(**{f"{column}__gte": low, f"{column}__lte": high})
    if filters.search:
        # Spelt as UPPER(text) LIKE '%Q%' so a trigram index on UPPER(text) serves it (see
        # the report: `response_comment_trgm`, `feedback_text_trgm`); `contains` escapes % and _.
        condition &= Q(search_text__contains=filters.search.upper())
    return condition


def matching_responses(filters: ExplorerFilters, *, with_csat: bool = False) -> QuerySet[Response]:
    """Responses matching `filters` (ignoring the source), unordered. A CSAT band filters on
    the CSAT the analysis counts (`xdata.csat`), so a store-visit survey's 1-5 rating is in
    it; `with_csat` gives each row that CSAT as `csat_score`."""
    condition = _common(filters, at="submitted_at", text="comment")
    if filters.survey is not None:
        condition &= Q(survey=filters.survey)
    if filters.touchpoint is not None:
        condition &= Q(touchpoint=filters.touchpoint)
    responses = Response.objects.all()
    if with_csat or (filters.score and SCORE_BANDS[filters.score][1] == CSAT_SCORE):
        responses = responses.alias(**{CSAT_SCORE: response_csat_expression()})
        if with_csat:
            responses = responses.annotate(**{CSAT_SCORE: F(CSAT_SCORE)})
    if filters.search:
        responses = responses.alias(search_text=Upper("comment"))
    return responses.filter(condition)


def matching_feedback(filters: ExplorerFilters) -> QuerySet[Feedback]:
    """Feedback matching `filters` (ignoring the source), unordered."""
    feedback = Feedback.objects.all()
    if filters.search:
        feedback = feedback.alias(search_text=Upper("text"))
    return feedback.filter(_common(filters, at="occurred_at", text="text"))


# -- The list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplorerRow:
    kind: str  # RESPONSE or FEEDBACK
    at: datetime
    code: UUID
    subject: Response | Feedback
    text: str  # the comment or the feedback text

    @property
    def is_response(self) -> bool:
        return self.kind == RESPONSE


@dataclass(frozen=True)
class ExplorerPage:
    rows: list[ExplorerRow]
    next_cursor: Cursor | None  # None on the last page
    filters: ExplorerFilters
    first_page: bool = field(default=True)


def _response_rows(
    filters: ExplorerFilters, after: Cursor | None, limit: int, *, keys_only: bool
) -> list[ExplorerRow]:
    responses = matching_responses(filters, with_csat=not keys_only)
    if keys_only:
        responses = responses.only("id", "submitted_at", "code")
    else:
        # The survey's draft (a JSON list) is not shown: left out, it is not read and decoded.
        responses = responses.select_related("survey", "touchpoint", "store", "customer").defer(
            "survey__draft"
        )
    if after is not None:
        responses = responses.filter(after.older_than(kind=RESPONSE, at="submitted_at"))
    return [
        ExplorerRow(RESPONSE, r.submitted_at, r.code, r, "" if keys_only else r.comment)
        for r in responses.order_by("-submitted_at", "-code")[:limit]
    ]


def _feedback_rows(
    filters: ExplorerFilters, after: Cursor | None, limit: int, *, keys_only: bool
) -> list[ExplorerRow]:
    feedback = matching_feedback(filters)
    if keys_only:
        feedback = feedback.only("id", "occurred_at", "code")
    else:
        feedback = feedback.select_related("store", "customer")
    if after is not None:
        feedback = feedback.filter(after.older_than(kind=FEEDBACK, at="occurred_at"))
    return [
        ExplorerRow(FEEDBACK, f.occurred_at, f.code, f, "" if keys_only else f.text)
        for f in feedback.order_by("-occurred_at", "-code")[:limit]
    ]


def explore(
    filters: ExplorerFilters,
    *,
    after: Cursor | None = None,
    limit: int | None = None,
    keys_only: bool = False,
) -> ExplorerPage:
    """One page of responses and feedback matching `filters`, newest first (`PAGE_SIZE`
    rows unless `limit` says otherwise).

    One query per source that can match (two at most), each by keyset. With `keys_only` each
    row's subject has only its id, time and code loaded and `text` is empty: for callers that
    read the rows' columns themselves (the exports), so nothing is read twice.
    """
    limit = limit or PAGE_SIZE
    rows: list[ExplorerRow] = []
    if filters.includes(RESPONSE):
        rows += _response_rows(filters, after, limit + 1, keys_only=keys_only)
    if filters.includes(FEEDBACK):
        rows += _feedback_rows(filters, after, limit + 1, keys_only=keys_only)
    rows.sort(key=lambda r: (r.at, r.kind, r.code), reverse=True)
    shown = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = shown[-1]
        next_cursor = Cursor(at=last.at, kind=last.kind, code=last.code)
    return ExplorerPage(rows=shown, next_cursor=next_cursor, filters=filters, first_page=not after)


def explore_all(
    filters: ExplorerFilters, *, limit: int, batch: int = 2000, keys_only: bool = False
) -> Iterator[list[ExplorerRow]]:
    """Every matching row up to `limit + 1` (so callers can tell when they were cut), in
    batches, by the same keyset as the pages; memory holds one batch. `keys_only` as for
    `explore`."""
    after: Cursor | None = None
    left = limit + 1
    while left > 0:
        page = explore(filters, after=after, limit=min(batch, left), keys_only=keys_only)
        if page.rows:
            yield page.rows
        left -= len(page.rows)
        if page.next_cursor is None:
            return
        after = page.next_cursor


def count_export_rows(filters: ExplorerFilters, *, limit: int) -> int:
    """How many rows match `filters`, up to `limit + 1` ("more than `limit`"): one count per
    source that can match, each over at most `limit + 1` rows, so a broad filter over millions
    of rows costs no more than the export itself would read."""
    total = 0
    if filters.includes(RESPONSE):
        total += matching_responses(filters)[: limit + 1].count()
    if filters.includes(FEEDBACK):
        total += matching_feedback(filters)[: limit + 1].count()
    return min(total, limit + 1)


def access_export_run(user: User, code: UUID) -> ExportRun:
    """The export run `code` for the person who asked for it; 404 for anyone else (and for its
    owner once they may no longer explore), so a run's code reveals nothing."""
    run = ExportRun.objects.filter(code=code, created_by=user).first()
    if run is None or not user.has_perm(PERMISSION):
        raise Http404
    return run


RECENT_EXPORTS = 10


def recent_exports(user: User) -> list[ExportRun]:
    """The user's last `RECENT_EXPORTS` export runs, newest first."""
    return list(
        ExportRun.objects.filter(created_by=user).order_by("-created_at", "-id")[:RECENT_EXPORTS]
    )


def filter_choices() -> dict[str, Any]:
    """Surveys, touchpoints and stores for the filter form (three queries)."""
    return {
        "surveys": list(Survey.objects.exclude(status=Survey.Status.DRAFT).order_by("name")),
        "touchpoints": list(Touchpoint.objects.order_by("name")),
        "stores": list(Store.objects.filter(is_active=True).order_by("name")),
    }


# -- Detail ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerLine:
    key: str
    question: str  # in the viewer's language
    type: str
    value: str  # ready to show (escaped by the template)
    number: int | None


@dataclass(frozen=True)
class ResponseDetail:
    response: Response
    answers: list[AnswerLine]
    contact: Contact | None
    intent: str  # the intent answer in the viewer's language
    language: str  # the language the customer answered in, named in the viewer's language
    purchase_channel: str  # an order channel's label; an open link's own word as given


def localized(texts: Any, language: str) -> str:
    """A question's or option's text in `language`, else Korean, else any."""
    if isinstance(texts, str):
        return texts
    if not isinstance(texts, dict) or not texts:
        return ""
    return str(texts.get(language) or texts.get("ko") or next(iter(texts.values())))


def intent_label(value: str) -> str:
    labels = {"yes": _("Yes"), "no": _("No"), "unsure": _("Not sure")}
    return labels.get(value, value)


def language_name(code: str) -> str:
    """The name of a language code in the viewer's language ("en" -> English / 영어)."""
    return str(dict(settings.LANGUAGES).get(code, code))


# Feedback channels named in the docs and the demo; any other name is shown as the sender gave it.
FEEDBACK_CHANNELS = {
    "naver_review": gettext_lazy("Naver review"),
    "kakao_review": gettext_lazy("Kakao Map review"),
    "google_review": gettext_lazy("Google review"),
    "instagram": gettext_lazy("Instagram"),
    "call_centre": gettext_lazy("Call centre"),
    "call_center": gettext_lazy("Call centre"),
}


def feedback_channel_label(value: str) -> str:
    """A feedback channel's name for people ("naver_review" -> Naver review / 네이버 리뷰)."""
    return str(FEEDBACK_CHANNELS.get(value, value))


def purchase_channel_label(value: str) -> str:
    """An order channel's label ("online" -> Online / 온라인); an open link's channel word
    (channel= on a QR code, chosen by whoever printed it) is shown as given."""
    return str(Channel(value).label) if value in Channel.values else value


def answer_value(question: dict[str, Any], answer: Any, language: str) -> str:
    """An answer as text: a number, the chosen options' texts, an intent word or the text.

    Read from the column the recorder writes (xdata.services.responses.answer_row): scales in
    `number`, single, multiple and intent choices in `selected`, free text in `text`.
    """
    if answer is None:
        return ""
    qtype = question.get("type", "")
    options = {
        o.get("value"): localized(o.get("text"), language) for o in question.get("options") or []
    }
    if qtype == "intent":
        chosen = answer.selected or ([answer.text] if answer.text else [])
        return ", ".join(str(intent_label(v)) for v in chosen)
    if qtype in ("single", "multiple") or answer.selected:
        return ", ".join(options.get(v, v) for v in answer.selected) or str(answer.text)
    if answer.number is not None:
        return str(answer.number)
    return str(answer.text)


def stored_value(question: dict[str, Any], answer: Any) -> Any:
    """The answer value an Answer row holds, as the answer pages gave it (None: none)."""
    if answer is None:
        return None
    qtype = question.get("type", "")
    if qtype in SCALES:
        return answer.number
    if qtype == "multiple":
        return list(answer.selected) or None
    if qtype in ("single", "intent"):
        return answer.selected[0] if answer.selected else answer.text or None
    return answer.text or None


def response_detail(response: Response, *, viewer: User) -> ResponseDetail:
    """The questions of the response's version the customer was asked, in order, with their
    answers (one query). A question its display condition hid (a branch the customer's answers
    skipped) is left out; an asked optional question left blank is shown with no value."""
    language = (get_language() or "ko")[:2]
    answers = {a.question_key: a for a in response.answers.all()}
    questions = response.version.questions if isinstance(response.version.questions, list) else []
    values = {
        str(q.get("key", "")): stored_value(q, answers.get(str(q.get("key", ""))))
        for q in questions
    }
    lines = []
    for question in asked_questions(questions, values):
        key = str(question.get("key", ""))
        answer = answers.pop(key, None)
        lines.append(
            AnswerLine(
                key=key,
                question=localized(question.get("text"), language),
                type=str(question.get("type", "")),
                value=answer_value(question, answer, language),
                number=answer.number if answer is not None else None,
            )
        )
    # Answers to keys the version does not know (should not happen) are still shown.
    for key, answer in sorted(answers.items()):
        lines.append(AnswerLine(key, key, "", answer_value({}, answer, language), answer.number))
    return ResponseDetail(
        response=response,
        answers=lines,
        contact=_contact(response, viewer),
        intent=intent_label(response.intent),
        language=language_name(response.language),
        purchase_channel=purchase_channel_label(response.purchase_channel),
    )


@dataclass(frozen=True)
class FeedbackDetail:
    feedback: Feedback
    contact: Contact | None
    language: str  # named in the viewer's language; empty when the channel did not say


def feedback_detail(feedback: Feedback, *, viewer: User) -> FeedbackDetail:
    return FeedbackDetail(
        feedback=feedback,
        contact=_contact(feedback, viewer),
        language=language_name(feedback.language) if feedback.language else "",
    )


def _contact(row: Response | Feedback, viewer: User) -> Contact | None:
    customer = row.customer
    if customer is None:
        return None
    return contact_for(email=customer.email, phone=customer.phone, reveal=may_see_contact(viewer))


def order_answered_through_open_link(*, survey: Survey, order_id: int) -> bool:
    """Whether `survey` has an open-link answer for the order (the partial unique index on
    (survey, order) serves it)."""
    return Response.objects.filter(
        survey=survey, order_id=order_id, submission_key__isnull=False
    ).exists()
