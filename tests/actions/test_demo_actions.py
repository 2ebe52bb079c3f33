"""The demo's closed loop: rules, plans, root causes and a year of tasks in every state, with
outcomes and a control group; a second run adds nothing."""

from __future__ import annotations

import random

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from actions.demo import seed_actions
from actions.models import (
    ActionPlan,
    Escalation,
    FollowUpTask,
    Holdout,
    OperationalFiring,
    RootCause,
    TaskEvent,
    TaskStatus,
    TriggerRule,
)
from actions.selectors_outcomes import MIN_UPLIFT_N, holdout_uplift
from cxm.demo import DEMO_STEPS, Demo, seed_users
from cxm.models import User
from odata.demo import seed_odata
from odata.models import Order
from surveys.demo import seed_surveys
from surveys.models import Invitation, Touchpoint
from xdata.demo import seed_responses
from xdata.models import Response

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "rules": TriggerRule.objects.count(),
        "tasks": FollowUpTask.objects.count(),
        "events": TaskEvent.objects.count(),
        "holdouts": Holdout.objects.count(),
        "orders": Order.objects.count(),
        "invitations": Invitation.objects.count(),
        "responses": Response.objects.count(),
        "users": User.objects.count(),
    }


def test_demo_loop_has_every_state_outcomes_and_a_visible_uplift_once() -> None:
    assert DEMO_STEPS.index("actions.demo.seed_actions") > DEMO_STEPS.index(
        "xdata.demo.seed_responses"
    )
    demo = Demo(scale="small", rng=random.Random(1))  # noqa: S311  # reproducible demo data
    for step in (seed_users, seed_odata, seed_surveys, seed_responses):
        step(demo)
    seed_actions(demo)
    now = timezone.now()

    # Setup: every rule enabled, plans with Korean checklists, the root-cause taxonomy.
    rules = {r.kind: r for r in TriggerRule.objects.filter(is_enabled=True)}
    assert TriggerRule.objects.filter(is_enabled=True).count() == 5
    assert set(rules) == {"response", "operational", "aggregate"}
    assert TriggerRule.objects.filter(holdout_percent=10).count() == 1
    assert all(r.versions.count() == 1 for r in TriggerRule.objects.all())
    assert RootCause.objects.count() == 7
    assert all(len(p.checklist) >= 3 for p in ActionPlan.objects.all())
    assert ActionPlan.objects.exclude(recovery_survey=None).count() == 2
    manager = User.objects.get(username="manager")
    assert (
        not User.objects.filter(username__startswith="store").exclude(reports_to=manager).exists()
    )
    delivery = Touchpoint.objects.get(name="배송 완료")
    assert delivery.owner_team is not None and delivery.owner_team.user_set.count() == 3

    # Tasks in every state, some overdue and escalated, with comments and reopenings.
    statuses = dict(FollowUpTask.objects.values_list("status").annotate(n=Count("pk")))
    assert set(statuses) == set(TaskStatus.values)
    assert statuses[TaskStatus.CLOSED] > 500
    running = FollowUpTask.objects.filter(status__in=[TaskStatus.NEW, TaskStatus.IN_PROGRESS])
    assert running.filter(due_at__lt=now).exists()
    assert set(Escalation.objects.values_list("level", flat=True)) == {1, 2, 3}
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.COMMENT).exists()
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.STATUS, data__old="closed").exists()
    done = FollowUpTask.objects.filter(status__in=[TaskStatus.RESOLVED, TaskStatus.CLOSED])
    assert not done.filter(root_cause=None).exists()
    assert FollowUpTask.objects.filter(status=TaskStatus.WAITING).exclude(paused_at=None).exists()
    assert not FollowUpTask.objects.filter(created_at__gt=now).exists()
    # Consistent with the data the rules read.
    detractor = FollowUpTask.objects.filter(rule__holdout_percent=10)
    assert not detractor.exclude(response__nps__lte=6).exists()
    assert not detractor.exclude(customer=F("response__customer")).exists()
    assert not detractor.exclude(owner=F("store__manager")).exclude(store=None).exists()
    late = FollowUpTask.objects.filter(rule=rules["operational"])
    assert late.exists()
    assert not late.exclude(owner__groups=delivery.owner_team).exists()
    assert OperationalFiring.objects.filter(rule=rules["operational"]).count() >= late.count()

    # Outcomes judged by the sweep, a control group, and following up pays.
    verdicts = set(FollowUpTask.objects.exclude(verdict="").values_list("verdict", flat=True))
    assert verdicts >= {"recovered", "not_recovered"}
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.OUTCOME).count() == (
        FollowUpTask.objects.exclude(judged_at=None).count()
    )
    holdouts = Holdout.objects.count()
    triggered = holdouts + detractor.count()
    assert 0.05 < holdouts / triggered < 0.16
    assert Holdout.objects.exclude(judged_at=None).exists()
    [uplift] = holdout_uplift()
    bought_30 = next(row for row in uplift.rows if row.metric == "repurchase_30d")
    assert bought_30.control.n >= MIN_UPLIFT_N
    assert bought_30.difference is not None and bought_30.difference.difference > 0.05
    assert Invitation.objects.filter(survey__name="회복 확인 설문", status="answered").exists()

    before = _counts()
    seed_actions(Demo(scale="small", rng=random.Random(1)))  # noqa: S311  # as above
    assert _counts() == before
    assert not Order.objects.filter(~Q(external_id__startswith="O")).exists()
