"""Reads for follow-up task pages: My tasks, the task page, the review board and the tasks API.

Views authorise through `actions.access` first and hand the visible queryset or the task here;
nothing in this module decides who may see what.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth.models import Permission
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from actions.calendar import business_hours_between
from actions.conditions import METRICS
from actions.event_wording import (
    escalation_label,
    notification_label,
    outcome_evidence,
    recovery_text,
    rescheduled_label,
    verdict_label,
)
from actions.models import OPEN_STATUSES, FollowUpTask, RootCause, TaskEvent, TaskStatus
from analysis.stats import median_interval, wilson
from analysis.templatetags.insight_format import num, pvalue
from cxm.api_time import api_instant
from cxm.models import User
from cxm.selectors import user_labels
from odata.masking import Contact, contact_for, may_see_contact
from odata.models import Store
from odata.selectors import TIMELINE_SOURCES, Timeline, customer_timeline
from xdata.models import Response
from xdata.selectors import ResponseDetail, intent_label, response_detail

MY_TASKS_LIMIT = 100
BOARD_LIST_LIMIT = 200
STORY_TIMELINE_LIMIT = 10
API_PAGE_SIZE = 100
API_MAX_PAGE_SIZE = 500
# The SLA turns "at risk" when this share of its business hours is used up (the sweep's
# reminder fires at the same point).
AT_RISK_SHARE = 0.8
FIGURES_DAYS = 30
RECOVERY_DAYS = 90
WORK_PERMISSION = "actions.work_tasks"
REVIEW_PERMISSION = "actions.review_tasks"

# Tasks still on the clock: waiting on the customer stops it, so a waiting task is not overdue.
RUNNING_STATUSES = (TaskStatus.NEW, TaskStatus.IN_PROGRESS)


# -- SLA state -------------------------------------------------------------------------------


class SlaState:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"

    LABELS = {
        ON_TRACK: _("On track"),
        AT_RISK: _("At risk"),
        BREACHED: _("Breached"),
        PAUSED: _("Paused while waiting"),
        MET: _("Met"),
        MISSED: _("Missed"),
    }


@dataclass(frozen=True)
class Sla:
    state: str
    used_share: float | None  # share of the SLA's business hours used (None when paused/done)

    @property
    def label(self) -> str:
        return str(SlaState.LABELS[self.state])

    @property
    def percent(self) -> int | None:
        return None if self.used_share is None else round(self.used_share * 100)


def sla_of(task: FollowUpTask, *, now: datetime) -> Sla:
    """Where the task stands against its due time.

    Open: breached once `due_at` has passed, at risk when ≥ 80 % of the SLA's business hours
    are used (what is left is ≤ 20 % of `sla_hours`), paused while waiting on the customer (the
    clock stops; resuming moves `due_at`). Resolved or closed: met when resolved by the SLA's
    own due time (`promised_due_at`: a due date a reviewer moved does not count).
    """
    if task.status in (TaskStatus.RESOLVED, TaskStatus.CLOSED):
        done_at = task.resolved_at or task.closed_at
        met = done_at is not None and done_at <= task.promised_due_at
        return Sla(SlaState.MET if met else SlaState.MISSED, None)
    if task.status == TaskStatus.WAITING:
        return Sla(SlaState.PAUSED, None)
    if now >= task.due_at:
        return Sla(SlaState.BREACHED, 1.0)
    left = business_hours_between(now, task.due_at)
    used = max(0.0, min(1.0, 1 - left / task.sla_hours)) if task.sla_hours else 1.0
    return Sla(SlaState.AT_RISK if used >= AT_RISK_SHARE else SlaState.ON_TRACK, used)


def is_overdue(task: FollowUpTask, *, now: datetime) -> bool:
    return task.status in RUNNING_STATUSES and task.due_at < now


# -- What fired ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def _fact_value(key: str, value: Any) -> str:
    if key == "intent":
        return str(intent_label(str(value)))
    if key == "metric":
        return str(METRICS.get(str(value), value))  # "review" reads "Review rating"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if key in {"p_value", "q_value"} and isinstance(value, int | float):
        return pvalue(value)
    if key in MONEY_FACTS and isinstance(value, int | float) and not isinstance(value, bool):
        # Amounts are in won, written as the customer 360 writes them (₩878,100).
        return "₩" + number_format(round(value), force_grouping=True, use_l10n=True)
    if isinstance(value, float):
        return num(value, 1)
    if isinstance(value, int):
        return number_format(value, force_grouping=True, use_l10n=True)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


# Labels for the facts a trigger records (`Trigger.facts`), in the order they are shown; keys
# not listed are shown as they are, unless hidden below.
FACT_LABELS: dict[str, Any] = {
    "nps": "NPS",
    "csat": "CSAT",
    "ces": "CES",
    "intent": _("Intent"),
    "comment": _("Comment"),
    "revenue_12m": _("Revenue, last 12 months"),
    "delivery_late": _("Delivery late"),
    "days_late": _("Days late"),
    "open_service_record": _("Open service record"),
    "complaints": _("Complaints"),
    "event": _("Event"),
    "metric": _("Metric"),
    "segment": _("Segment"),
    "period": _("Period"),
    "value": _("Value"),
    "low": _("Lower 95 percent limit"),
    "high": _("Upper 95 percent limit"),
    "n": "n",
    "previous_value": _("Previous period's value"),
    "previous_n": _("Previous period's n"),
    "difference": _("Difference"),
    "p_value": "p",
    "q_value": _("q (Benjamini-Hochberg)"),
    "significant_drop": _("Significant drop"),
    "survey": _("Survey"),
}
MONEY_FACTS = frozenset({"revenue_12m"})
# Facts about the customer's history. A response without a customer (an open link) was counted
# as ₩0 and no service record when the rule was tested; the page says `NO_FIGURE` instead, since
# there was no one to measure.
CUSTOMER_FACTS = frozenset({"revenue_12m", "open_service_record"})
NO_FIGURE = "\u2013"  # the en dash every page shows for "nothing here"
# Shown elsewhere on the page (the response has its own panel), or ids and keys for machines.
HIDDEN_FACTS = frozenset(
    {"response", "fact", "run", "segment_kind", "segment_key", "period_start", "rule_name"}
)


def trigger_facts(task: FollowUpTask) -> list[Fact]:
    """The trigger's recorded facts as label/value pairs: the labelled ones in the order of
    `FACT_LABELS`, then any other in the order they were recorded. Without a customer, the
    customer's figures read as `NO_FIGURE`."""
    data = task.trigger if isinstance(task.trigger, dict) else {}
    return facts_of(data.get("facts", data), anonymous=task.customer_id is None)


