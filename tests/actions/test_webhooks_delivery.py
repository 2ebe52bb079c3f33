"""Signed webhooks: the body, headers and HMAC a receiver relies on; retries with back-off
while the receiver is down or failing; a visible failure after the last attempt; every attempt
in the delivery log."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import pytest
import time_machine

from actions.models import FollowUpTask, Notification, TaskEvent, WebhookDelivery
from actions.services.notifications import notify
from actions.services.sending import BACKOFF, MAX_ATTEMPTS, send_notification
from tests.actions.test_sending_helpers import (
    T0,
    closed_port,
    endpoint_for,
    make_open_task,
    make_plan,
    webhook_receiver,
)
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhooks_may_reach_loopback")]

SECRET = "s3cret-for-tests-only"


def _webhook_notification(url: str, **endpoint_fields: object) -> tuple[FollowUpTask, Notification]:
    plan = make_plan(notify_email=False)
    endpoint_for(plan, url, secret=SECRET, **endpoint_fields)
    task = make_open_task(
        plan=plan,
        customer=CustomerFactory(external_id="C-1001"),
        store=StoreFactory(external_id="S-07"),
    )
    (notification,) = notify(task=task, event="created")
    assert notification.channel == "webhook"
    return task, notification


@time_machine.travel(T0, tick=False)
def test_receiver_gets_a_signed_json_body_with_the_task(settings: object) -> None:
    with webhook_receiver(SECRET) as receiver:
        task, notification = _webhook_notification(receiver.url)

        assert send_notification(notification_id=notification.pk) == "sent"

    (request,) = receiver.received
    assert request.signature_ok
    body = request.body
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert request.headers["X-Cxm-Signature"] == f"sha256={digest}"
    assert request.headers["X-Cxm-Event"] == "created"
    assert request.headers["X-Cxm-Delivery"] == str(notification.code)
    assert request.headers["X-Cxm-Timestamp"] == str(int(T0.timestamp()))
    assert request.headers["Content-Type"].startswith("application/json")
    document = request.json
    assert document["event"] == "created"
    assert datetime.fromisoformat(document["occurred_at"]) == T0
    assert document["task"]["code"] == str(task.code)
    assert document["task"]["status"] == "new"
    assert document["task"]["priority"] == task.priority
    assert document["task"]["owner"]["username"] == task.owner.username
    assert datetime.fromisoformat(document["task"]["due_at"]) == task.due_at
    assert document["task"]["url"].endswith(f"/actions/tasks/{task.code}/")
    assert document["customer"] == {"external_id": "C-1001"}
    assert document["store"] == {"external_id": "S-07"}
    assert document["rule"] == {"code": str(task.rule.code), "name": task.rule.name}
    (delivery,) = WebhookDelivery.objects.filter(notification=notification)
    assert (delivery.attempt, delivery.status_code, delivery.error) == (1, 200, "")
    notification.refresh_from_db()
    assert (notification.status, notification.sent_at) == ("sent", T0)


def test_a_failing_receiver_is_retried_until_it_answers() -> None:
    with (
        time_machine.travel(T0, tick=False) as clock,
        webhook_receiver(SECRET, [500, 503, 204]) as receiver,
    ):
        _task, notification = _webhook_notification(receiver.url)

        assert send_notification(notification_id=notification.pk) == "retry"
        notification.refresh_from_db()
        assert notification.next_attempt_at == T0 + BACKOFF[0]
        assert notification.last_error == "HTTP 500"

        clock.move_to(T0 + BACKOFF[0])
        assert send_notification(notification_id=notification.pk) == "retry"
        notification.refresh_from_db()
        assert notification.next_attempt_at == T0 + BACKOFF[0] + BACKOFF[1]

        clock.move_to(notification.next_attempt_at)
        assert send_notification(notification_id=notification.pk) == "sent"

    assert len(receiver.received) == 3
    assert all(request.signature_ok for request in receiver.received)
    # The receiver can de-duplicate: every attempt carries the same delivery id.
    assert {r.headers["X-Cxm-Delivery"] for r in receiver.received} == {str(notification.code)}
    log = list(WebhookDelivery.objects.filter(notification=notification).order_by("attempt"))
    assert [(d.attempt, d.status_code) for d in log] == [(1, 500), (2, 503), (3, 204)]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 3, "")


def test_a_receiver_that_stays_down_fails_visibly_after_the_last_attempt() -> None:
    url = f"http://127.0.0.1:{closed_port()}/hooks"
    with time_machine.travel(T0, tick=False) as clock:
        task, notification = _webhook_notification(url)
        outcomes = []
        expected_at = T0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            clock.move_to(expected_at)
            # One second early, nothing happens: the back-off is respected.
            early = expected_at - timedelta(seconds=1)
            assert send_notification(notification_id=notification.pk, now=early) == "skipped"
            outcomes.append(send_notification(notification_id=notification.pk))
            notification.refresh_from_db()
            assert notification.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                expected_at = expected_at + BACKOFF[attempt - 1]
                assert notification.next_attempt_at == expected_at

        clock.move_to(expected_at + timedelta(days=1))
        assert send_notification(notification_id=notification.pk) == "skipped"

    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert notification.status == "failed"
    assert "Connection refused" in notification.last_error or "URLError" in notification.last_error
    log = list(WebhookDelivery.objects.filter(notification=notification).order_by("attempt"))
    assert [d.attempt for d in log] == list(range(1, MAX_ATTEMPTS + 1))
    assert all(d.status_code is None and d.error for d in log)
    failed = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.NOTIFIED)
    assert failed.data["status"] == "failed"
    assert failed.data["attempts"] == MAX_ATTEMPTS


@time_machine.travel(T0, tick=False)
def test_a_redirect_is_not_followed_but_counted_as_a_failure() -> None:
    with webhook_receiver(SECRET, [302]) as receiver:
        _task, notification = _webhook_notification(receiver.url)

        assert send_notification(notification_id=notification.pk) == "retry"

    assert len(receiver.received) == 1
    notification.refresh_from_db()
    assert notification.last_error == "HTTP 302"
    assert WebhookDelivery.objects.get(notification=notification).status_code == 302


@time_machine.travel(T0, tick=False)
def test_a_switched_off_webhook_fails_without_posting() -> None:
    with webhook_receiver(SECRET) as receiver:
        _task, notification = _webhook_notification(receiver.url)
        notification.endpoint.is_active = False  # type: ignore[union-attr]
        notification.endpoint.save(update_fields=["is_active"])  # type: ignore[union-attr]

        assert send_notification(notification_id=notification.pk) == "failed"

    assert receiver.received == []
    notification.refresh_from_db()
    assert notification.status == "failed"
    assert "switched off" in notification.last_error
