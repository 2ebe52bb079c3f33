"""Journey milestones are recorded once per subject, whichever way the fact arrived, and each
consumer sees each milestone once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from odata.models import (
    Channel,
    Customer,
    Delivery,
    Milestone,
    OperationalEvent,
    OperationalEventReceipt,
    Order,
    ServiceRecord,
    Store,
)
from odata.services.milestones import (
    mark_processed,
    record_milestone_for,
    record_milestones,
    unprocessed_events,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ALL_KINDS = Milestone.values


def _order(external_id: str, *, channel: str = Channel.STORE, status: str = "placed") -> Order:
    customer, _ = Customer.objects.get_or_create(external_id="C-1", defaults={"created_at": T0})
    store, _ = Store.objects.get_or_create(external_id="S-1", defaults={"name": "강남점"})
    return Order.objects.create(
        external_id=external_id,
        customer=customer,
        store=store,
        channel=channel,
        placed_at=T0,
        amount=Decimal("1000"),
        status=status,
    )


def _delivery(order: Order, external_id: str, *, delivered: bool = True) -> Delivery:
    return Delivery.objects.create(
        external_id=external_id,
        order=order,
        promised_at=T0 + timedelta(days=2),
        delivered_at=T0 + timedelta(days=1) if delivered else None,
        status=Delivery.Status.DELIVERED if delivered else Delivery.Status.SHIPPED,
    )


def test_record_milestones_is_set_based_and_idempotent() -> None:
    order = _order("O-1")
    _delivery(order, "D-1")
    _delivery(order, "D-2")
    _delivery(order, "D-3", delivered=False)
    assert record_milestones(kind=Milestone.DELIVERY_DELIVERED) == 2
    assert record_milestones(kind=Milestone.DELIVERY_DELIVERED) == 0
    assert OperationalEvent.objects.count() == 2


def test_record_milestones_can_be_restricted_to_a_staging_table() -> None:
    order = _order("O-1")
    _delivery(order, "D-1")
    _delivery(order, "D-2")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE staged_ids (external_id text)")
        cursor.execute("INSERT INTO staged_ids VALUES ('D-2')")
    assert (
        record_milestones(kind=Milestone.DELIVERY_DELIVERED, external_ids_table="staged_ids") == 1
    )
    assert OperationalEvent.objects.get().delivery.external_id == "D-2"


def test_record_milestone_for_one_subject_only_when_it_qualifies() -> None:
    order = _order("O-1")
    pending = _delivery(order, "D-1", delivered=False)
    done = _delivery(order, "D-2")
    assert record_milestone_for(kind=Milestone.DELIVERY_DELIVERED, subject_id=pending.pk) is False
    assert record_milestone_for(kind=Milestone.DELIVERY_DELIVERED, subject_id=done.pk) is True
    assert record_milestone_for(kind=Milestone.DELIVERY_DELIVERED, subject_id=done.pk) is False
    milestone = OperationalEvent.objects.get()
    assert milestone.subject_key == f"delivery:{done.pk}"
    assert milestone.occurred_at == done.delivered_at
    assert milestone.customer == order.customer
    assert milestone.store == order.store


def test_only_completed_store_orders_are_milestones() -> None:
    online = _order("O-1", channel=Channel.ONLINE, status="completed")
    placed = _order("O-2")
    completed = _order("O-3", status="completed")
    for order in (online, placed):
        assert not record_milestone_for(kind=Milestone.STORE_ORDER_COMPLETED, subject_id=order.pk)
    at = T0 + timedelta(hours=1)
    assert record_milestone_for(
        kind=Milestone.STORE_ORDER_COMPLETED, subject_id=completed.pk, occurred_at=at
    )
    assert OperationalEvent.objects.get().occurred_at == at


def test_single_subject_and_set_based_recording_agree() -> None:
    """A milestone posted through the API is not recorded again by the next import, and back."""
    order = _order("O-1")
    posted = _delivery(order, "D-1")
    assert record_milestone_for(kind=Milestone.DELIVERY_DELIVERED, subject_id=posted.pk)
    _delivery(order, "D-2")
    assert record_milestones(kind=Milestone.DELIVERY_DELIVERED) == 1
    assert not record_milestone_for(kind=Milestone.DELIVERY_DELIVERED, subject_id=posted.pk)
    record = ServiceRecord.objects.create(
        external_id="SR-1",
        customer=order.customer,
        order=order,
        kind=ServiceRecord.Kind.REPAIR,
        opened_at=T0,
        closed_at=T0 + timedelta(days=3),
    )
    assert record_milestones(kind=Milestone.SERVICE_CLOSED) == 1
    assert not record_milestone_for(kind=Milestone.SERVICE_CLOSED, subject_id=record.pk)
    assert OperationalEvent.objects.count() == 3


def test_a_consumer_sees_each_event_once_and_others_still_see_it() -> None:
    order = _order("O-1")
    first = _delivery(order, "D-1")
    second = _delivery(order, "D-2")
    Delivery.objects.filter(pk=second.pk).update(
        delivered_at=first.delivered_at + timedelta(hours=1)
    )
    record_milestones(kind=Milestone.DELIVERY_DELIVERED)

    batch = unprocessed_events(consumer="surveys.invitations", kinds=ALL_KINDS)
    assert [e.delivery_id for e in batch] == [first.pk, second.pk]  # oldest first
    mark_processed(consumer="surveys.invitations", event_ids=[batch[0].pk])
    remaining = unprocessed_events(consumer="surveys.invitations", kinds=ALL_KINDS)
    assert [e.pk for e in remaining] == [batch[1].pk]

    mark_processed(consumer="surveys.invitations", event_ids=[e.pk for e in batch])
    mark_processed(consumer="surveys.invitations", event_ids=[e.pk for e in batch])  # harmless
    assert unprocessed_events(consumer="surveys.invitations", kinds=ALL_KINDS) == []
    assert OperationalEventReceipt.objects.count() == 2

    other = unprocessed_events(consumer="actions.rules", kinds=ALL_KINDS)
    assert [e.pk for e in other] == [e.pk for e in batch]


def test_unprocessed_events_filters_by_kind_and_limit() -> None:
    order = _order("O-1", status="completed")
    for n in range(3):
        _delivery(order, f"D-{n}")
    record_milestones(kind=Milestone.DELIVERY_DELIVERED)
    record_milestones(kind=Milestone.STORE_ORDER_COMPLETED)
    only_orders = unprocessed_events(consumer="c", kinds=[Milestone.STORE_ORDER_COMPLETED])
    assert [e.kind for e in only_orders] == [Milestone.STORE_ORDER_COMPLETED]
    assert len(unprocessed_events(consumer="c", kinds=ALL_KINDS, limit=2)) == 2
