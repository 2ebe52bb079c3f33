"""Unsubscribe: /u/<token>/ asks on GET (mail scanners follow links) and acts on POST."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.test import Client

from cxm.models import User
from odata.models import Customer
from surveys.jobs import send_invitation
from surveys.models import Invitation
from surveys.services.invitations import invite_customer
from tests.surveys.test_invitations_helpers import (
    at,
    make_customer,
    make_survey,
    token_from_last_email,
)

pytestmark = pytest.mark.django_db


def _sent_to(admin: User, language: str) -> tuple[Customer, str]:
    customer = make_customer(language=language)
    with time_machine.travel(at(3, 10), tick=False):
        outcome = invite_customer(customer=customer, survey=make_survey(), by=admin)
        assert outcome.invitation is not None
        send_invitation(outcome.invitation.pk)
    return customer, token_from_last_email()


def test_get_asks_and_changes_nothing(admin: User) -> None:
    customer, token = _sent_to(admin, "en")
    response = Client().get(f"/u/{token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No more surveys?" in html
    assert 'method="post"' in html
    customer.refresh_from_db()
    assert customer.survey_consent is True


def test_post_turns_consent_off_and_confirms(admin: User) -> None:
    customer, token = _sent_to(admin, "en")
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/u/{token}/")
    csrf = page.cookies["csrftoken"].value
    response = client.post(f"/u/{token}/", {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 200
    assert "You will get no more surveys" in response.content.decode()
    customer.refresh_from_db()
    assert customer.survey_consent is False
    # Posting again is harmless.
    assert client.post(f"/u/{token}/", {"csrfmiddlewaretoken": csrf}).status_code == 200


def test_the_page_speaks_the_customers_language(admin: User) -> None:
    _, token = _sent_to(admin, "ko")
    html = Client().get(f"/u/{token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ko"' in html


def test_an_unknown_link_gets_a_friendly_404() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/u/not-a-real-token/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert Client().post("/u/not-a-real-token/").status_code == 404


def test_the_pending_placeholder_is_not_a_link(admin: User) -> None:
    invite_customer(customer=make_customer(), survey=make_survey(), by=admin, now=at(3, 22))
    placeholder = Invitation.objects.get().token_hash
    assert Client().get(f"/u/{placeholder}/").status_code == 404


def test_an_unsubscribed_customer_gets_no_further_invitation(admin: User) -> None:
    customer, token = _sent_to(admin, "en")
    Client().post(f"/u/{token}/")
    with time_machine.travel(at(20, 10), tick=False):
        outcome = invite_customer(customer=customer, survey=make_survey(name="둘째"), by=admin)
    assert outcome.suppression is not None
    assert outcome.suppression.reason == "no_consent"
    assert len(mail.outbox) == 1
