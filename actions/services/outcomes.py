"""Post-action evaluation: did following up help?

Closing a task can invite the customer to the plan's short recovery survey. Afterwards a sweep
(`judge_outcomes`, scheduled hourly) reads the customer's later behaviour from O-Data and X-Data
and fills the outcome fields of tasks and of holdouts (the untreated control group) alike:

- the window starts when the task was closed (a holdout: when it was triggered);
- at 30 days: `baseline_score` (the triggering answer), `later_score` (the first later answer)
  and `repurchased_30d`;
- at 90 days: `repurchased_90d`, `later_score` if still missing, the verdict and `judged_at`.

Scores are on the NPS scale, 0-10. A response's score is its NPS answer; without one, its CSAT
(1-5) mapped onto 0-10 by 2.5 per step, rounded half up (1→0, 2→3, 3→5, 4→8, 5→10), so "satisfied"
(4-5) lands where NPS passives and promoters are. Feedback from other channels maps its 1-5 rating
the same way.

The verdict (`VERDICT_RULE`): the customer's own word counts first. With a later score, the task
is *recovered* when it is 7 or more (passive or better) and *not recovered* below; a purchase
does not outweigh a customer who still says they are unhappy. Without a later score, their
purchases speak: *recovered* when they bought again within 90 days, *not recovered* otherwise.
*No evidence* only when there is no customer to follow (segment tasks of aggregate rules).

Every write is a conditional UPDATE (one per batch) on the field it fills
(`repurchased_30d IS NULL`, `judged_at IS NULL`), so two sweeps at once, or one re-run, change
nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actions.models import FollowUpTask, Holdout, TaskEvent, TaskStatus
from cxm.models import User
from odata.models import Order
from surveys.models import Survey
from surveys.services.invitations import invite_customer
from xdata.models import Response

log = logging.getLogger(__name__)

SHORT_WINDOW = timedelta(days=30)
LONG_WINDOW = timedelta(days=90)
RECOVERED_FROM = 7  # a later score of 7 or more (passive or better on 0-10) counts as recovered
BATCH = 500

VERDICT_RULE = _(
    "The customer's own word counts first: with a later score, recovered when it is 7 or more "
    "(passive or better on the 0-10 scale; CSAT 4-5), not recovered below. Without a later "
    "score, recovered when the customer bought again within 90 days, not recovered otherwise. "
    "No evidence: no customer to follow (segment tasks)."
)
LATER_SCORE_RULE = _(
    "Later score: the customer's first survey answer after the task was closed (a holdout: after "
    "it was triggered), within 90 days: its NPS, or else its CSAT on the same 0-10 scale "
    "(1→0, 2→3, 3→5, 4→8, 5→10)."
)


# -- Scores ---------------------------------------------------------------------------------------


def csat_on_nps_scale(csat: int) -> int:
    """CSAT 1-5 on the 0-10 scale: 2.5 points per step, rounded half up (1→0 … 5→10)."""
    return int((Decimal(csat - 1) * Decimal("2.5")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def score_of(*, nps: int | None, csat: int | None) -> int | None:
    """One answer's score on 0-10: its NPS, else its CSAT mapped; None without either."""
    if nps is not None:
        return nps
    if csat is not None:
        return csat_on_nps_scale(csat)
    return None


def verdict_for(*, later_score: int | None, repurchased_90d: bool | None) -> str:
    """The verdict of one followed customer (see the module docstring)."""
    # The customer's own later answer outweighs what they bought.
    recovered = later_score >= RECOVERED_FROM if later_score is not None else bool(repurchased_90d)
    return FollowUpTask.Verdict.RECOVERED if recovered else FollowUpTask.Verdict.NOT_RECOVERED


# -- The recovery survey ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoverySurveyResult:
    """What closing with "send the recovery survey" did: `status` is "invited", "suppressed"
    (with the contact policy's reason), "no_survey" (the plan has none, or it is not
    published), "no_customer" (a segment task) or "already" (invited before)."""

    status: str
    reason: str = ""


