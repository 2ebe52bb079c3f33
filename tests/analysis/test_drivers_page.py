"""The drivers page and its CSV: access, filters, bad input, the chart beside its table, the
formula guard and a pinned query count. Helpers here are shared by the other insight pages."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact
from cxm.models import User
from odata.models import Store
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory, english

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 9, 1)
DAY = AS_OF - timedelta(days=3)
URL = "/analysis/drivers/"


def finished_run() -> AnalysisRun:
    return AnalysisRun.objects.create(
        status=AnalysisRun.Status.FINISHED, finished_at=timezone.now(), as_of=AS_OF
    )


def rows_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def _facts(run: AnalysisRun, store: Store, other: Store) -> None:
    for late, score in [(0, 5), (0, 5), (0, 4), (2, 2), (3, 1), (1, 3)]:
        DriverFact.objects.create(
            run=run, day=DAY, measure="csat", score=score, days_late=late, store=store,
            region=store.region, channel="online", daypart="morning",
        )  # fmt: skip
    DriverFact.objects.create(
        run=run, day=DAY, measure="csat", score=1, days_late=9, store=other, region=other.region
    )
    DriverFact.objects.create(run=run, day=DAY, measure="nps", score=9, store=store)


def test_outsider_is_refused(outsider: User) -> None:
    finished_run()
    client = client_for(outsider)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "csv").status_code == 403


def test_anonymous_is_sent_to_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_without_a_finished_run_the_page_says_so(manager: User) -> None:
    response = english(manager).get(URL)
    assert response.status_code == 200
    assert "No analysis has finished yet" in response.content.decode()
    assert english(manager).get(URL + "csv").status_code == 404


def test_the_dose_response_chart_comes_with_its_table_and_method(manager: User) -> None:
    run = finished_run()
    store, other = StoreFactory(), StoreFactory()
    _facts(run, store, other)

    html = english(manager).get(URL).content.decode()
    assert 'data-figure="dose-figure"' in html
    assert 'id="dose-figure" type="application/json"' in html
    assert 'data-driver="days_late"' in html
    assert "CSAT by days late" in html
    assert "How this is computed" in html
    assert "n = 7" in html  # every CSAT fact, both stores


def test_the_store_filter_narrows_every_number(manager: User) -> None:
    run = finished_run()
    store, other = StoreFactory(), StoreFactory()
    _facts(run, store, other)

    response = english(manager).get(URL, {"store": str(store.code), "measure": "csat"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "n = 6" in html and "n = 7" not in html
    rows = rows_of(english(manager).get(URL + "csv", {"store": str(store.code)}))
    late_buckets = {r[3]: r[7] for r in rows if r[1] == "days_late" and r[2] == "bucket"}
    assert late_buckets == {"0": "3", "1": "1", "2-3": "2", "4-7": "0", "8+": "0"}


def test_a_bad_filter_is_a_400_with_the_message(manager: User) -> None:
    finished_run()
    client = english(manager)
    response = client.get(URL, {"date_from": "2025-09-01", "date_to": "2025-01-01"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert client.get(URL, {"store": "not-a-store"}).status_code == 400
    assert client.get(URL, {"measure": "bogus"}).status_code == 400
    assert client.get(URL + "csv", {"date_from": "yesterday"}).status_code == 400


def test_csv_has_buckets_differences_rho_and_importance(manager: User) -> None:
    run = finished_run()
    store, other = StoreFactory(), StoreFactory()
    _facts(run, store, other)

    rows = rows_of(english(manager).get(URL + "csv", {"measure": "csat"}))
    assert rows[0][:4] == ["measure", "driver", "row", "group"]
    kinds = {(r[1], r[2]) for r in rows[1:]}
    assert ("days_late", "difference") in kinds
    assert ("days_late", "spearman_rho") in kinds
    late = next(r for r in rows if r[1] == "days_late" and r[2] == "difference")
    assert float(late[4]) < 0 and late[10] == "welch-t"


def test_csv_numbers_stay_numbers_even_when_negative(manager: User) -> None:
    run = finished_run()
    for late, score in [(4, 1), (4, 2), (0, 5), (0, 4)]:
        DriverFact.objects.create(run=run, day=DAY, measure="csat", score=score, days_late=late)
    rows = rows_of(english(manager).get(URL + "csv"))
    late = next(r for r in rows if r[1] == "days_late" and r[2] == "difference")
    assert float(late[4]) == -3.0  # a number for the spreadsheet, not guarded text


def test_query_count_is_pinned(manager: User, django_assert_num_queries: Any) -> None:
    run = finished_run()
    store, other = StoreFactory(), StoreFactory()
    _facts(run, store, other)
    client = english(manager)
    client.get(URL)  # warm the session and permission caches
    # 13: the store driver reads the names of the stores with answers in one query.
    with django_assert_num_queries(13):
        assert client.get(URL).status_code == 200
    for _ in range(20):
        DriverFact.objects.create(run=run, day=DAY, measure="csat", score=3, days_late=1)
    with django_assert_num_queries(13):
        assert client.get(URL).status_code == 200
