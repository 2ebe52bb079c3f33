"""Task e-mails: sent once, in the recipient's language, with the task's absolute link;
retried with back-off when the mail server fails, and failed visibly when undeliverable."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from actions import jobs
from actions.models import FollowUpTask, Notification, TaskEvent
from actions.services.notifications import notify
from actions.services.sending import BACKOFF, send_notification
from tests.actions.test_sending_helpers import T0, make_open_task, make_plan
from tests.factories import UserFactory
from tests.odata.test_customer_360 import StoreFactory

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message (the outside world, failing)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")


def _created(language: str = "", **owner_fields: Any) -> tuple[FollowUpTask, Notification]:
    owner = UserFactory(language=language, name="김지훈", **owner_fields)
    task = make_open_task(
        plan=make_plan(owner=owner), owner=owner, store=StoreFactory(name="강남점")
    )
    (notification,) = notify(task=task, event="created")
    return task, notification


@time_machine.travel(T0, tick=False)
def test_owner_gets_one_email_in_their_language_with_the_task_link(settings: Any) -> None:
    settings.CXM_BASE_URL = "https://cx.example.com"
    task, notification = _created(language="en")

    assert send_notification(notification_id=notification.pk) == "sent"

    (message,) = mail.outbox
    assert message.to == [task.owner.email]
    assert message.subject == "New follow-up task: 불만 고객 연락 & 사과"
    link = f"https://cx.example.com/actions/tasks/{task.code}/"
    assert link in message.body
    assert "Hello 김지훈," in message.body
    assert "Store: 강남점" in message.body
    assert "Due: March 5, 2025, 6 p.m." in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert f'href="{link}"' in html
    assert "불만 고객 연락 &amp; 사과" in html  # escaped in HTML, plain in the text part
    assert f"/{task.pk}/" not in message.body
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.sent_at) == ("sent", 1, T0)
    task.refresh_from_db()
    assert task.notified_at == T0
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.NOTIFIED)
    assert event.data["status"] == "sent" and event.data["channel"] == "email"


@time_machine.travel(T0, tick=False)
def test_without_a_language_preference_the_email_is_korean(settings: Any) -> None:
    settings.LANGUAGE_CODE = "ko"
    _task, notification = _created(language="")

    send_notification(notification_id=notification.pk)

    (message,) = mail.outbox
    # Due at 18:00 that Wednesday (8 business hours from 10:00), in Korean date format.
    assert "2025년 3월 5일 오후 6:00" in message.body


@time_machine.travel(T0, tick=False)
def test_a_sent_notification_is_not_sent_again() -> None:
    _task, notification = _created()

    assert send_notification(notification_id=notification.pk) == "sent"
    assert send_notification(notification_id=notification.pk) == "skipped"
    jobs.send_notification(notification.pk)

    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=notification.pk).attempts == 1


@time_machine.travel(T0, tick=False)
def test_a_refusing_mail_server_is_retried_after_the_back_off(settings: Any) -> None:
    _task, notification = _created()
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    assert send_notification(notification_id=notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert notification.attempts == 1
    assert notification.next_attempt_at == T0 + BACKOFF[0]
    assert "SMTPServerDisconnected" in notification.last_error
    # Not due yet: a job that runs early does nothing.
    assert send_notification(notification_id=notification.pk, now=T0 + timedelta(seconds=30)) == (
        "skipped"
    )

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_notification(notification_id=notification.pk, now=T0 + BACKOFF[0]) == "sent"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


@time_machine.travel(T0, tick=False)
def test_a_deactivated_recipient_fails_at_once_and_the_task_shows_it() -> None:
    task, notification = _created()
    type(task.owner).objects.filter(pk=task.owner.pk).update(is_active=False)

    assert send_notification(notification_id=notification.pk) == "failed"

    notification.refresh_from_db()
    assert notification.status == "failed"
    assert "deactivated" in notification.last_error
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.NOTIFIED)
    assert event.data["status"] == "failed"
    assert not mail.outbox


@time_machine.travel(T0, tick=False)
def test_escalation_emails_name_the_owner_to_the_manager() -> None:
    manager = UserFactory(language="en", name="박서준")
    task, _created_notification = _created(language="en")

    (notification,) = notify(task=task, event="breach", users=[manager], key="1")
    send_notification(notification_id=notification.pk)

    (message,) = mail.outbox
    assert message.to == [manager.email]
    assert message.subject == "Overdue, escalated to you: 불만 고객 연락 & 사과"
    assert "owned by 김지훈, is overdue and was escalated to you" in message.body
