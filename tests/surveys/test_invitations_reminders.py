"""The one reminder: after the survey's reminder days, never after an answer, expiry or
revocation, only once, with the same link as the first e-mail."""

from __future__ import annotations

import django_rq
import pytest
import time_machine
from django.core import mail

from surveys.jobs import send_invitation, send_reminder
from surveys.models import Invitation
from surveys.services.invitations import (
    access_invitation_by_token,
    revoke_invitation,
    sweep_invitations,
)
from tests.surveys.test_invitations_helpers import at, make_customer, make_survey
from tests.surveys.test_invitations_helpers import token_from_last_email as last_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(admin) -> Invitation:  # type: ignore[no-untyped-def]
    """Sent at 10:00 on 3 March; the survey reminds after 3 days."""
    from surveys.services.invitations import invite_customer

    survey = make_survey()
    with time_machine.travel(at(3, 10), tick=False):
        outcome = invite_customer(customer=make_customer(language="en"), survey=survey, by=admin)
        assert outcome.invitation is not None
        send_invitation(outcome.invitation.pk)
    outcome.invitation.refresh_from_db()
    return outcome.invitation


def test_a_reminder_goes_out_after_the_reminder_days_and_both_links_work(
    sent: Invitation,
) -> None:
    first_token = last_token()
    with time_machine.travel(at(6, 9, 59), tick=False):
        send_reminder(sent.pk)
    assert len(mail.outbox) == 1
    with time_machine.travel(at(6, 10, 1), tick=False):
        send_reminder(sent.pk)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("A reminder:")
    reminder_token = last_token()
    # Each e-mail carries its own random token; the first e-mail's link keeps working.
    assert reminder_token != first_token
    for token in (first_token, reminder_token):
        assert access_invitation_by_token(token).pk == sent.pk
    sent.refresh_from_db()
    assert sent.reminder_sent_at == at(6, 10, 1)


def test_only_one_reminder(sent: Invitation) -> None:
    with time_machine.travel(at(6, 11), tick=False):
        send_reminder(sent.pk)
        send_reminder(sent.pk)
    with time_machine.travel(at(10, 11), tick=False):
        send_reminder(sent.pk)
    assert len(mail.outbox) == 2


def test_no_reminder_after_an_answer(sent: Invitation) -> None:
    Invitation.objects.filter(pk=sent.pk).update(
        answered_at=at(4, 10), status=Invitation.Status.ANSWERED
    )
    with time_machine.travel(at(6, 11), tick=False):
        send_reminder(sent.pk)
    assert len(mail.outbox) == 1


def test_no_reminder_when_answered_but_status_not_yet_changed(sent: Invitation) -> None:
    Invitation.objects.filter(pk=sent.pk).update(answered_at=at(4, 10))
    with time_machine.travel(at(6, 11), tick=False):
        send_reminder(sent.pk)
    assert len(mail.outbox) == 1


def test_no_reminder_after_expiry(sent: Invitation) -> None:
    Invitation.objects.filter(pk=sent.pk).update(expires_at=at(5, 10))
    with time_machine.travel(at(6, 11), tick=False):
        sweep_invitations()
        send_reminder(sent.pk)
    assert len(mail.outbox) == 1
    assert Invitation.objects.get().status == "expired"


def test_no_reminder_after_revocation(sent: Invitation) -> None:
    assert revoke_invitation(invitation=sent)
    with time_machine.travel(at(6, 11), tick=False):
        send_reminder(sent.pk)
    assert len(mail.outbox) == 1


def test_no_reminder_in_the_quiet_window(sent: Invitation) -> None:
    with time_machine.travel(at(6, 22), tick=False):
        send_reminder(sent.pk)
    assert len(mail.outbox) == 1


def test_the_sweep_queues_due_reminders_once(
    sent: Invitation,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    queue = django_rq.get_queue("realtime")
    queue.empty()
    with (
        time_machine.travel(at(6, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sweep_invitations()["reminders_queued"] == 0
    with (
        time_machine.travel(at(6, 10, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sweep_invitations()["reminders_queued"] == 1
        sweep_invitations()
    assert [(job.func_name, job.args) for job in queue.jobs] == [
        ("surveys.jobs.send_reminder", (sent.pk,))
    ]
    with time_machine.travel(at(6, 10, 31), tick=False):
        send_reminder(sent.pk)
        assert sweep_invitations()["reminders_queued"] == 0
