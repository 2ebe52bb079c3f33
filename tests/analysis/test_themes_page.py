"""The text-themes page and its CSV: terms unhappy customers use more (with examples, each
once), top terms with intervals, the monthly trend, filters and the formula guard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from analysis.models import AnalysisRun
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import themes_report
from analysis.services.themes import compute_theme_terms
from cxm.models import User
from odata.models import Store
from tests.analysis.test_drivers_page import AS_OF, finished_run, rows_of
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory, english
from tests.xdata.test_explorer import SEOUL, make_feedback, make_response, published

pytestmark = pytest.mark.django_db

URL = "/analysis/themes/"


def _comments(store: Store, other: Store) -> AnalysisRun:
    from datetime import datetime

    at = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, tzinfo=SEOUL) - timedelta(days=3)
    version = published()
    unhappy = [
        "배송 지연이 너무 심했어요.",
        "배송 지연 때문에 선물을 못 줬어요.",
        "Late delivery and nobody told me.",
        "배송 지연, 포장도 엉망",
        "=1+1 배송 지연이 심각합니다",  # the newest: the first example
    ]
    make_response(version, at=at, nps=2, comment="배송 지연이 너무 심했어요.", store=store)
    for text in unhappy:
        make_response(version, at=at, nps=2, comment=text, store=store)
    for text in [
        "친절한 직원 덕분에 좋았어요.",
        "직원이 친절해요.",
        "Friendly staff, fast delivery.",
    ]:
        make_response(version, at=at, nps=10, comment=text, store=store)
    make_response(version, at=at - timedelta(days=40), nps=1, comment="배송 지연 또", store=store)
    make_feedback(at=at, text="다른 매장은 주차가 불편", rating=1, store=other)
    run = finished_run()
    compute_theme_terms(run=run, progress=lambda _p: None, now=at + timedelta(days=1))
    return run


def test_unhappy_terms_rank_by_log_odds_with_distinct_examples() -> None:
    store, other = StoreFactory(), StoreFactory()
    run = _comments(store, other)

    report = themes_report(run, CellFilter())
    assert report.texts == 11 and report.texts_unhappy == 8 and report.texts_happy == 3
    terms = [t.term for t in report.distinct]
    # 지연 only ever follows 배송 here: the phrase names the theme, the word is its variant.
    assert "배송 지연" in terms[:3]
    delay = next(t for t in report.distinct if t.term == "배송 지연")
    assert "지연" in delay.variants and "지연" not in terms
    assert delay.count == 6 and delay.count_happy == 0 and delay.z is not None and delay.z > 0
    assert delay.share.n == 8
    assert len(delay.examples) == len(set(delay.examples)) == 3
    assert report.top[0].term == "배송 지연" and report.top[0].share.method == "wilson"
    assert {"배송", "지연"} <= set(report.top[0].variants)
    assert len(report.months) == 2
    assert dict(report.trend)["배송 지연"] == [1, 5]


def test_outsider_is_refused(outsider: User) -> None:
    finished_run()
    assert client_for(outsider).get(URL).status_code == 403


def test_page_filters_by_store_and_language(manager: User) -> None:
    store, other = StoreFactory(), StoreFactory()
    _comments(store, other)
    client = english(manager)

    html = client.get(URL).content.decode()
    assert 'id="distinct-terms"' in html and 'id="top-terms"' in html
    assert "배송 지연" in html and "How this is computed" in html
    assert "주차" in client.get(URL, {"store": str(other.code)}).content.decode()
    assert "주차" not in client.get(URL, {"store": str(store.code)}).content.decode()
    english_only = client.get(URL, {"language": "en"}).content.decode()
    assert "배송 지연" not in english_only and "late" in english_only
    assert client.get(URL, {"language": "fr"}).status_code == 400


def test_csv_guards_comment_examples(manager: User) -> None:
    store, other = StoreFactory(), StoreFactory()
    _comments(store, other)

    rows = rows_of(english(manager).get(URL + "csv"))
    kinds = {r[0] for r in rows[1:]}
    assert kinds == {"top", "unhappy_vs_happy", "month"}
    examples = [r[9] for r in rows if r[0] == "unhappy_vs_happy" and r[9].startswith("'=")]
    assert examples  # the comment starting with "=" is text, not a formula
    assert all(not r[9].startswith("=") for r in rows)


def test_query_count_is_pinned(manager: User, django_assert_num_queries: Any) -> None:
    store, other = StoreFactory(), StoreFactory()
    _comments(store, other)
    client = english(manager)
    client.get(URL)
    # 19: one reads which terms occur in the same texts (merged into one theme); the words of
    # a phrase not among the candidates would take one more.
    with django_assert_num_queries(19):
        assert client.get(URL).status_code == 200
