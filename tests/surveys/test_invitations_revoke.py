"""Revoking an invitation (admins): its e-mail is not sent and no reminder follows."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from cxm.models import User
from surveys.jobs import send_invitation
from surveys.models import Invitation
from surveys.services.invitations import invite_customer
from tests.conftest import client_for
from tests.surveys.test_invitations_helpers import at, make_customer, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(admin: User) -> Invitation:
    outcome = invite_customer(
        customer=make_customer(), survey=make_survey(), by=admin, now=at(3, 22)
    )
    assert outcome.invitation is not None
    return outcome.invitation


def _url(invitation: Invitation) -> str:
    return f"/surveys/invitations/{invitation.code}/revoke/"


def test_get_is_refused(admin: User, scheduled: Invitation) -> None:
    assert client_for(admin).get(_url(scheduled)).status_code == 405
    assert Invitation.objects.get().status == "scheduled"


def test_others_are_refused(manager: User, outsider: User, scheduled: Invitation) -> None:
    for user in (manager, outsider):
        assert client_for(user).post(_url(scheduled)).status_code == 403
    assert Invitation.objects.get().status == "scheduled"


def test_revoking_stops_the_e_mail(admin: User, scheduled: Invitation) -> None:
    with time_machine.travel(at(3, 23), tick=False):
        response = client_for(admin).post(_url(scheduled))
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.revoked_at) == ("revoked", at(3, 23))
    with time_machine.travel(at(4, 10), tick=False):
        send_invitation(invitation.pk)
    assert mail.outbox == []


def test_an_answered_invitation_stays_answered(admin: User, scheduled: Invitation) -> None:
    Invitation.objects.filter(pk=scheduled.pk).update(status="answered")
    User.objects.filter(pk=admin.pk).update(language="en")
    response = client_for(admin).post(_url(scheduled), follow=True)
    assert "already answered, expired or revoked" in response.content.decode()
    assert Invitation.objects.get().status == "answered"


def test_the_invitation_list_offers_revoking_and_filters(
    admin: User, scheduled: Invitation
) -> None:
    other = make_survey(name="다른 설문")
    client = client_for(admin)
    html = client.get("/surveys/invitations/").content.decode()
    assert _url(scheduled) in html
    page = client.get(f"/surveys/invitations/?survey={other.code}").context["page"]
    assert list(page) == []
    page = client.get("/surveys/invitations/?status=scheduled").context["page"]
    assert list(page) == [scheduled]


def test_the_invitation_list_query_count_is_fixed(
    admin: User,
    scheduled: Invitation,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    client = client_for(admin)
    client.get("/surveys/invitations/")
    with django_assert_num_queries(8) as one:
        client.get("/surveys/invitations/")
    for day in range(5, 9):
        invite_customer(customer=make_customer(), survey=make_survey(), by=admin, now=at(day, 22))
    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/surveys/invitations/")


def test_the_invitation_list_is_for_survey_admins(manager: User, outsider: User) -> None:
    for user in (manager, outsider):
        assert client_for(user).get("/surveys/invitations/").status_code == 403
