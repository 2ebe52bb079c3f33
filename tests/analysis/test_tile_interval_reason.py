"""A score with answers but no interval (a CSAT mean from one answer) says why, on the
overview's tiles and in the segments table, instead of a bare dash."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
REASON = "too few responses for an interval"


@pytest.fixture
def one_answer() -> None:
    make_response(published(), at=datetime(2026, 11, 20, 12, tzinfo=SEOUL), nps=9, csat=4)
    finished_run(date(2026, 11, 24))


def tile(html: str, label: str) -> str:
    found = re.search(rf"<h3>{re.escape(label)}</h3>(.*?)</li>", html, re.S)
    assert found is not None
    return found.group(1)


def test_the_csat_tile_says_why_it_has_no_interval(manager: User, one_answer: None) -> None:
    html = client_for(manager).get("/analysis/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    csat = tile(html, "CSAT (mean)")
    assert f"Interval (95%): {REASON}" in csat
    assert "n = 1" in csat
    assert REASON not in tile(html, "NPS")  # one NPS answer has an (adjusted Wald) interval
    ces = tile(html, "CES (mean)")  # no answers at all: a dash and n = 0, not "too few"
    assert REASON not in ces and "n = 0" in ces


def test_the_segments_table_says_why(manager: User, one_answer: None) -> None:
    html = (
        client_for(manager)
        .get("/analysis/segments/", {"kind": "survey", "metric": "csat"}, HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    cell = re.search(r'<td class="num" data-label="Interval \(95%\)">(.*?)</td>', html, re.S)
    assert cell is not None and REASON in cell.group(1)
