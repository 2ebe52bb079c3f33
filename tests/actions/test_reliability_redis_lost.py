"""Redis losing its jobs (flushed) or refusing connections (restarting) while responses arrive
loses no response: the reconciler finds every one left unevaluated and each is evaluated once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from actions.models import FollowUpTask, Notification, TaskEvent
from actions.services.reconcile import reconcile
from cxm.models import StoredEmail
from cxm.queues import get_queue
from tests.actions.test_reliability_helpers import (
    Processes,
    answer,
    detractor_rule,
    processes,
    run_burst_worker,
)
from xdata.models import Response

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
__all__ = ["processes"]  # the fixture, imported for this module's tests

PER_PHASE = 5


def test_responses_lost_by_redis_are_each_evaluated_once_after_the_reconciler_runs(
    processes: Processes, settings: Any
) -> None:
    detractor_rule()
    queue = get_queue("realtime")

    # 1. Answers arrive and are queued, then Redis loses everything (FLUSHDB).
    for _ in range(PER_PHASE):
        answer()
    assert queue.count == PER_PHASE
    queue.connection.flushdb()

    # 2. Answers arrive while Redis refuses connections (restarting): the submit still
    #    succeeds, only the enqueue fails.
    real_queues = settings.RQ_QUEUES
    settings.RQ_QUEUES = {
        **real_queues,
        "realtime": {**real_queues["realtime"], "URL": "redis://127.0.0.1:1/0"},
    }
    for _ in range(PER_PHASE):
        answer()
    settings.RQ_QUEUES = real_queues

    # 3. Redis is back; later answers are queued as usual and a worker runs them.
    for _ in range(PER_PHASE):
        answer()
    assert queue.count == PER_PHASE
    run_burst_worker(processes)
    assert Response.objects.filter(evaluated_at=None).count() == 2 * PER_PHASE

    # Two minutes on, the reconciler queues the ten that were lost; a second run adds nothing.
    with time_machine.travel(timezone.now() + timedelta(minutes=2, seconds=1)):
        assert reconcile()["responses"] == 2 * PER_PHASE
        assert reconcile()["responses"] == 0
    run_burst_worker(processes)

    total = 3 * PER_PHASE
    assert not Response.objects.filter(evaluated_at=None).exists()
    assert FollowUpTask.objects.count() == total
    assert set(FollowUpTask.objects.values_list("trigger_count", flat=True)) == {1}
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.CREATED).count() == total
    assert Notification.objects.filter(status="sent", attempts=1).count() == total
    assert StoredEmail.objects.count() == total
