"""An open link's language switch keeps the answers given so far: they travel in the pages'
signed state, so the switch posts them back and the survey returns at the same step."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.odata.test_customer_360 import OrderFactory
from tests.surveys.test_answer_open_link import SHORT, _answer, _form
from tests.surveys.test_answer_pages import make_survey
from tests.surveys.test_open_link_orders import _link, _survey
from xdata.models import Response

pytestmark = pytest.mark.django_db


def _switch_form(html: str) -> dict[str, str]:
    """What pressing the language button sends: the survey form's fields and the button."""
    button = re.search(r'form="survey-form" name="switch_language" value="(\w+)"', html)
    assert button is not None, "the page has no language button of the survey's form"
    return {**_form(html), "switch_language": button[1]}


def test_switching_language_mid_survey_keeps_the_answers_and_the_step() -> None:
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    first = client.get("/o/T1/").content.decode()
    second = _answer(client, "/o/T1/", first, nps="5").content.decode()
    assert "이유는?" in second

    switched = client.post("/o/T1/", _switch_form(second))
    html = switched.content.decode()
    assert switched.status_code == 200
    assert "Why?" in html and "Step 2 of 2" in html  # same step, in English
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert 'value="ko" lang="ko" formnovalidate>한국어</button>' in html  # and it can switch back
    assert not Response.objects.exists()

    done = _answer(client, "/o/T1/", html, why="Long wait")
    assert "Thank you, we have your answer" in done.content.decode()
    response = Response.objects.get()
    assert (response.nps, response.comment, response.language) == (5, "Long wait", "en")


def test_switching_language_keeps_the_signed_order() -> None:
    _survey()
    order = OrderFactory(external_id="A-1")
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    first = client.get(_link("A-1")).content.decode()
    switched = client.post("/o/R1/", _switch_form(first)).content.decode()
    assert "Your answer is about the purchase on your receipt" in switched
    _answer(client, "/o/R1/", switched, nps="10")
    response = Response.objects.get()
    assert (response.order, response.customer) == (order, order.customer)


def test_a_switch_with_forged_state_is_the_expired_page_and_records_nothing() -> None:
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = _switch_form(client.get("/o/T1/").content.decode())
    response = client.post("/o/T1/", {**form, "state": form["state"] + "x"})
    assert response.status_code == 400
    assert "This page has expired" in response.content.decode()
    assert not Response.objects.exists()


def test_an_unknown_language_is_an_ordinary_step_and_records_nothing() -> None:
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = _switch_form(client.get("/o/T1/").content.decode())
    response = client.post("/o/T1/", {**form, "switch_language": "fr"})
    assert response.status_code == 400  # the step is checked: the required NPS is missing
    assert "Please check the answers marked below." in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not Response.objects.exists()


def test_what_was_typed_or_picked_on_the_step_comes_back_in_the_other_language() -> None:
    make_survey(SHORT, open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    first = client.get("/o/T1/").content.decode()
    picked = client.post("/o/T1/", {**_switch_form(first), "nps": "5"}).content.decode()
    assert "Recommend?" in picked  # still the first step, now in English
    assert re.search(r'value="5"[^>]*checked', picked)
    second = _answer(client, "/o/T1/", picked, nps="5").content.decode()
    typed = client.post("/o/T1/", {**_switch_form(second), "why": "줄이 길었어요"})
    html = typed.content.decode()
    assert typed.status_code == 200 and "이유는?" in html
    assert "줄이 길었어요</textarea>" in html
    assert not Response.objects.exists()


def test_enter_in_a_text_field_still_sends_the_step() -> None:
    # A form's default button is its first submit button in the page: the hidden copy of the
    # step's own button comes before the language button.
    make_survey(SHORT, open_code="T1")
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/o/T1/").content.decode()
    buttons = re.findall(r'<button type="submit"[^>]*form="survey-form"[^>]*>', html)
    assert buttons and "switch_language" not in buttons[0]
