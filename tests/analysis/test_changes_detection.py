"""Change detection: the latest complete period against the one before, per segment, with the
fitting test, a minimum n and Benjamini-Hochberg; the contract the actions app reads."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analysis.models import AnalysisRun, SegmentChange
from analysis.selectors import latest_segment_changes
from analysis.services.changes import MIN_N
from odata.models import Store
from surveys.models import SurveyVersion
from tests.analysis.test_metrics_cells import finished_run
from tests.odata.test_customer_360 import RegionFactory, StoreFactory
from tests.xdata.test_explorer import published
from xdata.models import Response

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
AS_OF = date(2025, 9, 3)  # latest complete month: August; the one before: July
JULY = datetime(2025, 7, 10, 12, 0, tzinfo=SEOUL)
AUGUST = datetime(2025, 8, 10, 12, 0, tzinfo=SEOUL)
# CSAT counts per level 1..5: the usual mix, a little noise month to month, and the drop.
USUAL_JULY = (2, 4, 10, 24, 20)
USUAL_AUGUST = (3, 4, 11, 23, 19)
DROPPED = (12, 14, 16, 12, 6)


def _answers(version: SurveyVersion, store: Store, at: datetime, levels: tuple[int, ...]) -> None:
    rows = []
    for level, count in enumerate(levels, start=1):
        for i in range(count):
            rows.append(
                Response(
                    survey=version.survey,
                    version=version,
                    touchpoint=version.survey.touchpoint,
                    store=store,
                    submitted_at=at + timedelta(hours=i % 48),
                    csat=level,
                )
            )
    Response.objects.bulk_create(rows)


def _stores_with_one_drop(count: int = 8) -> tuple[list[Store], Store, SurveyVersion]:
    version = published()
    region = RegionFactory()
    stores = [StoreFactory(region=region) for _ in range(count)]
    dropped = stores[3]
    for store in stores:
        _answers(version, store, JULY, USUAL_JULY)
        _answers(version, store, AUGUST, DROPPED if store == dropped else USUAL_AUGUST)
    return stores, dropped, version


def test_the_planted_drop_is_flagged_and_the_other_stores_are_not() -> None:
    stores, dropped, _version = _stores_with_one_drop()
    finished_run(AS_OF)

    rows = latest_segment_changes(metric="csat", segment_kind="store").filter(period="month")
    assert rows.count() == len(stores)
    flagged = {r.segment_key for r in rows if r.significant_drop}
    assert flagged == {dropped.external_id}
    drop = rows.get(segment_key=dropped.external_id)
    assert drop.period_start == date(2025, 8, 1)
    assert (drop.current_n, drop.previous_n) == (60, 60)
    assert drop.difference is not None and drop.difference < -1
    assert drop.p_value is not None and drop.q_value is not None
    assert drop.q_value >= drop.p_value and drop.q_value <= 0.05
    assert drop.current_low is not None and drop.current_high is not None
    assert drop.current_low < drop.current_value < drop.current_high
    assert drop.method == "mann_whitney"
    assert drop.segment_label.endswith(f"({dropped.external_id})")


def test_no_store_is_flagged_when_nothing_changed() -> None:
    version = published()
    for _ in range(10):
        store = StoreFactory()
        _answers(version, store, JULY, USUAL_JULY)
        _answers(version, store, AUGUST, USUAL_AUGUST)
    finished_run(AS_OF)

    assert not latest_segment_changes().filter(significant_drop=True).exists()


def test_segments_below_the_minimum_n_are_stored_but_not_tested() -> None:
    version = published()
    small = StoreFactory()
    _answers(version, small, JULY, (0, 0, 0, 10, 10))
    _answers(version, small, AUGUST, (10, 10, 0, 0, 0))  # a big drop, but 20 answers a side
    finished_run(AS_OF)

    row = latest_segment_changes(metric="csat", segment_kind="store").get(period="month")
    assert row.current_n < MIN_N
    assert row.difference == pytest.approx(1.5 - 4.5)
    assert (row.p_value, row.q_value, row.significant_drop) == (None, None, False)


def test_a_rise_is_not_a_drop() -> None:
    version = published()
    store = StoreFactory()
    _answers(version, store, JULY, DROPPED)
    _answers(version, store, AUGUST, USUAL_AUGUST)
    finished_run(AS_OF)

    row = latest_segment_changes(metric="csat", segment_kind="store").get(period="month")
    assert row.q_value is not None and row.q_value <= 0.05
    assert row.significant_drop is False
    assert row.significant_rise is True


def test_nps_uses_the_z_test_on_the_difference_and_weeks_are_compared_too() -> None:
    version = published()
    store = StoreFactory()
    # as_of Wednesday 3 Sep: latest complete week starts Monday 25 Aug, the one before 18 Aug.
    week_before = datetime(2025, 8, 19, 12, 0, tzinfo=SEOUL)
    last_week = datetime(2025, 8, 26, 12, 0, tzinfo=SEOUL)
    rows = [
        Response(
            survey=version.survey,
            version=version,
            touchpoint=version.survey.touchpoint,
            store=store,
            submitted_at=at,
            nps=score,
        )
        for at, scores in ((week_before, [10] * 40 + [3] * 10), (last_week, [10] * 20 + [3] * 30))
        for score in scores
    ]
    Response.objects.bulk_create(rows)
    finished_run(AS_OF)

    row = latest_segment_changes(metric="nps", segment_kind="store").get(period="week")
    assert row.period_start == date(2025, 8, 25)
    assert (row.current_value, row.previous_value) == (pytest.approx(-20.0), pytest.approx(60.0))
    assert row.difference == pytest.approx(-80.0)
    assert row.method == "nps_z"
    assert row.significant_drop is True


def test_latest_segment_changes_reads_only_the_latest_finished_run() -> None:
    _stores_with_one_drop(count=5)
    older = finished_run(AS_OF)
    newer = finished_run(AS_OF)
    AnalysisRun.objects.create(status=AnalysisRun.Status.QUEUED)
    AnalysisRun.objects.create(
        status=AnalysisRun.Status.FAILED, finished_at=timezone.now() + timedelta(hours=1)
    )

    rows = latest_segment_changes()
    assert rows.exists()
    assert set(rows.values_list("run_id", flat=True)) == {newer.pk}
    assert SegmentChange.objects.filter(run=older).exists()
    assert set(latest_segment_changes(metric="nps").values_list("metric", flat=True)) <= {"nps"}
    regions = latest_segment_changes(segment_kind="region")
    assert set(regions.values_list("segment_kind", flat=True)) == {"region"}


def test_no_rows_before_any_run_finished() -> None:
    AnalysisRun.objects.create(status=AnalysisRun.Status.QUEUED)
    assert list(latest_segment_changes()) == []
