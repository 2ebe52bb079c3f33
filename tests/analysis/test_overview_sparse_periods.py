"""The overview's trend: a period with fewer answers than the tiles' minimum (30) is a hollow
marker with its own interval, not part of the line or band, and the page says so; every
plotted point lies within its interval."""

from __future__ import annotations

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
QUERY = {"date_from": "2025-08-04", "date_to": "2025-08-17", "period": "week"}


@pytest.fixture
def run() -> None:
    version = published()
    for i in range(40):  # week of 4 August: 40 answers
        make_response(version, at=datetime(2025, 8, 5, 12, tzinfo=SEOUL), nps=(10, 9, 7, 3)[i % 4])
    make_response(version, at=datetime(2025, 8, 12, 12, tzinfo=SEOUL), nps=10)  # one answer
    finished_run(date(2025, 9, 3))


def traces(figure: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    band_high, _band_low, line, *rest = figure["data"]
    assert len(rest) == 1
    return band_high, line, rest[0]


def test_a_week_with_one_answer_is_a_hollow_marker_off_the_line(manager: User, run: None) -> None:
    page = client_for(manager).get("/analysis/", QUERY, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    figure = page.context["trend_figure"]
    band_high, line, sparse = traces(figure)
    assert figure["data"][2]["x"] == ["2025-08-04", "2025-08-11"]
    assert line["y"][0] is not None and line["y"][1] is None
    assert band_high["y"][1] is None and figure["data"][1]["y"][1] is None
    assert sparse["y"] == [None, 100.0]
    assert sparse["marker"]["symbol"] == "circle-open"
    assert "30" in sparse["name"] and figure["layout"]["showlegend"] is True
    # The one promoter's interval reaches its own value: 100 lies within it.
    assert sparse["error_y"]["array"][1] == 0.0
    assert sparse["error_y"]["arrayminus"][1] > 0
    text = page.content.decode()
    assert "hollow marker" in text and "(few answers)" in text


def test_every_plotted_point_lies_within_its_band(manager: User, run: None) -> None:
    page = client_for(manager).get("/analysis/", QUERY, HTTP_ACCEPT_LANGUAGE="en")
    for _start, value in page.context["data"].trend:
        assert value.display_low <= value.display <= value.display_high
    assert '100.0</td><td class="num">\u221248.5 to 100.0' in page.content.decode()


def test_with_enough_answers_everywhere_there_is_no_legend(manager: User, run: None) -> None:
    query = {**QUERY, "date_to": "2025-08-10"}
    page = client_for(manager).get("/analysis/", query, HTTP_ACCEPT_LANGUAGE="en")
    figure = page.context["trend_figure"]
    assert len(figure["data"]) == 3
    assert figure["layout"]["showlegend"] is False
    assert "hollow marker" not in page.content.decode()
