"""record_response: score columns, comment, one answer row per asked question, context, once."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError, connection

from surveys.models import Invitation
from tests.odata.test_customer_360 import OrderFactory, StoreFactory
from tests.surveys.test_answer_pages import make_invitation, make_survey
from xdata.models import Answer, Response
from xdata.services.responses import (
    AlreadyRecorded,
    IncompleteAnswers,
    OpenLinkContext,
    daypart_of,
    record_response,
)

pytestmark = pytest.mark.django_db


def _q(key: str, kind: str, *, required: bool = False, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": kind, "required": required, "text": {"ko": key, "en": key}, **extra}


OPTIONS = [
    {"value": "a", "text": {"ko": "가", "en": "A"}},
    {"value": "b", "text": {"ko": "나", "en": "B"}},
]
ALL_TYPES = [
    _q("n1", "nps", required=True),
    _q("n2", "nps"),
    _q("c1", "csat"),
    _q("e1", "ces"),
    _q("r1", "rating"),
    _q("s1", "single", options=OPTIONS),
    _q("m1", "multiple", options=OPTIONS),
    _q("i1", "intent"),
    _q("t1", "short_text"),
    _q("t2", "long_text", show_if={"question": "n1", "op": "lte", "value": 6}),
    _q("t3", "long_text"),
]


def test_scores_come_from_the_first_question_of_each_type_and_comment_joins_texts() -> None:
    survey = make_survey(ALL_TYPES)
    invitation = make_invitation(survey)
    answers = {
        "n1": 3,
        "n2": 10,
        "c1": 4,
        "e1": 6,
        "r1": 2,
        "s1": "b",
        "m1": ["a", "b"],
        "i1": "no",
        "t1": "short",
        "t2": "long one",
        "t3": None,
    }
    response = record_response(
        version=survey.current_version, answers=answers, invitation=invitation
    )
    response.refresh_from_db()
    assert (response.nps, response.csat, response.ces, response.intent) == (3, 4, 6, "no")
    assert response.comment == "short\n\nlong one"
    assert response.evaluated_at is None
    rows = {a.question_key: a for a in Answer.objects.filter(response=response)}
    assert set(rows) == {q["key"] for q in ALL_TYPES}
    assert (rows["n2"].number, rows["r1"].number) == (10, 2)
    assert rows["m1"].selected == ["a", "b"]
    assert rows["s1"].selected == ["b"] and rows["i1"].selected == ["no"]
    assert rows["t3"].text == "" and rows["t3"].number is None


def test_hidden_question_gets_no_answer_row_and_no_comment() -> None:
    survey = make_survey(ALL_TYPES)
    response = record_response(
        version=survey.current_version,
        answers={"n1": 9, "t2": "hidden text"},
        invitation=make_invitation(survey),
    )
    assert "t2" not in set(response.answers.values_list("question_key", flat=True))
    assert response.comment == ""
    assert response.intent == ""


def test_context_is_copied_from_the_invitation() -> None:
    survey = make_survey(ALL_TYPES)
    store = StoreFactory()
    invitation = make_invitation(
        survey, store=store, purchase_channel="online", daypart="evening", language="ko"
    )
    invitation.order = OrderFactory(customer=invitation.customer)
    invitation.save(update_fields=["order"])
    response = record_response(
        version=survey.current_version, answers={"n1": 8}, invitation=invitation
    )
    response.refresh_from_db()
    assert response.customer == invitation.customer
    assert response.touchpoint == invitation.touchpoint
    assert (response.store, response.order) == (store, invitation.order)
    assert (response.purchase_channel, response.daypart, response.language) == (
        "online",
        "evening",
        "ko",
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ANSWERED


def test_answered_or_expired_invitation_records_nothing() -> None:
    survey = make_survey(ALL_TYPES)
    invitation = make_invitation(survey)
    record_response(version=survey.current_version, answers={"n1": 8}, invitation=invitation)
    with pytest.raises(AlreadyRecorded):
        record_response(version=survey.current_version, answers={"n1": 1}, invitation=invitation)
    expired = make_invitation(survey, token="other", status=Invitation.Status.EXPIRED)
    with pytest.raises(AlreadyRecorded):
        record_response(version=survey.current_version, answers={"n1": 1}, invitation=expired)
    assert Response.objects.count() == 1


def test_missing_required_or_malformed_answers_are_refused() -> None:
    survey = make_survey(ALL_TYPES)
    invitation = make_invitation(survey)
    for answers in ({}, {"n1": 11}, {"n1": 5, "m1": []}, {"n1": True}, {"n1": 9, "s1": "zzz"}):
        with pytest.raises(IncompleteAnswers):
            record_response(version=survey.current_version, answers=answers, invitation=invitation)
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT


def test_open_link_response_is_anonymous_with_its_context_and_key_once() -> None:
    survey = make_survey(ALL_TYPES, open_code="Q1")
    store, key = StoreFactory(), uuid4()
    context = OpenLinkContext(language="en", store=store, purchase_channel="receipt")
    first = record_response(
        version=survey.current_version, answers={"n1": 9}, submission_key=key, open_link=context
    )
    assert (first.customer, first.invitation, first.store) == (None, None, store)
    assert (first.touchpoint, first.purchase_channel, first.language) == (
        survey.touchpoint,
        "receipt",
        "en",
    )
    with pytest.raises(AlreadyRecorded):
        record_response(
            version=survey.current_version, answers={"n1": 1}, submission_key=key, open_link=context
        )
    assert Response.objects.count() == 1


def test_exactly_one_of_invitation_and_submission_key() -> None:
    survey = make_survey(ALL_TYPES)
    with pytest.raises(ValueError, match="exactly one"):
        record_response(version=survey.current_version, answers={"n1": 1})


def test_daypart_uses_local_time() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    assert daypart_of(datetime(2025, 5, 1, 8, 0, tzinfo=seoul)) == "morning"
    assert daypart_of(datetime(2025, 5, 1, 12, 30, tzinfo=seoul)) == "lunch"
    assert daypart_of(datetime(2025, 5, 1, 15, 0, tzinfo=seoul)) == "afternoon"
    assert daypart_of(datetime(2025, 5, 1, 20, 0, tzinfo=seoul)) == "evening"
    # 03:00 UTC is noon in Seoul.
    assert daypart_of(datetime(2025, 5, 1, 3, 0, tzinfo=ZoneInfo("UTC"))) == "lunch"


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_invitation_record_once() -> None:
    survey = make_survey(ALL_TYPES)
    invitation = make_invitation(survey)
    version = survey.current_version
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def submit(score: int) -> None:
        try:
            barrier.wait()
            record_response(version=version, answers={"n1": score}, invitation=invitation)
            outcomes.append("recorded")
        except AlreadyRecorded:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "already", "already", "recorded"]
    assert Response.objects.count() == 1


def test_an_answer_longer_than_its_column_is_refused_not_cut() -> None:
    """The builder keeps option values short; should one slip past it, the answer row's own
    column limit refuses it: the statement's typed placeholders never shorten a value."""
    long_value = "v" * 70  # the column holds 64
    options = [{"value": long_value, "text": {"ko": "긴", "en": "Long"}}]
    survey = make_survey([_q("m1", "multiple", required=True, options=options)], open_code="L1")
    with pytest.raises(DataError, match="too long"):
        record_response(
            version=survey.current_version,
            answers={"m1": [long_value]},
            submission_key=uuid4(),
            open_link=OpenLinkContext(language="ko"),
        )
    assert not Answer.objects.exists()


def _insert_plans() -> dict[str, int]:
    """The connection's prepared response statements and how often each has run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ['WITH response AS (INSERT INTO "xdata_response"%'],
        )
        return dict(cursor.fetchall())


def test_the_response_statement_is_prepared_once_per_connection() -> None:
    survey = make_survey(ALL_TYPES, open_code="P1")
    context = OpenLinkContext(language="ko")
    before = _insert_plans()  # the connection outlives a test
    for score in (9, 10):  # answers of the same shape: the same statement and parameter types
        record_response(
            version=survey.current_version,
            answers={"n1": score},
            submission_key=uuid4(),
            open_link=context,
        )
    after = _insert_plans()
    runs = {name: count - before.get(name, 0) for name, count in after.items()}
    assert sorted(runs.values()) == [0] * len(before) + [2]  # one statement, run twice
    assert sorted(Response.objects.values_list("nps", flat=True)) == [9, 10]
