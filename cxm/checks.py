"""cxm's own entries in `manage.py check --deploy`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


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
