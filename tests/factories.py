from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from cxm.models import User
from cxm.roles import Role
from cxm.services import set_user_role

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    name = factory.Faker("name", locale="ko_KR")
    language = ""
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs: Any) -> None:
        if create and extracted is not None:
            set_user_role(user=self, role=extracted)


# --- actions: root causes, webhooks, action plans, trigger rules ---------------------------


class RootCauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actions.RootCause"

    key = factory.Sequence(lambda n: f"cause-{n}")
    label_ko = factory.Sequence(lambda n: f"원인 {n}")
    label_en = factory.Sequence(lambda n: f"Cause {n}")
    is_active = True


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actions.WebhookEndpoint"

    name = factory.Sequence(lambda n: f"CRM {n}")
    url = factory.Sequence(lambda n: f"https://crm{n}.example.com/hooks/cxm")
    secret = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    is_active = True


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "actions.ActionPlan"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Call the customer back {n}")
    instructions = "Call within the SLA, listen, apologise, offer a remedy."
    checklist = factory.LazyFunction(lambda: ["Call the customer", "Offer a remedy"])
    routing = "user"
    owner = factory.SubFactory(UserFactory)
    fallback_owner = factory.SubFactory(UserFactory)
    sla_hours = 8
    severity = "medium"
    notify_email = True
    is_active = True


class TriggerRuleFactory(factory.django.DjangoModelFactory):
    """A per-response detractor rule (NPS ≤ 6), disabled unless `is_enabled=True`."""

    class Meta:
        model = "actions.TriggerRule"

    name = factory.Sequence(lambda n: f"Detractor follow-up {n}")
    kind = "response"
    plan = factory.SubFactory(ActionPlanFactory)
    definition = factory.LazyFunction(
        lambda: {"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]}
    )
    holdout_percent = 0
    is_enabled = False


class FollowUpTaskFactory(factory.django.DjangoModelFactory):
    """An open task (new) under a detractor rule, due in 8 hours, owned by a fresh user.

    Pass `owner=` (and `customer=`/`store=` from the O-Data factories) to place it."""

    class Meta:
        model = "actions.FollowUpTask"

    rule = factory.SubFactory(TriggerRuleFactory)
    rule_version = 1
    plan = factory.LazyAttribute(lambda t: t.rule.plan)
    subject_key = factory.Sequence(lambda n: f"customer:{n}")
    title = factory.Sequence(lambda n: f"Follow up detractor {n}")
    owner = factory.SubFactory(UserFactory)
    sla_hours = 8
    created_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda t: t.created_at + timedelta(hours=8))
    checklist = factory.LazyFunction(
        lambda: [
            {"text": "Call the customer", "done": False},
            {"text": "Offer a remedy", "done": False},
        ]
    )
    trigger = factory.LazyFunction(lambda: {"nps": 3})
