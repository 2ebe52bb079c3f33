"""The sweep: reminder at 80% of the SLA, escalation to the manager at breach (optionally
reassigning), to the admins at twice the SLA; each level once; paused and finished tasks are
left alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from actions.models import Escalation, FollowUpTask, Notification, TaskEvent, TaskStatus
from actions.services.sweep import sweep_tasks
from cxm.roles import Role
from tests.actions.test_sending_helpers import SEOUL, T0, make_open_task, make_plan
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# T0 is Wednesday 10:00; an 8-business-hour SLA is due Wednesday 18:00, and twice the SLA is
# reached Thursday 17:00 (another 8 business hours after the due time).
DUE = datetime(2025, 3, 5, 18, 0, tzinfo=SEOUL)
AT_80 = datetime(2025, 3, 5, 16, 24, tzinfo=SEOUL)
TWICE = datetime(2025, 3, 6, 17, 0, tzinfo=SEOUL)


def _task(**fields: object) -> FollowUpTask:
    manager = UserFactory(username="boss", email="boss@example.com")
    owner = UserFactory(username="owner", reports_to=manager)
    plan = make_plan(owner=owner, **fields)
    return make_open_task(plan=plan, owner=owner)


def _levels(task: FollowUpTask) -> list[int]:
    return sorted(Escalation.objects.filter(task=task).values_list("level", flat=True))


def _emails(task: FollowUpTask, event: str) -> list[str]:
    rows = Notification.objects.filter(task=task, event__startswith=f"{event}:", channel="email")
    return sorted(rows.values_list("recipient__username", flat=True))


def test_the_owner_is_reminded_once_at_80_percent_of_the_sla() -> None:
    task = _task()
    assert task.due_at == DUE

    assert sweep_tasks(now=AT_80 - timedelta(minutes=1))["reminded"] == 0
    assert _levels(task) == []

    assert sweep_tasks(now=AT_80)["reminded"] == 1
    assert sweep_tasks(now=AT_80 + timedelta(minutes=1))["reminded"] == 0

    assert _levels(task) == [Escalation.Level.REMINDER]
    assert _emails(task, "reminder") == ["owner"]
    (event,) = TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.REMINDED)
    assert event.data["to"] == ["owner"]


def test_the_reminder_counts_business_hours_not_the_clock() -> None:
    # Opened Friday 16:00 with 8 hours: due Monday 15:00. 80% (6.4 h) falls on Monday 13:24,
    # although far more than 6.4 clock hours have passed by Saturday.
    friday = datetime(2025, 3, 7, 16, 0, tzinfo=SEOUL)
    task = make_open_task(created_at=friday)
    assert task.due_at == datetime(2025, 3, 10, 15, 0, tzinfo=SEOUL)

    assert sweep_tasks(now=datetime(2025, 3, 8, 12, 0, tzinfo=SEOUL))["reminded"] == 0
    assert sweep_tasks(now=datetime(2025, 3, 10, 13, 23, tzinfo=SEOUL))["reminded"] == 0
    assert sweep_tasks(now=datetime(2025, 3, 10, 13, 24, tzinfo=SEOUL))["reminded"] == 1


def test_at_breach_the_owners_manager_is_told_once() -> None:
    task = _task()

    summary = sweep_tasks(now=DUE)
    assert (summary["escalated"], summary["reassigned"]) == (1, 0)
    assert sweep_tasks(now=DUE + timedelta(hours=1))["escalated"] == 0

    assert _levels(task) == [Escalation.Level.BREACH]
    assert _emails(task, "breach") == ["boss"]
    task.refresh_from_db()
    assert task.owner.username == "owner"
    (event,) = TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.ESCALATED)
    assert event.data == {"level": 2, "to": ["boss"], "reassigned": False}


def test_the_plan_can_hand_a_breached_task_to_the_manager() -> None:
    task = _task(reassign_on_breach=True)

    assert sweep_tasks(now=DUE)["reassigned"] == 1

    task.refresh_from_db()
    assert task.owner.username == "boss"
    assert _emails(task, "assigned") == ["boss"]
    assert TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.ASSIGNED).count() == 1


def test_without_a_manager_the_fallback_owner_then_the_manager_role_is_told() -> None:
    fallback = UserFactory(username="fallback")
    plan = make_plan(fallback_owner=fallback)
    task = make_open_task(plan=plan, owner=UserFactory(username="lone"))
    sweep_tasks(now=DUE)
    assert _emails(task, "breach") == ["fallback"]

    UserFactory(username="m1", role=Role.MANAGER)
    UserFactory(username="m2", role=Role.MANAGER)
    alone = make_open_task(plan=make_plan(owner=fallback, fallback_owner=fallback), owner=fallback)
    sweep_tasks(now=DUE)
    assert _emails(alone, "breach") == ["m1", "m2"]


def test_at_twice_the_sla_the_admins_are_told_once() -> None:
    UserFactory(username="admin-a", role=Role.ADMIN)
    UserFactory(username="admin-b", role=Role.ADMIN)
    task = _task()
    sweep_tasks(now=DUE)

    assert sweep_tasks(now=TWICE - timedelta(minutes=1))["escalated_to_admins"] == 0
    assert sweep_tasks(now=TWICE)["escalated_to_admins"] == 1
    assert sweep_tasks(now=TWICE + timedelta(days=3))["escalated_to_admins"] == 0

    assert _levels(task) == [Escalation.Level.BREACH, Escalation.Level.ADMINS]
    assert _emails(task, "admins") == ["admin-a", "admin-b"]


def test_a_task_first_seen_long_overdue_is_escalated_at_both_levels_without_a_reminder() -> None:
    UserFactory(username="admin-a", role=Role.ADMIN)
    task = _task()

    summary = sweep_tasks(now=TWICE + timedelta(days=1))

    assert (summary["reminded"], summary["escalated"], summary["escalated_to_admins"]) == (0, 1, 1)
    assert _levels(task) == [Escalation.Level.BREACH, Escalation.Level.ADMINS]


def test_paused_and_finished_tasks_are_not_escalated() -> None:
    waiting = _task()
    FollowUpTask.objects.filter(pk=waiting.pk).update(status=TaskStatus.WAITING, paused_at=T0)
    resolved = make_open_task(status=TaskStatus.RESOLVED)

    summary = sweep_tasks(now=TWICE + timedelta(days=1))

    assert summary["checked"] == 0
    assert not Escalation.objects.filter(task__in=[waiting, resolved]).exists()


def test_the_command_sweeps_and_prints_a_json_summary_last() -> None:
    task = _task()
    out = StringIO()
    with time_machine.travel(DUE + timedelta(minutes=5), tick=False):
        call_command("sweep_tasks", stdout=out)

    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["escalated"] == 1
    assert _levels(task) == [Escalation.Level.BREACH]
