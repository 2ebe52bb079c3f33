"""Follow-up tasks: opening them from a trigger (routed, prioritised, due on the SLA calendar),
and every state change a person makes.

States: new → in progress → waiting on customer (SLA clock paused) → resolved → closed, and
reopen. Each change is claimed by a conditional UPDATE on the current status, so two clicks (or
two people) cannot apply it twice, and leaves a `TaskEvent`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.calendar import add_business_hours, business_hours_between
from actions.models import (
    OPEN_STATUSES,
    ActionPlan,
    Escalation,
    FollowUpTask,
    Holdout,
    Priority,
    RootCause,
    RoundRobinCursor,
    Severity,
    TaskEvent,
    TaskStatus,
    TriggerRule,
)
from actions.services import notifications
from actions.task_titles import TITLE_MAX
from cxm.models import User
from odata.models import Customer, Store
from odata.selectors import revenue_12m
from surveys.models import Touchpoint
from xdata.models import Feedback, Response

# A customer with this much revenue in the last 12 months is high-value: their task is raised
# one priority level.
DEFAULT_HIGH_VALUE_KRW = 1_000_000
# A subject kept as a control stays one for this long, so a repeat trigger does not move a
# control customer into the treated group and blur the comparison.
HOLDOUT_STICKY_DAYS = 90

SEVERITY_PRIORITY = {
    Severity.CRITICAL: Priority.URGENT,
    Severity.HIGH: Priority.HIGH,
    Severity.MEDIUM: Priority.NORMAL,
    Severity.LOW: Priority.LOW,
}


class TransitionNotAllowed(Exception):
    """The task is not in a state that allows this change (someone else changed it first)."""


class ChangeRefused(Exception):
    """The change asked for is not allowed as asked (a due date in the past, a finished
    task): the person can correct it, unlike a `TransitionNotAllowed` race."""


@dataclass(frozen=True)
class Trigger:
    """Why a rule fires for a subject: a response, an operational fact or a segment statistic."""

    rule: TriggerRule
    subject_key: str
    title: str
    at: datetime
    customer: Customer | None = None
    store: Store | None = None
    touchpoint: Touchpoint | None = None
    response: Response | None = None
    feedback: Feedback | None = None
    facts: dict[str, Any] = field(default_factory=dict)


# -- opening ---------------------------------------------------------------------------------


def customers_with_open_task(customer_ids: Sequence[int] | None) -> set[int]:
    """Which of these customers (None: of all) have an open follow-up task (for the contact
    policy)."""
    tasks = FollowUpTask.objects.filter(status__in=OPEN_STATUSES, customer__isnull=False)
    if customer_ids is not None:
        tasks = tasks.filter(customer_id__in=customer_ids)
    return set(tasks.values_list("customer_id", flat=True).distinct())


def high_value_threshold() -> int:
    return int(getattr(settings, "CXM_HIGH_VALUE_KRW", DEFAULT_HIGH_VALUE_KRW))


def priority_for(*, severity: str, customer: Customer | None, at: datetime | None = None) -> int:
    """The plan's severity sets the priority; a high-value customer (revenue in the last 12
    months at or above `CXM_HIGH_VALUE_KRW`) raises it one level."""
    priority = int(SEVERITY_PRIORITY[Severity(severity)])
    if customer is None:
        return priority
    if revenue_12m(customer.pk, at=at or timezone.now()) >= high_value_threshold():
        priority = max(int(Priority.URGENT), priority - 1)
    return priority


def _usable(user: User | None) -> bool:
    return user is not None and user.is_active


def route_owner(*, plan: ActionPlan, store: Store | None, touchpoint: Touchpoint | None) -> User:
    """Who owns a new task from `plan`: the named user, the store's manager, or the next member
    of the touchpoint's team in turn; the plan's fallback owner when that finds nobody active.
    Round-robin locks the team's cursor row, so concurrent tasks take different members."""
    if plan.routing == ActionPlan.Routing.NAMED_USER and _usable(plan.owner):
        return plan.owner  # type: ignore[return-value]
    if plan.routing == ActionPlan.Routing.STORE_MANAGER and store is not None:
        manager = store.manager
        if _usable(manager):
            return manager  # type: ignore[return-value]
    if plan.routing == ActionPlan.Routing.TOUCHPOINT_TEAM and touchpoint is not None:
        chosen = _next_in_team(touchpoint)
        if chosen is not None:
            return chosen
    return plan.fallback_owner