def facts_of(facts: Any, *, anonymous: bool) -> list[Fact]:
    """Recorded trigger facts (a task's first trigger, or a later one) as label/value pairs."""
    if not isinstance(facts, dict):
        return []
    shown = {
        key: value
        for key, value in facts.items()
        if key not in HIDDEN_FACTS and value not in (None, "", [], {})
    }
    order = {key: position for position, key in enumerate(FACT_LABELS)}
    keys = sorted(shown, key=lambda key: order.get(key, len(order)))
    return [
        Fact(
            str(FACT_LABELS.get(key, key)),
            NO_FIGURE if anonymous and key in CUSTOMER_FACTS else _fact_value(key, shown[key]),
        )
        for key in keys
    ]


# -- My tasks --------------------------------------------------------------------------------


class StatusFilter:
    OPEN = "open"
    ALL = "all"


MY_STATUS_CHOICES: list[tuple[str, Any]] = [
    (StatusFilter.OPEN, pgettext_lazy("tasks", "Open")),
    (StatusFilter.ALL, pgettext_lazy("tasks", "All")),
    *TaskStatus.choices,
]


@dataclass(frozen=True)
class TaskFilters:
    status: str = StatusFilter.OPEN  # "open", "all" or a TaskStatus value
    overdue: bool = False
    store: Store | None = None
    owner: User | None = None


