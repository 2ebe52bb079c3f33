"""A delivery still on its way sits on the customer timeline when its order was placed, not at
its promise (which may lie in the future); the promise is told in words ("Due …")."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from cxm.models import User
from odata.models import Delivery
from odata.selectors import customer_timeline
from tests.odata.test_customer_360 import (
    NOW,
    CustomerFactory,
    DeliveryFactory,
    OrderFactory,
    english,
)
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db


def _history():  # type: ignore[no-untyped-def]
    customer = CustomerFactory()
    first = OrderFactory(customer=customer, external_id="O-1", placed_at=NOW - timedelta(days=6))
    DeliveryFactory(
        order=first,
        external_id="D-1",
        promised_at=NOW - timedelta(days=4),
        delivered_at=NOW - timedelta(days=5),
        status=Delivery.Status.DELIVERED,
    )
    second = OrderFactory(customer=customer, external_id="O-2", placed_at=NOW - timedelta(days=2))
    DeliveryFactory(
        order=second,
        external_id="D-2",
        promised_at=NOW + timedelta(days=1, hours=6),  # in transit, due tomorrow
        status=Delivery.Status.SHIPPED,
    )
    response = make_response(published(), at=NOW - timedelta(days=1), customer=customer)
    return customer, response


def test_an_in_transit_delivery_is_dated_by_its_order_not_its_promise() -> None:
    customer, response = _history()
    entries = customer_timeline(customer, now=NOW).entries
    assert [(e.kind, e.key) for e in entries] == [
        ("response", str(response.code)),
        ("order", "O-2"),
        ("delivery", "D-2"),  # at its order's time (ties go by kind), below the later response
        ("delivery", "D-1"),  # when it arrived
        ("order", "O-1"),
    ]
    assert all(e.at <= NOW for e in entries)


def test_the_page_tells_when_a_delivery_on_its_way_is_due(manager: User) -> None:
    customer, _response = _history()
    with time_machine.travel(NOW, tick=False):
        html = english(manager).get(f"/odata/customers/{customer.code}/").content.decode()
    items = re.findall(r'<li class="entry entry-delivery( is-late)?">(.*?)</li>', html, re.S)
    by_number = {re.search(r"Delivery (D-\d)", body)[1]: (late, body) for late, body in items}  # type: ignore[index]
    assert by_number["D-2"][0] == ""
    assert "Due 2025-06-16 18:00" in by_number["D-2"][1]
    assert "promised by 2025-06-11" in by_number["D-1"][1]
    assert "Due" not in by_number["D-1"][1]


def test_a_late_delivery_on_its_way_is_marked_late_where_its_order_is(manager: User) -> None:
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, placed_at=NOW - timedelta(days=5))
    DeliveryFactory(
        order=order,
        external_id="D-3",
        promised_at=NOW - timedelta(days=2),
        status=Delivery.Status.SHIPPED,
    )
    entry = next(e for e in customer_timeline(customer, now=NOW).entries if e.kind == "delivery")
    assert entry.at == order.placed_at
    assert entry.alert == "Not delivered, 2 days past the promised date"
