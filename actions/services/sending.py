"""Sending notifications: one attempt per call, e-mail or a signed webhook, with back-off.

A `Notification` row is written (by `actions.services.notifications.notify`) before anything
is sent, so this module never decides *whether* to tell someone, only delivers what was
recorded. The claim is `SELECT … FOR UPDATE SKIP LOCKED` in a transaction that spans the send:

- a second job for the same notification (the on-commit job and the reconciler's) finds the
  row locked or already sent and leaves quietly, so it is marked sent exactly once;
- a worker killed mid-send rolls the claim back, and the reconciler sends it again. The
  receiver may then see the same message twice, which is why every webhook carries its
  notification code in `X-Cxm-Delivery` (receivers de-duplicate on it).

The transaction stays open for at most the webhook timeout (or the SMTP timeout), on purpose:
holding the row lock is what makes concurrent senders impossible without a lease to expire.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy

from actions.models import FollowUpTask, Notification, TaskEvent, WebhookDelivery, WebhookEndpoint
from actions.webhook_guard import GuardedHTTPHandler, GuardedHTTPSHandler
from cxm.api_time import api_instant
from cxm.mail import send_templated_email
from cxm.models import User

log = logging.getLogger(__name__)

# Wait before attempt 2, 3, … ; the attempt after the last wait is the final one.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Short: the row lock is held while waiting, and a slow receiver must not stall `realtime`.
WEBHOOK_TIMEOUT_SECONDS = 10
# Enough of an error for the delivery log, not a receiver's whole error page.
ERROR_LIMIT = 500

SENT = "sent"
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"


class _Undeliverable(Exception):
    """Retrying will not help (no address, endpoint switched off): fail at once."""


def task_link(task: FollowUpTask) -> str:
    """The task page as an absolute URL, by its code (never the integer id)."""
    return settings.CXM_BASE_URL + reverse("actions:task-detail", kwargs={"code": task.code})


def send_notification(*, notification_id: int, now: datetime | None = None) -> str:
    """Make one delivery attempt of a pending, due notification.

    Returns "sent", "retry" (failed; `next_attempt_at` moved by the back-off), "failed" (the
    last attempt failed, or it cannot be delivered; visible on the row and in the task's
    activity) or "skipped" (already sent or failed, not due yet, or another worker holds it).
    Idempotent; safe to run concurrently for the same id.
    """
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "endpoint")
            .filter(
                pk=notification_id,
                status=Notification.Status.PENDING,
                next_attempt_at__lte=now,
            )
            .first()
        )
        if notification is None:
            return SKIPPED
        task = FollowUpTask.objects.select_related(
            "owner", "rule", "plan", "customer", "store"
        ).get(pk=notification.task_id)
        attempt = notification.attempts + 1
        try:
            if notification.channel == Notification.Channel.WEBHOOK:
                error = _post_webhook(notification, task, attempt=attempt, now=now)
            else:
                error = _send_email(notification, task)
        except _Undeliverable as undeliverable:
            return _finish(notification, task, attempt, now, str(undeliverable), final=True)
        return _finish(notification, task, attempt, now, error, final=attempt >= MAX_ATTEMPTS)


def _finish(
    notification: Notification,
    task: FollowUpTask,
    attempt: int,
    now: datetime,
    error: str | None,
    *,
    final: bool,
) -> str:
    """Record the attempt's outcome on the (locked) row; log sent and failed in the task."""
    notification.attempts = attempt
    if error is None:
        notification.status = Notification.Status.SENT
        notification.sent_at = now
        notification.last_error = ""
        outcome = SENT
        # The first message that reached anyone: the task counts as notified from then on.
        FollowUpTask.objects.filter(pk=task.pk, notified_at=None).update(notified_at=now)
    elif final:
        notification.status = Notification.Status.FAILED
        notification.last_error = error[:ERROR_LIMIT]
        outcome = FAILED
    else:
        notification.last_error = error[:ERROR_LIMIT]
        notification.next_attempt_at = now + BACKOFF[attempt - 1]
        outcome = RETRY
    notification.save(
        update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
    )
    if outcome != RETRY:
        TaskEvent.objects.create(
            task=task,
            kind=TaskEvent.Kind.NOTIFIED,
            at=now,
            data={
                "event": notification.event,
                "channel": notification.channel,
                "to": _recipient_label(notification),
                "status": outcome,
                "attempts": attempt,
                **({"error": notification.last_error} if outcome == FAILED else {}),
            },
        )
    log.info(
        "notification attempt",
        extra={
            "notification": notification.code.hex,
            "channel": notification.channel,
            "event": notification.event,
            "attempt": attempt,
            "outcome": outcome,
        },
    )
    return outcome


def base_event(notification: Notification) -> str:
    """The event without the key that makes repeatable events unique ("assigned:42")."""
    return notification.event.split(":", 1)[0]


