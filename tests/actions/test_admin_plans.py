"""Admins list, add and edit action plans: the manual, the owner routing, the SLA and who is
notified."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from actions.models import ActionPlan
from cxm.models import User
from tests.actions.builders import make_survey
from tests.conftest import client_for
from tests.factories import (
    ActionPlanFactory,
    TriggerRuleFactory,
    UserFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/actions/manage/plans/"


def english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def plan_post(fallback: User, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "  Detractor call-back  ",
        "instructions": "Call, listen, apologise.",
        "checklist": "Call the customer\n\n  Offer a coupon  \nLog the outcome\n",
        "routing": "store_manager",
        "fallback_owner": fallback.pk,
        "sla_hours": 16,
        "severity": "high",
        "notify_email": "on",
    }
    data.update(extra)
    return data


def test_plan_pages_refuse_everyone_but_admins(manager: User, agent: User, outsider: User) -> None:
    plan = ActionPlanFactory(title="Original")
    for user in (manager, agent, outsider):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert client.get(f"{LIST}new/").status_code == 403
        assert client.post(f"{LIST}new/", plan_post(user)).status_code == 403
        assert client.get(f"{LIST}{plan.code}/").status_code == 403
        assert client.post(f"{LIST}{plan.code}/", plan_post(user)).status_code == 403
    assert ActionPlan.objects.get().title == "Original"


def test_admin_adds_a_plan(admin: User) -> None:
    fallback = UserFactory()
    hook, _off = WebhookEndpointFactory(name="CRM"), WebhookEndpointFactory(is_active=False)
    survey = make_survey()
    data = plan_post(
        fallback, webhooks=[hook.pk], recovery_survey=survey.pk, reassign_on_breach="on"
    )
    response = client_for(admin).post(f"{LIST}new/", data)
    assert response.status_code == 302
    assert response["Location"] == LIST
    plan = ActionPlan.objects.get()
    assert plan.title == "Detractor call-back"
    assert plan.checklist == ["Call the customer", "Offer a coupon", "Log the outcome"]
    assert (plan.routing, plan.owner, plan.fallback_owner) == ("store_manager", None, fallback)
    assert (plan.sla_hours, plan.severity, plan.notify_email) == (16, "high", True)
    assert list(plan.webhooks.all()) == [hook]
    assert plan.recovery_survey == survey
    assert plan.reassign_on_breach is True
    assert plan.is_active is False  # an unticked box is "no"


def test_an_inactive_webhook_cannot_be_chosen_for_a_new_plan(admin: User) -> None:
    off = WebhookEndpointFactory(is_active=False)
    data = plan_post(UserFactory(), webhooks=[off.pk])
    response = english(admin).post(f"{LIST}new/", data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ActionPlan.objects.exists()


def test_a_named_user_routing_needs_the_user_and_a_fallback_is_required(admin: User) -> None:
    client = english(admin)
    response = client.post(f"{LIST}new/", plan_post(UserFactory(), routing="user"))
    assert response.status_code == 400
    assert "Choose the user who gets the tasks." in response.content.decode()
    no_fallback = plan_post(UserFactory())
    del no_fallback["fallback_owner"]
    response = client.post(f"{LIST}new/", no_fallback)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    zero = client.post(f"{LIST}new/", plan_post(UserFactory(), sla_hours=0))
    assert zero.status_code == 400
    assert not ActionPlan.objects.exists()


def test_admin_edits_a_plan_and_the_form_shows_its_values(admin: User) -> None:
    hook = WebhookEndpointFactory(name="Chat")
    plan = ActionPlanFactory(checklist=["Call", "Apologise"])
    plan.webhooks.add(hook)
    hook.is_active = False  # switched off later: still shown for the plan that uses it
    hook.save(update_fields=["is_active"])
    client = english(admin)
    page = client.get(f"{LIST}{plan.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Call\nApologise" in html
    assert "Chat" in html
    owner = UserFactory()
    data = plan_post(plan.fallback_owner, routing="user", owner=owner.pk, is_active="on")
    response = client.post(f"{LIST}{plan.code}/", data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.routing, plan.owner, plan.is_active) == ("user", owner, True)
    assert list(plan.webhooks.all()) == []


def test_editing_an_unknown_plan_is_not_found(admin: User) -> None:
    response = client_for(admin).get(f"{LIST}00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


def test_list_shows_plans_in_a_fixed_number_of_queries(
    admin: User, django_assert_num_queries: Any
) -> None:
    client = english(admin)
    TriggerRuleFactory(plan=ActionPlanFactory(title="Plan A", sla_hours=12))
    client.get(LIST)
    # Session, user, two permission reads, the role badge, the plans with owners and counts.
    with django_assert_num_queries(6):
        client.get(LIST)
    for n in range(5):
        TriggerRuleFactory(plan=ActionPlanFactory(title=f"Plan {n}", routing="touchpoint_team"))
    with django_assert_num_queries(6):
        response = client.get(LIST)
    html = response.content.decode()
    assert "Plan A" in html and "Plan 4" in html
    assert "Round-robin in the touchpoint&#x27;s team" in html