def send_recovery_survey(*, task: FollowUpTask, by: User | None = None) -> RecoverySurveyResult:
    """Invite the task's customer to the plan's recovery survey, through the surveys app's
    one-customer path (`invite_customer`), so the contact policy applies as to any invitation:
    consent and an e-mail address are required, and the survey's touchpoint contact interval
    counts (give the recovery survey's touchpoint a short interval, as the demo does, or the
    invitation that triggered the task will usually suppress it). The open-task rule does not
    get in the way: the task is closed by the time this runs.

    Without a recovery survey on the plan (or with one that is not published) nothing is sent
    and the task's log says so. Writes a TaskEvent in every case; idempotent per task (a second
    call finds the first one's event)."""
    survey: Survey | None = task.plan.recovery_survey
    if task.customer_id is None:
        return _recovery_event(task, RecoverySurveyResult("no_customer"), by)
    if survey is None or survey.status != Survey.Status.PUBLISHED:
        return _recovery_event(task, RecoverySurveyResult("no_survey"), by)
    with transaction.atomic():
        # The task row lock serialises two closes racing to send (a double click).
        FollowUpTask.objects.select_for_update().filter(pk=task.pk).first()
        sent_before = TaskEvent.objects.filter(
            task=task, kind=TaskEvent.Kind.NOTIFIED, data__recovery_survey="invited"
        ).exists()
        if sent_before:
            return RecoverySurveyResult("already")
        assert task.customer is not None  # noqa: S101  # checked above; for the type checker
        # Credited where the task's experience happened: the answered order, else its store.
        response = task.response
        order = response.order if response is not None else None
        outcome = invite_customer(
            customer=task.customer,
            survey=survey,
            by=by or task.owner,
            order=order if order is not None and order.customer_id == task.customer_id else None,
            store=task.store,
        )
        if outcome.invitation is not None:
            result = RecoverySurveyResult("invited")
        elif outcome.suppression is not None:
            result = RecoverySurveyResult("suppressed", str(outcome.suppression.reason))
        else:
            result = RecoverySurveyResult("suppressed", "duplicate")
        return _recovery_event(task, result, by, survey=survey)


def _recovery_event(
    task: FollowUpTask,
    result: RecoverySurveyResult,
    by: User | None,
    *,
    survey: Survey | None = None,
) -> RecoverySurveyResult:
    data: dict[str, Any] = {"recovery_survey": result.status}
    if result.reason:
        data["reason"] = result.reason
    if survey is not None:
        data["survey"] = str(survey.code)
    TaskEvent.objects.create(
        task=task,
        kind=TaskEvent.Kind.NOTIFIED,
        actor=by,
        at=timezone.now(),
        data=data,  # worded when read, in the reader's language (actions.event_wording)
    )
    return result


# -- Judging --------------------------------------------------------------------------------------


def _later_answer(start: str, until: Any) -> Subquery:
    """The customer's first response with an NPS or CSAT answer after `start` (a field of the
    outer row) and no later than `until` (an expression): its primary key."""
    return Subquery(
        Response.objects.filter(
            customer_id=OuterRef("customer_id"),
            submitted_at__gt=OuterRef(start),
            submitted_at__lte=until,
        )
        .filter(Q(nps__isnull=False) | Q(csat__isnull=False))
        .order_by("submitted_at", "id")
        .values("pk")[:1]
    )


def _bought(start: str, window: timedelta) -> Exists:
    # A cancelled order is no repurchase; a returned one still shows the customer came back.
    return Exists(
        Order.objects.filter(
            customer_id=OuterRef("customer_id"),
            placed_at__gt=OuterRef(start),
            placed_at__lte=OuterRef(start) + window,
        ).exclude(status=Order.Status.CANCELLED)
    )


@dataclass(frozen=True)
class LaterAnswer:
    """The later answer a verdict rests on: its score on 0-10, and what the customer said."""

    score: int | None
    kind: str  # "nps" or "csat"
    value: int | None
    at: datetime

    def as_data(self) -> dict[str, Any]:
        """For the outcome event, which words the evidence when it is read."""
        return {"later_kind": self.kind, "later_value": self.value, "later_at": self.at.isoformat()}