@dataclass(frozen=True)
class TaskRow:
    task: FollowUpTask
    overdue: bool
    sla: Sla
    owner_label: str = ""  # the board's owner column (namesakes get their username)


def _filtered(tasks: QuerySet[FollowUpTask], filters: TaskFilters, now: datetime) -> Any:
    if filters.status == StatusFilter.OPEN:
        tasks = tasks.filter(status__in=OPEN_STATUSES)
    elif filters.status in TaskStatus.values:
        tasks = tasks.filter(status=filters.status)
    if filters.overdue:
        tasks = tasks.filter(status__in=RUNNING_STATUSES, due_at__lt=now)
    if filters.store is not None:
        tasks = tasks.filter(store=filters.store)
    if filters.owner is not None:
        tasks = tasks.filter(owner=filters.owner)
    return tasks


def _open_first(tasks: QuerySet[FollowUpTask]) -> QuerySet[FollowUpTask]:
    """Open tasks first, then by priority and due time; finished ones after, newest first."""
    return tasks.annotate(
        open_rank=Case(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_rank", "priority", "due_at", "id")


def next_open_task(user: User, *, after: FollowUpTask) -> FollowUpTask | None:
    """The open task at the top of `user`'s My tasks, other than `after`: where to go next once
    `after` is closed."""
    mine = FollowUpTask.objects.filter(owner=user, status__in=OPEN_STATUSES).exclude(pk=after.pk)
    return _open_first(mine).only("code", "title", "trigger").first()


@dataclass(frozen=True)
class TaskList:
    rows: list[TaskRow]
    truncated: bool  # more tasks match than are shown
    open_count: int
    overdue_count: int


def my_tasks(
    user: User, *, filters: TaskFilters, now: datetime | None = None, limit: int = MY_TASKS_LIMIT
) -> TaskList:
    """The user's own tasks (owner = user) matching `filters`, open ones first, in two queries.

    Counts of open and overdue tasks ignore the filters, so the heading always tells the whole
    inbox.
    """
    now = now or timezone.now()
    mine = FollowUpTask.objects.filter(owner=user)
    tasks = _open_first(_filtered(mine, filters, now)).select_related("customer", "store", "rule")
    fetched = list(tasks[: limit + 1])
    counts = mine.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=RUNNING_STATUSES, due_at__lt=now)),
    )
    return TaskList(
        rows=[
            TaskRow(task=t, overdue=is_overdue(t, now=now), sla=sla_of(t, now=now))
            for t in fetched[:limit]
        ],
        truncated=len(fetched) > limit,
        open_count=counts["open"],
        overdue_count=counts["overdue"],
    )


# -- The task page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistLine:
    index: int
    text: str
    done: bool


@dataclass(frozen=True)
class EventLine:
    at: datetime
    kind: str
    label: str
    actor: str
    detail: str  # what changed, ready to show ("New → In progress")
    text: str  # the person's words (comment, note, reason) or the checklist step
    response: str = ""  # the code of the response a repeat trigger came from


def _status_label(value: Any) -> str:
    return str(dict(TaskStatus.choices).get(value, value or ""))


# The events whose data names people: the opening owner, and the owners before and after
# (and an escalation's recipients, below).
_NAMING_KINDS = (TaskEvent.Kind.CREATED, TaskEvent.Kind.ASSIGNED)


def _named_users(events: list[TaskEvent]) -> dict[str, str]:
    """Username → display name for the people the events' data names (one query). The log
    keeps usernames, which do not change; pages show the names people know each other by."""
    usernames: set[str] = set()
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind in _NAMING_KINDS:
            usernames.update(str(data[key]) for key in ("owner", "old", "new") if data.get(key))
        elif event.kind == TaskEvent.Kind.ESCALATED and isinstance(data.get("to"), list):
            usernames.update(str(username) for username in data["to"])
    if not usernames:
        return {}
    users = User.objects.filter(username__in=usernames).only("username", "name")
    return {user.username: user.display_name for user in users}


