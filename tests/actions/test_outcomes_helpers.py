"""Builders shared by the outcome, holdout and aggregate-rule test modules."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from actions.models import FollowUpTask, Holdout, TaskStatus, TriggerRule
from cxm.models import User
from odata.models import Customer, Order
from surveys.models import Survey
from tests.factories import TriggerRuleFactory, UserFactory
from tests.surveys.test_invitations_helpers import make_customer, make_order, make_survey
from xdata.models import Response

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=SEOUL)  # a Monday
_subjects = count(1)

__all__ = ["T0", "make_customer", "make_order", "make_survey"]


def make_rule(**fields: Any) -> TriggerRule:
    fields.setdefault("is_enabled", True)
    rule: TriggerRule = TriggerRuleFactory(**fields)
    return rule


def make_answer(
    customer: Customer | None, at: datetime, *, nps: int | None = None, csat: int | None = None
) -> Response:
    """A survey response (no answer rows: the outcome sweep reads the score columns)."""
    survey = Survey.objects.filter(name="결과 설문").first() or make_survey(name="결과 설문")
    assert survey.current_version is not None
    return Response.objects.create(
        survey=survey,
        version=survey.current_version,
        touchpoint=survey.touchpoint,
        customer=customer,
        submitted_at=at,
        nps=nps,
        csat=csat,
    )


def make_task(
    rule: TriggerRule,
    customer: Customer | None,
    *,
    closed_at: datetime | None = T0,
    status: str = TaskStatus.CLOSED,
    response: Response | None = None,
    owner: User | None = None,
    **fields: Any,
) -> FollowUpTask:
    created = (closed_at or T0) - timedelta(days=2)
    subject = f"customer:{customer.pk}" if customer is not None else f"segment:t:{next(_subjects)}"
    return FollowUpTask.objects.create(
        rule=rule,
        rule_version=rule.version,
        plan=rule.plan,
        subject_key=fields.pop("subject_key", subject),
        title="테스트 후속 조치",
        customer=customer,
        response=response,
        status=status,
        owner=owner or rule.plan.fallback_owner,
        sla_hours=8,
        due_at=created + timedelta(hours=8),
        created_at=created,
        resolved_at=closed_at,
        closed_at=closed_at if status == TaskStatus.CLOSED else None,
        **fields,
    )


def make_holdout(
    rule: TriggerRule,
    customer: Customer,
    *,
    at: datetime = T0,
    response: Response | None = None,
    **fields: Any,
) -> Holdout:
    return Holdout.objects.create(
        rule=rule,
        subject_key=f"customer:{customer.pk}",
        customer=customer,
        response=response,
        triggered_at=at,
        trigger_day=at.date(),
        **fields,
    )


def buy(customer: Customer, at: datetime, **fields: Any) -> Order:
    return make_order(customer, placed_at=at, **fields)


def staff_user(**fields: Any) -> User:
    user: User = UserFactory(**fields)
    return user
