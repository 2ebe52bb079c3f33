"""Operational rules: a delivery late by N days or a repeat complaint opens a task before the
customer ever answers a survey, once per fact; the preview counts what a rule would have done."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from actions.models import FollowUpTask, OperationalFiring, TaskStatus
from actions.services.evaluation import evaluate_operational_rules, preview_rule
from odata.models import Customer, Delivery, Order, ServiceRecord, Store
from tests.actions.builders import make_customer, make_response, make_rule, make_store

pytestmark = pytest.mark.django_db
LATE_2 = {"event": "delivery_late", "min_days": 2}


def _delivery(
    customer: Customer, *, late_days: float | None, store: Store | None = None
) -> Delivery:
    """A delivery promised three days ago, delivered `late_days` after the promise (None: not
    delivered yet)."""
    now = timezone.now()
    promised = now - timedelta(days=3)
    order = Order.objects.create(
        external_id=f"O{Order.objects.count() + 1}",
        customer=customer,
        store=store,
        channel="online",
        placed_at=promised - timedelta(days=2),
        amount=Decimal("30000"),
    )
    delivered = None if late_days is None else promised + timedelta(days=late_days)
    return Delivery.objects.create(
        external_id=f"D{order.external_id}",
        order=order,
        promised_at=promised,
        delivered_at=delivered,
        status="delivered" if delivered else "shipped",
    )


def test_a_late_delivery_opens_one_task_once() -> None:
    rule = make_rule(kind="operational", definition=LATE_2)
    late, on_time, in_transit = make_customer(), make_customer(), make_customer()
    _delivery(late, late_days=2.5)
    _delivery(on_time, late_days=0)
    _delivery(in_transit, late_days=None)  # three days past the promise and still travelling

    assert evaluate_operational_rules() == 2
    assert evaluate_operational_rules() == 0  # each fact once
    tasks = FollowUpTask.objects.filter(rule=rule)
    assert set(tasks.values_list("customer", flat=True)) == {late.pk, in_transit.pk}
    assert tasks.get(customer=late).trigger["days_late"] == 3  # a started day counts

    # After the task closes, the same late delivery does not open another.
    tasks.update(status=TaskStatus.CLOSED)
    assert evaluate_operational_rules() == 0
    assert OperationalFiring.objects.filter(rule=rule).count() == 2


def test_old_facts_do_not_flood_a_new_rule() -> None:
    make_rule(kind="operational", definition=LATE_2)
    delivery = _delivery(make_customer(), late_days=3)
    Delivery.objects.filter(pk=delivery.pk).update(
        promised_at=delivery.promised_at - timedelta(days=60),
        delivered_at=delivery.delivered_at - timedelta(days=60),  # type: ignore[operator]
    )
    assert evaluate_operational_rules() == 0


def test_store_scope() -> None:
    here, elsewhere = make_store(), make_store()
    make_rule(kind="operational", definition=LATE_2, store=here)
    _delivery(make_customer(), late_days=4, store=here)
    _delivery(make_customer(), late_days=4, store=elsewhere)
    assert evaluate_operational_rules() == 1
    assert FollowUpTask.objects.get().store == here


def test_a_second_complaint_within_30_days() -> None:
    rule = make_rule(
        kind="operational",
        definition={"event": "repeat_complaint", "within_days": 30, "min_count": 2},
    )
    now = timezone.now()
    twice, once, long_ago = make_customer(), make_customer(), make_customer()
    for customer, days_ago in ((twice, 20), (twice, 1), (once, 2), (long_ago, 50), (long_ago, 3)):
        ServiceRecord.objects.create(
            external_id=f"S{customer.pk}-{days_ago}",
            customer=customer,
            kind="complaint",
            opened_at=now - timedelta(days=days_ago),
        )
    assert evaluate_operational_rules() == 1
    task = FollowUpTask.objects.get(rule=rule)
    assert task.customer == twice and task.trigger["complaints"] == 2


def test_preview_counts_distinct_customers_over_30_days() -> None:
    repeat, single, promoter = make_customer(), make_customer(), make_customer()
    now = timezone.now()
    for customer, nps, days_ago in (
        (repeat, 2, 3),
        (repeat, 4, 10),
        (single, 6, 29),
        (promoter, 10, 5),
        (make_customer(), 1, 45),  # older than the window
    ):
        make_response(customer=customer, nps=nps, submitted_at=now - timedelta(days=days_ago))
    definition = {"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]}
    assert preview_rule(kind="response", definition=definition) == 2
    # Operational preview: late deliveries of the last 30 days.
    _delivery(make_customer(), late_days=5)
    assert preview_rule(kind="operational", definition=LATE_2) == 1
    assert not FollowUpTask.objects.exists()  # a preview opens nothing