def event_line(
    event: TaskEvent, names: dict[str, str], comments: dict[str, str] | None = None
) -> EventLine:
    """One entry of the activity log; `names` from `_named_users`, `comments` the comments of
    the responses repeat triggers came from, by response code (`_retrigger_comments`)."""
    data = event.data if isinstance(event.data, dict) else {}

    def person_named(username: str) -> str:
        return names.get(username, username)

    def person(key: str) -> str:
        return person_named(str(data.get(key, "")))

    detail = ""
    if event.kind == TaskEvent.Kind.STATUS:
        detail = f"{_status_label(data.get('old'))} → {_status_label(data.get('new'))}"
    elif event.kind == TaskEvent.Kind.ASSIGNED:
        detail = f"{person('old')} → {person('new')}"
    elif event.kind == TaskEvent.Kind.CHECKLIST:
        detail = str(_("done") if data.get("done") else _("not done"))
    elif event.kind == TaskEvent.Kind.CREATED and data.get("owner"):
        detail = str(_("owner: %(owner)s") % {"owner": person("owner")})
    text = event.text
    label = event.get_kind_display()
    # The system's own events are worded from their codes, in the reader's language; rows
    # without the codes keep their stored text.
    if event.kind == TaskEvent.Kind.NOTIFIED and (recovery := recovery_text(data)) is not None:
        text = recovery
    elif event.kind == TaskEvent.Kind.NOTIFIED and (sent := notification_label(data)):
        label = sent
        if data.get("error") and not text:
            text = str(data["error"])
    elif event.kind == TaskEvent.Kind.ESCALATED and isinstance(data.get("to"), list):
        label = escalation_label(data, [person_named(str(u)) for u in data["to"]]) or label
    elif event.kind == TaskEvent.Kind.OUTCOME and (verdict := verdict_label(data)) is not None:
        detail, text = verdict, outcome_evidence(data)
    elif event.kind == TaskEvent.Kind.RETRIGGERED:
        detail, text = _retrigger_wording(data, (comments or {}).get(str(data.get("response"))))
    actor = event.actor.display_name if event.actor else ""
    if event.kind == TaskEvent.Kind.RESCHEDULED and (moved := rescheduled_label(data, actor)):
        label, actor = moved, ""  # the sentence names who moved it
    return EventLine(
        at=event.at,
        kind=event.kind,
        label=label,
        actor=actor,
        detail=detail,
        text=text,
        response=str(data.get("response") or "")
        if event.kind == TaskEvent.Kind.RETRIGGERED
        else "",
    )


def _retrigger_wording(data: dict[str, Any], comment: str | None) -> tuple[str, str]:
    """(what the repeat trigger saw, e.g. "NPS 6 · CSAT 2"; the customer's comment) from its
    recorded facts. The customer's figures are left out: the task's first trigger shows them."""
    recorded = data.get("facts")
    facts: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    comment = str(facts.get("comment") or comment or "")
    shown = {k: v for k, v in facts.items() if k not in CUSTOMER_FACTS and k != "comment"}
    return " · ".join(f"{f.label} {f.value}" for f in facts_of(shown, anonymous=False)), comment


def _retrigger_comments(events: list[TaskEvent]) -> dict[str, str]:
    """Response code → comment for the responses the repeat triggers among `events` came from
    (one query; none without repeats). A rule that does not read the comment does not record
    it among its facts, yet the owner should read what the customer wrote."""
    codes = [
        str(e.data["response"])
        for e in events
        if e.kind == TaskEvent.Kind.RETRIGGERED
        and isinstance(e.data, dict)
        and e.data.get("response")
    ]
    if not codes:
        return {}
    rows = (
        Response.objects.filter(code__in=codes).exclude(comment="").values_list("code", "comment")
    )
    return {str(code): comment for code, comment in rows}


