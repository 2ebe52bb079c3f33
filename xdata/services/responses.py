"""Record a customer's submitted survey answers as a Response with one Answer per question."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Field
from django.utils import timezone

from odata.models import Order, Store
from surveys.answering import asked_questions, missing_or_invalid
from surveys.models import Daypart, Invitation, SurveyVersion
from surveys.questions import SCALES, TEXT_LIMITS
from surveys.services.answering import ANSWERABLE
from xdata.models import Answer, Response

SCORE_COLUMNS = ("nps", "csat", "ces")
# A type's length, as in varchar(64) or varchar(64)[]: casting to it would cut a longer value.
_LENGTH = re.compile(r"\(\d+\)")


class AlreadyRecorded(Exception):
    """The invitation was answered, or this submission key recorded, before."""


class OrderAlreadyAnswered(AlreadyRecorded):
    """Another open-link submission already answered this survey for this order."""


ORDER_ONCE = "response_open_link_order_once"


class IncompleteAnswers(ValueError):
    """Required answers are missing or values are malformed (keys in `args[0]`)."""


@dataclass(frozen=True)
class OpenLinkContext:
    """Hidden context of an open-link visit (the invitation carries it for personal links)."""

    language: str
    store: Store | None = None
    purchase_channel: str = ""
    # A signed order from the receipt: its store, channel, purchase time and customer win.
    order: Order | None = None


def daypart_of(moment: datetime) -> str:
    """The daypart of `moment` in the local time zone."""
    hour = timezone.localtime(moment).hour
    if hour < 11:
        return Daypart.MORNING
    if hour < 14:
        return Daypart.LUNCH
    if hour < 17:
        return Daypart.AFTERNOON
    return Daypart.EVENING


def record_response(
    *,
    version: SurveyVersion,
    answers: dict[str, Any],
    invitation: Invitation | None = None,
    submission_key: UUID | None = None,
    open_link: OpenLinkContext | None = None,
    submitted_at: datetime | None = None,
) -> Response:
    """Write the response to `version` in one transaction; return it.

    Personal link: pass `invitation`; its context is copied and it is marked answered (claimed
    by a conditional update on its status, so two concurrent submits record once). Open link:
    pass `submission_key` and `open_link`; the unique key makes a double submit record once.
    Either way a repeat raises AlreadyRecorded; an open-link answer for an order this survey
    already has an open-link answer for raises OrderAlreadyAnswered (a unique constraint, so
    two people submitting one receipt at once record one). Answers to hidden questions are
    dropped; a missing required answer or a malformed value raises IncompleteAnswers.
    `evaluated_at` stays empty for the trigger rules.
    """
    if (invitation is None) == (submission_key is None):
        raise ValueError("pass exactly one of invitation and submission_key")
    questions: list[dict[str, Any]] = version.questions
    problems = missing_or_invalid(questions, answers)
    if problems:
        raise IncompleteAnswers(problems)
    asked = asked_questions(questions, answers)
    now = submitted_at or timezone.now()
    response = Response(
        survey_id=version.survey_id,
        version=version,
        submission_key=submission_key,
        submitted_at=now,
        **score_columns(asked, answers),
        **_context(invitation, open_link, now, version),
    )
    rows = [answer_row(response, q, answers.get(q["key"])) for q in asked]
    # An open-link response is one statement, atomic on its own: no transaction round trips on
    # the busiest public path. A personal link also claims its invitation, so it needs one; so
    # does a caller's open transaction (a savepoint keeps it usable after a double submit).
    needs_transaction = invitation is not None or connection.in_atomic_block
    try:
        with transaction.atomic() if needs_transaction else contextlib.nullcontext():
            if invitation is not None:
                _claim(invitation, now)
            _insert(response, rows)
    except IntegrityError as error:
        # The invitation's one-to-one response or the unique submission key: a double submit.
        # The order's constraint may be the one PostgreSQL reports for a double submit too:
        # only a different submission is a second answer for the order.
        if _violated(error) == ORDER_ONCE and not _submission_recorded(submission_key):
            raise OrderAlreadyAnswered from error
        raise AlreadyRecorded from error
    return response


def _violated(error: IntegrityError) -> str:
    """The name of the constraint `error` reports, or ""."""
    diag = getattr(error.__cause__, "diag", None)
    return str(getattr(diag, "constraint_name", "") or "")


def _submission_recorded(key: UUID | None) -> bool:
    return key is not None and Response.objects.filter(submission_key=key).exists()


def _insert(response: Response, rows: list[Answer]) -> None:
    """INSERT `response` and its answer `rows` in one statement; set the response's id."""
    db = connections[DEFAULT_DB_ALIAS]
    fields, columns = _insert_fields()
    params = [f.get_db_prep_save(f.pre_save(response, add=True), db) for f in fields]
    for row in rows:
        params.extend(f.get_db_prep_save(getattr(row, f.attname), db) for f in columns)
    # The statement's text is the same for every response with as many answers: prepared, the
    # server parses and plans it once per connection.
    with db.prepared_cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(_insert_sql(len(rows)), params)
        (response.pk,) = cursor.fetchone()
    response._state.adding = False
    response._state.db = db.alias


