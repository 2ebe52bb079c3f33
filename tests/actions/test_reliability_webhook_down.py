"""A webhook receiver that is down: the reconciler and the worker retry on the back-off
schedule until it answers (delivered once, every attempt logged), or fail the notification
visibly after the last attempt; nothing is lost either way.

The jobs run on RQ's worker inside this process so the clock the back-off reads is the one
`time_machine` moves (a worker process would need hours of real time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from actions.models import FollowUpTask, Notification, TaskEvent, WebhookDelivery
from actions.services.reconcile import reconcile
from actions.services.sending import BACKOFF, MAX_ATTEMPTS
from cxm.models import User
from tests.actions.test_reliability_helpers import answer, detractor_rule, drain_in_process
from tests.actions.test_sending_helpers import T0, closed_port, webhook_receiver
from tests.conftest import client_for
from tests.factories import WebhookEndpointFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhooks_may_reach_loopback"),
]

SECRET = "crm-secret"


def _rule_posting_to(url: str) -> None:
    rule = detractor_rule()
    rule.plan.webhooks.add(WebhookEndpointFactory(url=url, secret=SECRET, name="CRM"))
    rule.plan.notify_email = False  # the webhook is the only message
    rule.plan.save(update_fields=["notify_email"])


def _run_retries(clock: time_machine.Coordinates, attempts: int) -> None:
    """Let the scheduled reconciler and the worker run at each retry time."""
    notification = Notification.objects.get()
    for _ in range(attempts):
        clock.move_to(notification.next_attempt_at)
        reconcile()
        drain_in_process()
        notification.refresh_from_db()


def test_a_receiver_down_then_up_gets_the_event_once_with_every_attempt_logged() -> None:
    port = closed_port()
    _rule_posting_to(f"http://127.0.0.1:{port}/hooks/cxm")
    with time_machine.travel(T0, tick=False) as clock:
        answer()
        drain_in_process()  # evaluation, then the first attempt: refused
        _run_retries(clock, attempts=2)  # still down at 1 and 5 minutes
        with webhook_receiver(SECRET, [500, 200], port=port) as receiver:
            _run_retries(clock, attempts=2)  # up, but failing once at 30 minutes; then fine
            _run_retries(clock, attempts=1)  # nothing left to do

    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("sent", 5)
    assert notification.sent_at == T0 + BACKOFF[0] + BACKOFF[1] + BACKOFF[2] + BACKOFF[3]
    log = list(WebhookDelivery.objects.filter(notification=notification).order_by("attempt"))
    assert [(d.attempt, d.status_code) for d in log] == [
        (1, None),
        (2, None),
        (3, None),
        (4, 500),
        (5, 200),
    ]
    assert all(d.error for d in log[:4]) and not log[4].error
    assert len(receiver.received) == 2
    assert all(r.signature_ok for r in receiver.received)
    assert receiver.received[-1].json["task"]["code"] == str(FollowUpTask.objects.get().code)


def test_a_receiver_that_never_comes_back_fails_visibly_after_the_last_attempt(
    admin: User,
) -> None:
    _rule_posting_to(f"http://127.0.0.1:{closed_port()}/hooks/cxm")
    with time_machine.travel(T0, tick=False) as clock:
        answer()
        drain_in_process()
        _run_retries(clock, attempts=MAX_ATTEMPTS + 2)
        last_try = timezone.now()

    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("failed", MAX_ATTEMPTS)
    assert notification.last_error
    assert WebhookDelivery.objects.filter(notification=notification).count() == MAX_ATTEMPTS
    assert last_try >= T0 + sum(BACKOFF, timedelta())
    task = FollowUpTask.objects.get()
    failed = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.NOTIFIED)
    assert (failed.data["status"], failed.data["to"]) == ("failed", "CRM")
    # The admins see the failure on the system status page.
    page = client_for(admin).get(reverse("cxm:system-status"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'Notifications failed after every retry</th><td class="num">1<' in page.content.decode()
