"""Value x experience with ratings from other channels: a customer whose only experience
evidence is a rated review is classed by it, and with both sources the most recent one wins
(a survey answer at the same instant), each on its documented 0-100 scale and unhappy band."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.models.insights import ValuePoint
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import value_report
from analysis.services.value import compute_value_points
from cxm.models import User
from odata.models import Customer
from tests.analysis.test_drivers_page import rows_of
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory, StoreFactory, english
from tests.xdata.test_explorer import make_feedback, make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 9, 1, 12, 0, tzinfo=SEOUL)
URL = "/analysis/value/"


def _compute() -> AnalysisRun:
    run = AnalysisRun.objects.create(
        status=AnalysisRun.Status.FINISHED, finished_at=timezone.now(), as_of=NOW.date()
    )
    compute_value_points(run=run, progress=lambda _p: None, now=NOW)
    return run


def _customer(revenue: int, **fields: object) -> Customer:
    customer = CustomerFactory(**fields)
    OrderFactory(customer=customer, placed_at=NOW - timedelta(days=20), amount=Decimal(revenue))
    return customer


def _rated(customer: Customer, rating: int | None, days_ago: float = 3, **fields: object) -> None:
    make_feedback(
        at=NOW - timedelta(days=days_ago), rating=rating, customer=customer, text="", **fields
    )


def test_a_company_with_only_rated_reviews_gets_a_value_by_experience_result() -> None:
    store = StoreFactory()
    vip = _customer(900_000)
    _rated(vip, 1, store=store)
    happy_vip = _customer(800_000)
    _rated(happy_vip, 5)
    others = [_customer(1000 * (i + 1)) for i in range(6)]
    for customer, rating in zip(others, (4, 5, 3, 2, 4, 5), strict=True):
        _rated(customer, rating)
    _rated(CustomerFactory(), None)  # a review without stars is no score
    make_feedback(at=NOW - timedelta(days=2), rating=1, text="")  # nobody's: no customer
    run = _compute()

    assert ValuePoint.objects.filter(run=run).count() == 8
    point = ValuePoint.objects.get(run=run, customer=vip)
    assert (point.measure, point.score, point.score_100, point.unhappy) == ("rating", 1, 0, True)
    assert point.quadrant == "valuable_unhappy" and point.store_id == store.pk
    assert point.survey_id is None and point.touchpoint_id is None
    assert ValuePoint.objects.get(run=run, customer=happy_vip).quadrant == "valuable_happy"

    report = value_report(run, CellFilter())
    counts = {q.key: q.count for q in report.quadrants}
    assert counts == {
        "valuable_unhappy": 1, "valuable_happy": 1, "other_unhappy": 1, "other_happy": 5,
    }  # fmt: skip
    assert [c.customer_name for c in report.customers] == [vip.name]
    assert [(s.measure, s.count) for s in report.sources] == [("rating", 8)]
    assert report.sources[0].unhappy.value == pytest.approx(2 / 8)


def test_ratings_are_put_on_the_csat_scale_with_one_and_two_stars_unhappy() -> None:
    stars = {}
    for rating in range(1, 6):
        customer = _customer(1000)
        _rated(customer, rating)
        stars[customer.pk] = rating
    run = _compute()

    points = {p.customer_id: p for p in ValuePoint.objects.filter(run=run)}
    assert {stars[k]: (p.score_100, p.unhappy) for k, p in points.items()} == {
        1: (0.0, True), 2: (25.0, True), 3: (50.0, False), 4: (75.0, False), 5: (100.0, False),
    }  # fmt: skip


def test_with_both_sources_the_most_recent_evidence_classes_the_customer() -> None:
    version = published()
    reviewed_later = _customer(5000)
    make_response(version, at=NOW - timedelta(days=30), nps=10, customer=reviewed_later)
    _rated(reviewed_later, 1, days_ago=2)
    answered_later = _customer(5000)
    _rated(answered_later, 1, days_ago=30)
    make_response(version, at=NOW - timedelta(days=2), nps=None, csat=5, customer=answered_later)
    same_moment = _customer(5000)
    make_response(version, at=NOW - timedelta(days=4), nps=9, customer=same_moment)
    _rated(same_moment, 1, days_ago=4)
    future_review = _customer(5000)
    make_response(version, at=NOW - timedelta(days=5), nps=8, customer=future_review)
    _rated(future_review, 1, days_ago=-10)  # dated after the run: not read
    run = _compute()

    def latest(customer: Customer) -> tuple[str, int, bool]:
        point = ValuePoint.objects.get(run=run, customer=customer)
        return point.measure, point.score, point.unhappy

    assert latest(reviewed_later) == ("rating", 1, True)
    assert latest(answered_later) == ("csat", 5, False)
    assert latest(same_moment) == ("nps", 9, False)  # a survey answer wins the tie
    assert latest(future_review) == ("nps", 8, False)

    report = value_report(run, CellFilter())
    assert {s.measure: s.count for s in report.sources} == {"nps": 2, "csat": 1, "rating": 1}
    # A survey filter keeps only the customers classed by that survey's answers.
    only_survey = value_report(run, CellFilter(survey_id=version.survey_id))
    assert only_survey.n == 3
    assert {s.measure for s in only_survey.sources} == {"nps", "csat"}


def test_ratings_older_than_the_score_window_do_not_count() -> None:
    customer = _customer(5000)
    _rated(customer, 1, days_ago=800)
    run = _compute()
    assert not ValuePoint.objects.filter(run=run).exists()


def test_the_page_names_the_rating_and_shows_the_mix_of_sources(manager: User) -> None:
    version = published()
    reviewer = _customer(900_000, name="리뷰만 쓴 고객")
    _rated(reviewer, 2)
    for i in range(4):
        make_response(version, at=NOW - timedelta(days=3), nps=9, customer=_customer(1000 + i))
    _compute()

    client = english(manager)
    html = client.get(URL).content.decode()
    row = html[html.index("리뷰만 쓴 고객") :].split("</tr>")[0]
    assert "Review rating 2" in row
    sources = html[html.index('id="value-sources"') :].split("</table>")[0]
    assert 'data-measure="rating"' in sources and 'data-measure="nps"' in sources
    assert "Where the latest score comes from" in html
    assert "a rating of 1-2 stars" in html  # the method note states the mapping
    csv_rows = rows_of(client.get(URL + "csv"))
    reviewer_row = next(r for r in csv_rows if r[1] == "리뷰만 쓴 고객")
    assert reviewer_row[0] == "valuable_unhappy" and reviewer_row[7:9] == ["rating", "2"]
