"""The control group end to end: `fire` keeps a share of triggered customers as holdouts, and
the outcome sweep judges them beside the treated customers' closed tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import FollowUpTask, Holdout, TaskStatus
from actions.selectors_outcomes import holdout_uplift
from actions.services.outcomes import judge_outcomes
from actions.services.tasks import Trigger, fire
from tests.actions.test_outcomes_helpers import buy, make_answer, make_customer, make_rule

pytestmark = pytest.mark.django_db


def test_holdouts_from_fire_are_judged_like_tasks() -> None:
    rule = make_rule(holdout_percent=50)
    at = timezone.now() - timedelta(days=120)
    for _ in range(40):
        customer = make_customer()
        answer = make_answer(customer, at - timedelta(minutes=5), csat=2)
        fire(
            Trigger(
                rule=rule,
                subject_key=f"customer:{customer.pk}",
                title="CSAT 2",
                at=at,
                customer=customer,
                response=answer,
                facts={"csat": 2},
            )
        )
        buy(customer, at + timedelta(days=10))
    holdouts = Holdout.objects.filter(rule=rule).count()
    assert 5 <= holdouts <= 35  # a random half, give or take
    assert FollowUpTask.objects.filter(rule=rule).count() == 40 - holdouts
    FollowUpTask.objects.update(status=TaskStatus.CLOSED, closed_at=at + timedelta(days=1))

    judge_outcomes(now=at + timedelta(days=100))

    assert not Holdout.objects.filter(judged_at=None).exists()
    assert not FollowUpTask.objects.filter(judged_at=None).exists()
    # Everyone bought on day 10: treated (closed on day 1) and control alike.
    assert set(Holdout.objects.values_list("repurchased_30d", "verdict", "baseline_score")) == {
        (True, "recovered", 3)  # CSAT 2 on the 0-10 scale
    }
    [uplift] = holdout_uplift()
    bought_90 = next(row for row in uplift.rows if row.metric == "repurchase_90d")
    assert (bought_90.treated.n, bought_90.control.n) == (40 - holdouts, holdouts)
    assert bought_90.treated.value == bought_90.control.value == 1.0
