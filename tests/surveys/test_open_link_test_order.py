"""Test links: an open link signed for the reserved test order number is checked like a real
signed order, opens the survey with a notice, walks every step, and records nothing."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import django_rq
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from actions.models import FollowUpTask
from actions.services.evaluation import evaluate_recent_responses
from odata.models import OperationalEvent
from surveys.models import Survey
from surveys.open_links import TEST_ORDER, open_link_signature
from surveys.services.builder import rotate_open_link_secret
from tests.actions.builders import make_rule
from tests.odata.test_customer_360 import OrderFactory
from tests.surveys.test_answer_open_link import SHORT, _answer
from tests.surveys.test_answer_pages import make_survey
from xdata.models import Answer, Response

pytestmark = pytest.mark.django_db

SECRET = "0123456789abcdef" * 4
BANNER = '<p class="test-banner" role="status">Test link: nothing you answer here is recorded.</p>'


def _survey() -> Survey:
    survey = make_survey(SHORT, open_code="R1")
    survey.open_link_secret = SECRET
    survey.save(update_fields=["open_link_secret"])
    return survey


def _link(order: str = TEST_ORDER, *, secret: str = SECRET, expires: str = "") -> str:
    sig = open_link_signature(secret=secret, code="R1", order=order, expires=expires)
    query = {"order": order, **({"exp": expires} if expires else {}), "sig": sig}
    return f"/o/R1/?{urlencode(query)}"


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _written() -> dict[str, int]:
    return {
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "milestones": OperationalEvent.objects.count(),
        "tasks": FollowUpTask.objects.count(),
        "queued rule evaluations": len(django_rq.get_queue("realtime").jobs),
    }


def _walk_a_detractor_through(client: Client, link: str) -> str:
    """Open `link`, leave the required question empty, give a 3 (which shows the follow-up
    question), answer it, and return the last page's HTML."""
    first = client.get(link)
    assert first.status_code == 200
    assert BANNER in first.content.decode()
    refused = _answer(client, "/o/R1/", first.content.decode())
    assert refused.status_code == 400  # validation as for a customer
    assert BANNER in refused.content.decode()
    second = _answer(client, "/o/R1/", first.content.decode(), nps="3")
    assert "Why?" in second.content.decode()  # the display condition, as for a customer
    assert BANNER in second.content.decode()
    done = _answer(client, "/o/R1/", second.content.decode(), why="Testing the POS")
    assert done.status_code == 200
    return done.content.decode()


def test_a_test_link_walks_every_step_and_records_nothing_again_and_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _survey()
    make_rule()  # a detractor rule that would open a task for a 3
    before = _written()
    expires = str(int(time.time()) + 3600)
    for _ in range(2):  # not "once per order": the second run works as well
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            thanks = _walk_a_detractor_through(_client(), _link(expires=expires))
        assert callbacks == []
        assert "Thank you, we have your answer" in thanks
        assert BANNER in thanks
        assert "Testing the POS" in thanks  # the answers are shown back, as to a customer
    assert evaluate_recent_responses()["responses"] == 0
    assert _written() == before == dict.fromkeys(before, 0)


def test_a_test_link_looks_up_no_order_and_leaves_a_same_numbered_order_alone() -> None:
    _survey()
    order = OrderFactory(external_id=TEST_ORDER)
    client = _client()
    with CaptureQueriesContext(connection) as queries:
        _walk_a_detractor_through(client, _link())
    assert not [q for q in queries.captured_queries if "odata_order" in q["sql"]]
    assert not Response.objects.exists()
    assert not Response.objects.filter(order=order).exists()


def test_a_real_signed_order_still_records_and_its_thank_you_page_has_no_test_notice() -> None:
    _survey()
    order = OrderFactory(external_id="POS-1/0001")
    _walk_a_detractor_through(_client(), _link())  # the kept thank-you frame has the notice
    client = _client()
    first = client.get(_link(order.external_id))
    page = first.content.decode()
    assert first.status_code == 200
    assert "test-banner" not in page
    assert "Your answer is about the purchase on your receipt" in page
    thanks = _answer(client, "/o/R1/", page, nps="9").content.decode()
    assert "Thank you, we have your answer" in thanks
    assert "test-banner" not in thanks
    response = Response.objects.get()
    assert (response.order, response.customer, response.nps) == (order, order.customer, 9)
    assert "Your answer is about the purchase" not in _client().get(_link()).content.decode()


def _main(html: str) -> str:
    return html[html.index('<main id="main"') :]


def test_forged_expired_and_malformed_test_links_are_refused_like_real_ones() -> None:
    _survey()
    OrderFactory(external_id="A-1")
    good = _link()
    signature = good.rsplit("sig=", 1)[1]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    past = str(int(time.time()) - 60)
    pairs = {
        "edited signature": (
            f"/o/R1/?order={TEST_ORDER}&sig={flipped}",
            f"/o/R1/?order=A-1&sig={flipped}",
        ),
        "wrong secret": (_link(secret="f" * 64), _link("A-1", secret="f" * 64)),
        "expired": (_link(expires=past), _link("A-1", expires=past)),
        "no signature": (f"/o/R1/?order={TEST_ORDER}", "/o/R1/?order=A-1"),
    }
    for name, (test, real) in pairs.items():
        refused, like = _client().get(test), _client().get(real)
        assert (refused.status_code, name) == (like.status_code, name)
        assert refused.status_code in (400, 404, 410)
        html = refused.content.decode()
        assert _main(html) == _main(like.content.decode())  # the same page, after the switch
        assert "test-banner" not in html
    assert _client().get(good).status_code == 200


def test_forged_test_links_count_toward_the_bad_token_limit(settings: Any) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 2
    _survey()
    client = _client()
    forged = [f"/o/R1/?order={TEST_ORDER}&sig={digit * 64}" for digit in "012"]
    assert [client.get(url).status_code for url in forged] == [404, 404, 429]


def test_a_test_form_opened_before_the_secret_was_rotated_is_refused_when_sent() -> None:
    survey = _survey()
    client = _client()
    page = client.get(_link()).content.decode()
    rotate_open_link_secret(survey=survey)
    refused = _answer(client, "/o/R1/", page, nps="9")
    assert refused.status_code == 404
    assert "This survey link does not work" in refused.content.decode()
    assert "Thank you" not in refused.content.decode()


def test_a_test_answer_does_not_count_toward_the_submit_limit(settings: Any) -> None:
    settings.CXM_OPEN_LINK_SUBMITS_PER_HOUR = 1
    _survey()
    client = _client()
    for _ in range(3):
        page = client.get(_link()).content.decode()
        assert _answer(client, "/o/R1/", page, nps="9").status_code == 200
    # The address's one real answer this hour is still there to give.
    page = client.get("/o/R1/").content.decode()
    assert _answer(client, "/o/R1/", page, nps="9").status_code == 200
    again = _answer(client, "/o/R1/", client.get("/o/R1/").content.decode(), nps="9")
    assert again.status_code == 429
    assert Response.objects.count() == 1
