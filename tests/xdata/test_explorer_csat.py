"""The explorer and its exports show a response's CSAT as the analysis counts it: a survey
without a CSAT question (the store-visit survey) counts its first 1-5 rating, in the list's
score column, the CSAT bands, the detail page and the exports' `csat` column; a survey with a
CSAT question shows that answer only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cxm.models import User
from tests.conftest import client_for
from tests.odata.test_customer_360 import CustomerFactory, english
from tests.xdata.test_explorer import T0, make_feedback, make_response, published, shown
from tests.xdata.test_exports import by_header, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db

VISIT = [
    {"key": "visit_rating", "type": "rating", "text": {"ko": "방문", "en": "Visit"}},
    {"key": "staff", "type": "rating", "text": {"ko": "직원", "en": "Staff"}},
]
WITH_CSAT = [
    {"key": "staff", "type": "rating", "text": {"ko": "직원", "en": "Staff"}},
    {"key": "sat", "type": "csat", "text": {"ko": "만족", "en": "Satisfied"}},
]


def _scores(html: str) -> list[str]:
    cells = re.findall(r'<td data-label="Score">(.*?)</td>', html, flags=re.S)
    return [" ".join(cell.split()) for cell in cells]


def test_a_rating_only_survey_shows_its_first_rating_as_csat(agent: User) -> None:
    make_response(published(questions=VISIT), nps=None, answers={"visit_rating": 2, "staff": 5})
    make_response(
        published(questions=WITH_CSAT),
        at=T0 - timedelta(hours=1),
        nps=None,
        csat=4,
        answers={"staff": 1, "sat": 4},
    )
    make_response(published(questions=VISIT), at=T0 - timedelta(hours=2), nps=7, answers={})
    make_feedback(at=T0 - timedelta(hours=3), rating=3)
    html = shown(english(agent))
    assert _scores(html) == ["CSAT 2", "CSAT 4", "NPS 7", "★ 3"]


def test_the_csat_bands_pick_the_rating_counted_as_csat(agent: User) -> None:
    low = make_response(published(questions=VISIT), nps=None, answers={"visit_rating": 1})
    high = make_response(published(questions=VISIT), nps=None, answers={"visit_rating": 5})
    column = make_response(published(questions=WITH_CSAT), nps=None, csat=2, answers={"sat": 2})
    # A survey with a CSAT question is judged by it, not by its rating question.
    make_response(published(questions=WITH_CSAT), nps=None, csat=5, answers={"staff": 1})
    client = client_for(agent)
    low_page = shown(client, "score=csat_low")
    assert str(low.code) in low_page and str(column.code) in low_page
    assert str(high.code) not in low_page
    high_page = shown(client, "score=csat_high")
    assert str(high.code) in high_page and str(low.code) not in high_page
    assert str(column.code) not in high_page


def test_the_detail_page_shows_the_rating_counted_as_csat(agent: User) -> None:
    response = make_response(published(questions=VISIT), nps=None, answers={"visit_rating": 2})
    page = english(agent).get(f"/xdata/responses/{response.code}/")
    assert page.status_code == 200
    assert "<dt>CSAT</dt><dd>2</dd>" in page.content.decode()


def test_exports_write_the_rating_counted_as_csat(agent: User) -> None:
    make_response(published(questions=VISIT), nps=None, answers={"visit_rating": 2, "staff": 5})
    make_response(
        published(questions=WITH_CSAT),
        at=T0 - timedelta(hours=1),
        nps=None,
        csat=4,
        answers={"staff": 1, "sat": 4},
    )
    make_feedback(at=T0 - timedelta(hours=2), rating=3)
    for rows in (csv_rows(client_for(agent)), xlsx_rows(client_for(agent))):
        visit, with_csat, feedback = by_header(rows)
        assert str(visit["csat"]) == "2" and str(visit["q.visit_rating"]) == "2"
        assert str(with_csat["csat"]) == "4" and str(with_csat["q.staff"]) == "1"
        # `rating` stays the other channels' stars, as the analysis keeps them apart.
        assert visit["rating"] in ("", None) and str(feedback["rating"]) == "3"
        assert feedback["csat"] in ("", None)


def test_the_customer_timeline_shows_the_rating_counted_as_csat(agent: User) -> None:
    customer = CustomerFactory()
    make_response(
        published(questions=VISIT), nps=None, customer=customer, answers={"visit_rating": 2}
    )
    page = english(agent).get(f"/odata/customers/{customer.code}/").content.decode()
    assert "· CSAT 2" in page
