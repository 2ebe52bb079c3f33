"""Two `sweep_tasks` processes running over the same overdue tasks at the same moment escalate
each level of each task once: one escalation row, one set of notifications, one reassignment."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import Escalation, FollowUpTask, Notification, TaskEvent
from cxm.roles import Role
from tests.actions.test_reliability_helpers import (
    Processes,
    processes,
    rows_locked,
    wait_for_lock_waiters,
)
from tests.actions.test_sending_helpers import make_open_task, make_plan
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
__all__ = ["processes"]  # the fixture, imported for this module's tests

TASKS = 8


def test_two_overlapping_sweeps_escalate_each_level_once(processes: Processes) -> None:
    UserFactory(username="admin-a", role=Role.ADMIN)
    UserFactory(username="admin-b", role=Role.ADMIN)
    boss = UserFactory(username="boss")
    owner = UserFactory(username="owner", reports_to=boss)
    plan = make_plan(owner=owner, reassign_on_breach=True, sla_hours=4)
    # Opened three weeks ago with a 4-hour SLA: past the breach and twice the SLA.
    opened = timezone.now() - timedelta(days=21)
    tasks = [make_open_task(plan=plan, owner=owner, created_at=opened) for _ in range(TASKS)]
    ids = [task.pk for task in tasks]

    with rows_locked("actions_followuptask", ids):
        sweeps = [processes.manage("sweep_tasks") for _ in range(2)]
        # Both sweeps wait on the first task's row lock: they run through the tasks together.
        wait_for_lock_waiters(2, processes)
    summaries = [json.loads(processes.wait(s).strip().splitlines()[-1]) for s in sweeps]

    assert sum(s["escalated"] for s in summaries) == TASKS
    assert sum(s["escalated_to_admins"] for s in summaries) == TASKS
    assert sum(s["reassigned"] for s in summaries) == TASKS
    for task in FollowUpTask.objects.filter(pk__in=ids):
        assert task.owner_id == boss.pk
        levels = sorted(Escalation.objects.filter(task=task).values_list("level", flat=True))
        assert levels == [Escalation.Level.BREACH, Escalation.Level.ADMINS]
        events = TaskEvent.objects.filter(task=task)
        assert events.filter(kind=TaskEvent.Kind.ESCALATED).count() == 2
        assert events.filter(kind=TaskEvent.Kind.ASSIGNED).count() == 1
        sent_to = sorted(
            (n.event.split(":")[0], n.recipient.username)
            for n in Notification.objects.filter(task=task).select_related("recipient")
        )
        assert sent_to == [
            ("admins", "admin-a"),
            ("admins", "admin-b"),
            ("assigned", "boss"),
            ("breach", "boss"),
        ]
