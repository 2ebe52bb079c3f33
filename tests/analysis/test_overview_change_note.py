"""The overview's "▲/▼ marker" note and the tiles' markers compare the latest complete month
inside the selected dates with the month before it (also inside them); with no such pair in
the selection, or no tile with enough answers on both sides, there is neither marker nor note."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from analysis.selectors.cells import CellFilter
from analysis.selectors.dashboards import compared_months
from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
AS_OF = date(2026, 11, 24)
URL = "/analysis/"
NOTE = "A ▲/▼ marker means"


@pytest.fixture
def months_of_answers() -> None:
    version = published()
    for month in range(1, 12):
        for i in range(40):
            make_response(version, at=datetime(2026, month, 10, 12, tzinfo=SEOUL), nps=i % 11)
    finished_run(AS_OF)


def page(user: User, **query: str) -> str:
    response = client_for(user).get(URL, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_default_year_compares_october_with_september(
    manager: User, months_of_answers: None
) -> None:
    assert f"{NOTE} October 2026 differs significantly from September 2026" in page(manager)


def test_a_part_of_one_month_has_no_note(manager: User, months_of_answers: None) -> None:
    html = page(manager, date_from="2026-11-01", date_to="2026-11-24")
    assert NOTE not in html
    assert "October" not in html and "September" not in html


def test_an_earlier_range_names_its_own_months(manager: User, months_of_answers: None) -> None:
    html = page(manager, date_from="2026-01-01", date_to="2026-06-30")
    assert f"{NOTE} June 2026 differs significantly from May 2026" in html


def test_too_few_answers_on_either_side_has_no_note(manager: User) -> None:
    make_response(published(), at=datetime(2026, 10, 10, 12, tzinfo=SEOUL), nps=9)
    finished_run(AS_OF)
    assert NOTE not in page(manager)


def test_compared_months_ends_at_the_last_complete_month_of_the_range() -> None:
    def months(start: date | None, end: date | None) -> tuple[date, date] | None:
        return compared_months(CellFilter(date_from=start, date_to=end), AS_OF)

    assert months(None, None) == (date(2026, 10, 1), date(2026, 9, 1))
    assert months(date(2026, 9, 1), date(2026, 10, 31)) == (date(2026, 10, 1), date(2026, 9, 1))
    assert months(date(2026, 9, 2), date(2026, 10, 31)) is None  # September not all inside
    assert months(date(2026, 9, 1), date(2026, 10, 30)) is None  # October not over in range
    assert months(date(2026, 1, 1), date(2026, 12, 31)) == (date(2026, 10, 1), date(2026, 9, 1))
    assert compared_months(CellFilter(), None) is None
