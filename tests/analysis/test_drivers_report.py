"""The drivers page's figures: per-driver buckets, differences with intervals, Spearman and
relative importance, computed from the stored facts under the dashboard filters."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from analysis import stats
from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import drivers_report, pick_measure
from analysis.services.drivers import compute_driver_facts
from odata.models import Customer, Delivery, Order, Store
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import published
from xdata.demo import CES_BY_CONTACTS, CSAT_BY_LATENESS, NPS_AFTER_COMPLAINT, NPS_BASE
from xdata.models import Response

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 9, 1, 12, 0, tzinfo=SEOUL)


def _run() -> AnalysisRun:
    return AnalysisRun.objects.create(status=AnalysisRun.Status.FINISHED)


def _fact(run: AnalysisRun, score: int, **fields: object) -> DriverFact:
    fields.setdefault("day", NOW.date())
    fields.setdefault("measure", "csat")
    return DriverFact.objects.create(run=run, score=score, **fields)


def demo_like_deliveries(
    count: int, store: Store, seed: int = 7, now: datetime = NOW, prefix: str = "D"
) -> None:
    """Delivered orders answered with CSAT drawn as the demo draws it: by days late."""
    rng = random.Random(seed)  # noqa: S311  # reproducible test data, not security
    version = published()
    customers = Customer.objects.bulk_create(
        Customer(external_id=f"{prefix}L{i}", created_at=now - timedelta(days=400))
        for i in range(count)
    )
    placed = [now - timedelta(days=rng.randint(15, 200)) for _ in customers]
    orders = Order.objects.bulk_create(
        Order(
            external_id=f"{prefix}O{i}", customer=c, store=store, channel="online", placed_at=at,
            amount=Decimal(rng.randint(10, 200) * 1000), status=Order.Status.COMPLETED,
        )
        for i, (c, at) in enumerate(zip(customers, placed, strict=True))
    )  # fmt: skip
    lateness = [rng.choice([0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 6, 9]) for _ in orders]
    Delivery.objects.bulk_create(
        Delivery(
            external_id=f"{prefix}D{i}", order=o, promised_at=o.placed_at + timedelta(days=2),
            delivered_at=o.placed_at + timedelta(days=2 + late, hours=-3),
            status=Delivery.Status.DELIVERED,
        )
        for i, (o, late) in enumerate(zip(orders, lateness, strict=True))
    )  # fmt: skip
    Response.objects.bulk_create(
        Response(
            survey=version.survey, version=version, touchpoint=version.survey.touchpoint,
            customer=o.customer, order=o, store=store,
            submitted_at=o.placed_at + timedelta(days=3 + late),
            csat=1 + rng.choices(range(5), weights=CSAT_BY_LATENESS[min(late, 3)])[0],
        )
        for o, late in zip(orders, lateness, strict=True)
    )  # fmt: skip


def test_late_deliveries_cost_points_on_demo_like_data() -> None:
    store = StoreFactory()
    demo_like_deliveries(300, store)
    run = _run()
    compute_driver_facts(run=run, progress=lambda _p: None, now=NOW)

    report = drivers_report(run, CellFilter(), "csat")
    late = next(d for d in report.drivers if d.key == "days_late")
    assert late.difference is not None
    assert late.difference.difference < 0
    assert late.difference.high < 0  # the interval excludes 0
    assert late.difference.n_a + late.difference.n_b == 300
    assert late.q_value is not None and late.q_value < 0.05
    assert late.rho is not None and late.rho.high < 0
    # Dose-response: mean CSAT falls from on time to 2-3 days late.
    by_label = {b.label: b.value for b in late.buckets}
    assert by_label["0"].value > by_label["1"].value > by_label["2-3"].value
    assert all(b.value.n > 0 for b in late.buckets if b.label in ("0", "1", "2-3"))
    assert late.importance is not None and late.importance > 0.5
    assert report.importance_n == 300


def test_a_driver_difference_matches_welch_on_the_same_groups() -> None:
    run = _run()
    on_time, late = [5, 4, 5, 4, 3], [2, 1, 3]
    for score in on_time:
        _fact(run, score, days_late=0)
    for score in late:
        _fact(run, score, days_late=2)
    _fact(run, 4)  # no delivery: not in the lateness comparison

    report = drivers_report(run, CellFilter(), "csat")
    driver = next(d for d in report.drivers if d.key == "days_late")
    expected = stats.mean_difference(np.array(late, float), np.array(on_time, float))
    assert driver.difference == expected
    assert [b.value.n for b in driver.buckets] == [5, 0, 3, 0, 0]
    assert driver.buckets[0].value.value == pytest.approx(4.2)
    assert report.n == 9


def test_nps_drivers_compare_nps_points() -> None:
    run = _run()
    for score in (10, 10, 9, 8, 3):
        _fact(run, score, measure="nps", complaint_30d=False)
    for score in (2, 5, 9):
        _fact(run, score, measure="nps", complaint_30d=True)

    report = drivers_report(run, CellFilter(), "nps")
    driver = next(d for d in report.drivers if d.key == "complaint_30d")
    assert driver.difference == stats.nps_difference(1, 2, 3, 3, 1, 5)
    assert report.difference_method == "nps-z"


def test_filters_pick_the_facts_of_one_store_and_date_range() -> None:
    run = _run()
    here, there = StoreFactory(), StoreFactory()
    _fact(run, 5, store=here)
    _fact(run, 1, store=there)
    _fact(run, 3, store=here, day=NOW.date() - timedelta(days=40))
    older_run = _run()
    _fact(older_run, 2, store=here)

    report = drivers_report(
        run, CellFilter(store_id=here.pk, date_from=NOW.date() - timedelta(days=7)), "csat"
    )
    assert report.n == 1
    assert dict((m.key, n) for m, n in report.measures)["csat"] == 1


def test_without_a_choice_the_measure_with_most_answers_is_shown() -> None:
    assert pick_measure("", {"csat": 2, "nps": 5, "ces": 0, "rating": 0}) == "nps"
    assert pick_measure("ces", {"csat": 2, "nps": 5, "ces": 0, "rating": 0}) == "ces"
    assert pick_measure("bogus", {"csat": 0, "nps": 0, "ces": 0, "rating": 0}) == "csat"


def test_no_facts_give_empty_figures_not_errors() -> None:
    report = drivers_report(_run(), CellFilter(), "")
    assert report.n == 0
    assert all(d.difference is None or d.difference.n_a == 0 for d in report.drivers)


def test_more_contacts_mean_harder_service_and_complaints_cost_nps_as_planted() -> None:
    # The demo's weights: CES by contacts (1, 2, 3, 4+) and NPS with or without a complaint
    # in the 30 days before (xdata.demo).
    rng = random.Random(5)  # noqa: S311  # reproducible test data, not security
    run = _run()
    facts = []
    for _ in range(400):
        contacts = rng.choice([1, 1, 1, 2, 2, 3, 4])
        weights = CES_BY_CONTACTS[min(contacts, 4) - 1]
        ces = 1 + rng.choices(range(7), weights=weights)[0]
        facts.append(DriverFact(run=run, day=NOW.date(), measure="ces", score=ces,
                                contacts_30d=contacts))  # fmt: skip
    for complaint in [True] * 120 + [False] * 400:
        weights = NPS_AFTER_COMPLAINT if complaint else NPS_BASE
        nps = rng.choices(range(11), weights=weights)[0]
        facts.append(DriverFact(run=run, day=NOW.date(), measure="nps", score=nps,
                                complaint_30d=complaint))  # fmt: skip
    DriverFact.objects.bulk_create(facts)

    ces = drivers_report(run, CellFilter(), "ces")
    contacts = next(d for d in ces.drivers if d.key == "contacts_30d")
    assert contacts.difference is not None and contacts.difference.high < 0
    assert contacts.rho is not None and contacts.rho.high < 0
    means = [b.value.value for b in contacts.buckets[1:]]
    assert means == sorted(means, reverse=True)  # 1, 2, 3+ contacts: ever harder

    nps = drivers_report(run, CellFilter(), "nps")
    complaint = next(d for d in nps.drivers if d.key == "complaint_30d")
    assert complaint.difference is not None and complaint.difference.high < 0
    assert complaint.difference.method == "nps-z"
    assert complaint.q_value is not None and complaint.q_value < 0.05


def test_drivers_most_answers_lack_stay_out_of_relative_importance() -> None:
    run = _run()
    for i in range(10):
        _fact(
            run,
            5 - (i % 5),
            measure="ces",
            contacts_30d=i % 5,
            complaint_30d=i % 2 == 0,
            days_late=i if i < 3 else None,  # only 3 of 10 had a delivery
        )
    report = drivers_report(run, CellFilter(), "ces")
    assert "days_late" not in report.modelled and "contacts_30d" in report.modelled
    assert report.importance_n == 10
    by_key = {d.key: d for d in report.drivers}
    assert by_key["days_late"].importance is None
    assert by_key["contacts_30d"].importance is not None
