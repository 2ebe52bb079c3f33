"""The overview's filter bar shows the metric and period the page uses when the query string
leaves them out, so pressing Apply without a change keeps the page as it is."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

URL = "/analysis/"


@pytest.fixture
def run() -> None:
    version = published()
    for score in (10, 9, 3):
        make_response(
            version, at=datetime(2025, 8, 20, 12, tzinfo=ZoneInfo("Asia/Seoul")), nps=score
        )
    finished_run(date(2025, 9, 3))


def selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))


def trend_rows(html: str) -> int:
    return html.count('<tr><th scope="row">')


def test_without_a_period_the_bar_shows_the_week_the_chart_uses(manager: User, run: None) -> None:
    client = client_for(manager)
    default = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert selected(default, "period") == ["week"]
    assert selected(default, "metric") == ["nps"]
    applied = client.get(
        URL, {"period": "week", "metric": "nps"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert trend_rows(default) == trend_rows(applied)
    assert client.get(URL, {"period": "day"}).content.decode().count("<tr><th") > trend_rows(
        default
    )


def test_an_empty_period_is_the_default_and_links_do_not_gain_it(manager: User, run: None) -> None:
    page = client_for(manager).get(URL, {"period": ""}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert selected(html, "period") == ["week"]
    assert "period=week" not in html
    assert 'href="/analysis/csv?"' in html


def test_the_default_page_runs_the_same_queries_as_the_explicit_one(
    manager: User, run: None
) -> None:
    client = client_for(manager)
    client.get(URL)  # warm the session and the run lookup alike for both
    with CaptureQueriesContext(connection) as default:
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as explicit:
        assert client.get(URL, {"period": "week", "metric": "nps"}).status_code == 200
    assert statements(default) == statements(explicit)


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL without its literals and cursor names (the session lookup carries the time)."""
    pattern = r"'[^']*'|\"_django_curs_\w+\""
    return [re.sub(pattern, "?", q["sql"]) for q in queries.captured_queries]
