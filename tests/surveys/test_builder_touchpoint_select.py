"""The builder's selects start on a real label, never Django's "---------": a new survey asks
to choose its touchpoint, an existing one has no empty touchpoint, and a touchpoint's owner
fields say what leaving them empty means."""

from __future__ import annotations

import re

import pytest

from cxm.models import User
from surveys.models import Survey
from tests.conftest import client_for, with_language
from tests.surveys.test_builder_versioning import make_survey, make_touchpoint

pytestmark = pytest.mark.django_db


def _first_option(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, f"no select {name}"
    first = re.search(r"<option[^>]*>(.*?)</option>", select.group(1), re.S)
    assert first is not None
    return first.group(1)


@pytest.mark.parametrize(
    ("language", "prompt"), [("en", "Choose a touchpoint"), ("ko", "접점을 고르세요")]
)
def test_a_new_survey_asks_to_choose_a_touchpoint(admin: User, language: str, prompt: str) -> None:
    make_touchpoint()
    html = client_for(with_language(admin, language)).get("/surveys/new/").content.decode()
    assert _first_option(html, "touchpoint") == prompt
    assert "---------" not in html


def test_a_new_survey_without_a_touchpoint_is_refused_with_the_prompt(admin: User) -> None:
    make_touchpoint()
    response = client_for(with_language(admin, "en")).post(
        "/surveys/new/", {"name": "Survey", "template": ""}
    )
    assert response.status_code == 400
    assert "Choose a touchpoint." in response.content.decode()
    assert not Survey.objects.exists()


def test_survey_settings_offer_no_empty_touchpoint(admin: User) -> None:
    survey = make_survey()
    html = (
        client_for(with_language(admin, "en"))
        .get(f"/surveys/{survey.code}/settings/")
        .content.decode()
    )
    assert _first_option(html, "touchpoint") == survey.touchpoint.name
    assert "---------" not in html


@pytest.mark.parametrize(
    ("language", "team", "person"),
    [("en", "No owner team", "No owner"), ("ko", "담당 팀 없음", "담당자 없음")],
)
def test_touchpoint_owners_say_what_empty_means(
    admin: User, language: str, team: str, person: str
) -> None:
    html = (
        client_for(with_language(admin, language)).get("/surveys/touchpoints/new/").content.decode()
    )
    assert _first_option(html, "owner_team") == team
    assert _first_option(html, "owner_user") == person
    assert "---------" not in html
