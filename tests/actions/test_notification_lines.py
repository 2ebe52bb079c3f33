"""The activity log says whom a notification went to, by which channel and whether it went,
and whom an escalation told at which level, in the reader's language, from the codes the
event keeps."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from actions.models import FollowUpTask, TaskEvent
from cxm.roles import Role
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def _log(task: FollowUpTask, kind: str, **data: Any) -> None:
    TaskEvent.objects.create(task=task, kind=kind, at=timezone.now(), data=data)


def _page(task: FollowUpTask, language: str) -> str:
    reader = UserFactory(role=Role.MANAGER, language=language)
    with translation.override(language):
        response = client_for(reader).get(f"/actions/tasks/{task.code}/")
    assert response.status_code == 200
    return response.content.decode()


def _in_korean(msgid: str, **values: Any) -> str:
    # From the catalogue, which is merged separately ("이매니저에게 이메일로 알림 보냄").
    with translation.override("ko"):
        return gettext(msgid) % values


def test_notifications_name_the_recipient_the_channel_and_the_outcome() -> None:
    task = FollowUpTaskFactory()
    notified = TaskEvent.Kind.NOTIFIED
    _log(task, notified, event="created", channel="email", to="이매니저", status="sent")
    _log(task, notified, event="created", channel="webhook", to="ops-hook", status="sent")
    _log(
        task,
        notified,
        event="created",
        channel="webhook",
        to="crm-hook",
        status="failed",
        error="HTTP 502",
    )
    _log(task, notified, event="reminder", channel="email", to="박점장", status="failed")
    english = _page(task, "en")
    assert "Notified 이매니저 by e-mail" in english
    assert "Sent to webhook ops-hook" in english
    assert "Webhook crm-hook failed" in english and "HTTP 502" in english
    assert "E-mail to 박점장 failed" in english
    korean = _page(task, "ko")
    assert _in_korean("Notified %(to)s by e-mail", to="이매니저") in korean
    assert _in_korean("Webhook %(to)s failed", to="crm-hook") in korean


def test_escalations_name_whom_they_told_and_the_level() -> None:
    boss = UserFactory(name="이매니저", username="lee", role=Role.MANAGER)
    task = FollowUpTaskFactory()
    escalated = TaskEvent.Kind.ESCALATED
    _log(task, escalated, level=2, to=[boss.username], reassigned=True)
    _log(task, escalated, level=3, to=[])
    english = _page(task, "en")
    assert "Escalated to 이매니저 (level 1)" in english
    assert "Escalated (level 2), with no one to tell" in english
    korean = _in_korean("Escalated to %(to)s (level %(level)d)", to="이매니저", level=1)
    assert korean in _page(task, "ko")


def test_events_without_the_codes_keep_the_plain_label() -> None:
    task = FollowUpTaskFactory()
    TaskEvent.objects.create(
        task=task, kind=TaskEvent.Kind.NOTIFIED, at=timezone.now(), text="owner e-mailed"
    )
    english = _page(task, "en")
    assert "<strong>Notified</strong>" in english and "owner e-mailed" in english
