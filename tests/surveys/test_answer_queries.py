"""Each step and the final submit cost a fixed, small number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.surveys.test_answer_open_link import SHORT, _form
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey, page_keys
from xdata.models import Response

pytestmark = pytest.mark.django_db


def test_personal_link_page_and_final_submit(django_assert_max_num_queries: Any) -> None:
    make_invitation(make_survey(SHORT))
    client, url = Client(), f"/s/{TOKEN}/"
    client.get(url)  # first open pins the version
    with django_assert_max_num_queries(1):
        keys = page_keys(client.get(url).content.decode())
    with django_assert_max_num_queries(2):
        client.post(url, {"page": keys, "nps": "3"})
    keys = page_keys(client.get(url).content.decode())
    # Look-up, claim the invitation, the response with its answers (+ savepoint).
    with django_assert_max_num_queries(5):
        client.post(url, {"page": keys, "why": "slow"})
    assert Response.objects.count() == 1


# With the survey kept by the GET (the default): the store, then the response with its answers
# in one statement (+ savepoint, as the test runs in a transaction). Without it, the survey
# with its version first.
@pytest.mark.parametrize("kept_seconds, queries", [(5, 4), (0, 5)], ids=["kept", "not-kept"])
def test_open_link_final_submit(
    settings: Any, django_assert_num_queries: Any, kept_seconds: int, queries: int
) -> None:
    settings.CXM_OPEN_LINK_CACHE_SECONDS = kept_seconds
    make_survey(SHORT, open_code="T1")
    client = Client()
    html = client.get("/o/T1/?store=S-1").content.decode()
    with django_assert_num_queries(queries):
        client.post("/o/T1/", {**_form(html), "nps": "9"})
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_open_link_submit_outside_a_transaction_is_one_statement(
    django_assert_num_queries: Any,
) -> None:
    """As in production (autocommit): no BEGIN, COMMIT or savepoint around the insert."""
    make_survey(SHORT, open_code="T1")
    client = Client()
    html = client.get("/o/T1/").content.decode()
    with django_assert_num_queries(1) as captured:
        client.post("/o/T1/", {**_form(html), "nps": "9"})
    assert captured.captured_queries[0]["sql"].startswith("WITH response AS (INSERT")
    response = Response.objects.get()
    assert response.nps == 9
    assert {a.question_key: a.number for a in response.answers.all()}["nps"] == 9
