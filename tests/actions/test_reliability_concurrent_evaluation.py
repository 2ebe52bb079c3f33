"""Several real workers evaluating at the same moment still open one task: the same response
queued four times (as the reconciler and retries can), and two answers of one customer
evaluated side by side; the drain job queued on commit skips rows another worker holds."""

from __future__ import annotations

import pytest

from actions.models import FollowUpTask, Notification, TaskEvent
from cxm.models import StoredEmail
from cxm.queues import get_queue
from tests.actions.test_reliability_helpers import (
    Processes,
    answer,
    detractor_rule,
    processes,
    rows_locked,
    wait_for_lock_waiters,
)
from tests.surveys.test_invitations_helpers import make_customer
from xdata.models import Response

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
__all__ = ["processes"]  # the fixture, imported for this module's tests


def test_one_response_evaluated_by_four_workers_at_once_opens_one_task(
    processes: Processes,
) -> None:
    rule = detractor_rule()
    response = answer()
    queue = get_queue("realtime", commit_mode="auto")
    # The on-commit drain job, and four jobs for this one response (as from the reconciler
    # and retries). The drain skips the locked row; the four wait for it.
    for n in range(4):
        queue.enqueue("actions.jobs.evaluate_response", response.pk, job_id=f"duplicate-{n}")
    assert queue.jobs[0].func_name == "actions.jobs.evaluate_recent_responses"
    assert queue.count == 5

    with rows_locked("xdata_response", [response.pk]):
        workers = [processes.manage("rqworker", "--burst", "realtime") for _ in range(4)]
        # All four hold a job for this response and wait for its row: released together.
        wait_for_lock_waiters(4, processes)
    for worker in workers:
        processes.wait(worker)

    task = FollowUpTask.objects.get()
    assert (task.rule_id, task.response_id, task.trigger_count) == (rule.pk, response.pk, 1)
    assert TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.CREATED).count() == 1
    assert Response.objects.get(pk=response.pk).evaluated_at is not None
    notification = Notification.objects.get(task=task)
    assert (notification.event, notification.status, notification.attempts) == (
        "created",
        "sent",
        1,
    )
    assert StoredEmail.objects.filter(to=["owner@example.com"]).count() == 1


def test_two_answers_of_one_customer_evaluated_side_by_side_share_one_task(
    processes: Processes,
) -> None:
    detractor_rule()
    customer = make_customer()
    first, second = answer(customer), answer(customer)
    queue = get_queue("realtime", commit_mode="auto")
    for response in (first, second):  # the drain skips them while locked; these wait
        queue.enqueue("actions.jobs.evaluate_response", response.pk)

    with rows_locked("xdata_response", [first.pk, second.pk]):
        workers = [processes.manage("rqworker", "--burst", "realtime") for _ in range(2)]
        wait_for_lock_waiters(2, processes)
    for worker in workers:
        processes.wait(worker)

    task = FollowUpTask.objects.get()
    assert task.subject_key == f"customer:{customer.pk}"
    assert task.trigger_count == 2
    assert TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.RETRIGGERED).count() == 1
    assert not Response.objects.filter(evaluated_at=None).exists()
    assert StoredEmail.objects.count() == 1
