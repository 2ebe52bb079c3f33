"""Segments whose shrunk estimates are equal as shown share a rank, and when the shrinkage
pulls every segment to the pooled mean the page says the data cannot tell them apart."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from analysis.stats import competition_ranks
from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import make_response, published

URL = "/analysis/segments/"
DAY = datetime(2025, 8, 20, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))


def test_equal_values_share_a_rank_and_the_next_skips_the_tied_places() -> None:
    ranks = competition_ranks([11.431, 20.0, 11.428, math.nan, 11.43, 3.0], decimals=2)
    assert ranks.tolist() == [2, 1, 2, 0, 2, 5]


def test_values_different_at_the_shown_precision_keep_their_order() -> None:
    assert competition_ranks(np.array([1.0, 1.02, 0.98]), decimals=2).tolist() == [2, 1, 3]
    assert competition_ranks([], decimals=2).tolist() == []


@pytest.fixture
def alike_stores() -> None:
    """Four stores with the same answers: no real difference to find."""
    version = published()
    for i in range(4):
        store = StoreFactory(external_id=f"S{i}")
        for score in (10, 10, 9, 8, 3, 0, 10, 7):
            make_response(version, at=DAY, nps=score, store=store)
    finished_run(date(2025, 9, 3))


@pytest.mark.django_db
def test_stores_the_data_cannot_tell_apart_share_rank_one(
    manager: User, alike_stores: None
) -> None:
    page = client_for(manager).get(
        URL,
        {"kind": "store", "metric": "nps", "date_from": "2025-08-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    table = page.context["table"]
    assert [row.rank for row in table.rows] == [1, 1, 1, 1]
    assert all(row.tied for row in table.rows)
    assert table.indistinguishable
    text = page.content.decode()
    assert text.count(">1=<") == 4
    assert "The data cannot tell these segments" in text
    csv = client_for(manager).get(URL + "csv", {"kind": "store", "date_from": "2025-08-01"})
    ranks = [line.split(",")[9] for line in csv.content.decode("utf-8-sig").splitlines()[1:]]
    assert ranks == ["1", "1", "1", "1"]


@pytest.mark.django_db
def test_distinct_stores_are_not_called_indistinguishable(manager: User) -> None:
    version = published()
    for external_id, scores in (("GOOD", (10,) * 60), ("BAD", (0,) * 60)):
        store = StoreFactory(external_id=external_id)
        for score in scores:
            make_response(version, at=DAY, nps=score, store=store)
    finished_run(date(2025, 9, 3))
    page = client_for(manager).get(URL, {"date_from": "2025-08-01"}, HTTP_ACCEPT_LANGUAGE="en")
    table = page.context["table"]
    assert [(row.key, row.rank, row.tied) for row in table.rows] == [
        ("GOOD", 1, False),
        ("BAD", 2, False),
    ]
    assert "cannot tell" not in page.content.decode()
