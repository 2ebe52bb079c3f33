"""Publishing a survey version and deleting a question ask first, on a page that says what will
happen (which version is replaced, another published survey on the same touchpoint); the page's
button does it, and showing the page changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from cxm.models import User
from surveys.models import Survey
from surveys.services.builder import add_question, create_survey, publish_survey
from tests.conftest import client_for
from tests.surveys.test_builder_versioning import make_survey, text_question

pytestmark = pytest.mark.django_db

LIST = "/surveys/"


def _english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def test_publish_asks_first_then_its_button_publishes(admin: User) -> None:
    survey = make_survey()
    client = _english(admin)
    detail = client.get(f"{LIST}{survey.code}/").content.decode()
    assert f'href="{LIST}{survey.code}/publish/confirm/"' in detail
    assert f'action="{LIST}{survey.code}/publish/"' not in detail
    page = client.get(f"{LIST}{survey.code}/publish/confirm/").content.decode()
    assert "Publish version 1?" in page
    assert "is what customers get from now on" in page
    assert f'action="{LIST}{survey.code}/publish/"' in page
    survey.refresh_from_db()
    assert survey.current_version is None
    assert client.post(f"{LIST}{survey.code}/publish/").status_code == 302


def test_a_new_version_says_which_it_replaces(admin: User) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    add_question(survey=survey, question=text_question())  # an unchanged draft is not offered
    page = _english(admin).get(f"{LIST}{survey.code}/publish/confirm/").content.decode()
    assert "Publish version 2?" in page
    assert "Version 2 replaces version 1 for new invitations." in page
    assert "already has a published survey" not in page


def test_a_second_published_survey_on_the_touchpoint_is_named(admin: User) -> None:
    live = make_survey(name="Delivery CSAT")
    publish_survey(survey=live, by=admin)
    other = create_survey(
        name="Delivery NPS",
        touchpoint=live.touchpoint,
        template="relationship_nps",
        created_by=None,
    )
    page = _english(admin).get(f"{LIST}{other.code}/publish/confirm/").content.decode()
    assert "already has a published survey: Delivery CSAT." in page


def test_delete_asks_first_and_showing_the_page_deletes_nothing(admin: User) -> None:
    survey = make_survey()
    key = survey.draft[2]["key"]  # the first two: a display condition needs the first
    client = _english(admin)
    detail = client.get(f"{LIST}{survey.code}/").content.decode()
    assert f'href="{LIST}{survey.code}/questions/{key}/delete/confirm/"' in detail
    page = client.get(f"{LIST}{survey.code}/questions/{key}/delete/confirm/").content.decode()
    assert "Delete question 3?" in page
    assert survey.draft[2]["text"]["en"] in page
    assert f'action="{LIST}{survey.code}/questions/{key}/delete/"' in page
    survey.refresh_from_db()
    assert survey.draft[2]["key"] == key
    assert client.get(f"{LIST}{survey.code}/questions/nope/delete/confirm/").status_code == 404


def test_confirm_pages_refuse_outsiders(outsider: User) -> None:
    survey = make_survey()
    client = client_for(outsider)
    assert client.get(f"{LIST}{survey.code}/publish/confirm/").status_code == 403
    key = survey.draft[0]["key"]
    assert client.get(f"{LIST}{survey.code}/questions/{key}/delete/confirm/").status_code == 403
    assert Survey.objects.get().current_version is None
