"""Status actions, checklist, comments and reassignment on the task page: each refuses GET,
outsiders and other staff, changes the row on the happy path, and explains a refusal."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from actions.models import FollowUpTask, TaskEvent, TaskStatus
from cxm.models import User
from cxm.roles import Role
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, RootCauseFactory, UserFactory
from tests.odata.test_customer_360 import CustomerFactory

pytestmark = pytest.mark.django_db


def _url(task: FollowUpTask, action: str) -> str:
    return f"/actions/tasks/{task.code}/{action}/"


def _english(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    user.refresh_from_db()
    return client_for(user)


def _reload(task: FollowUpTask) -> FollowUpTask:
    return FollowUpTask.objects.get(pk=task.pk)


ACTIONS = [
    "start",
    "wait",
    "resume",
    "resolve",
    "close",
    "reopen",
    "comment",
    "reassign",
    "checklist/0",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_get_is_refused(agent: User, action: str) -> None:
    task = FollowUpTaskFactory(owner=agent)
    assert client_for(agent).get(_url(task, action)).status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_outsider_is_refused(outsider: User, action: str) -> None:
    task = FollowUpTaskFactory()
    response = client_for(outsider).post(_url(task, action), {"done": "1", "text": "x"})
    assert response.status_code == 403
    assert _reload(task).status == TaskStatus.NEW


@pytest.mark.parametrize("action", ACTIONS)
def test_other_staff_cannot_act_on_someone_elses_task(agent: User, action: str) -> None:
    task = FollowUpTaskFactory()
    response = client_for(agent).post(_url(task, action), {"done": "1", "text": "x"})
    assert response.status_code == 404
    after = _reload(task)
    assert after.status == TaskStatus.NEW and after.updated_at == task.updated_at
    assert not after.events.exists()


def test_start_then_wait_then_resume(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = client_for(agent)
    response = client.post(_url(task, "start"))
    assert response.status_code == 302 and response["Location"] == f"/actions/tasks/{task.code}/"
    started = _reload(task)
    assert started.status == TaskStatus.IN_PROGRESS and started.first_action_at is not None

    client.post(_url(task, "wait"), {"wait-note": "Left a voicemail"})
    waiting = _reload(task)
    assert waiting.status == TaskStatus.WAITING and waiting.paused_at is not None
    assert waiting.events.filter(kind=TaskEvent.Kind.STATUS, text="Left a voicemail").exists()

    client.post(_url(task, "resume"))
    assert _reload(task).status == TaskStatus.IN_PROGRESS


def test_resolve_needs_a_root_cause_and_a_note(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    response = _english(agent).post(
        _url(task, "resolve"), {"resolve-root_cause": "", "resolve-note": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a root cause to resolve the task." in html
    assert "Write what you did for the customer." in html
    assert _reload(task).status == TaskStatus.NEW


def test_resolve_with_an_inactive_root_cause_is_refused(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    cause = RootCauseFactory(is_active=False)
    response = _english(agent).post(
        _url(task, "resolve"), {"resolve-root_cause": cause.code, "resolve-note": "x"}
    )
    assert response.status_code == 400
    assert "Choose a root cause from the list." in response.content.decode()


def test_resolve_close_reopen(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    cause = RootCauseFactory()
    client = client_for(agent)
    response = client.post(
        _url(task, "resolve"), {"resolve-root_cause": cause.code, "resolve-note": "Refunded."}
    )
    assert response.status_code == 302
    resolved = _reload(task)
    assert resolved.status == TaskStatus.RESOLVED
    assert resolved.root_cause == cause and resolved.resolution_note == "Refunded."

    client.post(_url(task, "close"), {})
    assert _reload(task).status == TaskStatus.CLOSED

    response = _english(agent).post(_url(task, "reopen"), {"reason": ""})
    assert (
        response.status_code == 400 and "Say why the task is reopened." in response.content.decode()
    )
    client.post(_url(task, "reopen"), {"reason": "The customer called again."})
    assert _reload(task).status == TaskStatus.IN_PROGRESS


def test_a_transition_no_longer_allowed_is_a_409_with_a_message(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent, status=TaskStatus.CLOSED, closed_at=timezone.now())
    response = _english(agent).post(_url(task, "start"))
    assert response.status_code == 409
    assert "This task was changed meanwhile; reload the page." in response.content.decode()
    assert _reload(task).status == TaskStatus.CLOSED


def test_comment_is_logged(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = client_for(agent)
    assert client.post(_url(task, "comment"), {"text": ""}).status_code == 400
    client.post(_url(task, "comment"), {"text": "Customer prefers a call after 6 pm."})
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.COMMENT)
    assert event.text == "Customer prefers a call after 6 pm." and event.actor == agent
    page = _english(agent).get(f"/actions/tasks/{task.code}/").content.decode()
    assert "Customer prefers a call after 6 pm." in page


def test_checklist_tick_with_and_without_htmx(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = client_for(agent)
    response = client.post(_url(task, "checklist/0"), {"done": "1"})
    assert response.status_code == 302
    assert _reload(task).checklist[0] == {"text": "Call the customer", "done": True}

    response = client.post(_url(task, "checklist/1"), {"done": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('\n<section id="checklist"') or '<section id="checklist"' in html
    assert "<html" not in html and html.count('aria-pressed="true"') == 2
    assert [i["done"] for i in _reload(task).checklist] == [True, True]

    client.post(_url(task, "checklist/0"), {"done": "0"})
    assert _reload(task).checklist[0]["done"] is False


def test_checklist_bad_input(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = _english(agent)
    assert client.post(_url(task, "checklist/0"), {"done": "maybe"}).status_code == 400
    response = client.post(_url(task, "checklist/9"), {"done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "This checklist step does not exist." in response.content.decode()


def test_reassign_to_someone_who_works_tasks(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    colleague = UserFactory(role=Role.STAFF)
    nobody = UserFactory()  # no role: cannot work tasks
    client = _english(agent)
    response = client.post(_url(task, "reassign"), {"reassign-owner": nobody.code})
    assert response.status_code == 400
    assert "This person cannot work follow-up tasks." in response.content.decode()
    assert _reload(task).owner == agent

    response = client.post(
        _url(task, "reassign"), {"reassign-owner": colleague.code, "reassign-note": "Your store"}
    )
    assert response.status_code == 302
    assert _reload(task).owner == colleague
    assert TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.ASSIGNED).exists()
    # The former owner no longer sees it.
    assert client.get(f"/actions/tasks/{task.code}/").status_code == 404


def test_csrf_is_enforced(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(_url(task, "start")).status_code == 403
    assert _reload(task).status == TaskStatus.NEW


def test_close_asks_for_the_recovery_survey_only_when_ticked(agent: User) -> None:
    # The plan has no recovery survey: asking records that nothing could be sent.
    customer = CustomerFactory()
    asked = FollowUpTaskFactory(
        owner=agent, customer=customer, status=TaskStatus.RESOLVED, resolved_at=timezone.now()
    )
    not_asked = FollowUpTaskFactory(
        owner=agent, customer=customer, status=TaskStatus.RESOLVED, resolved_at=timezone.now()
    )
    client = client_for(agent)
    client.post(_url(asked, "close"), {"send_recovery_survey": "on"})
    client.post(_url(not_asked, "close"), {})
    assert _reload(asked).status == _reload(not_asked).status == TaskStatus.CLOSED
    assert TaskEvent.objects.get(task=asked, data__has_key="recovery_survey").data == {
        "recovery_survey": "no_survey"
    }
    assert not TaskEvent.objects.filter(task=not_asked, data__has_key="recovery_survey").exists()
