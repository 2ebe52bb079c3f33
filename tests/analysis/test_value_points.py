"""The value x experience step: revenue and cost to serve against the latest score."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from analysis.models import AnalysisRun
from analysis.models.insights import ValuePoint
from analysis.services.value import compute_value_points
from odata.models import Order
from odata.selectors import customer_figures
from tests.odata.test_customer_360 import (
    CustomerFactory,
    OrderFactory,
    ServiceRecordFactory,
    StoreFactory,
)
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 9, 1, 12, 0, tzinfo=SEOUL)


def _compute() -> AnalysisRun:
    run = AnalysisRun.objects.create(status=AnalysisRun.Status.RUNNING)
    compute_value_points(run=run, progress=lambda _p: None, now=NOW)
    return run


def test_revenue_cost_to_serve_and_the_latest_score_make_the_quadrant(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_SERVICE_CONTACT_COST_KRW = 1000
    version = published()
    home = StoreFactory()
    rich = CustomerFactory(home_store=home)
    OrderFactory(customer=rich, placed_at=NOW - timedelta(days=30), amount=Decimal("500000"))
    OrderFactory(customer=rich, placed_at=NOW - timedelta(days=20), amount=Decimal("100000"))
    OrderFactory(  # cancelled: brings nothing in
        customer=rich,
        placed_at=NOW - timedelta(days=12),
        amount=Decimal("700000"),
        status=Order.Status.CANCELLED,
    )
    OrderFactory(  # returned: brings nothing in
        customer=rich,
        placed_at=NOW - timedelta(days=10),
        amount=Decimal("900000"),
        status=Order.Status.RETURNED,
    )
    OrderFactory(  # older than a year
        customer=rich, placed_at=NOW - timedelta(days=400), amount=Decimal("900000")
    )
    ServiceRecordFactory(customer=rich, opened_at=NOW - timedelta(days=5), contacts=3)
    make_response(version, at=NOW - timedelta(days=60), nps=10, customer=rich)
    make_response(version, at=NOW - timedelta(days=3), nps=2, customer=rich)  # latest
    others = []
    for amount in (1000, 2000, 3000):
        customer = CustomerFactory()
        OrderFactory(customer=customer, placed_at=NOW - timedelta(days=5), amount=amount)
        make_response(version, at=NOW - timedelta(days=2), nps=9, customer=customer)
        others.append(customer)
    run = _compute()

    point = ValuePoint.objects.get(run=run, customer=rich)
    assert point.revenue == Decimal("600000")
    assert point.orders == 2
    assert point.contacts == 3
    assert point.cost_to_serve == Decimal("3000")
    assert point.net_value == Decimal("597000")
    assert (point.measure, point.score, point.score_100) == ("nps", 2, 20.0)
    assert point.unhappy is True
    assert point.quadrant == "valuable_unhappy"
    assert point.store_id == home.pk  # the NPS answer has no store: the home store
    assert set(
        ValuePoint.objects.filter(run=run, customer__in=others).values_list("quadrant", flat=True)
    ) == {"other_happy"}


def test_csat_and_ces_are_put_on_one_scale_with_their_own_unhappy_band() -> None:
    version = published()
    low_csat = make_response(version, at=NOW, nps=None, csat=2, customer=CustomerFactory())
    mid_ces = make_response(version, at=NOW, nps=None, ces=4, customer=CustomerFactory())
    run = _compute()

    csat = ValuePoint.objects.get(run=run, customer=low_csat.customer)
    assert (csat.score_100, csat.unhappy) == (25.0, True)
    ces = ValuePoint.objects.get(run=run, customer=mid_ces.customer)
    assert (ces.score_100, ces.unhappy) == (pytest.approx(50.0), False)


def test_revenue_and_cost_to_serve_match_the_customer_360_page() -> None:
    customer = CustomerFactory()
    OrderFactory(customer=customer, placed_at=NOW - timedelta(days=3), amount=Decimal("12000"))
    OrderFactory(
        customer=customer, placed_at=NOW - timedelta(days=2), amount=Decimal("30000"),
        status=Order.Status.PLACED,
    )  # fmt: skip
    ServiceRecordFactory(customer=customer, opened_at=NOW - timedelta(days=200), contacts=2)
    make_response(published(), at=NOW - timedelta(days=1), nps=5, customer=customer)
    run = _compute()

    point = ValuePoint.objects.get(run=run, customer=customer)
    figures = customer_figures(customer, now=NOW)
    assert point.revenue == figures.revenue_12m == Decimal("42000")
    assert point.cost_to_serve == figures.cost_to_serve_12m
    assert point.contacts == figures.service_contacts_12m == 2
