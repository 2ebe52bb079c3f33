"""The segments page's change columns: a segment without answers in the compared month (or
week) says there is no data to compare, never "no significant change"."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from analysis.models import SegmentChange
from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
URL = "/analysis/segments/"


def cells(html: str, label: str) -> str:
    found = re.search(rf'<td data-label="{label}">(.*?)</td>', html, re.S)
    assert found is not None
    return found.group(1)


def page(user: User) -> str:
    response = client_for(user).get(URL, {"kind": "store"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_no_answers_last_month_reads_no_data(manager: User) -> None:
    version, store = published(), StoreFactory()
    for i in range(40):  # September only; nothing in October, the month compared
        make_response(version, at=datetime(2026, 9, 10, 12, tzinfo=SEOUL), nps=i % 11, store=store)
    make_response(version, at=datetime(2026, 11, 24, 9, tzinfo=SEOUL), nps=3, store=store)
    finished_run(date(2026, 11, 24))
    html = page(manager)
    assert "no data last month" in cells(html, "Last month")
    assert "—" in cells(html, "Last week")
    assert "no significant change" not in html


def test_no_answers_the_month_before_reads_no_data(manager: User) -> None:
    version, store = published(), StoreFactory()
    for i in range(40):  # October only
        make_response(version, at=datetime(2026, 10, 10, 12, tzinfo=SEOUL), nps=i % 11, store=store)
    finished_run(date(2026, 11, 24))
    assert "no data the month before" in cells(page(manager), "Last month")


def test_a_stored_test_without_current_answers_is_still_no_data(manager: User) -> None:
    """Whatever a stored row's p-value says, zero answers on a side is not "no change"."""
    version, store = published(), StoreFactory()
    make_response(version, at=datetime(2026, 11, 20, 12, tzinfo=SEOUL), nps=9, store=store)
    run = finished_run(date(2026, 11, 24))
    SegmentChange.objects.filter(run=run).delete()
    SegmentChange.objects.create(
        run=run, segment_kind="store", segment_key=store.external_id, segment_label="x",
        metric="nps", period="month", period_start=date(2026, 10, 1), current_n=0,
        previous_n=45, p_value=0.8, q_value=0.9, difference=None, method="nps_z", min_n=30,
    )  # fmt: skip
    html = page(manager)
    assert "no data last month" in cells(html, "Last month")
    assert "no significant change" not in html
