"""Staff preview a survey's draft on the customer's pages; nothing is saved."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cxm.models import User
from surveys.models import Survey
from tests.conftest import client_for
from tests.surveys.test_answer_pages import make_survey
from xdata.models import Response

pytestmark = pytest.mark.django_db

DRAFT = [
    {"key": "rate", "type": "rating", "required": True, "text": {"ko": "별점?", "en": "Stars?"}},
    {
        "key": "note",
        "type": "short_text",
        "required": False,
        "text": {"ko": "한마디?", "en": "A word?"},
        "show_if": {"question": "rate", "op": "lte", "value": 2},
    },
]


def _english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def _form(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(page|state)" value="([^"]*)"', html))


def _draft_survey() -> Survey:
    survey = make_survey()
    survey.draft = DRAFT
    survey.save(update_fields=["draft"])
    return survey


def test_preview_is_for_survey_builders(manager: User, agent: User, outsider: User) -> None:
    survey = _draft_survey()
    url = f"/surveys/{survey.code}/preview/"
    for user in (manager, agent, outsider):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).post(url, {"rate": "1"}).status_code == 403
    assert Client().get(url).status_code == 302


def test_preview_walks_the_draft_and_saves_nothing(admin: User) -> None:
    survey = _draft_survey()
    client, url = _english(admin), f"/surveys/{survey.code}/preview/"
    first = client.get(url)
    html = first.content.decode()
    assert first.status_code == 200
    assert "Preview — answers are not saved" in html
    assert "Stars?" in html and "How likely" not in html
    second = client.post(url, {**_form(html), "rate": "1"})
    assert "A word?" in second.content.decode()
    done = client.post(url, {**_form(second.content.decode()), "note": "Too slow"})
    done_html = done.content.decode()
    assert "Thank you, we have your answer" in done_html
    assert "Preview — answers are not saved" in done_html
    assert "Too slow" in done_html
    assert not Response.objects.exists()
    survey.refresh_from_db()
    assert survey.draft == DRAFT


def test_preview_shows_validation_errors(admin: User) -> None:
    survey = _draft_survey()
    client, url = _english(admin), f"/surveys/{survey.code}/preview/"
    response = client.post(url, {**_form(client.get(url).content.decode()), "rate": "6"})
    assert response.status_code == 400
    assert "Choose a number from 1 to 5." in response.content.decode()


def test_unknown_survey_preview_is_404(admin: User) -> None:
    url = "/surveys/00000000-0000-4000-8000-000000000000/preview/"
    assert client_for(admin).get(url).status_code == 404
