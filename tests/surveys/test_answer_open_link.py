"""Open links (QR codes): hidden context from the query, one-time submission keys, rate limits."""

from __future__ import annotations

import re
from typing import Any

import django_rq
import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from surveys.views.public import answer_summary
from tests.odata.test_customer_360 import StoreFactory
from tests.surveys.test_answer_pages import make_survey, publish
from xdata.models import Response

pytestmark = pytest.mark.django_db

SHORT = [
    {"key": "nps", "type": "nps", "required": True, "text": {"ko": "추천?", "en": "Recommend?"}},
    {
        "key": "why",
        "type": "long_text",
        "required": False,
        "text": {"ko": "이유는?", "en": "Why?"},
        "show_if": {"question": "nps", "op": "lte", "value": 6},
    },
]


def _form(html: str) -> dict[str, str]:
    """The hidden fields of the answer form on `html`."""
    return dict(
        re.findall(r'<input type="hidden" name="(page|state|submission_key)" value="([^"]*)"', html)
    )


def _answer(client: Client, url: str, html: str, **answers: Any) -> Any:
    return client.post(url, {**_form(html), **answers})


def test_open_link_records_an_anonymous_response_with_store_and_channel() -> None:
    survey = make_survey(SHORT, open_code="T1")
    store = StoreFactory(external_id="S-77")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get("/o/T1/?store=S-77&channel=qr_table")
    assert first.status_code == 200
    assert "Recommend?" in first.content.decode()
    second = _answer(client, "/o/T1/", first.content.decode(), nps="5")
    assert second.status_code == 200
    assert "Why?" in second.content.decode()
    done = _answer(client, "/o/T1/", second.content.decode(), why="Long wait")
    assert "Thank you, we have your answer" in done.content.decode()
    response = Response.objects.get()
    assert (response.survey, response.nps, response.comment) == (survey, 5, "Long wait")
    assert (response.store, response.purchase_channel) == (store, "qr_table")
    assert response.customer is None and response.invitation is None
    assert response.touchpoint == survey.touchpoint
    assert response.language == "en"
    assert response.daypart in {"morning", "lunch", "afternoon", "evening"}
    assert response.submission_key is not None


def test_unknown_store_and_odd_channel_are_ignored() -> None:
    make_survey(SHORT, open_code="T1")
    client = Client()
    first = client.get("/o/T1/?store=NOPE&channel=<script>")
    _answer(client, "/o/T1/", first.content.decode(), nps="10")
    response = Response.objects.get()
    assert (response.store, response.purchase_channel) == (None, "")


def test_double_submit_with_the_same_key_records_once() -> None:
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client.get("/o/T1/").content.decode()
    first = _answer(client, "/o/T1/", html, nps="9")
    again = _answer(client, "/o/T1/", html, nps="9")
    assert first.status_code == again.status_code == 200
    assert "Thank you, we have your answer" in again.content.decode()
    assert Response.objects.count() == 1
    # A fresh visit gets a fresh key.
    _answer(client, "/o/T1/", client.get("/o/T1/").content.decode(), nps="9")
    assert Response.objects.count() == 2


def test_tampered_state_is_refused_with_400() -> None:
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = _form(client.get("/o/T1/").content.decode())
    response = client.post("/o/T1/", {**form, "state": form["state"] + "x", "nps": "9"})
    assert response.status_code == 400
    assert "This page has expired" in response.content.decode()
    no_key = client.post("/o/T1/", {**form, "submission_key": "not-a-uuid", "nps": "9"})
    assert no_key.status_code == 400
    assert not Response.objects.exists()


def test_visitor_keeps_the_version_they_started_with() -> None:
    survey = make_survey(SHORT, open_code="T1")
    client = Client()
    html = client.get("/o/T1/").content.decode()
    publish(survey, [{**SHORT[0], "key": "nps2"}])
    _answer(client, "/o/T1/", html, nps="7")
    assert Response.objects.get().version.number == 1


