"""Who hears about a task event: rows first, sending later.

`notify` writes one `Notification` per recipient and channel in the caller's transaction and
queues its sending on commit. The unique (task, event, channel, recipient) makes a repeated call
a no-op, and a notification whose job was lost is re-queued by the reconciler, so each message
goes out once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from actions.models import Notification
from cxm import queues

if TYPE_CHECKING:
    from actions.models import FollowUpTask
    from cxm.models import User

SEND_JOB = "actions.jobs.send_notification"


def notify(
    *,
    task: FollowUpTask,
    event: str,
    users: Iterable[User] | None = None,
    key: str | None = None,
    payload: dict[str, object] | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """Queue e-mails (to `users`, by default the owner when the plan e-mails owners) and the
    plan's active webhooks for `event`. `key` distinguishes repeatable events (each
    reassignment is its own "assigned:<key>"). Returns the notifications created now.

    The `actor` who caused the event is not e-mailed about it (they know); webhooks still
    hear of every event."""
    name = event if key is None else f"{event}:{key}"[:40]
    plan = task.plan
    if users is None:
        users = [task.owner] if plan.notify_email else []
    if actor is not None:
        users = [user for user in users if user.pk != actor.pk]
    wanted: list[dict[str, object]] = [
        {
            "channel": Notification.Channel.EMAIL,
            "recipient": user,
            "recipient_key": f"user:{user.pk}",
        }
        for user in users
        if user.is_active and user.email
    ]
    wanted += [
        {
            "channel": Notification.Channel.WEBHOOK,
            "endpoint": endpoint,
            "recipient_key": f"webhook:{endpoint.pk}",
        }
        for endpoint in plan.webhooks.filter(is_active=True)
    ]
    now = timezone.now()
    created = []
    for fields in wanted:
        notification, is_new = Notification.objects.get_or_create(
            task=task,
            event=name,
            channel=fields.pop("channel"),
            recipient_key=fields.pop("recipient_key"),
            defaults={**fields, "payload": payload or {}, "next_attempt_at": now},
        )
        if is_new:
            created.append(notification)
            enqueue_send(notification.pk)
    return created


def enqueue_send(notification_id: int) -> None:
    """Queue the sending job on commit (the reconciler re-queues it if Redis is down)."""
    queues.enqueue_on_commit(
        "realtime", SEND_JOB, notification_id, job_id=f"notification-{notification_id}"
    )