@dataclass(frozen=True)
class TaskPage:
    task: FollowUpTask
    sla: Sla
    overdue: bool
    facts: list[Fact]
    checklist: list[ChecklistLine]
    response: ResponseDetail | None
    contact: Contact | None
    timeline: Timeline | None  # the customer's recent orders, deliveries and service records
    events: list[EventLine]  # the activity log, newest first
    comments: list[EventLine]  # oldest first, as a conversation reads
    root_cause_label: str
    actions: frozenset[str]  # the status actions the task's state allows


# Which status actions each state offers (the services enforce the same rules with a
# conditional UPDATE; this only decides which buttons to show).
ACTIONS_BY_STATUS: dict[str, frozenset[str]] = {
    TaskStatus.NEW: frozenset({"start", "wait", "resolve"}),
    TaskStatus.IN_PROGRESS: frozenset({"wait", "resolve"}),
    TaskStatus.WAITING: frozenset({"resume", "resolve"}),
    TaskStatus.RESOLVED: frozenset({"close", "reopen"}),
    TaskStatus.CLOSED: frozenset({"reopen"}),
}

_STORY_KINDS = ("order", "delivery", "service")


def checklist_lines(task: FollowUpTask) -> list[ChecklistLine]:
    items = task.checklist if isinstance(task.checklist, list) else []
    return [
        ChecklistLine(index=i, text=str(item.get("text", "")), done=bool(item.get("done")))
        for i, item in enumerate(items)
        if isinstance(item, dict)
    ]


def task_page(task: FollowUpTask, *, viewer: User, now: datetime | None = None) -> TaskPage:
    """Everything the task page shows. `task` comes from `access_task` (with its relations).

    The customer's story reuses the customer 360 timeline, limited to O-Data (orders,
    deliveries with lateness, service records): the triggering response is shown in full
    beside it.
    """
    now = now or timezone.now()
    response = None
    if task.response is not None:
        response = response_detail(task.response, viewer=viewer)
    timeline = contact = None
    if task.customer is not None:
        # The owner of an open task must be able to call the customer back, even from a
        # staff account that otherwise sees contact details partly hidden.
        owner_at_work = task.is_open and task.owner_id == viewer.pk
        contact = contact_for(
            email=task.customer.email,
            phone=task.customer.phone,
            reveal=owner_at_work or may_see_contact(viewer),
        )
        timeline = customer_timeline(
            task.customer,
            limit=STORY_TIMELINE_LIMIT,
            now=now,
            sources=[s for s in TIMELINE_SOURCES if s.kind in _STORY_KINDS],
        )
    logged = list(task.events.select_related("actor").order_by("-at", "-id"))
    names = _named_users(logged)
    comments = _retrigger_comments(logged)
    events = [event_line(e, names, comments) for e in logged]
    return TaskPage(
        task=task,
        sla=sla_of(task, now=now),
        overdue=is_overdue(task, now=now),
        facts=trigger_facts(task),
        checklist=checklist_lines(task),
        response=response,
        contact=contact,
        timeline=timeline,
        events=events,
        comments=[e for e in reversed(events) if e.kind == TaskEvent.Kind.COMMENT],
        root_cause_label=task.root_cause.label(get_language() or "ko") if task.root_cause else "",
        actions=ACTIONS_BY_STATUS.get(task.status, frozenset()),
    )


def in_reading_order(causes: Iterable[RootCause], language: str) -> list[RootCause]:
    """Root causes by their label in `language` (what the resolver reads), "other" last."""
    return sorted(
        causes, key=lambda c: (c.key == RootCause.OTHER_KEY, c.label(language).casefold())
    )


def assignable_users() -> QuerySet[User]:
    """Active users who may work tasks (directly, through a role, or as superusers), by name."""
    permission = Permission.objects.filter(
        content_type__app_label="actions", codename="work_tasks"
    ).values("id")[:1]
    holds = (
        Q(is_superuser=True)
        | Q(groups__permissions__in=Subquery(permission))
        | Q(user_permissions__in=Subquery(permission))
    )
    ids = User.objects.filter(holds, is_active=True).values("id")
    return User.objects.filter(id__in=ids).order_by("name", "username")


