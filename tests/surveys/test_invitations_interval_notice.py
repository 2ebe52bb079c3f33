"""Sending one customer a survey tells, before the form is filled, when the contact interval
holds it back: which invitation (survey and date) and from when a survey can go out; a send
refused by the interval says the same."""

from __future__ import annotations

import pytest
import time_machine

from cxm.models import User
from surveys.models import Invitation, Suppression
from surveys.services.invitations import invite_customer
from tests.conftest import client_for
from tests.surveys.test_invitations_helpers import at, make_customer, make_survey

pytestmark = pytest.mark.django_db


def _url(customer_code: object) -> str:
    return f"/surveys/invitations/new/?customer={customer_code}"


def test_the_page_names_the_last_invitation_and_holds_the_send(admin: User) -> None:
    customer = make_customer()
    survey = make_survey(name="배송 만족도 (CSAT)", interval=14)
    with time_machine.travel(at(1, 10), tick=False):
        invite_customer(customer=customer, survey=survey, by=admin)
    with time_machine.travel(at(5, 10), tick=False):
        html = client_for(admin).get(_url(customer.code)).content.decode()
    assert (
        "최근 초대: 배송 만족도 (CSAT), 2025-03-01 — 14일 간격 정책으로 2025-03-15부터 "
        "보낼 수 있습니다."
    ) in html
    assert 'type="submit" disabled aria-describedby="held"' in html


def test_surveys_with_a_shorter_interval_stay_sendable(admin: User) -> None:
    customer = make_customer()
    long = make_survey(name="배송 만족도", interval=14)
    make_survey(name="매장 설문", interval=2)
    with time_machine.travel(at(1, 10), tick=False):
        invite_customer(customer=customer, survey=long, by=admin)
    with time_machine.travel(at(5, 10), tick=False):
        html = client_for(admin).get(_url(customer.code)).content.decode()
    assert "다음 설문은 아직 보낼 수 없습니다: “배송 만족도” (2025-03-15부터)." in html
    assert "“매장 설문” (" not in html
    assert '<button class="primary" type="submit">' in html


def test_a_send_refused_by_the_interval_says_which_invitation_and_when(admin: User) -> None:
    customer = make_customer()
    first = make_survey(name="배송 만족도 (CSAT)", interval=14)
    second = make_survey(name="매장 방문", interval=14)
    with time_machine.travel(at(1, 10), tick=False):
        invite_customer(customer=customer, survey=first, by=admin)
    with time_machine.travel(at(5, 10), tick=False):
        response = client_for(admin).post(_url(customer.code), {"survey": second.code}, follow=True)
    assert (
        "보내지 않음. 최근 초대: 배송 만족도 (CSAT), 2025-03-01 — 14일 간격 정책으로 "
        "“매장 방문” 설문은 2025-03-15부터 보낼 수 있습니다."
    ) in response.content.decode()
    assert Suppression.objects.get().reason == "recently_invited"
    assert Invitation.objects.count() == 1


def test_a_revoked_invitation_holds_nothing_back(admin: User) -> None:
    customer = make_customer()
    survey = make_survey(interval=14)
    with time_machine.travel(at(1, 10), tick=False):
        invite_customer(customer=customer, survey=survey, by=admin)
    Invitation.objects.update(status=Invitation.Status.REVOKED)
    with time_machine.travel(at(5, 10), tick=False):
        html = client_for(admin).get(_url(customer.code)).content.decode()
    assert 'id="held"' not in html