def test_views_over_the_limit_get_429(settings: Any) -> None:
    settings.CXM_OPEN_LINK_VIEWS_PER_MINUTE = 3
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert [client.get("/o/T1/").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/o/T1/")
    assert limited.status_code == 429
    assert "Too many attempts" in limited.content.decode()
    # Another address is not affected.
    assert Client(REMOTE_ADDR="10.0.0.9").get("/o/T1/").status_code == 200


def test_submits_over_the_limit_get_429_and_record_nothing(settings: Any) -> None:
    settings.CXM_OPEN_LINK_SUBMITS_PER_HOUR = 2
    make_survey(SHORT, open_code="T1")
    client = Client()
    statuses = [
        _answer(client, "/o/T1/", client.get("/o/T1/").content.decode(), nps="10").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert Response.objects.count() == 2


def test_every_step_of_an_answer_counts_as_a_view(settings: Any) -> None:
    settings.CXM_OPEN_LINK_VIEWS_PER_MINUTE = 3
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get("/o/T1/")
    second = _answer(client, "/o/T1/", first.content.decode(), nps="5")
    assert second.status_code == 200 and "Why?" in second.content.decode()
    replay = _answer(client, "/o/T1/", first.content.decode(), nps="5")  # the third view
    assert replay.status_code == 200
    limited = _answer(client, "/o/T1/", second.content.decode(), why="Slow")
    assert limited.status_code == 429
    assert not Response.objects.exists()


def test_posts_with_forged_state_are_counted_before_the_survey_is_looked_up(
    settings: Any,
) -> None:
    settings.CXM_OPEN_LINK_VIEWS_PER_MINUTE = 2
    client = Client()
    forged = {"state": "forged", "submission_key": "00000000-0000-0000-0000-000000000000"}
    statuses = [client.post("/o/NOPE/", forged).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def _evalsha_calls() -> int:
    stats = django_rq.get_connection("default").info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


def test_the_last_step_counts_view_and_submit_in_one_redis_call(settings: Any) -> None:
    settings.CXM_OPEN_LINK_SUBMITS_PER_HOUR = 1
    make_survey(SHORT, open_code="T1")
    client = Client()
    html = client.get("/o/T1/").content.decode()
    before = _evalsha_calls()
    assert _answer(client, "/o/T1/", html, nps="10").status_code == 200
    assert _evalsha_calls() - before == 1
    # Both keys were counted: the next submit from this address is over the hourly limit.
    again = _answer(client, "/o/T1/", client.get("/o/T1/").content.decode(), nps="10")
    assert again.status_code == 429


def test_open_link_speaks_the_browsers_language() -> None:
    make_survey(SHORT, open_code="T1")
    assert "추천?" in Client(HTTP_ACCEPT_LANGUAGE="ko").get("/o/T1/").content.decode()
    assert "Recommend?" in Client(HTTP_ACCEPT_LANGUAGE="en-US").get("/o/T1/").content.decode()


def test_answer_and_thank_you_pages_load_no_script_and_the_thank_you_page_no_switch() -> None:
    make_survey(SHORT, open_code="T1")
    client = Client()
    page = client.get("/o/T1/").content.decode()
    assert "<script" not in page
    assert 'class="language-switch"' in page  # the customer can switch while answering
    thanks = _answer(client, "/o/T1/", page, nps="9").content.decode()
    assert "<script" not in thanks
    # Switching language after answering would only reopen the survey.
    assert 'class="language-switch"' not in thanks
    assert Response.objects.count() == 1


def test_answer_and_thank_you_pages_share_one_cacheable_stylesheet() -> None:
    """No inline styles: a phone fetches the answer pages' stylesheet once (a hashed name the
    static server marks as cacheable for good) and every later step is only the page."""
    make_survey(SHORT, open_code="T1")
    client = Client()
    page = client.get("/o/T1/").content.decode()
    thanks = _answer(client, "/o/T1/", page, nps="9").content.decode()
    pattern = r'<link rel="stylesheet" href="(/static/surveys/answer\.[0-9a-f]{12}\.css)">'
    links = [re.findall(pattern, html) for html in (page, thanks)]
    assert links[0] == links[1] and len(links[0]) == 1
    assert "<style" not in page and "<style" not in thanks


@pytest.mark.parametrize(("language", "thanked"), [("ko", 'lang="ko"'), ("en", 'lang="en"')])
def test_thank_you_page_from_its_kept_frame_is_the_whole_page(language: str, thanked: str) -> None:
    """The page around the answers is rendered once per language and kept; what a customer
    gets is exactly the template's page with their answers, escaped, in their language."""
    make_survey(SHORT, open_code="T1")
    payload = '<script>alert("x")</script> & 늦음'
    pages = []
    for _ in range(2):  # the second page comes from the kept frame
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        first = client.get("/o/T1/").content.decode()
        second = _answer(client, "/o/T1/", first, nps="3").content.decode()
        pages.append(_answer(client, "/o/T1/", second, why=payload).content.decode())
    with translation.override(language):
        summary = answer_summary(SHORT, {"nps": 3, "why": payload}, language=language)
        answers = render_to_string("surveys/public/_answers.html", {"summary": summary})
        expected = render_to_string("surveys/public/thanks.html", {"answers": answers})
    assert pages[0] == pages[1] == expected
    assert thanked in expected
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 늦음" in expected
    assert "<script" not in expected
