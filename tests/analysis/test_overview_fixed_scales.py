"""The overview's charts span the metric's own scale, not the data's min..max: the heatmap's
colours (NPS -100..100 centred on 0, CSAT 1..5, shares 0..100 %) and the trend's y axis, so a
colour or a height always means the same value, even with one answer."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
AS_OF = date(2026, 11, 24)
URL = "/analysis/"


@pytest.fixture
def one_detractor() -> None:
    make_response(published(), at=datetime(2026, 11, 10, 12, tzinfo=SEOUL), nps=3, csat=2)
    finished_run(AS_OF)


def figure(html: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None, f"no {name} on the page"
    return json.loads(found.group(1))


def page(user: User, **query: str) -> str:
    response = client_for(user).get(URL, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_one_cell_of_nps_minus_100_is_painted_at_the_red_end(
    manager: User, one_detractor: None
) -> None:
    heat = figure(page(manager), "heat-figure")["data"][0]
    assert [v for row in heat["z"] for v in row if v is not None] == [-100.0]
    assert (heat["zmin"], heat["zmid"], heat["zmax"]) == (-100, 0, 100)
    assert heat["zauto"] is False


def test_other_metrics_colour_over_their_own_scale(manager: User, one_detractor: None) -> None:
    csat = figure(page(manager, metric="csat"), "heat-figure")["data"][0]
    assert (csat["zmin"], csat["zmid"], csat["zmax"]) == (1, 3, 5)
    top2 = figure(page(manager, metric="csat_top2"), "heat-figure")["data"][0]
    assert (top2["zmin"], top2["zmax"]) == (0, 100)


def test_the_trend_axis_spans_the_scale(manager: User, one_detractor: None) -> None:
    axis = figure(page(manager), "trend-figure")["layout"]["yaxis"]
    low, high = axis["range"]
    assert low < -100 < -95 and 95 < 100 < high  # the whole scale, a little margin for markers
    low, high = figure(page(manager, metric="csat"), "trend-figure")["layout"]["yaxis"]["range"]
    assert 0.5 < low < 1 and 5 < high < 5.5
