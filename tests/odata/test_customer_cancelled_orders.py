"""The customer 360's order count says that cancelled orders are left out, since the timeline
beside it lists them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cxm.models import User
from odata.models import Customer, Order
from odata.selectors import customer_figures
from tests.conftest import client_for
from tests.odata.test_customer_360 import SEOUL, OrderFactory, minji, url

pytestmark = pytest.mark.django_db

__all__ = ["minji"]  # the fixture


def _orders(customer: Customer, *statuses: str) -> None:
    for day, status in enumerate(statuses, start=1):
        OrderFactory(
            customer=customer,
            placed_at=datetime(2025, 5, day, tzinfo=SEOUL),
            amount=Decimal("10000"),
            status=status,
        )


def test_the_count_says_how_many_cancelled_orders_it_leaves_out(
    manager: User, minji: Customer
) -> None:
    done, cancelled = Order.Status.COMPLETED, Order.Status.CANCELLED
    _orders(minji, done, done, done, cancelled, cancelled)
    figures = customer_figures(minji, now=timezone.now())
    assert (figures.order_count, figures.cancelled_orders) == (3, 2)
    korean = client_for(manager).get(url(minji)).content.decode()
    assert "취소 2건 제외" in korean
    User.objects.filter(pk=manager.pk).update(language="en")
    english = client_for(manager).get(url(minji)).content.decode()
    assert "2 cancelled orders not counted" in english


def test_nothing_is_said_without_cancelled_orders(manager: User, minji: Customer) -> None:
    _orders(minji, Order.Status.COMPLETED)
    User.objects.filter(pk=manager.pk).update(language="en")
    html = client_for(manager).get(url(minji)).content.decode()
    assert "not counted" not in html