def _later_answers(ids: set[int]) -> dict[int, LaterAnswer]:
    rows = Response.objects.filter(pk__in=ids).values_list("pk", "nps", "csat", "submitted_at")
    return {
        pk: LaterAnswer(
            score=score_of(nps=nps, csat=csat),
            kind="nps" if nps is not None else "csat",
            value=nps if nps is not None else csat,
            at=at,
        )
        for pk, nps, csat, at in rows
    }


def _baseline(row: Any) -> int | None:
    response = getattr(row, "response", None)
    if response is not None:
        return score_of(nps=response.nps, csat=response.csat)
    feedback = getattr(row, "feedback", None)
    if feedback is not None and feedback.rating is not None:
        return csat_on_nps_scale(feedback.rating)
    return None


def _first_stage(
    rows: QuerySet[Any], start: str, now: datetime, model: type[FollowUpTask] | type[Holdout]
) -> int:
    """Fill baseline, later score and 30-day repurchase of rows whose 30 days are over."""
    batch = list(
        rows.filter(**{f"{start}__lte": now - SHORT_WINDOW}, repurchased_30d__isnull=True)
        .exclude(customer=None)
        .annotate(
            bought_30=_bought(start, SHORT_WINDOW),
            later_id=_later_answer(start, OuterRef(start) + SHORT_WINDOW),
        )
        .order_by(start)[:BATCH]
    )
    later = _later_answers({r.later_id for r in batch if r.later_id is not None})
    filled = _update_where_null(
        model,
        "repurchased_30d",
        [
            (
                row.pk,
                _baseline(row),
                later[row.later_id].score if row.later_id in later else None,
                row.bought_30,
            )
            for row in batch
        ],
        ("baseline_score", "smallint"),
        ("later_score", "smallint"),
        ("repurchased_30d", "boolean"),
    )
    return len(filled)


def _update_where_null(
    model: type[FollowUpTask] | type[Holdout],
    guard: str,
    rows: list[tuple[Any, ...]],
    *columns: tuple[str, str],
) -> set[int]:
    """One UPDATE for a batch: set `columns` from `rows` (id first) where `guard` is still
    null, so a concurrent sweep's rows are left alone; returns the ids this call updated."""
    if not rows:
        return set()
    table = model._meta.db_table
    names = ", ".join(name for name, _type in columns)
    arrays = ", ".join(f"%s::{kind}[]" for _name, kind in columns)
    assignments = ", ".join(f"{name} = v.{name}" for name, _type in columns)
    query = (
        f"UPDATE {table} AS t SET {assignments} "  # noqa: S608  # names from this module only
        f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {names}) "
        f"WHERE t.id = v.id AND t.{guard} IS NULL RETURNING t.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [[row[i] for row in rows] for i in range(len(columns) + 1)])
        return {pk for (pk,) in cursor.fetchall()}


def _read_by_first_stage(answer: LaterAnswer, start: datetime, score: int | None) -> bool:
    """Whether `answer` is the one whose score the first stage stored: within its window and
    with that score."""
    return answer.at <= start + SHORT_WINDOW and answer.score == score


