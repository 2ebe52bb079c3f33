"""Invitations from journey milestones: the sweep, its context, and exactly once."""

from __future__ import annotations

import json
import threading
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from odata.models import Milestone, OperationalEvent
from odata.services.milestones import unprocessed_events
from surveys.models import Invitation, Suppression, Survey
from surveys.services.invitations import MILESTONE_CONSUMER, sweep_invitations
from tests.surveys.test_invitations_helpers import (
    at,
    make_customer,
    make_event,
    make_order,
    make_store,
    make_survey,
)

pytestmark = pytest.mark.django_db


def _delivery_survey(**fields: object) -> Survey:
    return make_survey(
        milestone=Milestone.DELIVERY_DELIVERED,
        send_on_milestone=True,
        **fields,  # type: ignore[arg-type]
    )


def test_a_milestone_becomes_an_invitation_with_its_context() -> None:
    survey = _delivery_survey(delay_hours=24)
    customer = make_customer(language="en")
    store = make_store(name="강남점")
    order = make_order(customer, store=store, channel="app", placed_at=at(2, 12, 30))
    event = make_event(customer, at(3, 10), order=order, store=store)
    with time_machine.travel(at(3, 10, 5), tick=False):
        summary = sweep_invitations()
    invitation = Invitation.objects.get()
    assert summary["invited"] == 1
    assert (invitation.survey, invitation.customer, invitation.source) == (
        survey,
        customer,
        "milestone",
    )
    assert invitation.operational_event == event
    assert invitation.touchpoint == survey.touchpoint
    assert (invitation.store, invitation.order) == (store, order)
    assert (invitation.purchase_channel, invitation.daypart) == ("app", "lunch")
    assert invitation.language == "en"
    assert invitation.status == "scheduled"
    assert invitation.send_after == at(4, 10)
    assert invitation.token_hash.startswith("pending:")
    assert not unprocessed_events(consumer=MILESTONE_CONSUMER, kinds=[event.kind])


def test_a_late_evening_milestone_is_sent_at_nine() -> None:
    _delivery_survey(delay_hours=0)
    make_event(make_customer(), at(3, 21, 30))
    with time_machine.travel(at(3, 21, 31), tick=False):
        sweep_invitations()
    assert Invitation.objects.get().send_after == at(4, 9)


def test_the_sweep_run_twice_invites_once() -> None:
    _delivery_survey()
    make_event(make_customer(), at(3, 10))
    with time_machine.travel(at(3, 10, 5), tick=False):
        sweep_invitations()
        second = sweep_invitations()
    assert Invitation.objects.count() == 1
    assert second["milestone_events"] == 0


def test_an_event_handled_but_not_marked_is_not_invited_twice() -> None:
    """A sweep that died after inviting and before marking the event processed."""
    _delivery_survey()
    make_event(make_customer(), at(3, 10))
    make_event(make_customer(survey_consent=False), at(3, 10))
    with time_machine.travel(at(3, 10, 5), tick=False):
        sweep_invitations()
        OperationalEvent.objects.get(customer__survey_consent=True).receipts.all().delete()
        OperationalEvent.objects.get(customer__survey_consent=False).receipts.all().delete()
        sweep_invitations()
    assert Invitation.objects.count() == 1
    assert Suppression.objects.count() == 1


def test_other_consumers_still_see_the_event() -> None:
    _delivery_survey()
    event = make_event(make_customer(), at(3, 10))
    with time_machine.travel(at(3, 10, 5), tick=False):
        sweep_invitations()
    assert unprocessed_events(consumer="actions.rules", kinds=[event.kind]) == [event]


def test_two_surveys_on_one_milestone_follow_the_contact_policy() -> None:
    _delivery_survey(name="첫째")
    _delivery_survey(name="둘째")
    make_event(make_customer(), at(3, 10))
    with time_machine.travel(at(3, 10, 5), tick=False):
        sweep_invitations()
        sweep_invitations()
    assert Invitation.objects.count() == 1
    assert list(Suppression.objects.values_list("reason", "source")) == [
        ("recently_invited", "milestone")
    ]


def test_only_published_surveys_that_send_on_their_milestone() -> None:
    make_survey(milestone=Milestone.DELIVERY_DELIVERED, send_on_milestone=False)
    make_survey(
        name="초안",
        milestone=Milestone.DELIVERY_DELIVERED,
        send_on_milestone=True,
        status=Survey.Status.DRAFT,
    )
    make_survey(name="AS", milestone=Milestone.SERVICE_CLOSED, send_on_milestone=True)
    event = make_event(make_customer(), at(3, 10))
    with time_machine.travel(at(3, 10, 5), tick=False):
        sweep_invitations()
    assert not Invitation.objects.exists()
    # Nobody consumed it: a delivery survey published later still gets it.
    assert unprocessed_events(consumer=MILESTONE_CONSUMER, kinds=[event.kind]) == [event]


def test_a_milestone_too_old_for_a_live_link_is_skipped() -> None:
    _delivery_survey(delay_hours=24)  # links valid 14 days
    make_event(make_customer(), at(1, 10))
    with time_machine.travel(at(20, 10), tick=False):
        sweep_invitations()
    assert not Invitation.objects.exists()
    assert not Suppression.objects.exists()


def test_a_suppressed_milestone_is_logged_once_with_its_event() -> None:
    _delivery_survey()
    event = make_event(make_customer(email=""), at(3, 10))
    with time_machine.travel(at(3, 10, 5), tick=False):
        sweep_invitations()
        sweep_invitations()
    row = Suppression.objects.get()
    assert (row.reason, row.source, row.operational_event) == ("no_email", "milestone", event)


def test_the_command_prints_a_json_summary() -> None:
    _delivery_survey()
    make_event(make_customer(), at(3, 10))
    out = StringIO()
    with time_machine.travel(at(3, 10, 5), tick=False):
        call_command("sweep_invitations", stdout=out)
    summary = json.loads(out.getvalue().splitlines()[-1])
    assert summary["invited"] == 1
    assert summary["milestone_events"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_invite_once() -> None:
    _delivery_survey()
    for _ in range(20):
        make_event(make_customer(), at(3, 10))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            sweep_invitations()
        except BaseException as error:  # any failure, reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    with time_machine.travel(at(3, 10, 5), tick=True):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert Invitation.objects.count() == 20
    assert not Suppression.objects.exists()
