"""Recovery-survey and outcome events in the activity log are worded when the page is read, in
the reader's language, from the codes the event keeps; the outcome says what the verdict rests
on (the later answer and the repurchase). Rows that only hold text show their text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from actions.models import TaskEvent
from actions.services.outcomes import judge_outcomes, send_recovery_survey
from cxm.roles import Role
from tests.actions.test_outcomes_helpers import T0, buy, make_answer, make_customer, make_rule
from tests.actions.test_outcomes_helpers import make_task as make_closed_task
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _page(task: object, language: str) -> str:
    owner = UserFactory(role=Role.MANAGER, language=language)
    with translation.override(language):
        response = client_for(owner).get(f"/actions/tasks/{task.code}/")  # type: ignore[attr-defined]
    assert response.status_code == 200
    return response.content.decode()


def test_outcome_shows_its_evidence_in_the_readers_language() -> None:
    customer = make_customer()
    task = make_closed_task(make_rule(), customer)
    make_answer(customer, T0 + 4 * DAY, nps=9)
    buy(customer, T0 + 10 * DAY)
    judge_outcomes(now=T0 + 91 * DAY)
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.OUTCOME)
    assert event.data["later_kind"] == "nps" and event.data["later_value"] == 9
    english = _page(task, "en")
    assert "Recovered" in english and "회복" not in english
    assert "Later NPS answer 9 on 2025-03-07; bought again within 30 days" in english
    korean = _page(task, "ko")
    assert "Later NPS answer" not in korean and "Recovered" not in korean


def test_a_csat_answer_names_its_scale() -> None:
    customer = make_customer()
    task = make_closed_task(make_rule(), customer)
    make_answer(customer, T0 + 40 * DAY, csat=2)
    judge_outcomes(now=T0 + 31 * DAY)
    judge_outcomes(now=T0 + 91 * DAY)
    english = _page(task, "en")
    assert "Not recovered" in english
    assert (
        "Later CSAT answer 2 on 2025-04-12 (3 on the 0-10 scale); no purchase within 90 days"
        in english
    )


def test_recovery_survey_event_is_worded_for_the_reader() -> None:
    task = make_closed_task(make_rule(), make_customer())
    send_recovery_survey(task=task)
    assert TaskEvent.objects.get(task=task, data__recovery_survey="no_survey").text == ""
    english = _page(task, "en")
    assert "No recovery survey: the action plan has none." in english


def test_old_events_with_text_in_the_site_language() -> None:
    task = make_closed_task(make_rule(), None)
    # Written in Korean by an earlier version, with the codes beside the text.
    TaskEvent.objects.create(
        task=task,
        kind=TaskEvent.Kind.NOTIFIED,
        at=T0,
        text="고객에게 회복 확인 설문을 보냈습니다.",
        data={"recovery_survey": "invited"},
    )
    TaskEvent.objects.create(
        task=task,
        kind=TaskEvent.Kind.OUTCOME,
        at=T0 + 91 * DAY,
        text="회복됨",
        data={"verdict": "recovered", "later_score": 8, "repurchased_90d": False},
    )
    # Only text: nothing to word it from.
    TaskEvent.objects.create(
        task=task, kind=TaskEvent.Kind.NOTIFIED, at=T0, text="Sent by hand.", data={}
    )
    english = _page(task, "en")
    assert "회복" not in english
    assert "Recovery survey sent to the customer." in english
    assert "Later score 8 on the 0-10 scale; no purchase within 90 days" in english
    assert "Sent by hand." in english


def test_a_task_with_no_customer_has_no_evidence() -> None:
    task = make_closed_task(make_rule(), None)
    judge_outcomes(now=T0 + 91 * DAY)
    english = _page(task, "en")
    assert "No evidence" in english


def test_evidence_names_only_the_answer_whose_score_the_verdict_used() -> None:
    customer = make_customer()
    task = make_closed_task(make_rule(), customer)
    make_answer(customer, T0 + 4 * DAY, nps=9)
    judge_outcomes(now=T0 + 31 * DAY)  # the 30-day stage stores the 9
    make_answer(customer, T0 + 2 * DAY, nps=1)  # imported later, dated before the 9
    judge_outcomes(now=T0 + 91 * DAY)
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.OUTCOME)
    assert event.data["later_score"] == 9
    assert "later_kind" not in event.data and "later_value" not in event.data
    assert "Later NPS answer 1" not in _page(task, "en")


def test_evidence_names_the_answer_the_thirty_day_stage_read() -> None:
    customer = make_customer()
    task = make_closed_task(make_rule(), customer)
    make_answer(customer, T0 + 4 * DAY, nps=9)
    judge_outcomes(now=T0 + 31 * DAY)
    make_answer(customer, T0 + 40 * DAY, nps=1)  # after the first: not the later answer
    judge_outcomes(now=T0 + 91 * DAY)
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.OUTCOME)
    assert event.data["later_score"] == 9 and event.data["later_value"] == 9
