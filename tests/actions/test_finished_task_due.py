"""A resolved or closed task's due time is history: the task page, the board and My tasks show
its date, and the SLA badge says met or missed; none says it is overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import TaskStatus
from cxm.models import User
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [TaskStatus.RESOLVED, TaskStatus.CLOSED])
def test_a_task_finished_on_time_long_ago_is_met_not_overdue(manager: User, status: str) -> None:
    User.objects.filter(pk=manager.pk).update(language="en")
    created = timezone.now() - timedelta(days=211)
    task = FollowUpTaskFactory(
        owner=manager,
        status=status,
        created_at=created,
        due_at=created + timedelta(hours=8),
        resolved_at=created + timedelta(hours=2),
        closed_at=created + timedelta(hours=3) if status == TaskStatus.CLOSED else None,
    )
    client = client_for(manager)
    page = client.get(f"/actions/tasks/{task.code}/").content.decode()
    assert "Met" in page
    assert "overdue" not in page.lower() and "211 days" not in page
    board = client.get(f"/actions/board/?status={status}").content.decode()
    assert task.title in board
    assert "211 days" not in board and '<strong class="late">' not in board
