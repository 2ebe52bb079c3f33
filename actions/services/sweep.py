"""The sweep: reminders and escalations of running tasks, each level once per task.

Scheduled every minute (`cxm/cron.py`) and runnable as `manage.py sweep_tasks`. For each open
task whose SLA clock runs (new or in progress, not paused):

1. at 80% of its SLA in business hours (still before `due_at`): remind the owner;
2. once past `due_at`: escalate to the owner's manager (`reports_to`, else the plan's
   fallback owner, else everyone in the Manager role), and hand the task to that manager when
   the plan says `reassign_on_breach`;
3. once overdue by its SLA again (twice the SLA): escalate to the admins.

A level is claimed by inserting its `Escalation` row (unique per task and level) with
`ON CONFLICT DO NOTHING`: only the sweep whose insert went in sends anything, so two
overlapping sweeps (a late scheduler run beside the command) escalate once. Measuring the
levels from `due_at` rather than from `created_at` lets a pause (which moves `due_at` later)
count as it should.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from actions.calendar import business_hours_between
from actions.models import Escalation, FollowUpTask, TaskEvent, TaskStatus
from actions.services.notifications import notify
from actions.services.tasks import reassign_task
from cxm.models import User
from cxm.roles import Role

log = logging.getLogger(__name__)

REMIND_AT_SHARE = 0.8
RUNNING = (TaskStatus.NEW, TaskStatus.IN_PROGRESS)
Level = Escalation.Level


@dataclass(frozen=True)
class _Due:
    reminder: bool
    breach: bool
    admins: bool

    def includes(self, level: int) -> bool:
        if level == Level.REMINDER:
            return self.reminder
        return self.breach if level == Level.BREACH else self.admins


def _levels_due(task: FollowUpTask, now: datetime) -> _Due:
    if now < task.due_at:
        # In whole seconds: 20% of 8 hours must equal 1.6 hours, float rounding aside.
        left = round(business_hours_between(now, task.due_at) * 3600)
        reminder = left <= round(task.sla_hours * 3600 * (1 - REMIND_AT_SHARE))
        return _Due(reminder=reminder, breach=False, admins=False)
    over = round(business_hours_between(task.due_at, now) * 3600)
    return _Due(reminder=False, breach=True, admins=over >= task.sla_hours * 3600)


def _candidates() -> QuerySet[FollowUpTask]:
    """Running tasks with a level still to reach (the admins' level is the last one)."""
    done = Escalation.objects.filter(task=OuterRef("pk"))
    return (
        FollowUpTask.objects.filter(status__in=RUNNING, paused_at=None)
        .annotate(
            reminded=Exists(done.filter(level=Level.REMINDER)),
            breached=Exists(done.filter(level=Level.BREACH)),
            to_admins=Exists(done.filter(level=Level.ADMINS)),
        )
        .filter(to_admins=False)
        .only("pk", "due_at", "sla_hours")
        .order_by("due_at")
    )


def sweep_tasks(*, now: datetime | None = None) -> dict[str, int]:
    """One pass over running tasks; returns counts. Safe to run twice or concurrently."""
    now = now or timezone.now()
    counts = {"checked": 0, "reminded": 0, "escalated": 0, "escalated_to_admins": 0}
    counts["reassigned"] = 0
    for task in _candidates().iterator(chunk_size=500):
        counts["checked"] += 1
        due = _levels_due(task, now)
        if due.reminder and not task.reminded:  # type: ignore[attr-defined]
            counts["reminded"] += _step(task.pk, Level.REMINDER, now)
        if due.breach and not task.breached:  # type: ignore[attr-defined]
            reached = _step(task.pk, Level.BREACH, now)
            counts["escalated"] += reached > 0
            counts["reassigned"] += reached == 2
        if due.admins:
            counts["escalated_to_admins"] += _step(task.pk, Level.ADMINS, now) > 0
    log.info("task sweep", extra=counts)
    return counts


def _claim_level(task: FollowUpTask, level: int, now: datetime) -> int | None:
    """Insert the escalation row; its id when this call inserted it, None when it existed."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Escalation._meta.db_table} (task_id, level, at) "  # noqa: S608 -- table name from the model
            "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            [task.pk, level, now],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _step(task_id: int, level: int, now: datetime) -> int:
    """Reach `level` for one task: 0 when not (anymore) due or already reached by another
    sweep, 1 when reached, 2 when reached and the task was reassigned."""
    with transaction.atomic():
        # Row-locked so a person resolving or pausing the task meanwhile is seen, and the
        # state checked below is the state the escalation applies to.
        task = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("owner", "owner__reports_to", "plan", "plan__fallback_owner")
            .filter(pk=task_id, status__in=RUNNING, paused_at=None)
            .first()
        )
        if task is None:
            return 0
        if not _levels_due(task, now).includes(level):
            return 0
        escalation_id = _claim_level(task, level, now)
        if escalation_id is None:
            return 0
        if level == Level.REMINDER:
            notify(task=task, event="reminder", key=str(escalation_id))
            _log(task, TaskEvent.Kind.REMINDED, now, level, [task.owner])
            return 1
        if level == Level.ADMINS:
            admins = _role_users(Role.ADMIN)
            notify(task=task, event="admins", users=admins, key=str(escalation_id))
            _log(task, TaskEvent.Kind.ESCALATED, now, level, admins)
            return 1
        managers, single = escalation_managers(task)
        reassigned = False
        if task.plan.reassign_on_breach and single is not None:
            # by=None: the sweep, not a person; the "escalated" event below says why.
            reassign_task(task=task, by=None, owner=single)
            reassigned = True
        notify(task=task, event="breach", users=managers, key=str(escalation_id))
        _log(task, TaskEvent.Kind.ESCALATED, now, level, managers, reassigned=reassigned)
        return 2 if reassigned else 1


def _role_users(role: Role) -> list[User]:
    return list(User.objects.filter(groups__name=role.value, is_active=True).order_by("pk"))


def escalation_managers(task: FollowUpTask) -> tuple[list[User], User | None]:
    """Who hears of a breach, and the one person a breached task may be handed to (None when
    it falls to the Manager role as a whole)."""
    owner = task.owner
    for person in (owner.reports_to, task.plan.fallback_owner):
        if person is not None and person.is_active and person.pk != owner.pk:
            return [person], person
    return [user for user in _role_users(Role.MANAGER) if user.pk != owner.pk], None


def _log(
    task: FollowUpTask,
    kind: str,
    now: datetime,
    level: int,
    recipients: list[User],
    **extra: object,
) -> None:
    TaskEvent.objects.create(
        task=task,
        kind=kind,
        at=now,
        data={"level": level, "to": [user.get_username() for user in recipients], **extra},
    )
