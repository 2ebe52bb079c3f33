"""The segments page: shrunk ranks, sorting, filters, CSV."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
AS_OF = date(2025, 9, 3)
DAY = datetime(2025, 8, 20, 12, 0, tzinfo=SEOUL)
URL = "/analysis/segments/"


@pytest.fixture
def stores() -> dict[str, object]:
    version = published()
    tiny = StoreFactory(name="작은점", external_id="TINY")
    big_good = StoreFactory(name="큰점", external_id="BIG")
    big_bad = StoreFactory(name="아쉬운점", external_id="LOW")
    others = [StoreFactory(external_id=f"MID{i}") for i in range(4)]
    for _ in range(3):
        make_response(version, at=DAY, nps=10, store=tiny)  # NPS 100 on three answers
    # Many answers each: NPS 60 (BIG), 10 (LOW), 30 (the others).
    for store, promoters, detractors in [(big_good, 7, 1), (big_bad, 4, 3)] + [
        (o, 5, 2) for o in others
    ]:
        for i in range(80):
            score = 10 if i % 10 < promoters else 0 if i % 10 >= 10 - detractors else 8
            make_response(version, at=DAY, nps=score, store=store)
    finished_run(AS_OF)
    return {"tiny": tiny, "big_good": big_good}


def _rows(csv_text: str) -> list[list[str]]:
    return [line.split(",") for line in csv_text.splitlines()[1:]]


def test_a_store_with_three_perfect_answers_does_not_top_the_ranking(
    manager: User, stores: object
) -> None:
    response = client_for(manager).get(URL + "csv", {"kind": "store", "metric": "nps"})
    assert response.status_code == 200
    rows = {r[1]: r for r in _rows(response.content.decode("utf-8-sig"))}
    assert float(rows["TINY"][5]) == pytest.approx(100.0)  # observed value
    assert rows["BIG"][9] == "1"  # rank 1 by the shrunk estimate
    assert rows["TINY"][9] == "2"
    assert float(rows["TINY"][8]) < 100.0  # pulled toward the mean


def test_the_page_lists_segments_with_n_interval_and_rank(agent: User, stores: object) -> None:
    page = client_for(agent).get(URL, {"kind": "store"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("작은점 (TINY)", "큰점 (BIG)", "아쉬운점 (LOW)"):
        assert name in text
    assert "Rank (shrunk)" in text and "Interval (95%)" in text
    assert "How this is computed" in text


def test_sorting_by_name_and_by_n(manager: User, stores: object) -> None:
    client = client_for(manager)
    by_n = client.get(URL + "csv", {"kind": "store", "sort": "n", "order": "asc"})
    assert next(r[1] for r in _rows(by_n.content.decode("utf-8-sig"))) == "TINY"
    by_value = client.get(URL + "csv", {"kind": "store", "sort": "value", "order": "desc"})
    assert next(r[1] for r in _rows(by_value.content.decode("utf-8-sig"))) == "TINY"


def test_other_segment_kinds_and_a_bad_kind(manager: User, stores: object) -> None:
    client = client_for(manager)
    assert client.get(URL, {"kind": "weekday"}).status_code == 200
    assert client.get(URL, {"kind": "region", "metric": "csat"}).status_code == 200
    bad = client.get(URL, {"kind": "planet"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()


def test_outsiders_are_refused(outsider: User, stores: object) -> None:
    assert client_for(outsider).get(URL).status_code == 403
    assert client_for(outsider).get(URL + "csv").status_code == 403
