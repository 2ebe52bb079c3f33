"""Publishing stores which question a version counts as CSAT when a response has no CSAT answer:
the first rating question of a version without a CSAT question, else none. Versions published
before the column existed get the same key from the migration."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from surveys.models import Survey, SurveyVersion
from surveys.services.builder import create_survey, create_touchpoint, publish_survey

pytestmark = pytest.mark.django_db


def _question(key: str, kind: str) -> dict[str, Any]:
    return {
        "key": key,
        "type": kind,
        "required": False,
        "text": {"ko": "질문", "en": "Question"},
        "options": [],
        "show_if": None,
    }


def _published(questions: list[dict[str, Any]]) -> SurveyVersion:
    survey = create_survey(
        name="매장 방문", touchpoint=create_touchpoint(name="매장"), template="", created_by=None
    )
    Survey.objects.filter(pk=survey.pk).update(draft=questions)
    return publish_survey(survey=Survey.objects.get(pk=survey.pk), by=None)


def test_a_version_with_only_rating_questions_keeps_its_first_rating_key() -> None:
    version = _published(
        [_question("why", "long_text"), _question("visit", "rating"), _question("staff", "rating")]
    )
    version.refresh_from_db()
    assert version.csat_rating_key == "visit"


def test_a_version_with_a_csat_question_keeps_no_rating_key() -> None:
    version = _published([_question("staff", "rating"), _question("sat", "csat")])
    version.refresh_from_db()
    assert version.csat_rating_key == ""


def test_a_version_without_a_rating_question_keeps_no_rating_key() -> None:
    version = _published([_question("nps", "nps"), _question("why", "long_text")])
    version.refresh_from_db()
    assert version.csat_rating_key == ""


def test_the_migration_gives_earlier_versions_the_key_publishing_stores() -> None:
    rating_only = _published([_question("visit", "rating"), _question("staff", "rating")])
    with_csat = _published([_question("staff", "rating"), _question("sat", "csat")])
    SurveyVersion.objects.update(csat_rating_key="")
    migration = importlib.import_module("surveys.migrations.0004_version_csat_rating_key")
    migration.keys_for_published_versions(apps, None)
    keys = dict(SurveyVersion.objects.values_list("pk", "csat_rating_key"))
    assert keys == {rating_only.pk: "visit", with_csat.pk: ""}
