"""Publishing freezes the draft into numbered versions that never change afterwards."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cxm.models import User
from surveys.models import Survey, SurveyVersion, Touchpoint
from surveys.services.builder import (
    DraftInvalid,
    NothingToPublish,
    add_question,
    create_survey,
    create_touchpoint,
    publish_survey,
    update_question,
)
from surveys.survey_templates import DELIVERY_CSAT


def make_touchpoint(name: str = "배송 완료", milestone: str = "delivery.delivered") -> Touchpoint:
    return create_touchpoint(name=name, milestone=milestone)


def make_survey(template: str = "delivery_csat", name: str = "배송 만족도") -> Survey:
    return create_survey(
        name=name, touchpoint=make_touchpoint(), template=template, created_by=None
    )


def text_question(ko: str = "의견", en: str = "Comments") -> dict[str, object]:
    return {
        "type": "long_text",
        "required": False,
        "text": {"ko": ko, "en": en},
        "options": [],
        "show_if": None,
    }


@pytest.mark.django_db
def test_publishing_twice_makes_versions_one_and_two(admin: User) -> None:
    survey = make_survey()
    first = publish_survey(survey=survey, by=admin)
    add_question(survey=survey, question=text_question())
    second = publish_survey(survey=survey, by=admin)
    assert (first.number, second.number) == (1, 2)
    survey.refresh_from_db()
    assert survey.current_version == second
    assert survey.status == Survey.Status.PUBLISHED
    assert second.published_by == admin
    assert len(first.questions) == 3
    assert len(second.questions) == 4


@pytest.mark.django_db
def test_draft_edits_never_touch_published_versions(admin: User) -> None:
    survey = make_survey()
    version = publish_survey(survey=survey, by=admin)
    frozen = DELIVERY_CSAT.question_list()
    assert version.questions == frozen
    # A response recorded against v1 keeps meaning what v1 asked, whatever the draft becomes.
    update_question(survey=survey, key="comment", question=text_question("바뀐 질문", "Changed"))
    add_question(survey=survey, question=text_question())
    publish_survey(survey=survey, by=admin)
    update_question(survey=survey, key="comment", question=text_question("또 바뀜", "Again"))
    version.refresh_from_db()
    assert version.questions == frozen
    assert SurveyVersion.objects.get(survey=survey, number=2).questions[2]["text"]["en"] == (
        "Changed"
    )


@pytest.mark.django_db
def test_an_empty_or_invalid_draft_is_not_published(admin: User) -> None:
    survey = make_survey(template="")
    with pytest.raises(DraftInvalid):
        publish_survey(survey=survey, by=admin)
    Survey.objects.filter(pk=survey.pk).update(draft=[{"key": "Bad"}])
    survey.refresh_from_db()
    with pytest.raises(DraftInvalid):
        publish_survey(survey=survey, by=admin)
    assert not SurveyVersion.objects.exists()
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert survey.current_version is None


@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_once_make_one_version_and_refuse_the_copy() -> None:
    # The second publish waits for the first one's row lock, then sees that the draft is the
    # version just made: it is refused instead of making an identical version 2 (or, without
    # the lock, a second version 1).
    survey = make_survey()
    barrier = threading.Barrier(2)
    numbers: list[int] = []
    failures: list[BaseException] = []
    refused: list[int] = []

    def publish() -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(publish_survey(survey=Survey.objects.get(pk=survey.pk), by=None).number)
        except NothingToPublish as unchanged:
            refused.append(unchanged.number)
        except BaseException as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert (numbers, refused) == ([1], [1])
    survey.refresh_from_db()
    assert survey.current_version is not None
    assert survey.current_version.number == 1
