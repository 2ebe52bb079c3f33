"""The drivers step joins each scored answer with its order, delivery and service facts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact
from analysis.services.drivers import compute_driver_facts
from odata.models import Delivery, ServiceRecord
from tests.odata.test_customer_360 import (
    CustomerFactory,
    DeliveryFactory,
    OrderFactory,
    ServiceRecordFactory,
    StoreFactory,
)
from tests.xdata.test_explorer import make_feedback, make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2025, 6, 15, 23, 30, tzinfo=SEOUL)  # late evening: the local day is the 15th


def _run() -> AnalysisRun:
    return AnalysisRun.objects.create(status=AnalysisRun.Status.RUNNING)


def _compute(run: AnalysisRun) -> int:
    return compute_driver_facts(
        run=run, progress=lambda _p: None, now=datetime(2025, 7, 1, tzinfo=SEOUL)
    )


def test_a_late_delivery_answer_carries_its_order_delivery_and_service_facts() -> None:
    store = StoreFactory()
    customer = CustomerFactory()
    OrderFactory(customer=customer, placed_at=T0 - timedelta(days=40))  # makes it a repeat
    order = OrderFactory(
        customer=customer,
        store=store,
        channel="app",
        placed_at=T0 - timedelta(days=6),
        amount=Decimal("45000"),
    )
    DeliveryFactory(
        order=order,
        promised_at=T0 - timedelta(days=4),
        delivered_at=T0 - timedelta(days=1, hours=20),  # 2 days 4 hours late: 3 started days
        status=Delivery.Status.DELIVERED,
    )
    ServiceRecordFactory(customer=customer, opened_at=T0 - timedelta(days=2), contacts=2)
    ServiceRecordFactory(
        customer=customer,
        opened_at=T0 - timedelta(days=20),
        contacts=1,
        kind=ServiceRecord.Kind.INQUIRY,
    )
    ServiceRecordFactory(customer=customer, opened_at=T0 - timedelta(days=31), contacts=5)
    response = make_response(
        at=T0, nps=None, csat=2, customer=customer, order=order, store=store, daypart="morning"
    )
    run = _run()

    assert _compute(run) == 1
    fact = DriverFact.objects.get(run=run)
    assert fact.response_id == response.pk
    assert (fact.measure, fact.score) == ("csat", 2)
    assert fact.day == date(2025, 6, 15)
    assert fact.days_late == 3
    assert fact.contacts_30d == 3
    assert fact.complaint_30d is True
    assert fact.order_value == Decimal("45000")
    assert fact.repeat is True
    assert fact.channel == "app"
    assert fact.daypart == "morning"
    assert fact.store_id == store.pk and fact.region_id == store.region_id


def test_an_answer_without_an_order_takes_the_latest_order_of_the_90_days_before() -> None:
    customer = CustomerFactory()
    OrderFactory(customer=customer, placed_at=T0 - timedelta(days=100), amount=Decimal("1"))
    recent = OrderFactory(customer=customer, placed_at=T0 - timedelta(days=10))
    DeliveryFactory(
        order=recent,
        promised_at=T0 - timedelta(days=8),
        delivered_at=T0 - timedelta(days=9),
        status=Delivery.Status.DELIVERED,
    )
    make_response(at=T0, nps=4, customer=customer)
    lonely = make_response(at=T0, nps=10, customer=CustomerFactory())
    run = _run()

    _compute(run)
    fact = DriverFact.objects.get(run=run, response__customer=customer)
    assert fact.days_late == 0
    assert fact.order_value == recent.amount
    assert fact.repeat is True
    assert fact.complaint_30d is False and fact.contacts_30d == 0
    alone = DriverFact.objects.get(run=run, response=lonely)
    assert alone.days_late is None and alone.order_value is None and alone.repeat is None


def test_a_delivery_that_arrived_after_the_answer_does_not_count() -> None:
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, placed_at=T0 - timedelta(days=3))
    DeliveryFactory(
        order=order,
        promised_at=T0 - timedelta(days=1),
        delivered_at=T0 + timedelta(days=2),
        status=Delivery.Status.DELIVERED,
    )
    make_response(at=T0, nps=None, csat=1, customer=customer, order=order)
    run = _run()

    _compute(run)
    assert DriverFact.objects.get(run=run).days_late is None


def test_each_score_of_a_response_and_each_rated_review_is_a_fact() -> None:
    version = published()
    make_response(version, at=T0, nps=8, csat=4)
    make_response(version, at=T0, nps=None, comment="no score")
    make_feedback(at=T0, text="좋아요", rating=5)
    make_feedback(at=T0, text="no rating", rating=None)
    run = _run()

    assert _compute(run) == 3
    assert sorted(DriverFact.objects.filter(run=run).values_list("measure", "score")) == [
        ("csat", 4),
        ("nps", 8),
        ("rating", 5),
    ]


def test_running_the_step_again_replaces_the_runs_rows() -> None:
    make_response(at=T0, nps=9)
    run = _run()
    _compute(run)
    _compute(run)
    assert DriverFact.objects.filter(run=run).count() == 1
