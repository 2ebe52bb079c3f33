"""A survey whose responses all came today: the overview's default window ends on the day of
the analysis run it reads (that day's answers as of the run), so they are counted; responses
that arrived after the run started are not in the figures yet, and the page says how many."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from analysis.models import AnalysisRun
from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
TODAY = date(2026, 11, 24)
URL = "/analysis/"


def today_at(hour: int) -> datetime:
    return datetime(2026, 11, 24, hour, tzinfo=SEOUL)


def run_started_at(hour: int) -> AnalysisRun:
    run = finished_run(TODAY)
    AnalysisRun.objects.filter(pk=run.pk).update(started_at=today_at(hour))
    return run


def page(user: User, **query: str) -> str:
    response = client_for(user).get(URL, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def nps_tile_n(html: str) -> str:
    tile = re.search(r"<h3>NPS</h3>.*?n = ([\d,]+)</p>", html, re.S)
    assert tile is not None
    return tile.group(1)


def test_todays_responses_count_in_the_default_window(manager: User) -> None:
    version = published()
    make_response(version, at=today_at(9), nps=10)
    make_response(version, at=today_at(10), nps=3)
    run_started_at(12)
    html = page(manager)
    assert nps_tile_n(html) == "2"
    assert "Showing Nov. 25, 2025 \u2013 Nov. 24, 2026." in html
    assert "No answers for this metric under the filter." not in html
    assert 'id="waiting-responses"' not in html


def test_responses_after_the_run_are_counted_and_named(manager: User) -> None:
    version = published()
    store, other = StoreFactory(), StoreFactory()
    make_response(version, at=today_at(9), nps=10, store=store)
    run_started_at(12)
    for hour in (13, 14):
        make_response(version, at=today_at(hour), nps=9, store=store)
    make_response(version, at=today_at(14), nps=9, store=other)

    html = page(manager)
    assert nps_tile_n(html) == "1"
    notice = re.search(
        r'<p class="dash-notice" role="note" id="waiting-responses">(.*?)</p>', html, re.S
    )
    assert notice is not None
    assert (
        "3 survey responses under this filter arrived after this analysis started"
        in notice.group(1)
    )
    assert 'href="/analysis/runs/"' in notice.group(1)
    # The notice follows the filter: one store's responses only.
    assert "2 survey responses" in page(manager, store=str(store.code))


def test_no_notice_when_the_dates_end_before_the_run(manager: User) -> None:
    make_response(published(), at=today_at(9), nps=10)
    run_started_at(8)
    assert 'id="waiting-responses"' in page(manager)
    assert 'id="waiting-responses"' not in page(
        manager, date_from="2026-11-01", date_to="2026-11-23"
    )