def _recipient_label(notification: Notification) -> str:
    if notification.endpoint is not None:
        return notification.endpoint.name
    if notification.recipient is not None:
        return notification.recipient.display_name
    return notification.recipient_key


# -- E-mail ---------------------------------------------------------------------------------


def _language(user: User) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in codes else settings.LANGUAGE_CODE


def email_context(notification: Notification, task: FollowUpTask) -> dict[str, Any]:
    """What the task e-mail shows: the event, the task at a glance and its absolute link."""
    recipient = notification.recipient
    return {
        "event": base_event(notification),
        "recipient_name": recipient.display_name if recipient is not None else "",
        # Worded when the message is rendered, in the recipient's language (an aggregate
        # task's title is made from its figures when read).
        "title": lazy(lambda: task.shown_title, str)(),
        "plan_title": task.plan.title,
        "instructions": task.plan.instructions,
        "owner_name": task.owner.display_name,
        "is_owner": recipient is not None and recipient.pk == task.owner_id,
        "status": task.get_status_display(),
        "priority": task.get_priority_display(),
        "due_at": task.due_at,
        "store_name": task.store.name if task.store is not None else "",
        "customer_name": task.customer.name if task.customer is not None else "",
        "trigger_count": task.trigger_count,
        "payload": notification.payload,
        "link": task_link(task),
    }


def _send_email(notification: Notification, task: FollowUpTask) -> str | None:
    recipient = notification.recipient
    if recipient is None or not recipient.is_active:
        raise _Undeliverable("the recipient's account is gone or deactivated")
    if not recipient.email:
        raise _Undeliverable("the recipient has no e-mail address")
    try:
        send_templated_email(
            to=[recipient.email],
            template="actions/email/task",
            context=email_context(notification, task),
            language=_language(recipient),
        )
    except (smtplib.SMTPException, OSError) as error:
        # The mail server refused or was unreachable: worth another try later.
        return f"{type(error).__name__}: {error}"
    return None


# -- Webhooks -------------------------------------------------------------------------------


def webhook_body(notification: Notification, task: FollowUpTask) -> bytes:
    """The JSON posted to a webhook (UTF-8, keys sorted so equal content signs equally)."""
    document = {
        "delivery": str(notification.code),
        "event": base_event(notification),
        "occurred_at": api_instant(notification.created_at),
        "task": {
            "code": str(task.code),
            "title": task.title,
            "status": task.status,
            "priority": task.priority,
            "severity": task.severity,
            "owner": {
                "code": str(task.owner.code),
                "username": task.owner.username,
                "name": task.owner.display_name,
            },
            "created_at": api_instant(task.created_at),
            "due_at": api_instant(task.due_at),
            "trigger_count": task.trigger_count,
            "url": task_link(task),
        },
        "customer": {"external_id": task.customer.external_id} if task.customer else None,
        "store": {"external_id": task.store.external_id} if task.store else None,
        "rule": {"code": str(task.rule.code), "name": task.rule.name},
        "data": notification.payload,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    """`X-Cxm-Signature`: "sha256=" and the hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirected POST would turn into a GET elsewhere: treat 3xx as the receiver's error.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# Guarded handlers: only addresses webhooks may reach (actions/webhook_guard.py).
_opener = urllib.request.build_opener(_NoRedirects, GuardedHTTPHandler, GuardedHTTPSHandler)


def _post_webhook(
    notification: Notification, task: FollowUpTask, *, attempt: int, now: datetime
) -> str | None:
    endpoint: WebhookEndpoint | None = notification.endpoint
    if endpoint is None or not endpoint.is_active:
        raise _Undeliverable("the webhook was removed or switched off")
    if urlsplit(endpoint.url).scheme not in {"http", "https"}:
        raise _Undeliverable("the webhook URL is not http(s)")
    body = webhook_body(notification, task)
    request = urllib.request.Request(  # noqa: S310 -- scheme checked above: http(s) only
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "cxm-webhooks/1",
            "X-Cxm-Signature": sign(endpoint.secret, body),
            "X-Cxm-Timestamp": str(int(now.timestamp())),
            "X-Cxm-Event": base_event(notification),
            "X-Cxm-Delivery": str(notification.code),
        },
    )
    status: int | None = None
    error = ""
    started = time.perf_counter()
    try:
        with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
            response.read(1024)
    except urllib.error.HTTPError as http_error:
        status = http_error.code
        error = f"HTTP {http_error.code}"
    except (urllib.error.URLError, OSError, ValueError) as network_error:
        reason = getattr(network_error, "reason", network_error)
        error = f"{type(network_error).__name__}: {reason}"
    duration_ms = round((time.perf_counter() - started) * 1000)
    if status is not None and not 200 <= status < 300 and not error:
        error = f"HTTP {status}"
    WebhookDelivery.objects.create(
        notification=notification,
        attempt=attempt,
        at=now,
        status_code=status,
        error=error[:ERROR_LIMIT],
        duration_ms=duration_ms,
    )
    return error or None
