"""Redis losing its jobs (flushed) or refusing connections (restarting) while responses arrive
loses no response: the next drain job evaluates the recent ones, the reconciler finds the older
ones left unevaluated, and each is evaluated once."""

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


def test_responses_lost_by_redis_are_each_evaluated_once(
    processes: Processes, settings: Any
) -> None:
    detractor_rule()
    queue = get_queue("realtime")

    # 1. Five minutes ago answers arrived and were queued (one drain job for the burst), then
    #    Redis lost everything (FLUSHDB).
    with time_machine.travel(timezone.now() - timedelta(minutes=5)):
        for _ in range(PER_PHASE):
            answer()
    assert queue.count == 1
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

    # 3. Redis is back; later answers queue a drain job, which evaluates every answer of the
    #    last two minutes: those whose enqueue failed too.
    for _ in range(PER_PHASE):
        answer()
    assert queue.count == 1
    run_burst_worker(processes)
    assert Response.objects.filter(evaluated_at=None).count() == PER_PHASE

    # The reconciler queues the five-minute-old ones Redis lost; a second run adds nothing.
    assert reconcile()["responses"] == PER_PHASE
    assert reconcile()["responses"] == 0
    run_burst_worker(processes)

    total = 3 * PER_PHASE
    assert not Response.objects.filter(evaluated_at=None).exists()
    assert FollowUpTask.objects.count() == total
    assert set(FollowUpTask.objects.values_list("trigger_count", flat=True)) == {1}
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.CREATED).count() == total
    assert Notification.objects.filter(status="sent", attempts=1).count() == total
    assert StoredEmail.objects.count() == total
