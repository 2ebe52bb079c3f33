"""Survey jobs: thin, id-based, idempotent (see STYLE.md, "The loop's mechanics")."""

from __future__ import annotations

from datetime import datetime

from cxm.models import User
from odata.models import Store
from surveys.models import Survey
from surveys.services import invitations


def sweep_invitations() -> dict[str, int]:
    """Every minute (cxm/cron.py): expire, invite from milestones, queue e-mails and reminders."""
    return invitations.sweep_invitations()


def send_invitation(invitation_id: int) -> None:
    """E-mail one invitation (`realtime`); an invitation already sent or revoked is left alone."""
    invitations.send_invitation_email(invitation_id=invitation_id)


def send_reminder(invitation_id: int) -> None:
    """The one reminder (`realtime`); nothing if answered, expired, revoked or reminded."""
    invitations.send_reminder_email(invitation_id=invitation_id)


def create_bulk_invitations(
    *,
    survey_id: int,
    segment: str,
    store_id: int | None,
    requested_by_id: int | None,
    requested_at: str,
) -> dict[str, int]:
    """Create a bulk request's invitations (`default`); a retry skips what is done."""
    survey = Survey.objects.filter(pk=survey_id, status=Survey.Status.PUBLISHED).first()
    if survey is None:  # archived or deleted since the request
        return {}
    store = Store.objects.filter(pk=store_id).first() if store_id is not None else None
    if store_id is not None and store is None:
        return {}  # the store is gone: do not widen the audience to everyone
    counts = invitations.create_bulk_invitations(
        survey=survey,
        segment=segment,
        store=store,
        requested_at=datetime.fromisoformat(requested_at),
        by=User.objects.filter(pk=requested_by_id).first() if requested_by_id else None,
    )
    return dict(counts)