def people_labels(people: QuerySet[User]) -> dict[int, str]:
    """User id → label for everyone in `people` (namesakes among them get their username)."""
    return user_labels(people.values_list("id", "name", "username"))


# -- The review board ------------------------------------------------------------------------


def board_people(tasks: QuerySet[FollowUpTask]) -> QuerySet[User]:
    """Everyone the board can name: who can be assigned, and every owner of a visible task
    (`tasks`). The owner filter, the owner table and the list are all labelled from this one
    list, so a person reads the same in each, and in the htmx refreshes of each."""
    return User.objects.filter(
        Q(id__in=assignable_users().values("id")) | Q(id__in=tasks.values("owner_id"))
    )


class EpochSeconds(Func):
    """An interval in seconds, as a double (EXTRACT gives numeric since PostgreSQL 14)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
    output_field = FloatField()


@dataclass(frozen=True)
class MedianHours:
    """A median duration in hours with its distribution-free 95 % interval (order statistics;
    `analysis.stats.median_interval`); None when there is nothing, or too little for an
    interval (n < 6)."""

    hours: float | None
    low: float | None
    high: float | None
    n: int
    method: str


def median_hours(seconds: list[float] | None) -> MedianHours:
    estimate = median_interval(seconds or [])

    def hours(value: float) -> float | None:
        return None if math.isnan(value) else value / 3600

    low, high = hours(estimate.low), hours(estimate.high)
    return MedianHours(hours(estimate.value), low, high, estimate.n, estimate.method)


@dataclass(frozen=True)
class Load:
    key: str  # the owner's or store's code (for filter links), "" for tasks without a store
    label: str
    open: int
    overdue: int


@dataclass(frozen=True)
class Rate:
    """A share with its Wilson 95 % interval, in percent; None when nothing was counted."""

    successes: int
    n: int
    percent: float | None
    low: float | None
    high: float | None
    method: str = "wilson"


def rate(successes: int, n: int) -> Rate:
    if n == 0:
        return Rate(successes, n, None, None, None)
    estimate = wilson(successes, n)
    return Rate(successes, n, estimate.value * 100, estimate.low * 100, estimate.high * 100)


@dataclass(frozen=True)
class BoardFigures:
    since: datetime  # start of the 30-day window
    recovery_since: datetime
    open: int
    overdue: int
    waiting: int
    compliance: Rate  # share of tasks resolved by their due time
    first_action: MedianHours  # from opening to the first action by a person
    close: MedianHours  # from opening to closing
    recovery: Rate  # share of judged tasks recovered
    by_owner: list[Load]
    by_store: list[Load]


def board_scope(
    tasks: QuerySet[FollowUpTask], *, store: Store | None, owner: User | None
) -> QuerySet[FollowUpTask]:
    """The reviewer's visible tasks narrowed to one store and/or owner (figures ignore status)."""
    everything = TaskFilters(status=StatusFilter.ALL, store=store, owner=owner)
    return _filtered(tasks, everything, timezone.now())


