"""The explorer counts a store-visit survey's first rating as CSAT without reading any
version's question list: the key is stored on the version when it is published, so the list,
its htmx page and a CSAT band filter cost the same however many versions exist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.models import User
from tests.conftest import client_for
from tests.odata.test_customer_360 import english
from tests.xdata.test_explorer import T0, URL, make_response, published

pytestmark = pytest.mark.django_db

VISIT = [
    {"key": "visit_rating", "type": "rating", "text": {"ko": "방문", "en": "Visit"}},
    {"key": "staff", "type": "rating", "text": {"ko": "직원", "en": "Staff"}},
]
QUESTIONS_COLUMN = '"surveys_surveyversion"."questions"'


def _sql_of_page(agent: User, query: str, **headers: str) -> tuple[str, list[str]]:
    client = english(agent) if not headers else client_for(agent)
    client.get(URL)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL + ("?" + query if query else ""), headers=headers)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize(
    ("query", "headers"),
    [("", {}), ("score=csat_low", {}), ("score=csat_low", {"HX-Request": "true"})],
)
def test_the_explorer_reads_no_question_list(
    agent: User, query: str, headers: dict[str, str]
) -> None:
    for hours in range(6):
        response = make_response(
            published(questions=VISIT),
            at=T0 - timedelta(hours=hours),
            nps=None,
            answers={"visit_rating": 1 + hours % 2, "staff": 5},
        )
    html, sql = _sql_of_page(agent, query, **headers)
    assert str(response.code) in html
    assert not [s for s in sql if QUESTIONS_COLUMN in s]


def test_the_csat_query_does_not_grow_with_versions(agent: User) -> None:
    make_response(published(questions=VISIT), nps=None, answers={"visit_rating": 2})
    _html, few = _sql_of_page(agent, "score=csat_low")
    for _ in range(5):
        make_response(published(questions=VISIT), nps=None, answers={"visit_rating": 2})
    _html, many = _sql_of_page(agent, "score=csat_low")
    assert len(many) == len(few)
    # One CSAT subquery for any number of versions, not one per version.
    assert sum(s.count("SELECT") for s in many) == sum(s.count("SELECT") for s in few)
