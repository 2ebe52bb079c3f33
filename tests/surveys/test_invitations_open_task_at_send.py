"""A customer with an open follow-up task is sent no survey e-mail, also when the task was
opened after the invitation was made: the delivery milestone invites at once and sends a day
later, and the late-delivery rule opens its recovery task in between."""

from __future__ import annotations

import django_rq
import pytest
import time_machine
from django.core import mail

from actions.models import FollowUpTask
from actions.services.tasks import resolve_task
from odata.models import Customer, Milestone
from surveys.jobs import send_invitation, send_reminder
from surveys.models import Invitation, Suppression
from surveys.services.invitations import sweep_invitations
from tests.actions.test_sending_helpers import make_open_task
from tests.factories import RootCauseFactory
from tests.surveys.test_invitations_helpers import at, make_customer, make_event, make_survey

pytestmark = pytest.mark.django_db


def _scheduled(customer: Customer) -> Invitation:
    """Delivered at 10:00 on 3 March, no task open: invited, due at 10:00 on 4 March."""
    make_survey(milestone=Milestone.DELIVERY_DELIVERED, send_on_milestone=True, delay_hours=24)
    event = make_event(customer, at(3, 10))
    with time_machine.travel(at(3, 10, 1), tick=False):
        assert sweep_invitations()["invited"] == 1
    return Invitation.objects.get(customer=customer, operational_event=event)


def _open_task_for(customer: Customer) -> FollowUpTask:
    return make_open_task(customer=customer, created_at=at(3, 15))


def test_a_task_opened_after_the_invitation_suppresses_the_e_mail() -> None:
    customer = make_customer()
    invitation = _scheduled(customer)
    _open_task_for(customer)
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
        send_invitation(invitation.pk)  # a second job records nothing more
        assert sweep_invitations()["sends_queued"] == 0
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert invitation.sent_at is None
    suppression = Suppression.objects.get()
    assert suppression.reason == Suppression.Reason.OPEN_TASK
    assert suppression.customer == customer
    assert suppression.operational_event_id == invitation.operational_event_id


def test_a_task_opened_after_the_first_e_mail_holds_back_the_reminder(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    customer = make_customer()
    invitation = _scheduled(customer)
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
    assert len(mail.outbox) == 1
    _open_task_for(customer)
    queue = django_rq.get_queue("realtime")
    queue.empty()
    with (
        time_machine.travel(at(7, 11), tick=False),  # the survey reminds after 3 days
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sweep_invitations()["reminders_queued"] == 0
        send_reminder(invitation.pk)  # a job queued before the task was opened
    assert queue.count == 0
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.reminder_sent_at is None
    # The first e-mail reached the customer: its link still works.
    assert invitation.status == Invitation.Status.SENT


def test_a_task_resolved_before_the_send_lets_the_e_mail_go_out() -> None:
    customer = make_customer()
    invitation = _scheduled(customer)
    task = _open_task_for(customer)
    with time_machine.travel(at(3, 16), tick=False):
        resolve_task(task=task, by=task.owner, root_cause=RootCauseFactory(), note="사과함")
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.email]
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert not Suppression.objects.exists()


def test_a_held_back_reminder_goes_out_once_the_task_is_resolved() -> None:
    customer = make_customer()
    invitation = _scheduled(customer)
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
    task = _open_task_for(customer)
    with time_machine.travel(at(7, 11), tick=False):
        send_reminder(invitation.pk)
    assert len(mail.outbox) == 1
    with time_machine.travel(at(7, 12), tick=False):
        resolve_task(task=task, by=task.owner, root_cause=RootCauseFactory(), note="사과함")
        send_reminder(invitation.pk)
    assert len(mail.outbox) == 2
    invitation.refresh_from_db()
    assert invitation.reminder_sent_at == at(7, 12)
