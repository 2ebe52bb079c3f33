"""A personal link's language switch keeps what was typed on the step: like an open link's,
its language button is a button of the survey's form, so the step comes back in the other
language with the comment and the ticked options, and nothing is saved or recorded."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from surveys.models import Invitation
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey, page_keys
from xdata.models import Response

pytestmark = pytest.mark.django_db

URL = f"/s/{TOKEN}/"
TWO_STEPS: list[dict[str, Any]] = [
    {"key": "nps", "type": "nps", "required": True, "text": {"ko": "추천?", "en": "Recommend?"}},
    {
        "key": "liked",
        "type": "multiple",
        "required": False,
        "text": {"ko": "좋았던 점은?", "en": "What did you like?"},
        "options": [
            {"value": "staff", "text": {"ko": "직원", "en": "Staff"}},
            {"value": "price", "text": {"ko": "가격", "en": "Price"}},
        ],
        "show_if": {"question": "nps", "op": "gte", "value": 0},
    },
    {
        "key": "comment",
        "type": "long_text",
        "required": False,
        "text": {"ko": "하실 말씀은?", "en": "Anything else?"},
    },
]


def _switch(html: str) -> str:
    button = re.search(r'form="survey-form" name="switch_language" value="(\w+)"', html)
    assert button is not None, "the page has no language button of the survey's form"
    return button[1]


def test_switching_language_on_page_two_keeps_the_comment_and_the_ticked_option() -> None:
    invitation = make_invitation(make_survey(TWO_STEPS), language="ko")
    client = Client()
    client.post(URL, {"page": "nps", "nps": "9"})
    second = client.get(URL).content.decode()
    assert "좋았던 점은?" in second

    switched = client.post(
        URL,
        {
            "page": page_keys(second),
            "switch_language": _switch(second),
            "liked": ["staff"],
            "comment": "친절했어요",
        },
    )
    html = switched.content.decode()
    assert switched.status_code == 200
    assert "What did you like?" in html and "Anything else?" in html  # same step, in English
    assert "친절했어요</textarea>" in html
    assert re.search(r'value="staff"[^>]*checked', html)
    assert not re.search(r'value="price"[^>]*checked', html)
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert 'value="ko" lang="ko" formnovalidate>한국어</button>' in html
    # Nothing recorded or saved by the switch: the step is still to be sent.
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert {k: v for k, v in invitation.partial_answers.items() if not k.startswith("_")} == {
        "nps": 9
    }

    client.post(URL, {"page": page_keys(html), "liked": ["staff"], "comment": "친절했어요"})
    response = Response.objects.get()
    assert (response.nps, response.comment) == (9, "친절했어요")


def test_enter_on_a_personal_link_still_sends_the_step() -> None:
    make_invitation(make_survey(TWO_STEPS), language="ko")
    html = Client().get(URL).content.decode()
    buttons = re.findall(r'<button type="submit"[^>]*form="survey-form"[^>]*>', html)
    assert buttons and "switch_language" not in buttons[0]
