"""Per-response rules: a matching response opens one task for the right owner, due on the SLA
calendar; a repeat adds to the open task; scope, holdout, priority and the contact policy."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from actions.models import FollowUpTask, Holdout, Notification, TaskEvent, TaskStatus
from actions.services.evaluation import evaluate_response
from actions.services.tasks import priority_for
from odata.models import Delivery, Order, ServiceRecord
from surveys.services import contact_policy
from tests.actions.builders import make_customer, make_response, make_rule, make_store, make_survey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL)


@time_machine.travel(MONDAY_10, tick=False)
def test_a_detractor_opens_one_task_for_the_named_owner_due_on_the_sla() -> None:
    rule = make_rule(plan_fields={"sla_hours": 10})
    customer = make_customer()
    response = make_response(customer=customer, nps=3)

    assert evaluate_response(response_id=response.pk) == 1

    task = FollowUpTask.objects.get()
    assert task.owner == rule.plan.owner
    assert task.customer == customer and task.response == response
    assert task.status == TaskStatus.NEW
    # 10 business hours from Monday 10:00: 8 on Monday, 2 on Tuesday.
    assert task.due_at == datetime(2026, 11, 24, 11, 0, tzinfo=SEOUL)
    assert task.trigger["nps"] == 3
    assert [step["done"] for step in task.checklist] == [False, False]
    assert task.events.get().kind == TaskEvent.Kind.CREATED
    response.refresh_from_db()
    assert response.evaluated_at is not None
    notification = Notification.objects.get()
    assert (notification.event, notification.recipient) == ("created", rule.plan.owner)


def test_a_promoter_opens_nothing_but_is_marked_evaluated() -> None:
    make_rule()
    response = make_response(customer=make_customer(), nps=9)
    assert evaluate_response(response_id=response.pk) == 0
    assert not FollowUpTask.objects.exists()
    response.refresh_from_db()
    assert response.evaluated_at is not None


def test_evaluating_twice_does_nothing_more() -> None:
    make_rule()
    response = make_response(customer=make_customer(), nps=0)
    evaluate_response(response_id=response.pk)
    assert evaluate_response(response_id=response.pk) == 0
    assert FollowUpTask.objects.count() == 1


def test_a_repeat_trigger_adds_to_the_open_task_and_a_closed_one_allows_a_new_task() -> None:
    rule = make_rule()
    customer = make_customer()
    first = make_response(customer=customer, nps=2)
    evaluate_response(response_id=first.pk)
    evaluate_response(response_id=make_response(customer=customer, nps=4).pk)

    task = FollowUpTask.objects.get()
    assert task.trigger_count == 2
    assert task.events.filter(kind=TaskEvent.Kind.RETRIGGERED).count() == 1

    FollowUpTask.objects.filter(pk=task.pk).update(status=TaskStatus.CLOSED)
    evaluate_response(response_id=make_response(customer=customer, nps=1).pk)
    assert FollowUpTask.objects.filter(rule=rule, customer=customer).count() == 2


def test_disabled_rules_and_rules_out_of_scope_do_not_fire() -> None:
    store, other_store = make_store(), make_store()
    make_rule(is_enabled=False)
    make_rule(store=other_store)
    make_rule(survey=make_survey(name="다른 설문"))
    response = make_response(customer=make_customer(), store=store, nps=1)
    assert evaluate_response(response_id=response.pk) == 0


def test_any_of_several_answer_conditions() -> None:
    make_rule(
        match="any",
        conditions=[
            {"field": "csat", "op": "lte", "value": 2},
            {"field": "intent", "op": "eq", "value": "no"},
            {"field": "comment", "op": "contains_any", "value": ["환불", "REFUND"]},
        ],
    )
    hits = [
        make_response(customer=make_customer(), csat=2),
        make_response(customer=make_customer(), csat=5, intent="no"),
        make_response(customer=make_customer(), csat=4, comment="I want a refund now"),
        make_response(customer=make_customer(), comment="환불해 주세요"),
    ]
    misses = [
        make_response(customer=make_customer(), csat=3, intent="yes", comment="괜찮아요"),
        make_response(customer=make_customer()),  # nothing answered: no opinion, no trigger
    ]
    assert [evaluate_response(response_id=r.pk) for r in hits] == [1, 1, 1, 1]
    assert [evaluate_response(response_id=r.pk) for r in misses] == [0, 0]


def test_operational_context_conditions() -> None:
    """Revenue in the last 12 months, a late delivery of the response's order, an open
    service record."""
    make_rule(
        conditions=[
            {"field": "csat", "op": "lte", "value": 2},
            {"field": "revenue_12m", "op": "gte", "value": 500_000},
            {"field": "delivery_late", "op": "is", "value": True},
            {"field": "open_service_record", "op": "is", "value": True},
        ]
    )
    now = timezone.now()
    vip, regular = make_customer(), make_customer()
    for customer, amount in ((vip, "600000"), (regular, "100000")):
        order = Order.objects.create(
            external_id=f"O-{customer.pk}",
            customer=customer,
            channel="online",
            placed_at=now - timedelta(days=10),
            amount=Decimal(amount),
        )
        Delivery.objects.create(
            external_id=f"D-{customer.pk}",
            order=order,
            promised_at=now - timedelta(days=8),
            delivered_at=now - timedelta(days=5),
            status="delivered",
        )
        ServiceRecord.objects.create(
            external_id=f"S-{customer.pk}",
            customer=customer,
            kind="complaint",
            opened_at=now - timedelta(days=4),
        )
    vip_response = make_response(customer=vip, csat=1)
    vip_response.order = Order.objects.get(customer=vip)
    vip_response.save(update_fields=["order"])
    regular_response = make_response(customer=regular, csat=1)
    regular_response.order = Order.objects.get(customer=regular)
    regular_response.save(update_fields=["order"])

    assert evaluate_response(response_id=vip_response.pk) == 1
    assert evaluate_response(response_id=regular_response.pk) == 0
    task = FollowUpTask.objects.get()
    assert task.trigger["revenue_12m"] == 600_000
    assert task.trigger["delivery_late"] is True


def test_store_manager_routing_and_fallback() -> None:
    manager = UserFactory()
    managed, unmanaged = make_store(manager=manager), make_store(manager=None)
    rule = make_rule(plan_fields={"routing": "store_manager"})
    evaluate_response(response_id=make_response(customer=make_customer(), store=managed, nps=1).pk)
    evaluate_response(
        response_id=make_response(customer=make_customer(), store=unmanaged, nps=1).pk
    )
    owners = set(FollowUpTask.objects.values_list("owner", flat=True))
    assert owners == {manager.pk, rule.plan.fallback_owner_id}


def test_round_robin_in_the_touchpoints_team() -> None:
    team = Group.objects.create(name="배송팀")
    members = [UserFactory() for _ in range(3)]
    for member in members:
        member.groups.add(team)
    survey = make_survey()
    survey.touchpoint.owner_team = team
    survey.touchpoint.save(update_fields=["owner_team"])
    make_rule(plan_fields={"routing": "touchpoint_team"})
    for _ in range(4):
        response = make_response(survey=survey, customer=make_customer(), nps=2)
        evaluate_response(response_id=response.pk)
    owners = list(FollowUpTask.objects.order_by("id").values_list("owner", flat=True))
    assert owners == [members[0].pk, members[1].pk, members[2].pk, members[0].pk]


def test_a_high_value_customer_raises_the_priority(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_HIGH_VALUE_KRW = 1_000_000
    big, small = make_customer(), make_customer()
    Order.objects.create(
        external_id="BIG",
        customer=big,
        channel="store",
        placed_at=timezone.now() - timedelta(days=30),
        amount=Decimal("1500000"),
    )
    assert priority_for(severity="medium", customer=small) == 3
    assert priority_for(severity="medium", customer=big) == 2
    assert priority_for(severity="critical", customer=big) == 1


def test_holdout_keeps_a_stable_share_without_tasks() -> None:
    rule = make_rule(holdout_percent=30)
    for _ in range(200):
        evaluate_response(response_id=make_response(customer=make_customer(), nps=1).pk)
    held = Holdout.objects.filter(rule=rule).count()
    assert held + FollowUpTask.objects.filter(rule=rule).count() == 200
    assert 40 <= held <= 80  # 30% of 200 = 60, binomial sd ≈ 6.5
    # A control customer triggering again stays a control (no task).
    customer = Holdout.objects.filter(rule=rule).first().customer
    evaluate_response(response_id=make_response(customer=customer, nps=0).pk)
    assert not FollowUpTask.objects.filter(customer=customer).exists()


def test_a_customer_with_an_open_task_is_not_surveyed() -> None:
    make_rule()
    customer = make_customer(email="followed@example.com")
    survey = make_survey(name="관계 NPS")
    assert contact_policy.check(customer, survey, timezone.now()) is None
    evaluate_response(response_id=make_response(customer=customer, nps=1).pk)
    assert contact_policy.check(customer, survey, timezone.now()) == "open_task"
    assert contact_policy.check_many([customer], survey, timezone.now()) == {
        customer.pk: "open_task"
    }
    FollowUpTask.objects.update(status=TaskStatus.RESOLVED)
    assert contact_policy.check(customer, survey, timezone.now()) is None


def test_an_anonymous_open_link_response_gets_its_own_task() -> None:
    make_rule()
    store = make_store()
    first = make_response(store=store, nps=1)
    second = make_response(store=store, nps=2)
    evaluate_response(response_id=first.pk)
    evaluate_response(response_id=second.pk)
    assert FollowUpTask.objects.count() == 2
    assert set(FollowUpTask.objects.values_list("subject_key", flat=True)) == {
        f"response:{first.pk}",
        f"response:{second.pk}",
    }
