"""Builders for the closed-loop tests: responses with scores and context, rules with plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from django.utils import timezone

from actions.models import TriggerRule
from odata.models import Customer, Store
from surveys.models import Survey
from tests.factories import ActionPlanFactory, TriggerRuleFactory
from tests.surveys.test_invitations_helpers import make_customer, make_store, make_survey
from xdata.models import Response

__all__ = ["make_customer", "make_response", "make_rule", "make_store", "make_survey"]


def make_response(
    *,
    survey: Survey | None = None,
    customer: Customer | None = None,
    store: Store | None = None,
    submitted_at: datetime | None = None,
    evaluated: bool = False,
    **scores: Any,
) -> Response:
    """A recorded response (as `record_response` leaves it: not evaluated yet)."""
    survey = survey or make_survey()
    when = submitted_at or timezone.now()
    return Response.objects.create(
        survey=survey,
        version=survey.current_version,
        submission_key=uuid4(),
        customer=customer,
        touchpoint=survey.touchpoint,
        store=store,
        submitted_at=when,
        evaluated_at=when if evaluated else None,
        **scores,
    )


def make_rule(
    *, conditions: list[dict[str, Any]] | None = None, match: str = "all", **fields: Any
) -> TriggerRule:
    """An enabled per-response rule (NPS ≤ 6 unless `conditions` say otherwise)."""
    fields.setdefault("is_enabled", True)
    if "plan" not in fields:
        fields["plan"] = ActionPlanFactory(**fields.pop("plan_fields", {}))
    if conditions is not None:
        fields["definition"] = {"match": match, "conditions": conditions}
    rule: TriggerRule = TriggerRuleFactory(**fields)
    return rule
