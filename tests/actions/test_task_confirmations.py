"""Working a task says what was done (Django messages on the page the user lands on), and a
closed task offers the next open task of the user's inbox."""

from __future__ import annotations

import pytest
from django.test import Client

from actions.models import TaskStatus
from cxm.models import User
from cxm.roles import Role
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, RootCauseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _english(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    user.refresh_from_db()
    return client_for(user)


def _post(client: Client, task: object, action: str, data: dict[str, str] | None = None) -> str:
    url = f"/actions/tasks/{task.code}/{action}/"  # type: ignore[attr-defined]
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_each_step_is_confirmed(agent: User) -> None:
    cause = RootCauseFactory(label_en="Late delivery")
    task = FollowUpTaskFactory(owner=agent, title="Call 김민지 back")
    client = _english(agent)
    assert "You are working on this task." in _post(client, task, "start")
    assert "Comment added." in _post(client, task, "comment", {"text": "Rang twice."})
    resolved = _post(
        client,
        task,
        "resolve",
        {"resolve-root_cause": str(cause.code), "resolve-note": "Refunded the fee."},
    )
    assert "Task resolved." in resolved
    assert "Task closed." in _post(client, task, "close")


def test_a_closed_task_offers_the_next_one_in_my_inbox(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent, status=TaskStatus.RESOLVED)
    later = FollowUpTaskFactory(owner=agent, title="Later one")
    FollowUpTaskFactory(owner=agent, title="Closed one", status=TaskStatus.CLOSED)
    FollowUpTaskFactory(title="Someone else's")
    html = _post(_english(agent), task, "close")
    assert "Task closed." in html
    assert f'Next in My tasks: <a href="/actions/tasks/{later.code}/">Later one</a>' in html


def test_nothing_is_offered_when_the_inbox_is_empty(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent, status=TaskStatus.RESOLVED)
    html = _post(_english(agent), task, "close")
    assert "Task closed." in html and "Next in My tasks" not in html


def test_handing_a_task_over_lands_on_my_tasks(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    colleague = UserFactory(role=Role.STAFF, name="Bora")
    client = _english(agent)
    response = client.post(
        f"/actions/tasks/{task.code}/reassign/", {"reassign-owner": colleague.code}, follow=True
    )
    assert response.redirect_chain[-1] == ("/actions/tasks/", 302)
    assert "Task handed over to Bora." in response.content.decode()
