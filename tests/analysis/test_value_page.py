"""The value x experience page and its CSV: quadrant counts with intervals, the valuable and
unhappy customers first, filters, bad input, the formula guard and a pinned query count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from analysis.models import AnalysisRun
from analysis.models.insights import ValuePoint
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import value_report
from cxm.models import User
from odata.models import Customer, Store
from tests.analysis.test_drivers_page import DAY, finished_run, rows_of
from tests.conftest import client_for
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory, english

pytestmark = pytest.mark.django_db

URL = "/analysis/value/"


def _point(
    run: AnalysisRun, quadrant: str, net: int, *, store: Store | None = None,
    customer: Customer | None = None,
) -> ValuePoint:  # fmt: skip
    unhappy = quadrant.endswith("unhappy")
    return ValuePoint.objects.create(
        run=run, customer=customer or CustomerFactory(), day=DAY, store=store,
        region=store.region if store else None, revenue=Decimal(net + 5000), orders=2,
        contacts=1, cost_to_serve=Decimal(5000), net_value=Decimal(net), measure="nps",
        score=3 if unhappy else 10, score_100=30.0 if unhappy else 100.0, unhappy=unhappy,
        quadrant=quadrant,
    )  # fmt: skip


def _points(run: AnalysisRun, store: Store) -> None:
    _point(run, "valuable_unhappy", 900_000, store=store)
    _point(run, "valuable_unhappy", 700_000, store=store)
    _point(run, "valuable_happy", 800_000, store=store)
    for net in (1000, 2000, 3000):
        _point(run, "other_happy", net, store=store)
    _point(run, "other_unhappy", 500, store=store)


def test_quadrants_threshold_and_unhappy_shares() -> None:
    run = finished_run()
    _points(run, StoreFactory())

    report = value_report(run, CellFilter())
    counts = {q.key: q.count for q in report.quadrants}
    assert counts == {
        "valuable_unhappy": 2,
        "valuable_happy": 1,
        "other_unhappy": 1,
        "other_happy": 3,
    }
    assert report.quadrants[0].key == "valuable_unhappy"
    assert report.quadrants[0].share.n == 7
    assert report.threshold == Decimal(700_000)
    assert report.unhappy_valuable.value == pytest.approx(2 / 3)
    assert report.unhappy_other.value == pytest.approx(1 / 4)
    assert [c.net_value for c in report.customers] == [Decimal(900_000), Decimal(700_000)]
    assert len(report.points) == 7


def test_outsider_is_refused(outsider: User) -> None:
    finished_run()
    assert client_for(outsider).get(URL).status_code == 403
    assert client_for(outsider).get(URL + "csv").status_code == 403


def test_the_page_lists_valuable_unhappy_customers_with_links(manager: User) -> None:
    run = finished_run()
    store = StoreFactory()
    _points(run, store)
    vip = CustomerFactory(name="김단골")
    _point(run, "valuable_unhappy", 2_000_000, store=store, customer=vip)

    html = english(manager).get(URL).content.decode()
    assert 'data-figure="value-figure"' in html and 'id="value-customers"' in html
    assert f'href="/odata/customers/{vip.code}/"' in html
    assert html.index("김단골") < html.index("How this is computed")
    assert "CXM_SERVICE_CONTACT_COST_KRW" in html


def test_filters_and_another_quadrant(manager: User) -> None:
    run = finished_run()
    here, there = StoreFactory(), StoreFactory()
    _points(run, here)
    far = CustomerFactory(name="먼 매장 고객")
    _point(run, "valuable_unhappy", 600_000, store=there, customer=far)
    client = english(manager)

    html = client.get(URL, {"store": str(there.code)}).content.decode()
    assert "먼 매장 고객" in html
    html = client.get(URL, {"store": str(here.code)}).content.decode()
    assert "먼 매장 고객" not in html
    happy = CustomerFactory(name="행복한 고객")
    _point(run, "other_happy", 10, store=here, customer=happy)
    assert "행복한 고객" in client.get(URL, {"quadrant": "other_happy"}).content.decode()
    assert client.get(URL, {"quadrant": "everyone"}).status_code == 400


def test_csv_exports_everyone_valuable_unhappy_first_with_formulas_guarded(
    manager: User,
) -> None:
    run = finished_run()
    store = StoreFactory()
    _points(run, store)
    _point(run, "other_happy", 7, store=store, customer=CustomerFactory(name="@SUM(A1:A9)"))

    rows = rows_of(english(manager).get(URL + "csv"))
    assert rows[0][0] == "quadrant"
    assert [r[0] for r in rows[1:3]] == ["valuable_unhappy", "valuable_unhappy"]
    assert len(rows) == 1 + 8
    assert any(r[1] == "'@SUM(A1:A9)" for r in rows)


def test_query_count_is_pinned(manager: User, django_assert_num_queries: Any) -> None:
    run = finished_run()
    store = StoreFactory()
    _points(run, store)
    client = english(manager)
    client.get(URL)
    with django_assert_num_queries(16):
        assert client.get(URL).status_code == 200
    for net in range(10):
        _point(run, "valuable_unhappy", 1_000_000 + net, store=StoreFactory())
    with django_assert_num_queries(16):
        assert client.get(URL).status_code == 200