def board_figures(
    tasks: QuerySet[FollowUpTask],
    *,
    now: datetime | None = None,
    labels: Mapping[int, str] | None = None,
    loads: bool = True,
) -> BoardFigures:
    """The board's figures over `tasks` (from `board_scope`), in three queries; one without
    `loads` (the open and overdue counts by owner and by store, which Home does not show).

    - Open and overdue counts, by owner and by store (overdue: new or in progress past the due
      time; a task waiting on the customer has its clock stopped).
    - SLA compliance: of the tasks resolved in the last 30 days, the share resolved by the
      SLA's due time (`sla_due_at` when a reviewer moved `due_at`, else `due_at`), with a
      Wilson 95 % interval (a team resolves few tasks a month, and the Wald
      interval misbehaves for small n and shares near 100 %).
    - Median time to first action (tasks opened in the last 30 days that have one) and to close
      (tasks closed in the last 30 days), in wall-clock hours from opening: what the customer
      waited, nights and weekends included.
    - Recovery rate: of the tasks judged in the last 90 days as recovered or not recovered
      ("no evidence" is left out), the share recovered, with a Wilson interval.
    """
    now = now or timezone.now()
    since = now - timedelta(days=FIGURES_DAYS)
    recovery_since = now - timedelta(days=RECOVERY_DAYS)
    is_open = Q(status__in=OPEN_STATUSES)
    overdue = Q(status__in=RUNNING_STATUSES, due_at__lt=now)
    resolved = Q(resolved_at__gte=since)
    acted = Q(created_at__gte=since, first_action_at__isnull=False)
    closed = Q(closed_at__gte=since)
    judged = Q(
        judged_at__gte=recovery_since,
        verdict__in=[FollowUpTask.Verdict.RECOVERED, FollowUpTask.Verdict.NOT_RECOVERED],
    )
    totals = tasks.aggregate(
        open=Count("id", filter=is_open),
        overdue=Count("id", filter=overdue),
        waiting=Count("id", filter=Q(status=TaskStatus.WAITING)),
        resolved=Count("id", filter=resolved),
        # Against the SLA's own due time: a due date a reviewer moved does not make it met.
        met=Count(
            "id", filter=resolved & Q(resolved_at__lte=Coalesce(F("sla_due_at"), F("due_at")))
        ),
        # The durations themselves (one number per task in the window): the median's interval
        # needs its order statistics.
        first_action=ArrayAgg(EpochSeconds(F("first_action_at") - F("created_at")), filter=acted),
        close=ArrayAgg(EpochSeconds(F("closed_at") - F("created_at")), filter=closed),
        judged=Count("id", filter=judged),
        recovered=Count("id", filter=judged & Q(verdict=FollowUpTask.Verdict.RECOVERED)),
    )
    if not loads:
        return _figures(totals, since, recovery_since, [], [])
    by_owner = (
        tasks.filter(is_open)
        .values("owner_id", "owner__code", "owner__name", "owner__username")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue))
        .order_by("-overdue", "-open", "owner__name", "owner__username")
    )
    by_store = (
        tasks.filter(is_open)
        .values("store__code", "store__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue))
        .order_by("-overdue", "-open", "store__name")
    )
    owners = list(by_owner)
    if labels is None:
        labels = user_labels(
            (row["owner_id"], row["owner__name"], row["owner__username"]) for row in owners
        )
    return _figures(
        totals,
        since,
        recovery_since,
        [
            Load(
                key=str(row["owner__code"]),
                label=labels[row["owner_id"]],
                open=row["open"],
                overdue=row["overdue"],
            )
            for row in owners
        ],
        [
            Load(
                key=str(row["store__code"] or ""),
                label=row["store__name"] or str(_("No store")),
                open=row["open"],
                overdue=row["overdue"],
            )
            for row in by_store
        ],
    )


def _figures(
    totals: Mapping[str, Any],
    since: datetime,
    recovery_since: datetime,
    by_owner: list[Load],
    by_store: list[Load],
) -> BoardFigures:
    return BoardFigures(
        since=since,
        recovery_since=recovery_since,
        open=totals["open"],
        overdue=totals["overdue"],
        waiting=totals["waiting"],
        compliance=rate(totals["met"], totals["resolved"]),
        first_action=median_hours(totals["first_action"]),
        close=median_hours(totals["close"]),
        recovery=rate(totals["recovered"], totals["judged"]),
        by_owner=by_owner,
        by_store=by_store,
    )


def board_tasks(
    tasks: QuerySet[FollowUpTask],
    *,
    filters: TaskFilters,
    now: datetime | None = None,
    limit: int = BOARD_LIST_LIMIT,
    labels: Mapping[int, str] | None = None,
) -> TaskList:
    """The board's task list: the reviewer's visible `tasks` matching `filters`, open ones
    first by priority and due time, in two queries."""
    now = now or timezone.now()
    matching = _filtered(tasks, filters, now)
    listed = _open_first(matching).select_related("owner", "customer", "store", "rule")
    fetched = list(listed[: limit + 1])
    counts = matching.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=RUNNING_STATUSES, due_at__lt=now)),
    )
    shown = fetched[:limit]
    owners = labels
    if owners is None:
        owners = user_labels({(t.owner_id, t.owner.name, t.owner.username) for t in shown})
    return TaskList(
        rows=[
            TaskRow(
                task=t,
                overdue=is_overdue(t, now=now),
                sla=sla_of(t, now=now),
                owner_label=owners[t.owner_id],
            )
            for t in shown
        ],
        truncated=len(fetched) > limit,
        open_count=counts["open"],
        overdue_count=counts["overdue"],
    )


