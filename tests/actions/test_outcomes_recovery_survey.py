"""Closing a task can invite the customer to the plan's recovery survey, under the contact
policy (consent, e-mail, the touchpoint's interval), with a line in the task's log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import TaskEvent, TaskStatus
from actions.services.outcomes import send_recovery_survey
from actions.services.tasks import close_task
from surveys.models import Invitation, Suppression
from tests.actions.test_outcomes_helpers import (
    make_answer,
    make_customer,
    make_rule,
    make_survey,
    make_task,
    staff_user,
)
from tests.odata.test_customer_360 import OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _rule_with_recovery_survey(interval: int | None = 0):  # type: ignore[no-untyped-def]
    rule = make_rule()
    rule.plan.recovery_survey = make_survey(name="회복 확인", interval=interval)
    rule.plan.save(update_fields=["recovery_survey"])
    return rule


def _events(task) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return list(
        TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.NOTIFIED).values_list(
            "data", flat=True
        )
    )


def test_closing_with_the_survey_invites_the_customer_once(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    rule = _rule_with_recovery_survey()
    customer = make_customer()
    task = make_task(rule, customer, closed_at=None, status=TaskStatus.RESOLVED)
    closer = staff_user()
    with django_capture_on_commit_callbacks(execute=False):
        close_task(task=task, by=closer, send_recovery_survey=True)
        again = send_recovery_survey(task=task)

    invitation = Invitation.objects.get(customer=customer)
    assert invitation.survey == rule.plan.recovery_survey
    assert invitation.source == Invitation.Source.MANUAL
    assert invitation.created_by == closer  # who closed the task sent it
    assert again.status == "already"
    assert [e["recovery_survey"] for e in _events(task)] == ["invited"]


def test_no_consent_is_respected() -> None:
    rule = _rule_with_recovery_survey()
    customer = make_customer(survey_consent=False)
    task = make_task(rule, customer)
    result = send_recovery_survey(task=task)
    assert (result.status, result.reason) == ("suppressed", "no_consent")
    assert not Invitation.objects.exists()
    assert Suppression.objects.get(customer=customer).reason == "no_consent"
    assert _events(task) == [
        {
            "recovery_survey": "suppressed",
            "reason": "no_consent",
            "survey": str(
                rule.plan.recovery_survey.code  # type: ignore[union-attr]
            ),
        }
    ]


def test_the_touchpoint_contact_interval_still_applies() -> None:
    """The triggering invitation a week ago blocks a recovery survey whose touchpoint keeps the
    global 30-day interval: give the recovery touchpoint a short one."""
    rule = _rule_with_recovery_survey(interval=None)
    customer = make_customer()
    earlier = make_survey(name="배송 만족도")
    Invitation.objects.create(
        survey=earlier,
        customer=customer,
        token_hash="pending:x",
        touchpoint=earlier.touchpoint,
        send_after=timezone.now() - timedelta(days=7),
        expires_at=timezone.now() + timedelta(days=7),
    )
    result = send_recovery_survey(task=make_task(rule, customer))
    assert (result.status, result.reason) == ("suppressed", "recently_invited")


def test_without_a_recovery_survey_nothing_is_sent_and_the_log_says_so() -> None:
    rule = make_rule()
    task = make_task(rule, make_customer())
    assert send_recovery_survey(task=task).status == "no_survey"
    assert not Invitation.objects.exists()
    assert _events(task) == [{"recovery_survey": "no_survey"}]


def test_an_unpublished_recovery_survey_is_not_sent() -> None:
    rule = make_rule()
    rule.plan.recovery_survey = make_survey(name="초안", interval=0, status="draft")
    rule.plan.save(update_fields=["recovery_survey"])
    assert send_recovery_survey(task=make_task(rule, make_customer())).status == "no_survey"
    assert not Invitation.objects.exists()


def test_segment_tasks_have_nobody_to_ask() -> None:
    rule = _rule_with_recovery_survey()
    task = make_task(rule, None)
    assert send_recovery_survey(task=task).status == "no_customer"
    assert not Invitation.objects.exists()


def test_the_recovery_survey_is_credited_to_the_tasks_order_and_store() -> None:
    rule = _rule_with_recovery_survey()
    home, shop = StoreFactory(name="본점"), StoreFactory(name="강남점")
    customer = make_customer(home_store=home)
    order = OrderFactory(customer=customer, store=shop, channel="store")
    answered = make_answer(customer, timezone.now() - timedelta(days=3), nps=2)
    answered.order = order
    answered.save(update_fields=["order"])
    task = make_task(rule, customer, response=answered, store=shop)
    assert send_recovery_survey(task=task).status == "invited"
    invitation = Invitation.objects.get(customer=customer)
    assert (invitation.store, invitation.order) == (shop, order)


def test_a_task_without_an_order_credits_the_tasks_store() -> None:
    rule = _rule_with_recovery_survey()
    home, shop = StoreFactory(name="본점"), StoreFactory(name="강남점")
    customer = make_customer(home_store=home)
    task = make_task(rule, customer, store=shop)
    assert send_recovery_survey(task=task).status == "invited"
    invitation = Invitation.objects.get(customer=customer)
    assert (invitation.store, invitation.order) == (shop, None)
