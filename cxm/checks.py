"""cxm's own entries in `manage.py check --deploy`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

from cxm.env import is_placeholder_sender


@register(Tags.security, deploy=True)
def stored_email_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`EMAIL_URL=store:` keeps every message, with its one-time links (password resets,
    survey links), for admins to read: a demo convenience that would let an admin act as
    another user or customer."""
    if settings.EMAIL_BACKEND != "cxm.mail.StoredEmailBackend":
        return []
    return [
        Warning(
            "EMAIL_URL=store: keeps e-mails, with their password-reset and survey links, "
            "readable by admins instead of sending them.",
            hint="Set EMAIL_URL to your SMTP server (smtp://user:password@host:587?tls=1).",
            id="cxm.W001",
        )
    ]


@register(Tags.security, deploy=True)
def placeholder_sender_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Survey invitations from an address on localhost or a reserved domain (the default,
    `noreply@demo.cxm.example`) are rejected or junked by customers' mail servers, and replies
    go nowhere."""
    if not is_placeholder_sender(settings.DEFAULT_FROM_EMAIL):
        return []
    return [
        Warning(
            f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}, an address on a domain "
            "that receives no mail: customers' mail servers reject or junk its survey "
            "invitations.",
            hint="Set DEFAULT_FROM_EMAIL to a sender on your company's domain that your SMTP "
            "server may send as, e.g. 'Customer Experience <cx@example.co.kr>'.",
            id="cxm.W002",
        )
    ]
