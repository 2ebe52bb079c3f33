"""Reviewers (managers, admins) move an open task's due date and set its priority from the task
page, with a reason. The owner cannot move their own deadline; a finished task and a due date
in the past are refused; the SLA's own due time stays what compliance is measured against;
pauses, reminders and escalations keep working from the new due date; the API, webhooks and
the owner's e-mail carry it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from actions.models import (
    Escalation,
    FollowUpTask,
    Notification,
    Priority,
    TaskEvent,
    TaskStatus,
)
from actions.selectors import SlaState, board_figures, sla_of
from actions.services.sending import webhook_body
from actions.services.sweep import sweep_tasks
from actions.services.tasks import (
    ChangeRefused,
    change_task_due,
    resolve_task,
    resume_task,
    wait_on_customer,
)
from cxm.api_time import api_instant
from cxm.models import User
from odata.services.tokens import create_integration_token
from tests.actions.test_sending_helpers import SEOUL, T0, endpoint_for, make_open_task, make_plan
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, RootCauseFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM_TITLE = "Change due date / priority"
REASON = "The customer asked to be called back after their trip."


def _url(task: FollowUpTask, action: str = "due") -> str:
    return f"/actions/tasks/{task.code}/{action}/" if action else f"/actions/tasks/{task.code}/"


def _english(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    user.refresh_from_db()
    return client_for(user)


def _reload(task: FollowUpTask) -> FollowUpTask:
    return FollowUpTask.objects.get(pk=task.pk)


def _shown(at: datetime) -> str:
    """A time as the datetime-local input sends it."""
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def _later(days: int = 3) -> datetime:
    return timezone.localtime(timezone.now() + timedelta(days=days)).replace(
        minute=0, second=0, microsecond=0
    )


def _form(task: FollowUpTask, *, due: str, priority: int | None = None, reason: str = REASON):
    return {
        "due-due_at": due,
        "due-priority": priority if priority is not None else task.priority,
        "due-reason": reason,
    }


def test_get_is_refused(manager: User) -> None:
    task = FollowUpTaskFactory()
    assert client_for(manager).get(_url(task)).status_code == 405


def test_outsider_is_refused(outsider: User) -> None:
    task = FollowUpTaskFactory()
    response = client_for(outsider).post(_url(task), _form(task, due=_shown(_later())))
    assert response.status_code == 403
    assert _reload(task).due_at == task.due_at


def test_the_owner_gets_no_form_and_cannot_move_their_own_deadline(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = _english(agent)
    assert FORM_TITLE not in client.get(_url(task, "")).content.decode()
    response = client.post(_url(task), _form(task, due=_shown(_later()), priority=1))
    assert response.status_code == 403
    after = _reload(task)
    assert (after.due_at, after.priority, after.updated_at) == (
        task.due_at,
        task.priority,
        task.updated_at,
    )
    assert not after.events.exists()


def test_a_reviewer_who_owns_the_task_cannot_move_it_either(manager: User) -> None:
    task = FollowUpTaskFactory(owner=manager)
    client = _english(manager)
    assert FORM_TITLE not in client.get(_url(task, "")).content.decode()
    assert client.post(_url(task), _form(task, due=_shown(_later()))).status_code == 403
    assert _reload(task).due_at == task.due_at


def test_a_manager_moves_the_due_date_and_priority(manager: User) -> None:
    owner = UserFactory(name="김점장", email="store@example.com")
    task = FollowUpTaskFactory(owner=owner, priority=Priority.NORMAL)
    client = _english(manager)
    assert FORM_TITLE in client.get(_url(task, "")).content.decode()
    new_due = _later()

    response = client.post(_url(task), _form(task, due=_shown(new_due), priority=Priority.URGENT))

    assert response.status_code == 302 and response["Location"] == _url(task, "")
    after = _reload(task)
    assert after.due_at == new_due and after.priority == Priority.URGENT
    assert after.sla_due_at == task.due_at  # what the SLA promised is kept
    assert after.updated_at > task.updated_at  # API clients polling by updated_at see it
    (event,) = after.events.filter(kind=TaskEvent.Kind.RESCHEDULED)
    assert event.actor == manager and event.text == REASON
    html = client.get(_url(task, "")).content.decode()
    assert f"{manager.display_name} moved the due date from" in html
    assert "changed the priority from Normal to Urgent" in html
    assert REASON in html
    # The owner hears of the new deadline; the reviewer who made the change does not.
    mails = Notification.objects.filter(task=task, event__startswith="rescheduled:")
    assert list(mails.values_list("recipient__username", flat=True)) == [owner.username]


def test_a_priority_alone_can_change_on_an_overdue_task(manager: User) -> None:
    created = timezone.now() - timedelta(days=2)
    task = FollowUpTaskFactory(created_at=created, due_at=created + timedelta(hours=8))
    response = client_for(manager).post(
        _url(task), _form(task, due=_shown(task.due_at), priority=Priority.HIGH)
    )
    assert response.status_code == 302
    after = _reload(task)
    assert after.priority == Priority.HIGH
    assert after.due_at == task.due_at and after.sla_due_at is None


def test_a_due_date_in_the_past_is_refused(manager: User) -> None:
    task = FollowUpTaskFactory()
    yesterday = timezone.now() - timedelta(days=1)
    response = _english(manager).post(_url(task), _form(task, due=_shown(yesterday)))
    assert response.status_code == 400
    assert "The new due date is in the past; choose a later time." in response.content.decode()
    assert _reload(task).due_at == task.due_at
    with pytest.raises(ChangeRefused):
        change_task_due(task=task, by=manager, due_at=yesterday, priority=3, reason="x")


def test_a_reason_is_required_and_something_must_change(manager: User) -> None:
    task = FollowUpTaskFactory()
    client = _english(manager)
    response = client.post(_url(task), _form(task, due=_shown(_later()), reason=""))
    assert response.status_code == 400
    assert "Say why the due date or priority changes." in response.content.decode()
    response = client.post(_url(task), _form(task, due=_shown(task.due_at)))
    assert response.status_code == 400
    assert "Change the due date or the priority first." in response.content.decode()
    assert not _reload(task).events.exists()


@pytest.mark.parametrize("status", [TaskStatus.RESOLVED, TaskStatus.CLOSED])
def test_a_finished_task_is_refused_with_a_message(manager: User, status: str) -> None:
    task = FollowUpTaskFactory(status=status, resolved_at=timezone.now())
    client = _english(manager)
    assert FORM_TITLE not in client.get(_url(task, "")).content.decode()
    response = client.post(_url(task), _form(task, due=_shown(_later())))
    assert response.status_code == 400
    assert "A resolved or closed task keeps its due date and priority" in (
        response.content.decode()
    )
    assert _reload(task).due_at == task.due_at


def test_a_moved_due_date_does_not_turn_a_missed_sla_into_a_met_one(manager: User) -> None:
    created = timezone.now() - timedelta(days=3)
    missed = FollowUpTaskFactory(created_at=created, due_at=created + timedelta(hours=8))
    change_task_due(
        task=missed, by=manager, due_at=_later(), priority=missed.priority, reason=REASON
    )
    resolve_task(task=missed, by=manager, root_cause=RootCauseFactory(), note="Called back.")
    on_time = FollowUpTaskFactory()  # resolved within its SLA: still met
    resolve_task(task=on_time, by=manager, root_cause=RootCauseFactory(), note="Called back.")

    assert sla_of(_reload(missed), now=timezone.now()).state == SlaState.MISSED
    assert sla_of(_reload(on_time), now=timezone.now()).state == SlaState.MET
    compliance = board_figures(FollowUpTask.objects.all()).compliance
    assert (compliance.successes, compliance.n) == (1, 2)


def test_a_waiting_task_keeps_its_pause(manager: User) -> None:
    # T0 is Wednesday 10:00; 8 business hours make it due Wednesday 18:00.
    task = make_open_task(status=TaskStatus.IN_PROGRESS)
    owner = task.owner
    wednesday = T0.replace
    with time_machine.travel(wednesday(hour=11), tick=False):
        wait_on_customer(task=task, by=owner)  # 7 business hours left
    with time_machine.travel(wednesday(hour=12), tick=False):
        thursday_15 = datetime(2025, 3, 6, 15, 0, tzinfo=SEOUL)
        change_task_due(task=task, by=manager, due_at=thursday_15, priority=3, reason=REASON)
    waiting = _reload(task)
    assert waiting.status == TaskStatus.WAITING and waiting.due_at == thursday_15
    # The SLA's due time counts the hour waited so far: 7 hours from Wednesday 12:00.
    assert waiting.sla_due_at == datetime(2025, 3, 6, 10, 0, tzinfo=SEOUL)
    assert sweep_tasks(now=datetime(2025, 3, 6, 16, 0, tzinfo=SEOUL))["checked"] == 0

    with time_machine.travel(wednesday(hour=14), tick=False):
        resume_task(task=waiting, by=owner)
    resumed = _reload(task)
    # Two more hours waited move both later: 12 business hours were left to the new due date
    # (Thursday 17:00 from Wednesday 14:00), 7 to the SLA's (Thursday 12:00).
    assert resumed.due_at == datetime(2025, 3, 6, 17, 0, tzinfo=SEOUL)
    assert resumed.sla_due_at == datetime(2025, 3, 6, 12, 0, tzinfo=SEOUL)


def test_reminders_and_escalations_follow_the_new_due_date(manager: User) -> None:
    boss = UserFactory(username="boss", email="boss@example.com")
    owner = UserFactory(username="owner", reports_to=boss)
    task = make_open_task(plan=make_plan(owner=owner), owner=owner)

    def levels() -> list[int]:
        return sorted(Escalation.objects.filter(task=task).values_list("level", flat=True))

    assert sweep_tasks(now=datetime(2025, 3, 5, 18, 30, tzinfo=SEOUL))["escalated"] == 1
    assert levels() == [Escalation.Level.BREACH]
    friday_noon = datetime(2025, 3, 7, 12, 0, tzinfo=SEOUL)
    with time_machine.travel(datetime(2025, 3, 5, 18, 45, tzinfo=SEOUL), tick=False):
        change_task_due(task=task, by=manager, due_at=friday_noon, priority=3, reason=REASON)

    # Twice the old SLA (Thursday 17:00) no longer reaches the admins.
    assert sweep_tasks(now=datetime(2025, 3, 6, 17, 0, tzinfo=SEOUL))["escalated_to_admins"] == 0
    # 80% of the SLA before the new due date: the owner is reminded.
    assert sweep_tasks(now=datetime(2025, 3, 7, 10, 30, tzinfo=SEOUL))["reminded"] == 1
    # Past the new due date the breach, already escalated, is not sent again...
    assert sweep_tasks(now=datetime(2025, 3, 7, 13, 0, tzinfo=SEOUL))["escalated"] == 0
    breaches = Notification.objects.filter(task=task, event__startswith="breach:")
    assert breaches.count() == 1
    # ...and the admins hear of it at twice the SLA after the new due date (Monday 11:00).
    assert sweep_tasks(now=datetime(2025, 3, 10, 10, 59, tzinfo=SEOUL))["escalated_to_admins"] == 0
    assert sweep_tasks(now=datetime(2025, 3, 10, 11, 0, tzinfo=SEOUL))["escalated_to_admins"] == 1
    assert levels() == [1, 2, 3]


def test_the_api_and_webhooks_carry_the_new_due_date(manager: User) -> None:
    plan = make_plan()
    endpoint = endpoint_for(plan, "https://crm.example.com/hooks/cxm")
    task = make_open_task(plan=plan, created_at=timezone.now())
    new_due = _later()
    change_task_due(task=task, by=manager, due_at=new_due, priority=2, reason=REASON)

    _token, raw = create_integration_token(name="CRM", created_by=None)
    listed = Client().get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["tasks"]
    assert [(row["due_at"], row["priority"]) for row in listed] == [(api_instant(new_due), 2)]

    hook = Notification.objects.get(task=task, endpoint=endpoint)
    assert hook.event.startswith("rescheduled:")
    body = json.loads(webhook_body(hook, _reload(task)))
    assert body["event"] == "rescheduled"
    assert body["task"]["due_at"] == api_instant(new_due)
