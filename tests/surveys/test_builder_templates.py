"""The starting templates are valid surveys, and the demo publishes one on each touchpoint."""

from __future__ import annotations

import random

import pytest

from cxm.demo import Demo
from surveys.demo import seed_surveys
from surveys.models import Survey, SurveyVersion, Touchpoint
from surveys.questions import is_visible, validate_questions
from surveys.survey_templates import DELIVERY_CSAT, RELATIONSHIP_NPS, TEMPLATES


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_validates(key: str) -> None:
    questions = TEMPLATES[key].question_list()
    assert validate_questions(questions) == []
    assert len(questions) >= 3
    assert any(q["show_if"] for q in questions), "each template shows a follow-up conditionally"


def test_there_are_the_four_starting_templates() -> None:
    assert sorted(TEMPLATES) == [
        "delivery_csat",
        "relationship_nps",
        "service_ces",
        "store_revisit",
    ]


def test_what_went_wrong_is_asked_only_after_a_low_score() -> None:
    nps_wrong = RELATIONSHIP_NPS.question_list()[1]
    assert nps_wrong["text"]["en"].startswith("What went wrong?")
    assert is_visible(nps_wrong, {"nps": 6})
    assert not is_visible(nps_wrong, {"nps": 7})
    csat_wrong = DELIVERY_CSAT.question_list()[1]
    assert csat_wrong["text"]["en"].startswith("What went wrong?")
    assert is_visible(csat_wrong, {"csat": 2})
    assert not is_visible(csat_wrong, {"csat": 3})


def test_a_surveys_copy_does_not_change_the_template() -> None:
    copy = DELIVERY_CSAT.question_list()
    copy[0]["text"]["ko"] = "바뀜"
    assert DELIVERY_CSAT.question_list()[0]["text"]["ko"] != "바뀜"


@pytest.mark.django_db
def test_the_demo_publishes_four_surveys_once() -> None:
    demo = Demo(scale="small", rng=random.Random(1))  # noqa: S311  # demo data
    seed_surveys(demo)
    assert demo.summary["surveys_created"] == 4
    assert sorted(Touchpoint.objects.values_list("milestone", flat=True)) == [
        "",
        "delivery.delivered",
        "order.completed",
        "service.closed",
    ]
    assert Survey.objects.filter(status=Survey.Status.PUBLISHED).count() == 4
    assert SurveyVersion.objects.count() == 4
    delivery = Survey.objects.get(touchpoint__milestone="delivery.delivered")
    assert delivery.send_on_milestone
    assert delivery.send_delay_hours == 24
    store = Survey.objects.get(touchpoint__milestone="order.completed")
    assert store.open_code
    assert (
        list(Survey.objects.exclude(pk=store.pk).values_list("open_code", flat=True)) == [None] * 3
    )
    seed_surveys(demo)
    assert Survey.objects.count() == 4
    assert SurveyVersion.objects.count() == 4
