"""Keyset pages of the explorer: every row exactly once across pages, in order, even when many
rows (of both sources) share one timestamp, and a cursor survives rows arriving meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.xdata.test_explorer import T0, make_feedback, make_response, published
from xdata.selectors import Cursor, ExplorerFilters, Source, explore

pytestmark = pytest.mark.django_db


def walk(filters: ExplorerFilters, limit: int) -> list[Any]:
    seen: list[Any] = []
    after = None
    for _ in range(100):
        page = explore(filters, after=after, limit=limit)
        assert len(page.rows) <= limit
        seen += page.rows
        if page.next_cursor is None:
            return seen
        assert len(page.rows) == limit
        after = Cursor.decode(page.next_cursor.encode())
    raise AssertionError("did not reach the last page")


@pytest.mark.parametrize("limit", [1, 3, 7, 50])
def test_pages_cover_every_row_once_in_order(limit: int) -> None:
    version = published()
    made = set()
    for i in range(12):
        # Groups of four share a timestamp, across both sources.
        at = T0 - timedelta(minutes=i // 4)
        made.add(make_response(version, at=at).code)
        made.add(make_feedback(at=at).code)
    rows = walk(ExplorerFilters(), limit)
    assert [r.code for r in rows if r.code in made] == [r.code for r in rows]
    assert len(rows) == len(made) == len({r.code for r in rows})
    keys = [(r.at, r.kind, r.code) for r in rows]
    assert keys == sorted(keys, reverse=True)


def test_equal_timestamps_in_one_source() -> None:
    version = published()
    made = {make_response(version, at=T0).code for _ in range(9)}
    rows = walk(ExplorerFilters(source=Source.SURVEYS), 2)
    assert [r.code for r in rows] == sorted(made, reverse=True)


def test_new_rows_do_not_shift_later_pages() -> None:
    version = published()
    old = [make_response(version, at=T0 - timedelta(minutes=m)).code for m in range(6)]
    first = explore(ExplorerFilters(), limit=3)
    assert [r.code for r in first.rows] == old[:3]
    make_response(version, at=T0 + timedelta(hours=1))  # arrives while the reader reads
    second = explore(ExplorerFilters(), after=first.next_cursor, limit=3)
    assert [r.code for r in second.rows] == old[3:]
    assert second.next_cursor is None


def test_filters_apply_on_every_page() -> None:
    version = published()
    promoters = {
        make_response(version, at=T0 - timedelta(minutes=m), nps=10 if m % 2 else 3).code
        for m in range(10)
    }
    rows = walk(ExplorerFilters(score="nps_promoter"), 2)
    assert {r.subject.nps for r in rows} == {10}
    assert len(rows) == 5 and {r.code for r in rows} <= promoters


@pytest.mark.parametrize("token", ["", "garbage", "MjAyNQ", "x" * 500, "fHx8"])
def test_malformed_cursors_mean_the_first_page(token: str) -> None:
    assert Cursor.decode(token) is None
