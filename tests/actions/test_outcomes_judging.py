"""The outcome sweep: 30-day and 90-day outcomes of closed tasks and holdouts, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from actions.models import FollowUpTask, TaskEvent, TaskStatus
from actions.services.outcomes import csat_on_nps_scale, judge_outcomes, score_of
from odata.models import Order
from tests.actions.test_outcomes_helpers import (
    T0,
    buy,
    make_answer,
    make_customer,
    make_holdout,
    make_rule,
    make_task,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def test_csat_maps_onto_the_nps_scale_half_up() -> None:
    assert [csat_on_nps_scale(c) for c in range(1, 6)] == [0, 3, 5, 8, 10]
    assert score_of(nps=4, csat=5) == 4
    assert score_of(nps=None, csat=4) == 8
    assert score_of(nps=None, csat=None) is None


def test_nothing_is_filled_before_thirty_days() -> None:
    customer = make_customer()
    task = make_task(make_rule(), customer)
    buy(customer, T0 + 3 * DAY)
    assert judge_outcomes(now=T0 + 29 * DAY)["tasks_30d"] == 0
    task.refresh_from_db()
    assert task.repurchased_30d is None


def test_thirty_day_stage_reads_baseline_later_score_and_repurchase() -> None:
    customer = make_customer()
    trigger = make_answer(customer, T0 - 3 * DAY, nps=3)
    task = make_task(make_rule(), customer, response=trigger)
    make_answer(customer, T0 + 5 * DAY, csat=4)  # first answer after the close: CSAT 4 → 8
    make_answer(customer, T0 + 9 * DAY, nps=2)
    buy(customer, T0 + 12 * DAY)

    counts = judge_outcomes(now=T0 + 31 * DAY)

    assert counts["tasks_30d"] == 1
    task.refresh_from_db()
    assert (task.baseline_score, task.later_score, task.repurchased_30d) == (3, 8, True)
    assert task.verdict == "" and task.judged_at is None  # the verdict waits for 90 days


def test_repurchase_counts_only_orders_after_the_close_within_the_window() -> None:
    customer = make_customer()
    task = make_task(make_rule(), customer)
    buy(customer, T0 - DAY)  # before the close
    buy(customer, T0 + 5 * DAY, status=Order.Status.CANCELLED)  # not a purchase
    buy(customer, T0 + 45 * DAY)  # after 30 days, within 90
    judge_outcomes(now=T0 + 100 * DAY)
    task.refresh_from_db()
    assert (task.repurchased_30d, task.repurchased_90d) == (False, True)
    assert task.verdict == FollowUpTask.Verdict.RECOVERED


@pytest.mark.parametrize(
    ("later", "bought", "verdict"),
    [
        ({"nps": 7}, False, "recovered"),
        ({"nps": 6}, False, "not_recovered"),
        ({"csat": 4}, False, "recovered"),
        ({"csat": 3}, False, "not_recovered"),
        ({"nps": 5}, True, "not_recovered"),  # still unhappy, though they bought
        ({"nps": 9}, True, "recovered"),
        (None, True, "recovered"),
        (None, False, "not_recovered"),
    ],
)
def test_verdict_at_ninety_days(later: dict[str, int] | None, bought: bool, verdict: str) -> None:
    customer = make_customer()
    task = make_task(make_rule(), customer)
    if later is not None:
        make_answer(customer, T0 + 60 * DAY, **later)  # after 30 days: found at the 90-day stage
    if bought:
        buy(customer, T0 + 80 * DAY)
    judge_outcomes(now=T0 + 91 * DAY)
    task.refresh_from_db()
    assert task.verdict == verdict
    assert task.judged_at == T0 + 91 * DAY
    expected = score_of(nps=later.get("nps"), csat=later.get("csat")) if later else None
    assert task.later_score == expected


def test_answers_after_ninety_days_are_not_the_later_score() -> None:
    customer = make_customer()
    task = make_task(make_rule(), customer)
    make_answer(customer, T0 + 95 * DAY, nps=10)
    judge_outcomes(now=T0 + 120 * DAY)
    task.refresh_from_db()
    assert task.later_score is None
    assert task.verdict == "not_recovered"


def test_judging_is_idempotent_with_one_outcome_event() -> None:
    customer = make_customer()
    task = make_task(make_rule(), customer)
    buy(customer, T0 + 10 * DAY)
    first = judge_outcomes(now=T0 + 91 * DAY)
    second = judge_outcomes(now=T0 + 92 * DAY)
    assert first["tasks_judged"] == 1
    assert not any(second.values())
    task.refresh_from_db()
    assert task.judged_at == T0 + 91 * DAY
    events = TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.OUTCOME)
    assert [e.data["verdict"] for e in events] == ["recovered"]


def test_open_tasks_are_not_judged() -> None:
    customer = make_customer()
    task = make_task(make_rule(), customer, closed_at=None, status=TaskStatus.IN_PROGRESS)
    buy(customer, T0 + 10 * DAY)
    judge_outcomes(now=T0 + 200 * DAY)
    task.refresh_from_db()
    assert (task.repurchased_30d, task.verdict) == (None, "")


def test_holdouts_are_judged_from_their_trigger() -> None:
    rule = make_rule(holdout_percent=10)
    customer = make_customer()
    trigger = make_answer(customer, T0 - DAY, csat=1)
    holdout = make_holdout(rule, customer, at=T0, response=trigger)
    make_answer(customer, T0 + 3 * DAY, nps=9)
    judge_outcomes(now=T0 + 90 * DAY)
    holdout.refresh_from_db()
    assert (holdout.baseline_score, holdout.later_score) == (0, 9)
    assert (holdout.repurchased_30d, holdout.repurchased_90d) == (False, False)
    assert holdout.verdict == "recovered"
    assert holdout.judged_at is not None


def test_segment_tasks_get_no_evidence() -> None:
    task = make_task(make_rule(kind="aggregate", definition={}), None)
    judge_outcomes(now=T0 + 90 * DAY)
    task.refresh_from_db()
    assert task.verdict == FollowUpTask.Verdict.UNKNOWN
    assert TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.OUTCOME).count() == 1
