"""The reconciler: what the database says is still to do, queued again.

Redis holds only work in flight. A response is recorded with `evaluated_at` empty and a
notification as a pending row before any job exists, so when a job is lost (Redis flushed or
restarted, a worker killed mid-job, an enqueue that failed) the rows remain. Every minute this
finds the ones that waited too long and queues their job again; the jobs are idempotent, so a
job queued twice does its work once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from actions.models import Notification
from actions.services.evaluation import RECENT
from cxm.queues import get_queue, job_in_flight
from xdata.models import Response

log = logging.getLogger(__name__)

# A response is normally evaluated within seconds of its commit by a drain job, which looks
# back this far; older means its job was lost or its evaluation failed (or the realtime queue
# is far behind, and a duplicate costs one quick no-op).
EVALUATE_AFTER = RECENT
# A new notification's own job normally sends it at once; retries are due at `next_attempt_at`.
SEND_AFTER = timedelta(minutes=1)
# Per run and kind; a larger backlog drains over the next minutes without flooding the queue.
BATCH = 500
LAST_RUN_KEY = "actions:reconciler:last-run"

EVALUATE_JOB = "actions.jobs.evaluate_response"
SEND_JOB = "actions.jobs.send_notification"


def evaluate_job_id(response_id: int) -> str:
    # One id per response, so a job this queued and that still waits is seen.
    return f"evaluate-response-{response_id}"


def send_job_id(notification_id: int) -> str:
    # The same id `notify` gives the first job, so a job still waiting is seen.
    return f"notification-{notification_id}"


def unevaluated_responses(now: datetime) -> Any:
    return Response.objects.filter(evaluated_at=None, submitted_at__lt=now - EVALUATE_AFTER)


def unsent_notifications(now: datetime) -> Any:
    return Notification.objects.filter(
        status=Notification.Status.PENDING,
        next_attempt_at__lte=now,
        created_at__lte=now - SEND_AFTER,
    )


def reconcile(*, now: datetime | None = None) -> dict[str, Any]:
    """Queue evaluation of responses not evaluated within two minutes and sending of due
    notifications, oldest first, at most `BATCH` of each. Returns counts; idempotent."""
    now = now or timezone.now()
    queue = get_queue("realtime", commit_mode="auto")
    counts = {"responses": 0, "notifications": 0, "already_queued": 0}
    response_ids = (
        unevaluated_responses(now).order_by("submitted_at").values_list("pk", flat=True)[:BATCH]
    )
    for response_id in response_ids:
        job_id = evaluate_job_id(response_id)
        if job_in_flight(queue, job_id):
            counts["already_queued"] += 1
            continue
        queue.enqueue(EVALUATE_JOB, response_id, job_id=job_id)
        counts["responses"] += 1
    notification_ids = (
        unsent_notifications(now).order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH]
    )
    for notification_id in notification_ids:
        job_id = send_job_id(notification_id)
        if job_in_flight(queue, job_id):
            counts["already_queued"] += 1
            continue
        queue.enqueue(SEND_JOB, notification_id, job_id=job_id)
        counts["notifications"] += 1
    cache.set(LAST_RUN_KEY, {"at": now.isoformat(), **counts}, timeout=None)
    if counts["responses"] or counts["notifications"]:
        log.warning("reconciler re-queued lost work", extra=counts)
    return counts


def backlog(*, now: datetime | None = None) -> dict[str, Any]:
    """For the system status page: the reconciler's last run and what still waits."""
    now = now or timezone.now()
    last = cache.get(LAST_RUN_KEY)
    return {
        "last_run": datetime.fromisoformat(last["at"]) if last else None,
        "last_counts": last,
        "unevaluated_responses": unevaluated_responses(now).count(),
        "pending_notifications": Notification.objects.filter(
            status=Notification.Status.PENDING
        ).count(),
        "overdue_notifications": unsent_notifications(now).count(),
        "failed_notifications": Notification.objects.filter(
            status=Notification.Status.FAILED
        ).count(),
    }
