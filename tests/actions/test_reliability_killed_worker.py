"""A worker killed with SIGKILL in the middle of a job loses nothing: the job's transaction
rolls back, the row still says the work is undone, the reconciler queues it again and a new
worker does it once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from actions.models import FollowUpTask, Notification, WebhookDelivery
from actions.services.reconcile import reconcile
from cxm.models import StoredEmail
from tests.actions.test_reliability_helpers import (
    Processes,
    answer,
    detractor_rule,
    processes,
    run_burst_worker,
    wait_for_lock_waiters,
    writes_locked,
)
from tests.actions.test_sending_helpers import webhook_receiver
from tests.factories import WebhookEndpointFactory
from xdata.models import Response

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhooks_may_reach_loopback"),
]
__all__ = ["processes"]  # the fixture, imported for this module's tests

# Past the realtime job timeout (120 s) and the reconciler's grace (60 s): the killed job's
# "started" mark in Redis no longer counts as work in flight.
LATER = timedelta(minutes=5)


def test_a_worker_killed_during_evaluation_is_recovered_by_the_reconciler(
    processes: Processes,
) -> None:
    detractor_rule()
    response = answer()

    with writes_locked("actions_followuptask"):
        worker = processes.manage("rqworker", "realtime")
        # The job holds the response and waits to open the task, inside its transaction.
        wait_for_lock_waiters(1, processes)
        processes.kill(worker)
    assert not FollowUpTask.objects.exists()
    assert Response.objects.get(pk=response.pk).evaluated_at is None

    # Redis still holds the killed job as started; nothing else will run it.
    run_burst_worker(processes)
    assert not FollowUpTask.objects.exists()

    with time_machine.travel(timezone.now() + LATER):
        assert reconcile()["responses"] == 1
    run_burst_worker(processes)

    task = FollowUpTask.objects.get()
    assert task.response_id == response.pk
    assert Response.objects.get(pk=response.pk).evaluated_at is not None
    notification = Notification.objects.get(task=task)
    assert (notification.status, notification.attempts) == ("sent", 1)
    assert StoredEmail.objects.filter(to=["owner@example.com"]).count() == 1


def test_a_worker_killed_while_posting_a_webhook_sends_it_again_once(
    processes: Processes,
) -> None:
    rule = detractor_rule()
    with webhook_receiver("hook-secret") as receiver:
        endpoint = WebhookEndpointFactory(url=receiver.url, secret="hook-secret")
        rule.plan.webhooks.add(endpoint)
        rule.plan.notify_email = False
        rule.plan.save(update_fields=["notify_email"])
        receiver.hold = threading.Event()  # the receiver hangs: the worker waits on it
        answer()

        worker = processes.manage("rqworker", "realtime")
        assert receiver.arrived.wait(timeout=90), processes.output(worker)
        processes.kill(worker)
        receiver.hold.set()
        receiver.hold = None

        notification = Notification.objects.get()
        # The attempt died with its transaction: still pending, no attempt recorded.
        assert (notification.status, notification.attempts) == ("pending", 0)
        assert not WebhookDelivery.objects.exists()

        with time_machine.travel(timezone.now() + LATER):
            assert reconcile()["notifications"] == 1
        run_burst_worker(processes)

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)
    assert FollowUpTask.objects.count() == 1
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.attempt, delivery.status_code) == (1, 200)
    # The receiver saw the interrupted request and the resend: the same delivery id, so it
    # can tell they are one message.
    assert len(receiver.received) == 2
    assert {r.headers["X-Cxm-Delivery"] for r in receiver.received} == {str(notification.code)}
    assert all(r.signature_ok for r in receiver.received)
