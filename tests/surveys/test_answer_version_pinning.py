"""The version answered is the one current when the link was first opened."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.surveys.test_answer_pages import (
    QUESTIONS,
    TOKEN,
    make_invitation,
    make_survey,
    publish,
    step,
)
from xdata.models import Answer, Response

pytestmark = pytest.mark.django_db

NEW = [
    {
        "key": "ces",
        "type": "ces",
        "required": True,
        "text": {"ko": "쉬웠나요?", "en": "Was it easy?"},
    }
]


def test_first_open_pins_the_current_version() -> None:
    survey = make_survey()
    invitation = make_invitation(survey)
    Client().get(f"/s/{TOKEN}/")
    invitation.refresh_from_db()
    assert invitation.partial_answers == {"_version": 1}


def test_publish_between_steps_does_not_change_the_customers_questions() -> None:
    survey = make_survey()
    make_invitation(survey)
    client, url = Client(HTTP_ACCEPT_LANGUAGE="en"), f"/s/{TOKEN}/"
    step(client, url, nps="9")
    publish(survey, NEW)
    page = client.get(url).content.decode()
    assert "How satisfied were you?" in page and "Was it easy?" not in page
    step(client, url, csat="4", intent="yes")
    response = Response.objects.get()
    assert response.version.number == 1
    assert set(Answer.objects.values_list("question_key", flat=True)) == {
        "nps",
        "csat",
        "reason",
        "intent",
    }


def test_link_first_opened_after_a_publish_gets_the_new_version() -> None:
    survey = make_survey(QUESTIONS)
    make_invitation(survey)
    publish(survey, NEW)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/s/{TOKEN}/").content.decode()
    assert "Was it easy?" in page
