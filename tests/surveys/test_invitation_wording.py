"""What the invitation and reminder e-mails ask about: a visit only after a store purchase, the
experience after another purchase or milestone, and otherwise (a relationship survey sent in
bulk) the customer's opinion of the company, never a visit to their home store."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from odata.models import Channel, Milestone
from surveys.jobs import create_bulk_invitations, send_invitation, send_reminder
from surveys.models import Invitation, Survey
from surveys.services.invitations import sweep_invitations
from tests.surveys.test_invitations_helpers import (
    at,
    make_customer,
    make_event,
    make_order,
    make_store,
    make_survey,
)

pytestmark = pytest.mark.django_db

OPINION = "Would you share your opinion of us? It takes two minutes."


def _send_and_remind(invitation: Invitation) -> tuple[mail.EmailMessage, mail.EmailMessage]:
    """The invitation sent at 10:00 on 4 March and its reminder three days later."""
    with time_machine.travel(at(4, 10), tick=False):
        send_invitation(invitation.pk)
    with time_machine.travel(at(7, 10, 1), tick=False):
        send_reminder(invitation.pk)
    assert len(mail.outbox) == 2
    return mail.outbox[0], mail.outbox[1]


def _bulk(survey: Survey, language: str) -> Invitation:
    store = make_store(name="강남점")
    customer = make_customer(language=language, name="김민지", home_store=store, segment="VIP")
    with time_machine.travel(at(4, 9), tick=False):
        create_bulk_invitations(
            survey_id=survey.pk,
            segment="VIP",
            store_id=None,
            requested_by_id=None,
            requested_at=timezone.now().isoformat(),
        )
    invitation = Invitation.objects.get(customer=customer)
    assert invitation.store == store  # the home store, for the analysis by store
    return invitation


def test_a_relationship_survey_asks_for_an_opinion_not_about_a_visit() -> None:
    survey = make_survey(name="관계 NPS")
    first, reminder = _send_and_remind(_bulk(survey, "en"))
    assert first.subject == OPINION
    assert "강남점" not in first.body and "visit" not in first.body
    assert "Would you tell us how we did?" in first.body
    assert "visit" not in reminder.body and "강남점" not in reminder.body
    assert "A few days ago we asked how we did." in reminder.body


def test_in_korean_the_relationship_survey_names_no_store_visit() -> None:
    survey = make_survey(name="관계 NPS")
    first, reminder = _send_and_remind(_bulk(survey, "ko"))
    for text in (first.subject, first.body, reminder.body):
        assert "방문" not in text and "강남점" not in text


def test_a_store_purchase_asks_about_the_visit() -> None:
    survey = make_survey(
        name="매장 재방문 의향",
        milestone=Milestone.STORE_ORDER_COMPLETED,
        send_on_milestone=True,
        delay_hours=1,
    )
    store = make_store(name="강남점")
    customer = make_customer(language="en", name="김민지")
    order = make_order(customer, store=store, channel=Channel.STORE)
    make_event(customer, at(4, 8), kind=Milestone.STORE_ORDER_COMPLETED, order=order)
    with time_machine.travel(at(4, 9, 1), tick=False):
        sweep_invitations()
    first, reminder = _send_and_remind(Invitation.objects.get(survey=survey))
    assert first.subject == "How was your visit to 강남점?"
    assert "Thank you for choosing 강남점." in first.body
    assert "how your visit to 강남점 went" in reminder.body


def test_a_delivery_asks_how_we_did_and_thanks_the_store() -> None:
    survey = make_survey(
        milestone=Milestone.DELIVERY_DELIVERED, send_on_milestone=True, delay_hours=1
    )
    customer = make_customer(language="en", name="김민지")
    make_event(customer, at(4, 8), store=make_store(name="강남점"))
    with time_machine.travel(at(4, 9, 1), tick=False):
        sweep_invitations()
    first, reminder = _send_and_remind(Invitation.objects.get(survey=survey))
    assert first.subject == "Tell us how we did: 배송 만족도"
    assert "Thank you for choosing 강남점." in first.body
    assert "visit" not in reminder.body