@cache
def _insert_fields() -> tuple[list[Field[Any, Any]], list[Field[Any, Any]]]:
    """The response's columns, and an answer's columns but its response."""
    link = Answer._meta.get_field("response")
    return (
        [f for f in Response._meta.concrete_fields if not f.primary_key],
        [f for f in Answer._meta.concrete_fields if not f.primary_key and f != link],
    )


@cache
def _insert_sql(answers: int) -> str:
    """The statement for a response with `answers` answer rows. Names come from the models;
    every value is a bound parameter."""
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    fields, columns = _insert_fields()
    pk, link = quote(Response._meta.pk.column), Answer._meta.get_field("response")
    response_table, answer_table = quote(Response._meta.db_table), quote(Answer._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    parts = [
        f"response AS (INSERT INTO {response_table} ({names}) VALUES ({values}) RETURNING {pk})"  # noqa: S608
    ]
    if answers:
        # Typed placeholders: the VALUES list sits in a SELECT, where nothing else types it.
        # Cast types carry no length (varchar, not varchar(32)), so a cast never truncates and
        # the column's own limit still rejects a value that is too long.
        casts = [_LENGTH.sub("", f.cast_db_type(db)) for f in columns]  # type: ignore[attr-defined]
        row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        rows = ", ".join([row] * answers)
        names = ", ".join(quote(f.column) for f in columns)
        parts.append(
            f"answer AS (INSERT INTO {answer_table} ({quote(link.column)}, {names})"  # noqa: S608
            f" SELECT response.{pk}, a.* FROM response, (VALUES {rows}) AS a ({names}))"
        )
    return f"WITH {', '.join(parts)} SELECT {pk} FROM response"  # noqa: S608


def _claim(invitation: Invitation, now: datetime) -> None:
    claimed = Invitation.objects.filter(pk=invitation.pk, status__in=ANSWERABLE).update(
        status=Invitation.Status.ANSWERED, answered_at=now, partial_answers={}
    )
    if not claimed:
        raise AlreadyRecorded
    invitation.status = Invitation.Status.ANSWERED
    invitation.answered_at = now
    invitation.partial_answers = {}


def score_columns(asked: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """Score columns from the first question of each type; comment = all free-text answers."""
    scores: dict[str, Any] = {}
    for kind in (*SCORE_COLUMNS, "intent"):
        first = next((q for q in asked if q["type"] == kind), None)
        value = answers.get(first["key"]) if first is not None else None
        scores[kind] = value if kind != "intent" else (value or "")
    texts = [answers.get(q["key"]) for q in asked if q["type"] in TEXT_LIMITS]
    scores["comment"] = "\n\n".join(text for text in texts if text)
    return scores


def _context(
    invitation: Invitation | None,
    open_link: OpenLinkContext | None,
    now: datetime,
    version: SurveyVersion,
) -> dict[str, Any]:
    if invitation is not None:
        return {
            "invitation": invitation,
            "customer_id": invitation.customer_id,
            "touchpoint_id": invitation.touchpoint_id,
            "store_id": invitation.store_id,
            "order_id": invitation.order_id,
            "purchase_channel": invitation.purchase_channel,
            "daypart": invitation.daypart,
            "language": invitation.language,
        }
    context = open_link or OpenLinkContext(language="ko")
    order = context.order
    if order is not None:
        # The receipt's signed order says where, how and when the purchase happened, and who
        # bought: whoever holds the receipt answers for that purchase (docs/open-links.md).
        return {
            "touchpoint_id": version.survey.touchpoint_id,
            "customer_id": order.customer_id,
            "store_id": order.store_id,
            "order_id": order.pk,
            "purchase_channel": order.channel,
            "daypart": daypart_of(order.placed_at),
            "language": context.language,
        }
    return {
        "touchpoint_id": version.survey.touchpoint_id,
        "store": context.store,
        "purchase_channel": context.purchase_channel[:16],
        # An open-link visit happens at the table or the counter: now is when it happened.
        "daypart": daypart_of(now),
        "language": context.language,
    }


def answer_row(response: Response, question: dict[str, Any], value: Any) -> Answer:
    row = Answer(response=response, question_key=question["key"])
    if value is None:
        return row
    if question["type"] in SCALES:
        row.number = value
    elif question["type"] == "multiple":
        row.selected = list(value)
    elif question["type"] in ("single", "intent"):
        row.selected = [value]
    else:
        row.text = value
    return row