def _next_in_team(touchpoint: Touchpoint) -> User | None:
    if touchpoint.owner_team_id is None:
        return touchpoint.owner_user if _usable(touchpoint.owner_user) else None
    members = list(
        get_user_model()
        .objects.filter(groups=touchpoint.owner_team_id, is_active=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not members:
        return touchpoint.owner_user if _usable(touchpoint.owner_user) else None
    RoundRobinCursor.objects.get_or_create(team_id=touchpoint.owner_team_id)
    cursor = RoundRobinCursor.objects.select_for_update().get(team_id=touchpoint.owner_team_id)
    after = [m for m in members if cursor.last_user_id is None or m > cursor.last_user_id]
    chosen_id = after[0] if after else members[0]
    cursor.last_user_id = chosen_id
    cursor.save(update_fields=["last_user_id"])
    return get_user_model().objects.get(pk=chosen_id)


def _in_holdout(rule: TriggerRule, subject_key: str, day: str) -> bool:
    """A stable draw per (rule, subject, day): every worker evaluating the same trigger agrees,
    and the share kept as control matches `holdout_percent`."""
    if rule.holdout_percent <= 0:
        return False
    digest = hashlib.sha256(f"{rule.code}|{subject_key}|{day}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return draw < rule.holdout_percent / 100


def fire(trigger: Trigger) -> FollowUpTask | Holdout:
    """Act on a trigger: add to the open task of this (rule, subject), or keep the subject as a
    control (holdout), or open a new task. Runs in the caller's transaction or its own.

    Exactly once: the partial unique constraint allows one open task per (rule, subject); when a
    concurrent call opened it first, this call adds to that task instead.
    """
    with transaction.atomic():
        task = _open_task_locked(trigger)
        if task is not None:
            return _retrigger(task, trigger)
        holdout = _holdout(trigger)
        if holdout is not None:
            return holdout
        try:
            with transaction.atomic():
                return _open(trigger)
        except IntegrityError:
            task = _open_task_locked(trigger)
            if task is None:
                raise
            return _retrigger(task, trigger)


def _open_task_locked(trigger: Trigger) -> FollowUpTask | None:
    return (
        FollowUpTask.objects.select_for_update()
        .filter(rule=trigger.rule, subject_key=trigger.subject_key, status__in=OPEN_STATUSES)
        .first()
    )


def _retrigger(task: FollowUpTask, trigger: Trigger) -> FollowUpTask:
    if trigger.response is not None and task.response_id == trigger.response.pk:
        return task  # the same response again (a re-run evaluation): nothing new
    task.trigger_count += 1
    task.save(update_fields=["trigger_count", "updated_at"])
    TaskEvent.objects.create(
        task=task,
        kind=TaskEvent.Kind.RETRIGGERED,
        at=trigger.at,
        data={
            "facts": trigger.facts,
            "response": str(trigger.response.code) if trigger.response else None,
        },
    )
    return task


def _holdout(trigger: Trigger) -> Holdout | None:
    rule, day = trigger.rule, timezone.localdate(trigger.at)
    recent = Holdout.objects.filter(
        rule=rule,
        subject_key=trigger.subject_key,
        triggered_at__gte=trigger.at - timedelta(days=HOLDOUT_STICKY_DAYS),
    ).first()
    if recent is not None:
        return recent
    if not _in_holdout(rule, trigger.subject_key, day.isoformat()):
        return None
    holdout, _created = Holdout.objects.get_or_create(
        rule=rule,
        subject_key=trigger.subject_key,
        trigger_day=day,
        defaults={
            "customer": trigger.customer,
            "response": trigger.response,
            "triggered_at": trigger.at,
            "trigger": trigger.facts,
            "baseline_score": _baseline(trigger.response),
        },
    )
    return holdout


def _baseline(response: Response | None) -> int | None:
    """The triggering answer on the outcome scale (0-10), as the outcome sweep judges it."""
    if response is None:
        return None
    from actions.services.outcomes import score_of

    return score_of(nps=response.nps, csat=response.csat)


def _open(trigger: Trigger) -> FollowUpTask:
    plan = trigger.rule.plan
    owner = route_owner(plan=plan, store=trigger.store, touchpoint=trigger.touchpoint)
    now = timezone.now()
    task = FollowUpTask.objects.create(
        rule=trigger.rule,
        rule_version=trigger.rule.version,
        plan=plan,
        subject_key=trigger.subject_key,
        title=trigger.title[:TITLE_MAX],
        customer=trigger.customer,
        store=trigger.store,
        response=trigger.response,
        feedback=trigger.feedback,
        trigger=trigger.facts,
        owner=owner,
        priority=priority_for(severity=plan.severity, customer=trigger.customer, at=trigger.at),
        severity=plan.severity,
        sla_hours=plan.sla_hours,
        # The SLA runs from when the task exists, not from when the customer answered.
        due_at=add_business_hours(now, plan.sla_hours),
        checklist=[{"text": str(step), "done": False} for step in plan.checklist],
        created_at=now,
        baseline_score=_baseline(trigger.response),
    )
    TaskEvent.objects.create(
        task=task,
        kind=TaskEvent.Kind.CREATED,
        at=now,
        data={"facts": trigger.facts, "owner": owner.get_username()},
    )
    notifications.notify(task=task, event="created")
    return task


# -- changes by people -----------------------------------------------------------------------


def _claim(task: FollowUpTask, from_states: tuple[str, ...], **changes: Any) -> None:
    """Apply `changes` if the task is still in one of `from_states`; else TransitionNotAllowed.
    The task object is updated to match the row."""
    changes.setdefault("updated_at", timezone.now())
    if not FollowUpTask.objects.filter(pk=task.pk, status__in=from_states).update(**changes):
        raise TransitionNotAllowed(_("This task was changed meanwhile; reload the page."))
    for name, value in changes.items():
        setattr(task, name, value)


def _acted(task: FollowUpTask, at: datetime) -> None:
    """The first human action on a task (for "time to first action")."""
    if task.first_action_at is None and FollowUpTask.objects.filter(
        pk=task.pk, first_action_at__isnull=True
    ).update(first_action_at=at):
        task.first_action_at = at


def _log(
    task: FollowUpTask, kind: str, by: User | None, at: datetime, text: str = "", **data: Any
) -> TaskEvent:
    return TaskEvent.objects.create(task=task, kind=kind, actor=by, at=at, text=text, data=data)


def _status_event(task: FollowUpTask, by: User, at: datetime, old: str, text: str = "") -> None:
    _log(task, TaskEvent.Kind.STATUS, by, at, text, old=old, new=task.status)


@transaction.atomic
def start_task(*, task: FollowUpTask, by: User) -> None:
    """New → in progress."""
    now = timezone.now()
    _claim(task, (TaskStatus.NEW,), status=TaskStatus.IN_PROGRESS)
    _acted(task, now)
    _status_event(task, by, now, TaskStatus.NEW)


@transaction.atomic
def wait_on_customer(*, task: FollowUpTask, by: User, note: str = "") -> None:
    """New or in progress → waiting on the customer; the SLA clock stops until resumed."""
    now, old = timezone.now(), task.status
    _claim(
        task,
        (TaskStatus.NEW, TaskStatus.IN_PROGRESS),
        status=TaskStatus.WAITING,
        paused_at=now,
    )
    _acted(task, now)
    _status_event(task, by, now, old, note)


def _after_pause(due: datetime, paused_at: datetime | None, now: datetime) -> datetime:
    """The SLA time that was left on `due` when the clock stopped, counted again from now. A
    task that was already overdue when paused stays as overdue as it was."""
    paused_at = paused_at or now
    if due <= paused_at:
        return due + (now - paused_at)
    left = business_hours_between(paused_at, due)
    return add_business_hours(now, left)


def _resumed(task: FollowUpTask, now: datetime) -> dict[str, Any]:
    """The due times after a pause ends: `due_at`, and the SLA's own due time once a reviewer
    has moved `due_at` away from it, both later by the paused business time."""
    changes: dict[str, Any] = {"due_at": _after_pause(task.due_at, task.paused_at, now)}
    if task.sla_due_at is not None:
        changes["sla_due_at"] = _after_pause(task.sla_due_at, task.paused_at, now)
    return changes


@transaction.atomic
def resume_task(*, task: FollowUpTask, by: User | None) -> None:
    """Waiting → in progress; the due time moves later by the paused business time."""
    now = timezone.now()
    _claim(
        task,
        (TaskStatus.WAITING,),
        status=TaskStatus.IN_PROGRESS,
        paused_at=None,
        **_resumed(task, now),
    )
    _status_event(task, by, now, TaskStatus.WAITING)  # type: ignore[arg-type]


@transaction.atomic
def resolve_task(*, task: FollowUpTask, by: User, root_cause: RootCause, note: str) -> None:
    """Any open state → resolved, with the root cause (required) and a resolution note."""
    if root_cause is None or not root_cause.is_active:
        raise TransitionNotAllowed(_("Choose a root cause to resolve the task."))
    now, old = timezone.now(), task.status
    changes: dict[str, Any] = {
        "status": TaskStatus.RESOLVED,
        "root_cause": root_cause,
        "resolution_note": note,
        "resolved_at": now,
        "paused_at": None,
    }
    if old == TaskStatus.WAITING:
        changes.update(_resumed(task, now))
    _claim(task, OPEN_STATUSES, **changes)
    _acted(task, now)
    _status_event(task, by, now, old, note)
    notifications.notify(task=task, event="resolved", key=str(now.timestamp()), actor=by)


@transaction.atomic
def close_task(*, task: FollowUpTask, by: User, send_recovery_survey: bool = False) -> None:
    """Resolved → closed. Optionally invites the customer to the plan's recovery survey."""
    now = timezone.now()
    _claim(task, (TaskStatus.RESOLVED,), status=TaskStatus.CLOSED, closed_at=now)
    _status_event(task, by, now, TaskStatus.RESOLVED)
    if send_recovery_survey:
        from actions.services.outcomes import send_recovery_survey as send_survey

        send_survey(task=task, by=by)


@transaction.atomic
def reopen_task(*, task: FollowUpTask, by: User, reason: str) -> None:
    """Resolved or closed → in progress, with a fresh SLA from now (its reminders and
    escalations start over) and the earlier verdict cleared. Refused when a newer task for the
    same rule and subject is open (the customer is already being followed up)."""
    now, old = timezone.now(), task.status
    try:
        with transaction.atomic():
            _claim(
                task,
                (TaskStatus.RESOLVED, TaskStatus.CLOSED),
                status=TaskStatus.IN_PROGRESS,
                resolved_at=None,
                closed_at=None,
                paused_at=None,
                due_at=add_business_hours(now, task.sla_hours),
                sla_due_at=None,
                verdict="",
                judged_at=None,
                later_score=None,
                repurchased_30d=None,
                repurchased_90d=None,
            )
    except IntegrityError as error:
        raise TransitionNotAllowed(
            _("A newer task for this customer and rule is open; work on that one.")
        ) from error
    Escalation.objects.filter(task=task).delete()
    event = _log(task, TaskEvent.Kind.STATUS, by, now, reason, old=old, new=task.status)
    notifications.notify(task=task, event="reopened", key=str(event.pk), actor=by)


@transaction.atomic
def add_comment(*, task: FollowUpTask, by: User, text: str) -> TaskEvent:
    now = timezone.now()
    event = _log(task, TaskEvent.Kind.COMMENT, by, now, text)
    FollowUpTask.objects.filter(pk=task.pk).update(updated_at=now)
    _acted(task, now)
    return event


@transaction.atomic
def set_checklist_item(*, task: FollowUpTask, by: User, index: int, done: bool) -> None:
    """Tick or untick one step of the task's checklist (row-locked: the list is one value)."""
    locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if not 0 <= index < len(locked.checklist):
        raise TransitionNotAllowed(_("This checklist step does not exist."))
    if locked.checklist[index]["done"] == done:
        task.checklist = locked.checklist
        return
    locked.checklist[index]["done"] = done
    now = timezone.now()
    FollowUpTask.objects.filter(pk=task.pk).update(checklist=locked.checklist, updated_at=now)
    task.checklist = locked.checklist
    _acted(task, now)
    _log(
        task,
        TaskEvent.Kind.CHECKLIST,
        by,
        now,
        locked.checklist[index]["text"],
        index=index,
        done=done,
    )


@transaction.atomic
def reassign_task(*, task: FollowUpTask, by: User | None, owner: User, note: str = "") -> None:
    """Give an open task to another owner, who is notified."""
    if owner.pk == task.owner_id:
        return
    now, old_owner = timezone.now(), task.owner
    _claim(task, OPEN_STATUSES, owner=owner)
    event = _log(
        task,
        TaskEvent.Kind.ASSIGNED,
        by,
        now,
        note,
        old=old_owner.get_username(),
        new=owner.get_username(),
    )
    notifications.notify(task=task, event="assigned", key=str(event.pk), actor=by)


@transaction.atomic
def change_task_due(
    *, task: FollowUpTask, by: User, due_at: datetime, priority: int, reason: str
) -> TaskEvent | None:
    """Move an open task's due date and/or set its priority, with the reviewer's reason;
    returns the activity entry (None when nothing changed).

    Reminders and escalations follow the new `due_at` from now on: the sweep measures every
    level from it, and levels already reached stay recorded (one escalation per task and
    level), so they are not sent again. The SLA's own due time is kept in `sla_due_at` (set on
    the first move), which SLA compliance is measured against. On a task waiting on the
    customer the clock stays stopped: the new due date is the one that holds if the task is
    resumed now, and the time it still waits moves it later on resume, as any pause does.

    Refused (`ChangeRefused`) on a resolved or closed task and for a due date not in the
    future; `TransitionNotAllowed` when the task was finished meanwhile.
    """
    now = timezone.now()
    if task.status not in OPEN_STATUSES:
        raise ChangeRefused(
            _("A resolved or closed task keeps its due date and priority; reopen it first.")
        )
    moved, reprioritised = due_at != task.due_at, priority != task.priority
    if moved and due_at <= now:
        raise ChangeRefused(_("The new due date is in the past; choose a later time."))
    if not moved and not reprioritised:
        return None
    changes: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if moved:
        changes["due_at"] = due_at
        data.update(old_due=task.due_at.isoformat(), new_due=due_at.isoformat())
        if task.status == TaskStatus.WAITING:
            # The pause so far counts into the SLA's due time now, and the pause goes on from
            # here against the new due date.
            changes["paused_at"] = now
            changes["sla_due_at"] = _after_pause(task.promised_due_at, task.paused_at, now)
        elif task.sla_due_at is None:
            changes["sla_due_at"] = task.due_at
    if reprioritised:
        changes["priority"] = priority
        data.update(old_priority=task.priority, new_priority=priority)
    _claim(task, OPEN_STATUSES, **changes)
    event = _log(task, TaskEvent.Kind.RESCHEDULED, by, now, reason, **data)
    # The owner hears of the new deadline; webhooks carry the task with its new due date.
    notifications.notify(task=task, event="rescheduled", key=str(event.pk), actor=by)
    return event
