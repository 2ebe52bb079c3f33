"""E-mail: templated messages in the recipient's language, and the `store:` backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_email(
    *, to: Sequence[str], template: str, context: dict[str, Any], language: str
) -> None:
    """Render `<template>_subject.txt`, `<template>.txt` and `<template>.html` in `language`
    and send them as one multipart message."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(to))
    message.attach_alternative(html, "text/html")
    message.send()


class StoredEmailBackend(BaseEmailBackend):
    """Keeps each message in the database (`StoredEmail`) for the admins' "sent e-mail" page.

    Used by `make run` so a demo can follow the loop without a mail server.
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from cxm.models import StoredEmail

        rows = []
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = str(content)
            body = str(message.body)
            text = body if message.content_subtype == "plain" else ""
            if message.content_subtype == "html":
                html = body
            rows.append(
                StoredEmail(
                    from_email=message.from_email,
                    to=list(message.to),
                    cc=list(message.cc),
                    bcc=list(message.bcc),
                    subject=str(message.subject),
                    body_text=text,
                    body_html=html,
                )
            )
        StoredEmail.objects.bulk_create(rows)
        return len(rows)
