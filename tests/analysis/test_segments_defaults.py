"""The segments bar shows the kind, metric, sort and order the table uses when the query string
leaves them out: the order follows the sort (rank and name ascending, value and n descending)."""

from __future__ import annotations

import pytest

from cxm.models import User
from tests.analysis.test_overview_defaults import run, selected  # noqa: F401  # fixture
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/analysis/segments/"


@pytest.mark.parametrize(
    ("query", "order"),
    [({}, "asc"), ({"sort": "n"}, "desc"), ({"sort": "value"}, "desc"), ({"sort": "label"}, "asc")],
)
def test_the_order_select_shows_the_order_the_table_uses(
    manager: User,
    run: None,  # noqa: F811  # the fixture imported above
    query: dict[str, str],
    order: str,
) -> None:
    page = client_for(manager).get(URL, query)
    assert page.status_code == 200
    html = page.content.decode()
    assert selected(html, "order") == [order]
    assert selected(html, "kind") == ["store"] and selected(html, "sort") == [
        query.get("sort", "rank")
    ]


def test_an_explicit_order_is_kept(manager: User, run: None) -> None:  # noqa: F811
    html = client_for(manager).get(URL, {"sort": "n", "order": "asc"}).content.decode()
    assert selected(html, "order") == ["asc"]
