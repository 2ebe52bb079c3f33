"""Dates at the edge of the calendar are a form error on the analysis pages and are dropped by
the response explorer, never a server error ("a year before 0001-01-01" has no date)."""

from __future__ import annotations

import pytest

from cxm.models import User
from tests.analysis.test_drivers_page import english, finished_run

pytestmark = pytest.mark.django_db

PAGES = ["/analysis/", "/analysis/segments/", "/analysis/drivers/", "/analysis/csv"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_an_analysis_page_refuses_a_date_outside_1900_to_2100(
    manager: User, url: str, day: str
) -> None:
    finished_run()
    response = english(manager).get(url, {"date_to": day})
    assert response.status_code == 400
    if not url.endswith("csv"):
        assert "Enter a date from 1900 to 2100." in response.content.decode()


def test_the_explorer_ignores_a_date_outside_the_calendar_and_says_so(manager: User) -> None:
    response = english(manager).get("/xdata/responses/", {"date_to": "9999-12-31"})
    assert response.status_code == 200
    assert "names nothing: Date to." in response.content.decode()


@pytest.mark.parametrize("suffix", ["export.csv", "export.xlsx"])
def test_an_export_refuses_a_date_outside_the_calendar(manager: User, suffix: str) -> None:
    response = english(manager).get(f"/xdata/responses/{suffix}", {"date_to": "9999-12-31"})
    assert response.status_code == 400
    assert "Date to" in response.content.decode()
