"""The store driver: each store's score with its interval against the other stores, a test per
store with enough answers, Benjamini-Hochberg across the stores, and the page and CSV that show
it. Built from real responses through the drivers step, not hand-written facts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.utils import timezone, translation

from analysis import stats
from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import MIN_N, GroupAgainstRest, drivers_report
from analysis.services.drivers import compute_driver_facts
from cxm.models import User
from odata.models import Store
from tests.analysis.test_drivers_page import rows_of
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory, english
from tests.xdata.test_explorer import published
from xdata.models import Response

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 9, 1, 12, 0, tzinfo=SEOUL)
URL = "/analysis/drivers/"

# Ten answers each: NPS +40 (6 promoters, 2 detractors) and -50 (2 promoters, 7 detractors).
USUAL_NPS = [10, 10, 9, 9, 8, 7, 10, 9, 6, 3]
POOR_NPS = [2, 3, 5, 6, 6, 8, 9, 10, 4, 1]
USUAL_CSAT = [5, 4, 4, 5, 3, 4, 5, 4, 4, 2]
POOR_CSAT = [2, 1, 3, 2, 2, 4, 1, 2, 3, 2]


def _answers(store: Store | None, scores: list[int], *, measure: str = "nps") -> None:
    version = published()
    Response.objects.bulk_create(
        Response(
            survey=version.survey, version=version, touchpoint=version.survey.touchpoint,
            store=store, submitted_at=NOW - timedelta(days=1 + i % 60), **{measure: score},
        )
        for i, score in enumerate(scores)
    )  # fmt: skip


def _run() -> AnalysisRun:
    run = AnalysisRun.objects.create(
        status=AnalysisRun.Status.FINISHED, finished_at=timezone.now(), as_of=NOW.date()
    )
    compute_driver_facts(run=run, progress=lambda _p: None, now=NOW)
    return run


def _company(measure: str = "nps") -> tuple[list[Store], Store, Store]:
    """Six usual stores and one clearly worse, 60 answers each; one store with 5 answers."""
    usual_scores, poor_scores = (
        (USUAL_NPS, POOR_NPS) if measure == "nps" else (USUAL_CSAT, POOR_CSAT)
    )
    usual = [StoreFactory(name=f"보통점 {i}") for i in range(6)]
    for store in usual:
        _answers(store, usual_scores * 6, measure=measure)
    poor = StoreFactory(name="부진점")
    _answers(poor, poor_scores * 6, measure=measure)
    tiny = StoreFactory(name="신규점")
    _answers(tiny, [0, 0, 0, 0, 0] if measure == "nps" else [1, 1, 1, 1, 1], measure=measure)
    return usual, poor, tiny


def _stores(run: AnalysisRun, measure: str, where: CellFilter | None = None) -> dict[str, Any]:
    report = drivers_report(run, where or CellFilter(), measure)
    driver = next(d for d in report.drivers if d.key == "store")
    return {g.label: g for g in driver.against_rest}


def test_a_clearly_worse_store_is_flagged_and_the_usual_ones_are_not() -> None:
    usual, poor, _tiny = _company()
    run = _run()

    groups = _stores(run, "nps")
    flagged: GroupAgainstRest = groups[poor.name]
    assert flagged.tested and flagged.differs
    assert flagged.value.value == pytest.approx(-50.0) and flagged.value.n == 60
    assert flagged.difference is not None
    assert flagged.difference.high < 0 and flagged.difference.method == "nps-z"
    assert flagged.q_value is not None and flagged.q_value < 0.001
    # The rest: the six usual stores and the tiny one (NPS -100 on 5 answers).
    assert flagged.rest.n == 6 * 60 + 5
    assert flagged.difference == stats.nps_difference(12, 42, 60, 6 * 36 + 0, 6 * 12 + 5, 365)
    # One poor store lifts every other store a little against its rest: not a discovery.
    assert all(groups[s.name].tested and not groups[s.name].differs for s in usual)
    assert next(iter(groups)) == poor.name  # tested stores first, lowest score first


def test_a_store_with_few_answers_is_shown_with_its_interval_but_not_tested() -> None:
    _usual, _poor, tiny = _company()
    run = _run()

    small = _stores(run, "nps")[tiny.name]
    assert small.value.n == 5 < MIN_N
    assert small.value.value == -100.0 and small.value.low > -101  # adjusted Wald: a real range
    assert small.value.high > -100
    assert small.difference is None and small.q_value is None
    assert not small.tested and not small.differs
    assert list(_stores(run, "nps"))[-1] == tiny.name  # untested stores after the tested ones


def test_q_values_are_benjamini_hochberg_across_the_tested_stores_only() -> None:
    _company()
    run = _run()

    groups = [g for g in _stores(run, "nps").values() if g.tested]
    assert len(groups) == 7
    _rejected, q = stats.benjamini_hochberg([g.difference.p_value for g in groups])  # type: ignore[union-attr]
    assert [g.q_value for g in groups] == pytest.approx(list(q))
    with translation.override("en"):
        report = drivers_report(run, CellFilter(), "nps")
        store = next(d for d in report.drivers if d.key == "store")
        assert "1 of 7 tested differ" in str(store.contrast)
    # The store driver has no single difference, so it stays out of the drivers' family.
    assert store.difference is None and store.q_value is None


def test_csat_compares_means_by_welch_on_the_same_answers() -> None:
    _usual, poor, _tiny = _company("csat")
    run = _run()

    flagged = _stores(run, "csat")[poor.name]
    rest = USUAL_CSAT * 36 + [1] * 5
    expected = stats.mean_difference(np.array(POOR_CSAT * 6, float), np.array(rest, float))
    assert flagged.difference is not None and flagged.differs
    assert flagged.difference.method == "welch-t"
    assert flagged.difference.difference == pytest.approx(expected.difference)
    assert flagged.difference.low == pytest.approx(expected.low)
    assert flagged.difference.p_value == pytest.approx(expected.p_value, rel=1e-6, abs=1e-300)


def test_answers_without_a_store_are_in_neither_group() -> None:
    store_a, store_b = StoreFactory(), StoreFactory()
    _answers(store_a, USUAL_NPS * 4)
    _answers(store_b, USUAL_NPS * 4)
    _answers(None, [0] * 50)
    run = _run()

    groups = _stores(run, "nps")
    assert groups[store_a.name].rest.n == 40
    assert groups[store_a.name].difference == stats.nps_difference(24, 8, 40, 24, 8, 40)
    assert DriverFact.objects.filter(run=run, store=None).count() == 50


def test_one_store_under_the_filter_is_shown_but_not_tested() -> None:
    _usual, poor, _tiny = _company()
    run = _run()

    groups = _stores(run, "nps", CellFilter(store_id=poor.pk))
    assert list(groups) == [poor.name]
    assert groups[poor.name].value.n == 60 and not groups[poor.name].tested


def test_the_page_shows_the_stores_in_english(manager: User) -> None:
    _usual, poor, tiny = _company()
    _run()

    html = english(manager).get(URL, {"measure": "nps"}).content.decode()
    assert "Each store against the other stores" in html
    assert 'data-figure="store-figure"' in html and 'id="store-figure"' in html
    table = html[html.index('id="store-against-rest"') :]
    table = table[: table.index("</table>")]
    poor_row = table[table.index(poor.name) :].split("</tr>")[0]
    assert "Lower than the other stores" in poor_row
    tiny_row = table[table.index(tiny.name) :].split("</tr>")[0]
    assert "Not tested: fewer than 30 answers" in tiny_row
    assert table.count('data-store-tested="yes"') == 7
    assert table.count('data-store-tested="no"') == 1
    assert "each store against the other stores: 1 of 7 tested differ" in html


def test_the_page_shows_the_stores_in_korean(manager: User) -> None:
    _usual, poor, tiny = _company()
    _run()

    User.objects.filter(pk=manager.pk).update(language="ko")
    html = client_for(manager).get(URL, {"measure": "nps"}).content.decode()
    assert '<html lang="ko"' in html
    assert "매장별 비교: 다른 매장 전체 대비" in html
    table = html[html.index('id="store-against-rest"') :]
    table = table[: table.index("</table>")]
    assert "다른 매장보다 낮음" in table[table.index(poor.name) :].split("</tr>")[0]
    assert "검정하지 않음" in table[table.index(tiny.name) :].split("</tr>")[0]


def test_the_csv_has_every_store_and_a_test_for_the_tested_ones(manager: User) -> None:
    _usual, poor, tiny = _company()
    _run()

    rows = rows_of(english(manager).get(URL + "csv", {"measure": "nps"}))
    buckets = {r[3]: r for r in rows if r[1] == "store" and r[2] == "bucket"}
    assert len(buckets) == 8 and buckets[tiny.name][7] == "5"
    tests = {r[3]: r for r in rows if r[1] == "store" and r[2] == "against_rest"}
    assert set(tests) == set(buckets) - {tiny.name}
    assert float(tests[poor.name][4]) < 0 and float(tests[poor.name][9]) < 0.05
    assert tests[poor.name][7] == str(60 + 365) and tests[poor.name][10] == "nps-z"


def test_query_count_does_not_grow_with_the_stores(
    manager: User, django_assert_num_queries: Any
) -> None:
    _company()
    run = _run()
    client = english(manager)
    client.get(URL)  # warm the session and permission caches
    with django_assert_num_queries(13):
        assert client.get(URL).status_code == 200
    for i in range(10):
        store = StoreFactory()
        DriverFact.objects.bulk_create(
            DriverFact(run=run, day=NOW.date(), measure="nps", score=9, store=store)
            for _ in range(i + 1)
        )
    with django_assert_num_queries(13):
        assert client.get(URL).status_code == 200


def test_stores_sharing_a_name_stay_apart() -> None:
    first = StoreFactory(name="강남점", external_id="S-01")
    second = StoreFactory(name="강남점", external_id="S-02")
    _answers(first, USUAL_NPS * 6)
    _answers(second, POOR_NPS * 6)
    groups = _stores(_run(), "nps")
    assert set(groups) == {"강남점 (S-01)", "강남점 (S-02)"}
