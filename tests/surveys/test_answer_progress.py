"""The answer pages tell progress in steps, against the most the survey can take: the total
does not change when a branch skips a question ("of up to"), and is exact on the last step."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from surveys.answering import answered_steps, most_steps
from tests.surveys.test_answer_open_link import _form
from tests.surveys.test_answer_pages import (
    QUESTIONS,
    TOKEN,
    make_invitation,
    make_survey,
    page_keys,
)

pytestmark = pytest.mark.django_db

URL = f"/s/{TOKEN}/"


def _progress(html: str) -> tuple[str, str, str]:
    text = re.search(r'<p id="progress-text">([^<]*)</p>', html)
    bar = re.search(r'role="progressbar"[^>]*aria-valuemax="(\d+)" aria-valuenow="(\d+)"', html)
    assert text is not None and bar is not None, "no progress on the page"
    return text[1], bar[1], bar[2]


def test_steps_are_counted_from_the_answers() -> None:
    assert most_steps(QUESTIONS) == 3  # [nps] [wrong, csat, reason] [intent]
    assert answered_steps(QUESTIONS, {}) == []
    assert [len(s) for s in answered_steps(QUESTIONS, {"nps": 9, "csat": 4})] == [1]
    steps = answered_steps(QUESTIONS, {"nps": 9, "csat": 4, "reason": None, "intent": "yes"})
    assert [[q["key"] for q in s] for s in steps] == [["nps"], ["csat", "reason", "intent"]]


def test_a_low_score_keeps_the_total_and_a_high_one_ends_sooner() -> None:
    make_invitation(make_survey())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get(URL).content.decode()
    assert _progress(first) == ("Step 1 of up to 3", "3", "1")
    assert 'aria-valuetext="Step 1 of up to 3"' in first

    client.post(URL, {"page": "nps", "nps": "3"})
    second = client.get(URL).content.decode()
    assert _progress(second) == ("Step 2 of up to 3", "3", "2")
    client.post(URL, {"page": page_keys(second), "wrong": "Cold", "csat": "2", "reason": ""})
    assert _progress(client.get(URL).content.decode()) == ("Step 3 of 3", "3", "3")


def test_a_high_score_on_an_open_link_says_its_last_step_exactly() -> None:
    make_survey(open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get("/o/T1/").content.decode()
    assert _progress(first)[0] == "Step 1 of up to 3"
    second = client.post("/o/T1/", {**_form(first), "nps": "9"}).content.decode()
    assert _progress(second) == ("Step 2 of 2", "2", "2")
    assert "Send answers</button>" in second


def test_a_survey_without_branches_gives_its_exact_total() -> None:
    plain = [{**q, "show_if": None} for q in QUESTIONS if q["key"] != "wrong"]
    make_invitation(make_survey(plain))
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL).content.decode()
    assert _progress(html) == ("Step 1 of 2", "2", "1")
