"""A chart with nothing to draw is not drawn: the page says there are no answers for this
filter, in the reader's language, where the chart would be (the same words on the overview's
trend and heatmap and the drivers page's charts). With data, a chart of a score spans the
score's scale."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact
from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NO_DATA = {
    "en": "No answers for this metric under the filter.",
    "ko": "이 필터 조건에는 이 지표의 응답이 없습니다.",
}


def html_of(user: User, url: str, language: str, **query: str) -> str:
    response = client_for(user).get(url, query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def figure(html: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None, f"no {name} on the page"
    return json.loads(found.group(1))


@pytest.mark.parametrize("language", ["en", "ko"])
def test_an_overview_without_answers_draws_no_chart(manager: User, language: str) -> None:
    make_response(published(), at=datetime(2026, 11, 20, 12, tzinfo=SEOUL), nps=9)
    finished_run(date(2026, 11, 24))
    html = html_of(manager, "/analysis/", language, metric="csat")  # no CSAT answers
    assert 'data-figure="trend-figure"' not in html
    assert 'id="trend-figure"' not in html
    assert 'data-figure="heat-figure"' not in html
    assert html.count(NO_DATA[language]) == 2  # the trend and the heatmap


def test_an_overview_with_answers_draws_its_chart(manager: User) -> None:
    make_response(published(), at=datetime(2026, 11, 20, 12, tzinfo=SEOUL), nps=9)
    finished_run(date(2026, 11, 24))
    html = html_of(manager, "/analysis/", "en")
    assert 'data-figure="trend-figure"' in html
    assert NO_DATA["en"] not in html


def drivers_run() -> AnalysisRun:
    return AnalysisRun.objects.create(
        status=AnalysisRun.Status.FINISHED, finished_at=timezone.now(), as_of=date(2026, 11, 24)
    )


@pytest.mark.parametrize("language", ["en", "ko"])
def test_csat_drivers_without_delivery_facts_draw_no_empty_axes(
    manager: User, language: str
) -> None:
    run, store = drivers_run(), StoreFactory()
    for score in (4, 5, 3):  # CSAT answers, none with an order or a delivery
        DriverFact.objects.create(
            run=run, day=date(2026, 11, 20), measure="csat", score=score, store=store,
            region=store.region,
        )  # fmt: skip
    html = html_of(manager, "/analysis/drivers/", language, measure="csat")
    assert 'id="dose-figure"' not in html
    assert 'id="effect-figure"' not in html
    assert NO_DATA[language] in html


def test_the_dose_chart_spans_the_scores_scale(manager: User) -> None:
    run, store = drivers_run(), StoreFactory()
    day = date(2026, 11, 24) - timedelta(days=3)
    for late, score in [(0, 5), (0, 4), (2, 2), (3, 1)]:
        DriverFact.objects.create(
            run=run, day=day, measure="csat", score=score, days_late=late, store=store,
            region=store.region,
        )  # fmt: skip
    html = html_of(manager, "/analysis/drivers/", "en", measure="csat")
    low, high = figure(html, "dose-figure")["layout"]["yaxis"]["range"]
    assert 0.5 < low < 1 and 5 < high < 5.5
    DriverFact.objects.create(run=run, day=day, measure="nps", score=9, days_late=0, store=store)
    html = html_of(manager, "/analysis/drivers/", "en", measure="nps")
    low, high = figure(html, "dose-figure")["layout"]["yaxis"]["range"]
    assert low < -100 and high > 100
