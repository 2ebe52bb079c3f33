"""Ratings from other channels on the say-do page: a customer's 1-2, 3 or 4-5 star rating is
what they said, followed like an NPS group to whether they ordered again, and shown with its
Wilson interval per window after the NPS groups (also in the CSV)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from analysis.models import AnalysisRun
from analysis.models.insights import SayDoFact
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import saydo_rows
from analysis.services.saydo import compute_saydo_facts
from cxm.models import User
from odata.models import Order
from tests.analysis.test_drivers_page import rows_of
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory, StoreFactory, english
from tests.xdata.test_explorer import make_feedback, make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 9, 1, 12, 0, tzinfo=SEOUL)
T0 = NOW - timedelta(days=100)
URL = "/analysis/say-do/"


def _compute() -> AnalysisRun:
    run = AnalysisRun.objects.create(
        status=AnalysisRun.Status.FINISHED, finished_at=timezone.now(), as_of=NOW.date()
    )
    compute_saydo_facts(run=run, progress=lambda _p: None, now=NOW)
    return run


def test_a_rating_is_followed_to_the_next_order_that_is_not_the_one_it_was_about() -> None:
    store = StoreFactory()
    customer = CustomerFactory(segment="VIP")
    rated = OrderFactory(customer=customer, store=store, channel="app", placed_at=T0)
    OrderFactory(customer=customer, placed_at=T0 + timedelta(days=5), status=Order.Status.CANCELLED)
    OrderFactory(customer=customer, placed_at=T0 + timedelta(days=30))
    review = make_feedback(
        at=T0 + timedelta(hours=6), rating=2, customer=customer, order=rated, store=store
    )
    make_feedback(at=T0, rating=5)  # nobody's: no customer to follow
    make_feedback(at=T0, rating=None, customer=CustomerFactory())  # text only: nothing said
    make_feedback(at=NOW + timedelta(days=3), rating=5, customer=CustomerFactory())  # future
    make_feedback(at=NOW - timedelta(days=800), rating=5, customer=CustomerFactory())  # too old
    run = _compute()

    fact = SayDoFact.objects.get(run=run)
    assert (fact.kind, fact.said, fact.feedback_id, fact.response_id) == (
        "rating", "stars_1_2", review.pk, None,
    )  # fmt: skip
    assert (fact.customer_id, fact.store_id, fact.region_id) == (
        customer.pk, store.pk, store.region_id,
    )  # fmt: skip
    assert (fact.survey_id, fact.touchpoint_id, fact.segment, fact.channel) == (
        None, None, "VIP", "app",
    )  # fmt: skip
    assert fact.day == (T0 + timedelta(hours=6)).date()
    assert fact.next_order_days == pytest.approx(30 - 0.25)
    assert fact.observed_days == pytest.approx(100 - 0.25)


def test_ratings_form_three_groups_after_nps_with_wilson_intervals() -> None:
    promoter = CustomerFactory()
    make_response(published(), at=T0, nps=10, customer=promoter)
    OrderFactory(customer=promoter, placed_at=T0 + timedelta(days=10))
    # (stars, days to the next order or None): 4-5 stars 2 of 3 back within 30 days.
    for stars, back in [(1, None), (2, 50), (3, None), (4, 10), (5, 20), (5, None)]:
        customer = CustomerFactory()
        make_feedback(at=T0, rating=stars, customer=customer)
        if back is not None:
            OrderFactory(customer=customer, placed_at=T0 + timedelta(days=back))
    run = _compute()

    rows = saydo_rows(run, CellFilter())
    with translation.override("en"):
        groups = [(str(r.group), r.said) for r in rows]
    assert groups == [
        ("NPS", "promoter"),
        ("Review rating", "stars_1_2"),
        ("Review rating", "stars_3"),
        ("Review rating", "stars_4_5"),
    ]
    low, mid, high = rows[1:]
    assert [r.n for r in high.rates] == [3, 3, 3]
    assert high.rates[0].value == pytest.approx(2 / 3)
    assert (high.rates[0].method, high.rates[0].low < 2 / 3 < high.rates[0].high) == (
        "wilson", True,
    )  # fmt: skip
    assert [r.value for r in low.rates] == [0.0, pytest.approx(0.5), pytest.approx(0.5)]
    assert mid.rates[-1].value == 0.0
    # Ratings have no survey: a survey filter leaves them out.
    survey_id = SayDoFact.objects.filter(run=run, kind="nps").values_list("survey_id", flat=True)[0]
    assert {r.said for r in saydo_rows(run, CellFilter(survey_id=survey_id))} == {"promoter"}


def test_the_page_and_csv_show_the_rating_groups(
    manager: User, django_assert_num_queries: Any
) -> None:
    for stars in (1, 4, 5):
        make_feedback(
            at=timezone.now() - timedelta(days=100), rating=stars, customer=CustomerFactory()
        )
    run = AnalysisRun.objects.create(
        status=AnalysisRun.Status.FINISHED, finished_at=timezone.now(),
        as_of=timezone.localdate(),
    )  # fmt: skip
    compute_saydo_facts(run=run, progress=lambda _p: None, now=timezone.now())
    client = english(manager)

    html = client.get(URL).content.decode()
    table = html[html.index('id="saydo-rates"') : html.index("</table>", html.index("saydo-rates"))]
    assert "Review rating" in table
    assert "rated 1-2 stars" in table and "rated 4-5 stars" in table
    assert "rated 3 stars" not in table  # no one gave 3 stars
    assert "n = 2" in table
    assert "linked to a customer, in three groups" in html  # the method note says how
    rows = rows_of(client.get(URL + "csv"))
    rates = {(r[1], r[2], r[3]): r[7] for r in rows if r[0] == "rate"}
    assert rates[("Review rating", "stars_4_5", "90")] == "2"
    assert rates[("Review rating", "stars_1_2", "30")] == "1"
    # Rating rows are read with the other groups: more of them, from more stores and
    # customers, cost no query.
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    for _ in range(5):
        store = StoreFactory()
        SayDoFact.objects.create(
            run=run,
            kind="rating",
            said="stars_3",
            day=timezone.localdate() - timedelta(days=100),
            store=store,
            region=store.region,
            customer=CustomerFactory(),
            submitted_at=timezone.now(),
            observed_days=100.0,
        )
    with django_assert_num_queries(len(before)):
        assert client.get(URL).status_code == 200
