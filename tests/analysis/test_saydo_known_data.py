"""Say-do on a small dataset whose answer is known: only orders after the answer count, in the
window after it, whatever the customer bought before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import saydo_report
from surveys.survey_templates import STORE_REVISIT
from tests.analysis.test_saydo_facts import T0, _compute
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory, StoreFactory
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db


def test_orders_before_the_answer_do_not_count_as_buying_again() -> None:
    store = StoreFactory()
    version = published(questions=STORE_REVISIT.question_list())
    # A heavy buyer who said "yes" (and was a promoter): ten orders in the 60 days before the
    # answer, none after it.
    heavy = CustomerFactory()
    for day in range(1, 61, 6):
        OrderFactory(customer=heavy, store=store, placed_at=T0 - timedelta(days=day))
    visit = OrderFactory(customer=heavy, store=store, channel="store", placed_at=T0)
    make_response(version, at=T0 + timedelta(minutes=5), nps=10, intent="yes", customer=heavy,
                  order=visit, store=store, daypart="morning")  # fmt: skip
    # A one-off buyer who said "no" (a detractor) and came back 20 days later.
    light = CustomerFactory()
    visit = OrderFactory(customer=light, store=store, channel="store", placed_at=T0)
    OrderFactory(customer=light, store=store, placed_at=T0 + timedelta(days=20))
    make_response(version, at=T0 + timedelta(minutes=5), nps=3, intent="no", customer=light,
                  order=visit, store=store, daypart="morning")  # fmt: skip
    run = _compute()

    report = saydo_report(run, CellFilter())

    rates = {(row.group, row.said): [r.value for r in row.rates] for row in report.rows}
    intent = {said: v for (group, said), v in rates.items() if group not in ("NPS",)}
    assert intent["yes"] == [0.0, 0.0, 0.0]  # 30, 60, 90 days: never came back
    assert intent["no"] == [1.0, 1.0, 1.0]  # came back after 20 days
    assert rates[("NPS", "promoter")] == [0.0, 0.0, 0.0]
    assert rates[("NPS", "detractor")] == [1.0, 1.0, 1.0]
