"""How far past due a task is, said once and naturally: the inbox card, the board and the task
page say "기한 106일 지남" / "106일 지남" rather than "106일 전", the SLA badge of an overdue task
says how far past due it is instead of "100% used", and a paused card says "paused" once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import TaskStatus
from cxm.models import User
from cxm.roles import Role
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def _overdue(owner: User) -> object:
    return FollowUpTaskFactory(
        owner=owner,
        status=TaskStatus.IN_PROGRESS,
        due_at=timezone.now() - timedelta(days=106, hours=2),
    )


def test_inbox_card_says_how_long_past_due(agent: User) -> None:
    _overdue(agent)
    html = client_for(agent).get("/actions/tasks/").content.decode()
    assert "기한 106일 지남" in html
    assert "106일 전" not in html


def test_task_page_badge_says_how_far_past_due(agent: User) -> None:
    task = _overdue(agent)
    html = client_for(agent).get(f"/actions/tasks/{task.code}/").content.decode()  # type: ignore[attr-defined]
    assert "SLA 초과 · 106일 지남" in html
    assert "SLA: SLA" not in html and "100%" not in html
    assert "106일 전" not in html


def test_board_says_how_long_past_due(manager: User) -> None:
    _overdue(UserFactory(role=Role.STAFF))
    html = client_for(manager).get("/actions/board/").content.decode()
    assert "106일 지남" in html and "106일 전" not in html


def test_a_running_task_shows_its_share_of_the_sla(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent, due_at=timezone.now() + timedelta(hours=22, minutes=30))
    html = client_for(agent).get(f"/actions/tasks/{task.code}/").content.decode()
    assert "22시간 후" in html
    assert "SLA: " not in html and "% 경과" in html


def test_a_paused_card_says_paused_once(agent: User) -> None:
    FollowUpTaskFactory(
        owner=agent, status=TaskStatus.WAITING, due_at=timezone.now() + timedelta(hours=2)
    )
    html = client_for(agent).get("/actions/tasks/").content.decode()
    assert "고객 응답 대기 중이라 멈춤" in html
    assert "대기 중 멈춤<" not in html
