"""The fact table and the metrics computed from it, against hand counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analysis import stats
from analysis.measures import estimate
from analysis.models import AnalysisRun, MetricCell
from analysis.selectors.cells import CellFilter, summed_counts
from analysis.services.changes import detect_changes
from analysis.services.metrics import build_cells
from surveys.models import Invitation
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory
from tests.xdata.test_explorer import make_feedback, make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
AS_OF = date(2025, 9, 1)
DAY = datetime(2025, 8, 20, 12, 0, tzinfo=SEOUL)


def finished_run(as_of: date = AS_OF) -> AnalysisRun:
    """A run whose sections "cells" and "changes" were computed, marked finished."""
    run = AnalysisRun.objects.create(
        status=AnalysisRun.Status.RUNNING, as_of=as_of, started_at=timezone.now()
    )
    build_cells(run, lambda _fraction: None)
    detect_changes(run, lambda _fraction: None)
    AnalysisRun.objects.filter(pk=run.pk).update(
        status=AnalysisRun.Status.FINISHED, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def totals(run: AnalysisRun, **where: Any) -> dict[str, int]:
    return summed_counts(run_id=run.pk, where=CellFilter(**where))[0]


def test_answers_count_on_their_local_day() -> None:
    version = published()
    # 23:30 UTC on 15 June is 08:30 on 16 June in Seoul.
    make_response(version, at=datetime(2025, 6, 15, 23, 30, tzinfo=ZoneInfo("UTC")), nps=10)
    run = finished_run()

    days = set(MetricCell.objects.filter(run=run, dim="").values_list("day", flat=True))
    assert days == {date(2025, 6, 16)}


def test_nps_and_csat_match_hand_counts() -> None:
    version = published()
    for score in (10, 10, 9, 8, 7, 6, 0, 3, 10, 9):
        make_response(version, at=DAY, nps=score)
    for score in (5, 4, 4, 3, 1):
        make_response(version, at=DAY, nps=None, csat=score)
    run = finished_run()

    counts = totals(run)
    assert (counts["responses"], counts["nps_n"]) == (15, 10)
    assert (counts["promoters"], counts["detractors"]) == (5, 3)
    nps = estimate("nps", counts)
    assert nps.value == pytest.approx(20.0)
    assert (nps.low, nps.high) == pytest.approx(
        (stats.nps_estimate(5, 3, 10).low, stats.nps_estimate(5, 3, 10).high)
    )
    csat = estimate("csat", counts)
    assert (csat.value, csat.n) == (pytest.approx(3.4), 5)
    # t interval by hand: sd of (5,4,4,3,1) = sqrt(2.3), t(0.975, 4) = 2.776445
    half = 2.776445 * (2.3**0.5) / 5**0.5
    assert (csat.low, csat.high) == pytest.approx((3.4 - half, 3.4 + half), abs=1e-5)
    top2 = estimate("csat_top2", counts)
    assert (top2.value, top2.n) == (pytest.approx(0.6), 5)


def test_each_dimension_splits_the_same_counts() -> None:
    version = published()
    store = StoreFactory()
    for i, (channel, daypart, language) in enumerate(
        [("online", "morning", "ko"), ("store", "lunch", "en"), ("app", "evening", "ko")]
    ):
        make_response(
            version,
            at=DAY + timedelta(hours=i),
            nps=9 - i,
            purchase_channel=channel,
            daypart=daypart,
            language=language,
            customer=CustomerFactory(segment=["VIP", "일반", ""][i]),
            store=store,
        )
    run = finished_run()

    base = totals(run)
    for kind in ("channel", "segment", "language", "daypart", "store", "region", "weekday"):
        rows = summed_counts(run_id=run.pk, where=CellFilter(), kind=kind)
        assert sum(r["responses"] for r in rows) == base["responses"] == 3
        assert sum(r["promoters"] for r in rows) == base["promoters"] == 1
    dayparts = {
        r["key"]: r["nps_n"]
        for r in summed_counts(run_id=run.pk, where=CellFilter(), kind="daypart")
    }
    assert dayparts == {"morning": 1, "lunch": 1, "evening": 1}
    regions = summed_counts(run_id=run.pk, where=CellFilter(), kind="region")
    assert [r["key"] for r in regions] == [store.region_id]


def test_ratings_from_other_channels_count_per_channel() -> None:
    store = StoreFactory()
    for rating, channel in ((5, "naver"), (4, "naver"), (1, "google"), (None, "google")):
        make_feedback(at=DAY, rating=rating, channel=channel, store=store)
    run = finished_run()

    channels = {
        r["key"]: r for r in summed_counts(run_id=run.pk, where=CellFilter(), kind="channel")
    }
    assert estimate("review", channels["naver"]).value == pytest.approx(4.5)
    assert estimate("review", channels["google"]).n == 1
    assert channels["google"]["feedback"] == 2
    # Reviews have no survey: a survey filter leaves them out, a store filter keeps them.
    assert totals(run, store_id=store.pk)["feedback"] == 4
    assert totals(run, survey_id=published().survey_id)["feedback"] == 0


def test_response_rate_counts_sent_invitations_by_sending_day() -> None:
    version = published()
    customer = CustomerFactory()
    for i, (status, sent) in enumerate(
        [
            ("answered", True),
            ("answered", True),
            ("sent", True),
            ("expired", True),
            ("scheduled", False),
        ]
    ):
        Invitation.objects.create(
            survey=version.survey,
            customer=customer,
            token_hash=f"hash-{i}",
            status=status,
            source=Invitation.Source.BULK,
            touchpoint=version.survey.touchpoint,
            send_after=DAY,
            sent_at=DAY if sent else None,
            expires_at=DAY + timedelta(days=14),
        )
    run = finished_run()

    counts = totals(run)
    assert (counts["invited"], counts["answered"]) == (4, 2)
    rate = estimate("response_rate", counts)
    assert rate.value == pytest.approx(0.5)
    assert (rate.low, rate.high) == pytest.approx((stats.wilson(2, 4).low, stats.wilson(2, 4).high))


def test_a_rating_question_counts_as_csat_when_the_survey_has_none() -> None:
    questions = [
        {"key": "visit_rating", "type": "rating", "text": {"ko": "방문", "en": "Visit"}},
    ]
    version = published(questions=questions)
    for rating in (5, 3):
        make_response(version, at=DAY, nps=None, answers={"visit_rating": rating})
    run = finished_run()

    csat = estimate("csat", totals(run))
    assert (csat.value, csat.n) == (pytest.approx(4.0), 2)


def test_date_and_store_filters_narrow_the_sums() -> None:
    version = published()
    store, other = StoreFactory(), StoreFactory()
    make_response(version, at=DAY, nps=10, store=store)
    make_response(version, at=DAY - timedelta(days=40), nps=0, store=store)
    make_response(version, at=DAY, nps=0, store=other)
    run = finished_run()

    assert totals(run)["nps_n"] == 3
    assert totals(run, store_id=store.pk)["nps_n"] == 2
    assert totals(run, store_id=store.pk, date_from=DAY.date())["promoters"] == 1
    assert totals(run, region_id=other.region_id)["detractors"] == 1
