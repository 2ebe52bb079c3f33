"""The say-do page and its CSV: rates with intervals, the gap per segment, morning against
afternoon reasons (planted as in the demo), the follow-up list and its links."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.models.insights import SayDoFact
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import reasons_by_daypart, saydo_rows
from cxm.models import User
from odata.models import Customer, Store
from tests.analysis.test_drivers_page import DAY, finished_run, rows_of
from tests.conftest import client_for
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory, english
from tests.xdata.test_explorer import SurveyFactory

pytestmark = pytest.mark.django_db

URL = "/analysis/say-do/"
XSS = '<script>alert("x")</script>'


def _fact(run: AnalysisRun, said: str, **fields: Any) -> SayDoFact:
    fields.setdefault("kind", "nps" if said in ("promoter", "passive", "detractor") else "intent")
    fields.setdefault("day", DAY)
    fields.setdefault("submitted_at", timezone.now() - timedelta(days=100))
    fields.setdefault("observed_days", 100.0)
    return SayDoFact.objects.create(run=run, said=said, **fields)


def _store_facts(run: AnalysisRun, store: Store, customer: Customer) -> None:
    survey = SurveyFactory(name="매장 재방문 의향")
    for days in (10, 45, 80, None):
        _fact(run, "yes", store=store, survey=survey, next_order_days=days)
    _fact(run, "yes", store=store, survey=survey, customer=customer, next_order_days=None)
    _fact(run, "no", store=store, survey=survey, next_order_days=20)
    _fact(run, "promoter", store=store, next_order_days=5)


def test_rates_count_only_answers_old_enough_for_the_window() -> None:
    run = finished_run()
    _fact(run, "yes", next_order_days=10, observed_days=100)
    _fact(run, "yes", next_order_days=None, observed_days=100)
    _fact(run, "yes", next_order_days=None, observed_days=40)  # too recent for 60 and 90

    (row,) = saydo_rows(run, CellFilter())
    assert [r.n for r in row.rates] == [3, 2, 2]
    assert [r.value for r in row.rates] == [pytest.approx(1 / 3), 0.5, 0.5]
    assert row.rates[0].method == "wilson"


def test_morning_and_afternoon_buyers_give_different_reasons_as_planted() -> None:
    # The demo's weights for "why not come back" (xdata.demo `_visit_answers`).
    rng = random.Random(3)  # noqa: S311  # reproducible test data, not security
    reasons = ("waiting", "staff", "stock", "price", "cleanliness", "other")
    weights = {"morning": (45, 25, 8, 7, 8, 7), "afternoon": (7, 10, 38, 32, 6, 7)}
    run = finished_run()
    SayDoFact.objects.bulk_create(
        SayDoFact(
            run=run, kind="intent", said="no", day=DAY, daypart=daypart,
            reason=rng.choices(reasons, weights=weights[daypart])[0],
            submitted_at=timezone.now(), observed_days=1.0,
        )
        for daypart in ("morning", "afternoon")
        for _ in range(150)
    )  # fmt: skip

    rows, n_morning, n_afternoon = reasons_by_daypart(run, CellFilter())
    assert (n_morning, n_afternoon) == (150, 150)
    by_reason = {r.reason: r for r in rows}
    waiting, stock = by_reason["waiting"], by_reason["stock"]
    assert waiting.difference.low > 0 and waiting.q_value is not None and waiting.q_value < 0.05
    assert stock.difference.high < 0 and stock.q_value is not None and stock.q_value < 0.05


def test_outsider_is_refused(outsider: User) -> None:
    finished_run()
    assert client_for(outsider).get(URL).status_code == 403
    assert client_for(outsider).get(URL + "csv").status_code == 403


def test_the_page_shows_rates_gap_and_the_follow_up_list(manager: User) -> None:
    run = finished_run()
    store = StoreFactory(name="강남점")
    minji = CustomerFactory(name=XSS)
    _store_facts(run, store, minji)

    response = english(manager).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="saydo-rates"' in html and 'id="follow-ups"' in html
    assert "n = 5" in html  # five "yes" answers, all old enough
    assert f'href="/odata/customers/{minji.code}/"' in html
    assert XSS not in html and "&lt;script&gt;" in html
    assert "How this is computed" in html


def test_the_store_filter_and_a_bad_choice(manager: User) -> None:
    run = finished_run()
    here, there = StoreFactory(), StoreFactory()
    _store_facts(run, here, CustomerFactory())
    _fact(run, "yes", store=there, customer=CustomerFactory(name="다른 매장 고객"))
    client = english(manager)

    html = client.get(URL, {"store": str(there.code)}).content.decode()
    assert "다른 매장 고객" in html and "n = 1" in html
    assert client.get(URL, {"by": "weather"}).status_code == 400
    assert client.get(URL, {"region": "nowhere"}).status_code == 400


def test_csv_lists_everyone_to_follow_up_with_formulas_guarded(manager: User) -> None:
    run = finished_run()
    store = StoreFactory(name="=cmd|' /C calc'!A0")
    evil = CustomerFactory(name='=HYPERLINK("http://x")')
    _store_facts(run, store, evil)

    rows = rows_of(english(manager).get(URL + "csv"))
    follow = [r for r in rows if r[0] == "follow_up"]
    assert len(follow) == 1
    assert follow[0][8] == "'" + evil.name
    assert follow[0][9].startswith("'=")
    assert follow[0][11] == f"/odata/customers/{evil.code}/"
    rates = [r for r in rows if r[0] == "rate"]
    assert {(r[2], r[3]) for r in rates} >= {("yes", "30"), ("yes", "90"), ("promoter", "60")}


def test_query_count_is_pinned(manager: User, django_assert_num_queries: Any) -> None:
    run = finished_run()
    _store_facts(run, StoreFactory(), CustomerFactory())
    client = english(manager)
    client.get(URL)
    with django_assert_num_queries(19):
        assert client.get(URL).status_code == 200
    for _ in range(5):
        _fact(run, "yes", store=StoreFactory(), customer=CustomerFactory(), next_order_days=None)
    with django_assert_num_queries(19):
        assert client.get(URL).status_code == 200
