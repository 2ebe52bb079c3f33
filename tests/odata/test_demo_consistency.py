"""The demo company's operational data does not contradict itself: an order whose parcel has
not arrived is not completed, a parcel still on its way was promised recently, and no customer
ordered before they registered. The clock is fixed only to make the data reproducible."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import F

from cxm.demo import Demo
from odata.demo import seed_odata
from odata.models import Customer, Delivery, Order

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))


@pytest.mark.parametrize("seed", [1, 3])
def test_seeded_orders_agree_with_their_deliveries_and_customers(seed: int) -> None:
    with time_machine.travel(NOW, tick=False):
        seed_odata(Demo(scale="small", rng=random.Random(seed)))  # noqa: S311

    undelivered = Delivery.objects.filter(delivered_at=None)
    assert not undelivered.filter(order__status=Order.Status.COMPLETED).exists()
    # Orders still awaiting their parcel are placed, and there are some to look at.
    awaited = undelivered.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.SHIPPED])
    assert awaited.count() > 50
    assert set(awaited.values_list("order__status", flat=True)) == {Order.Status.PLACED}
    # A return whose parcel never arrived was sent back, not left in transit.
    assert not awaited.filter(order__status=Order.Status.RETURNED).exists()
    # In transit means recent: promised in the last days or ahead. A parcel more than a few
    # days past its promise is one of the few late ones the late-delivery rule acts on.
    assert not awaited.filter(promised_at__lt=NOW - timedelta(days=10)).exists()
    overdue = awaited.filter(promised_at__lt=NOW - timedelta(days=3)).count()
    assert 0 < overdue <= 0.1 * awaited.count()

    assert not Order.objects.filter(placed_at__lt=F("customer__created_at")).exists()
    # Registration dates still span years, not only the year of orders.
    assert Customer.objects.filter(created_at__lt=NOW - timedelta(days=2 * 365)).exists()
    # Orders are still imported as completed where they were delivered.
    assert Delivery.objects.filter(
        order__status=Order.Status.COMPLETED, delivered_at__isnull=False
    ).exists()