def _second_stage(
    rows: QuerySet[Any], start: str, now: datetime, model: type[FollowUpTask] | type[Holdout]
) -> list[tuple[Any, str, int | None, bool, LaterAnswer | None]]:
    """Judge rows whose 90 days are over (and whose first stage is done): returns the rows
    this call judged, with their verdict, later score, 90-day repurchase and the later answer
    whose score the verdict used (None when the first stage's score came from an answer that
    is no longer the first one)."""
    batch = list(
        rows.filter(
            **{f"{start}__lte": now - LONG_WINDOW}, judged_at__isnull=True, customer__isnull=False
        )
        .exclude(repurchased_30d__isnull=True)
        .annotate(
            bought_90=_bought(start, LONG_WINDOW),
            later_id=_later_answer(start, OuterRef(start) + LONG_WINDOW),
        )
        .order_by(start)[:BATCH]
    )
    later = _later_answers({r.later_id for r in batch if r.later_id is not None})
    values = []
    for row in batch:
        answer = later.get(row.later_id) if row.later_id is not None else None
        score = row.later_score
        if score is None and answer is not None:
            score = answer.score
        elif answer is not None and not _read_by_first_stage(answer, getattr(row, start), score):
            # The verdict rests on the first stage's score; an answer imported or removed
            # since then would be evidence for a score the verdict did not use.
            answer = None
        verdict = verdict_for(later_score=score, repurchased_90d=row.bought_90)
        values.append((row, verdict, score, row.bought_90, answer))
    judged = _update_where_null(
        model,
        "judged_at",
        [(row.pk, score, bought, verdict, now) for row, verdict, score, bought, _a in values],
        ("later_score", "smallint"),
        ("repurchased_90d", "boolean"),
        ("verdict", "text"),
        ("judged_at", "timestamptz"),
    )
    return [value for value in values if value[0].pk in judged]


def _judge_customerless(now: datetime) -> list[FollowUpTask]:
    """Segment tasks have nobody whose later behaviour could be read: "no evidence"."""
    rows = list(
        FollowUpTask.objects.filter(
            status=TaskStatus.CLOSED,
            closed_at__lte=now - LONG_WINDOW,
            judged_at__isnull=True,
            customer__isnull=True,
        ).order_by("closed_at")[:BATCH]
    )
    judged = _update_where_null(
        FollowUpTask,
        "judged_at",
        [(task.pk, FollowUpTask.Verdict.UNKNOWN.value, now) for task in rows],
        ("verdict", "text"),
        ("judged_at", "timestamptz"),
    )
    return [task for task in rows if task.pk in judged]


def judge_outcomes(*, now: datetime | None = None) -> dict[str, int]:
    """One sweep: fill the 30-day and 90-day outcomes of closed tasks and of holdouts whose
    windows are over. Idempotent (conditional updates); one batch of `BATCH` rows per stage
    and kind, the rest waits for the next run. Returns counts."""
    now = now or timezone.now()
    closed = FollowUpTask.objects.filter(status=TaskStatus.CLOSED, closed_at__isnull=False)
    closed = closed.select_related("response", "feedback")
    holdouts = Holdout.objects.select_related("response")
    counts = {
        "tasks_30d": _first_stage(closed, "closed_at", now, FollowUpTask),
        "holdouts_30d": _first_stage(holdouts, "triggered_at", now, Holdout),
    }
    with transaction.atomic():
        judged = _second_stage(closed, "closed_at", now, FollowUpTask)
        TaskEvent.objects.bulk_create(
            TaskEvent(
                task_id=task.pk,
                kind=TaskEvent.Kind.OUTCOME,
                at=now,
                # The evidence is worded when read, in the reader's language.
                data={
                    "verdict": verdict,
                    "later_score": score,
                    "repurchased_30d": task.repurchased_30d,
                    "repurchased_90d": bought,
                    **(answer.as_data() if answer is not None and score is not None else {}),
                },
            )
            for task, verdict, score, bought, answer in judged
        )
        customerless = _judge_customerless(now)
        TaskEvent.objects.bulk_create(
            TaskEvent(
                task_id=task.pk,
                kind=TaskEvent.Kind.OUTCOME,
                at=now,
                data={"verdict": FollowUpTask.Verdict.UNKNOWN},
            )
            for task in customerless
        )
    counts["tasks_judged"] = len(judged) + len(customerless)
    counts["holdouts_judged"] = len(_second_stage(holdouts, "triggered_at", now, Holdout))
    if any(counts.values()):
        log.info("outcomes judged", extra=counts)
    return counts


__all__ = [
    "LATER_SCORE_RULE",
    "VERDICT_RULE",
    "LaterAnswer",
    "RecoverySurveyResult",
    "csat_on_nps_scale",
    "judge_outcomes",
    "score_of",
    "send_recovery_survey",
    "verdict_for",
]
