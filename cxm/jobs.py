"""Platform jobs. Thin, id-based and idempotent (see STYLE.md, "The loop's mechanics")."""

from __future__ import annotations

import os
import socket

from rq import get_current_job

from cxm.models import User
from cxm.services import record_heartbeat, send_password_link


def heartbeat(queue: str) -> None:
    """Scheduled on every queue; /healthz reads the time it last ran."""
    job = get_current_job()
    worker = getattr(job, "worker_name", None) or f"{socket.gethostname()}:{os.getpid()}"
    record_heartbeat(queue=queue, worker_name=str(worker))


def send_account_invitation(user_id: int) -> None:
    """E-mail a new user the link to choose their password; once per account."""
    user = User.objects.filter(pk=user_id, invited_at=None, is_active=True).first()
    if user is not None:  # None: already invited, deactivated or deleted
        send_password_link(user=user, purpose="invite")


def send_password_reset(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        send_password_link(user=user, purpose="reset")
