"""The contact policy: each reason, the per-touchpoint interval, and the suppression log page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cxm.models import User
from odata.models import Customer
from surveys.models import Invitation, Suppression, Survey
from surveys.services import contact_policy
from surveys.services.invitations import invite_customer
from tests.conftest import client_for
from tests.surveys.test_invitations_helpers import at, make_customer, make_survey

pytestmark = pytest.mark.django_db


def _invited(customer: Customer, survey: Survey, days_ago: int, **fields: object) -> Invitation:
    invitation = Invitation.objects.create(
        survey=survey,
        customer=customer,
        token_hash=f"pending:{customer.pk}-{days_ago}-{survey.pk}",
        source=Invitation.Source.MANUAL,
        touchpoint=survey.touchpoint,
        send_after=timezone.now(),
        expires_at=timezone.now() + timedelta(days=14),
        **fields,
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return invitation


def test_a_consenting_customer_with_an_address_may_be_invited() -> None:
    assert contact_policy.check(make_customer(), make_survey(), timezone.now()) is None


def test_no_consent() -> None:
    customer = make_customer(survey_consent=False, email="")
    assert contact_policy.check(customer, make_survey(), timezone.now()) == "no_consent"


def test_no_email() -> None:
    customer = make_customer(email="")
    assert contact_policy.check(customer, make_survey(), timezone.now()) == "no_email"


def test_recently_invited_counts_every_survey(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_CONTACT_INTERVAL_DAYS = 30
    customer, other, survey = make_customer(), make_survey(name="다른 설문"), make_survey()
    _invited(customer, other, days_ago=29)
    assert contact_policy.check(customer, survey, timezone.now()) == "recently_invited"


def test_an_invitation_older_than_the_interval_does_not_hold_back(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_CONTACT_INTERVAL_DAYS = 30
    customer, survey = make_customer(), make_survey()
    _invited(customer, survey, days_ago=31)
    assert contact_policy.check(customer, survey, timezone.now()) is None


def test_the_interval_comes_from_settings(settings) -> None:  # type: ignore[no-untyped-def]
    customer, survey = make_customer(), make_survey()
    _invited(customer, survey, days_ago=10)
    settings.CXM_CONTACT_INTERVAL_DAYS = 7
    assert contact_policy.check(customer, survey, timezone.now()) is None
    settings.CXM_CONTACT_INTERVAL_DAYS = 14
    assert contact_policy.check(customer, survey, timezone.now()) == "recently_invited"


def test_a_revoked_invitation_does_not_hold_back() -> None:
    customer, survey = make_customer(), make_survey()
    _invited(customer, survey, days_ago=1, status=Invitation.Status.REVOKED)
    assert contact_policy.check(customer, survey, timezone.now()) is None


def test_a_journey_critical_touchpoint_overrides_the_interval(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_CONTACT_INTERVAL_DAYS = 30
    customer = make_customer()
    _invited(customer, make_survey(name="매장"), days_ago=3)
    delivery = make_survey(name="배송", interval=2)
    strict = make_survey(name="AS", interval=60)
    assert contact_policy.check(customer, delivery, timezone.now()) is None
    _invited(customer, make_survey(name="옛날"), days_ago=45)
    Invitation.objects.filter(survey__name="매장").delete()
    assert contact_policy.check(customer, strict, timezone.now()) == "recently_invited"


def test_open_follow_up_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contact_policy, "has_open_followup", lambda customer: True)
    assert contact_policy.check(make_customer(), make_survey(), timezone.now()) == "open_task"


def test_a_customer_without_an_open_task_may_be_followed_up_by_a_survey() -> None:
    assert contact_policy.has_open_followup(make_customer()) is False


def test_check_many_agrees_with_check(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_CONTACT_INTERVAL_DAYS = 30
    survey = make_survey()
    recent = make_customer()
    _invited(recent, survey, days_ago=2)
    customers = [make_customer(), make_customer(email=""), make_customer(survey_consent=False)]
    customers.append(recent)
    now = timezone.now()
    many = contact_policy.check_many(customers, survey, now)
    assert many == {c.pk: contact_policy.check(c, survey, now) for c in customers}
    assert list(many.values()) == [None, "no_email", "no_consent", "recently_invited"]


def test_a_suppressed_invitation_is_logged_with_reason_and_source(admin: User) -> None:
    customer, survey = make_customer(survey_consent=False), make_survey()
    outcome = invite_customer(customer=customer, survey=survey, by=admin)
    assert outcome.invitation is None
    assert not Invitation.objects.exists()
    row = Suppression.objects.get()
    assert (row.customer, row.survey, row.reason, row.source) == (
        customer,
        survey,
        "no_consent",
        "manual",
    )


# -- The suppression log page --------------------------------------------------------------------


def _log_rows() -> tuple[Survey, Survey]:
    first, second = make_survey(name="첫 설문"), make_survey(name="둘째 설문")
    for reason, survey in [
        ("no_consent", first),
        ("no_email", first),
        ("recently_invited", second),
    ]:
        Suppression.objects.create(
            survey=survey, customer=make_customer(), reason=reason, source="bulk"
        )
    return first, second


def test_the_suppression_log_is_for_survey_admins(
    admin: User, manager: User, agent: User, outsider: User
) -> None:
    _log_rows()
    for user in (manager, agent, outsider):
        assert client_for(user).get("/surveys/suppressions/").status_code == 403
    assert client_for(admin).get("/surveys/suppressions/").status_code == 200


def test_the_suppression_log_filters_by_reason_and_survey(admin: User) -> None:
    first, second = _log_rows()
    client = client_for(admin)
    page = client.get("/surveys/suppressions/").context["page"]
    assert len(page.object_list) == 3
    page = client.get("/surveys/suppressions/?reason=no_email").context["page"]
    assert [row.reason for row in page] == ["no_email"]
    page = client.get(f"/surveys/suppressions/?survey={second.code}").context["page"]
    assert [row.survey for row in page] == [second]
    page = client.get(f"/surveys/suppressions/?survey={first.code}&reason=no_consent")
    assert [row.reason for row in page.context["page"]] == ["no_consent"]


def test_the_suppression_log_shows_reasons_in_english(admin: User) -> None:
    _log_rows()
    User.objects.filter(pk=admin.pk).update(language="en")
    html = client_for(admin).get("/surveys/suppressions/").content.decode()
    assert "No survey consent" in html
    assert "Invited recently" in html


def test_the_suppression_log_query_count_is_fixed(admin: User, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin)
    _log_rows()
    client.get("/surveys/suppressions/")  # warm the session and permission caches
    with django_assert_num_queries(8) as small:
        client.get("/surveys/suppressions/")
    _log_rows()
    _log_rows()
    with django_assert_num_queries(len(small.captured_queries)):
        client.get("/surveys/suppressions/")


def test_the_log_keeps_reasons_as_the_time_passes(admin: User) -> None:
    customer, survey = make_customer(), make_survey()
    with time_machine.travel(at(3, 10), tick=False):
        invite_customer(customer=customer, survey=survey, by=admin)
    with time_machine.travel(at(4, 10), tick=False):
        invite_customer(customer=customer, survey=survey, by=admin)
    assert Invitation.objects.count() == 1
    assert Suppression.objects.get().reason == "recently_invited"