# -- The tasks API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiCursor:
    """Where a page of the API stopped: the last task's `updated_at` and code (no integer id
    leaves the server; the code is turned back into the id by its unique index)."""

    updated_at: datetime
    code: UUID

    def encode(self) -> str:
        raw = f"{self.updated_at.isoformat()}|{self.code}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> ApiCursor | None:
        """The cursor in `token`, or None when it is malformed."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            at_text, _sep, code_text = raw.partition("|")
            at = parse_datetime(at_text)
            code = UUID(code_text)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if at is None or timezone.is_naive(at):
            return None
        return cls(updated_at=at, code=code)


@dataclass(frozen=True)
class ApiQuery:
    statuses: tuple[str, ...] = ()
    owner: User | None = None
    updated_since: datetime | None = None
    after: ApiCursor | None = None
    limit: int = API_PAGE_SIZE


@dataclass(frozen=True)
class ApiPage:
    tasks: list[FollowUpTask]
    next_cursor: ApiCursor | None


def api_tasks(query: ApiQuery) -> ApiPage:
    """One page of tasks in (updated_at, id) order, by keyset (never OFFSET), in one query.

    A task updated after a client read it moves to the end of the order, so a client that
    keeps the last cursor (or the largest `updated_at` it saw) picks every change up again.
    """
    tasks = FollowUpTask.objects.select_related("owner", "customer", "store", "rule", "root_cause")
    if query.statuses:
        tasks = tasks.filter(status__in=query.statuses)
    if query.owner is not None:
        tasks = tasks.filter(owner=query.owner)
    if query.updated_since is not None:
        tasks = tasks.filter(updated_at__gte=query.updated_since)
    if query.after is not None:
        last_id = Subquery(FollowUpTask.objects.filter(code=query.after.code).values("id")[:1])
        tasks = tasks.filter(
            Q(updated_at__gt=query.after.updated_at)
            | Q(updated_at=query.after.updated_at, id__gt=last_id)
        )
    fetched = list(tasks.order_by("updated_at", "id")[: query.limit + 1])
    shown = fetched[: query.limit]
    next_cursor = None
    if len(fetched) > query.limit:
        next_cursor = ApiCursor(updated_at=shown[-1].updated_at, code=shown[-1].code)
    return ApiPage(tasks=shown, next_cursor=next_cursor)


def task_as_json(task: FollowUpTask) -> dict[str, Any]:
    """A task as the API shows it (owner, customer, store, rule and root cause selected)."""
    return {
        "code": str(task.code),
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "severity": task.severity,
        "owner": {
            "code": str(task.owner.code),
            "username": task.owner.username,
            "name": task.owner.display_name,
        },
        "due_at": api_instant(task.due_at),
        "customer_id": task.customer.external_id if task.customer else None,
        "store_id": task.store.external_id if task.store else None,
        "rule": task.rule.name,
        "trigger_count": task.trigger_count,
        "created_at": api_instant(task.created_at),
        "updated_at": api_instant(task.updated_at),
        "first_action_at": api_instant(task.first_action_at),
        "resolved_at": api_instant(task.resolved_at),
        "closed_at": api_instant(task.closed_at),
        "root_cause": task.root_cause.key if task.root_cause else None,
        "verdict": task.verdict or None,
    }
