"""The Excel export's prepare page counts at most one row past the export limit, and then says
"more than" the limit, so a broad filter over millions of rows costs no unbounded count."""

from __future__ import annotations

from typing import Any

import pytest

from cxm.models import User
from tests.conftest import client_for, with_language
from tests.xdata.test_explorer import make_response
from tests.xdata.test_exports import XLSX
from xdata.selectors import ExplorerFilters, count_export_rows

pytestmark = pytest.mark.django_db


def test_the_count_stops_one_row_past_the_limit() -> None:
    for _ in range(5):
        make_response()
    assert count_export_rows(ExplorerFilters(), limit=2) == 3
    assert count_export_rows(ExplorerFilters(), limit=10) == 5


def test_the_page_says_more_than_the_limit_when_capped(agent: User, monkeypatch: Any) -> None:
    monkeypatch.setattr("xdata.views.explorer.EXPORT_LIMIT", 2)
    for _ in range(3):
        make_response()
    text = client_for(with_language(agent, "en")).get(XLSX).content.decode()
    assert "More than 2 rows match now." in text
    assert "Only the newest 2 are exported" in text
    assert "3 rows match" not in text
    monkeypatch.setattr("xdata.views.explorer.EXPORT_LIMIT", 3)
    text = client_for(with_language(agent, "en")).get(XLSX).content.decode()
    assert "3 rows match now." in text
