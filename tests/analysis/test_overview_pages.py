"""The overview page and its CSV: access, filters, bad input, numbers with n and interval."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from analysis import stats
from cxm.intervals import format_interval
from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
AS_OF = date(2025, 9, 3)
DAY = datetime(2025, 8, 20, 12, 0, tzinfo=SEOUL)
URL = "/analysis/"


@pytest.fixture
def data() -> dict[str, object]:
    version = published()
    store, other = StoreFactory(name="=HYPERLINK(1)"), StoreFactory()
    for score in (10, 10, 9, 3):
        make_response(version, at=DAY, nps=score, store=store)
    for score in (0, 0):
        make_response(version, at=DAY, nps=score, store=other)
    finished_run(AS_OF)
    return {"store": store, "other": other, "version": version}


def test_outsiders_are_refused_and_anonymous_visitors_sent_to_sign_in(
    outsider: User, data: object
) -> None:
    assert client_for(outsider).get(URL).status_code == 403
    assert client_for(outsider).get(URL + "csv").status_code == 403
    from django.test import Client

    assert Client().get(URL).status_code == 302


def test_every_role_sees_the_tiles_with_n_and_interval(
    agent: User, manager: User, admin: User, data: object
) -> None:
    nps = stats.nps_estimate(3, 3, 6)
    for user in (agent, manager, admin):
        page = client_for(user).get(URL, {"date_from": "2025-08-01"}, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        text = page.content.decode()
        assert f"{nps.value:.1f}" in text
        # Intervals are written as cxm.intervals writes them (a word, U+2212 for a minus).
        with translation.override("en"):
            assert format_interval(nps.low, nps.high) in text
        assert "n = 6" in text
        assert "How this is computed" in text
        assert 'data-figure="trend-figure"' in text and 'id="trend-figure"' in text


def test_the_store_filter_changes_the_numbers(manager: User, data: dict[str, object]) -> None:
    store = data["store"]
    page = client_for(manager).get(
        URL, {"store": str(store.code), "date_from": "2025-08-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )  # type: ignore[attr-defined]
    assert page.status_code == 200
    assert f"{stats.nps_estimate(3, 1, 4).value:.1f}" in page.content.decode()
    assert "n = 4" in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"store": "00000000-0000-0000-0000-000000000000"},
        {"date_from": "yesterday"},
        {"date_from": "2025-08-10", "date_to": "2025-08-01"},
        {"metric": "revenue"},
    ],
)
def test_a_bad_filter_is_a_400_with_a_message(
    manager: User, data: object, query: dict[str, str]
) -> None:
    page = client_for(manager).get(URL, query, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    assert client_for(manager).get(URL + "csv", query).status_code == 400


def test_csv_export_has_the_trend_and_is_formula_safe(
    manager: User, data: dict[str, object]
) -> None:
    response = client_for(manager).get(URL + "csv", {"date_from": "2025-08-01", "period": "month"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "touchpoint,period_start,metric,value,low,high,n,method"
    august = next(line for line in lines if line.startswith("all,2025-08-01"))
    assert august.endswith(",6,adjusted-wald")


def test_the_page_costs_a_fixed_number_of_queries(manager: User, data: dict[str, object]) -> None:
    client = client_for(manager)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    version = data["version"]
    for _ in range(30):
        make_response(version, at=DAY, nps=5, store=StoreFactory())  # type: ignore[arg-type]
    finished_run(AS_OF)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few) <= 14


def test_without_a_finished_run_the_page_says_so(manager: User) -> None:
    page = client_for(manager).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "No analysis has finished yet" in page.content.decode()
