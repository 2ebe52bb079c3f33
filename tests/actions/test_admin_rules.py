"""Admins list, create and edit trigger rules through a form that builds the rule's conditions,
and enable or disable them; nobody else can."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from actions.models import ActionPlan, FollowUpTask, TriggerRule, TriggerRuleVersion
from cxm.models import User
from tests.actions.builders import make_store, make_survey
from tests.conftest import client_for
from tests.factories import ActionPlanFactory, TriggerRuleFactory

pytestmark = pytest.mark.django_db

LIST = "/actions/manage/rules/"


def english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def open_task(rule: TriggerRule, *, days_ago: int, subject: str) -> FollowUpTask:
    created = timezone.now() - timedelta(days=days_ago)
    return FollowUpTask.objects.create(
        rule=rule,
        rule_version=rule.version,
        plan=rule.plan,
        subject_key=subject,
        title="Call back",
        owner=rule.plan.fallback_owner,
        sla_hours=8,
        due_at=created + timedelta(days=1),
        created_at=created,
        status="closed",
    )


def response_rule_post(plan: ActionPlan, **extra: Any) -> dict[str, Any]:
    data = {
        "name": "Detractors",
        "plan": plan.pk,
        "holdout_percent": 10,
        "match": "all",
        "rows": 3,
        "c0_field": "nps",
        "c0_op": "lte",
        "c0_value": "6",
        "c1_field": "comment",
        "c1_op": "",
        "c1_value": "배송, late ,  rude",
        "c2_field": "",
        "c2_op": "",
        "c2_value": "",
        "action": "save",
    }
    data.update(extra)
    return data


def test_rule_pages_refuse_staff_managers_and_outsiders(
    manager: User, agent: User, outsider: User
) -> None:
    rule = TriggerRuleFactory()
    plan = ActionPlanFactory()
    for user in (manager, agent, outsider):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert client.get(f"{LIST}new/response/").status_code == 403
        assert client.post(f"{LIST}new/response/", response_rule_post(plan)).status_code == 403
        assert client.get(f"{LIST}{rule.code}/").status_code == 403
        assert client.post(f"{LIST}{rule.code}/edit/", response_rule_post(plan)).status_code == 403
        assert client.post(f"{LIST}{rule.code}/enable/").status_code == 403
    assert TriggerRule.objects.count() == 1
    rule.refresh_from_db()
    assert rule.name != "Detractors"
    assert (rule.is_enabled, rule.version) == (False, 1)
    assert not TriggerRuleVersion.objects.exists()


def test_anonymous_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_admin_creates_a_per_response_rule_from_condition_rows(admin: User) -> None:
    plan = ActionPlanFactory()
    survey = make_survey()
    response = client_for(admin).post(
        f"{LIST}new/response/", response_rule_post(plan, survey=survey.pk, match="any")
    )
    rule = TriggerRule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{rule.code}/"
    assert rule.kind == "response"
    assert rule.definition == {
        "match": "any",
        "conditions": [
            {"field": "nps", "op": "lte", "value": 6},
            {"field": "comment", "op": "contains_any", "value": ["배송", "late", "rude"]},
        ],
    }
    assert (rule.plan, rule.survey, rule.holdout_percent) == (plan, survey, 10)
    assert rule.is_enabled is False  # enabled only after looking at the preview
    assert rule.version == 1
    version = TriggerRuleVersion.objects.get()
    assert (version.number, version.changed_by) == (1, admin)


def test_condition_values_are_typed_per_field(admin: User) -> None:
    plan = ActionPlanFactory()
    data = response_rule_post(
        plan,
        rows=4,
        c0_field="revenue_12m",
        c0_op="gte",
        c0_value="1,000,000",
        c1_field="intent",
        c1_op="eq",
        c1_value="No",
        c2_field="delivery_late",
        c2_op="eq",
        c2_value="yes",
        c3_field="open_service_record",
        c3_op="",
        c3_value="no",
    )
    assert client_for(admin).post(f"{LIST}new/response/", data).status_code == 302
    assert TriggerRule.objects.get().definition["conditions"] == [
        {"field": "revenue_12m", "op": "gte", "value": 1_000_000},
        {"field": "intent", "op": "eq", "value": "no"},
        {"field": "delivery_late", "op": "is", "value": True},
        {"field": "open_service_record", "op": "is", "value": False},
    ]


def test_admin_creates_operational_and_aggregate_rules(admin: User) -> None:
    plan = ActionPlanFactory()
    store = make_store()
    client = client_for(admin)
    common = {"plan": plan.pk, "holdout_percent": 0, "action": "save"}
    late = {"name": "Late", "event": "delivery_late", "min_days": 3, "store": store.pk}
    assert client.post(f"{LIST}new/operational/", {**common, **late}).status_code == 302
    aggregate = {
        "name": "Store NPS",
        "metric": "nps",
        "segment_kind": "store",
        "below": "10",
        "min_n": 30,
        "significant_drop": "on",
    }
    assert client.post(f"{LIST}new/aggregate/", {**common, **aggregate}).status_code == 302
    rules = {rule.name: rule for rule in TriggerRule.objects.all()}
    assert rules["Late"].definition == {"event": "delivery_late", "min_days": 3}
    assert rules["Late"].store == store
    assert rules["Store NPS"].definition == {
        "metric": "nps",
        "segment_kind": "store",
        "below": 10,
        "min_n": 30,
        "significant_drop": True,
    }


def test_invalid_conditions_are_refused_with_the_reason_in_the_users_language(
    admin: User,
) -> None:
    plan = ActionPlanFactory()
    client = english(admin)
    data = response_rule_post(plan, c0_value="eleven", c1_field="", c1_value="")
    response = client.post(f"{LIST}new/response/", data)
    assert response.status_code == 400
    assert "Condition 1: enter a whole number." in response.content.decode()
    empty = response_rule_post(plan, c0_field="", c0_op="", c0_value="", c1_field="", c1_value="")
    response = client.post(f"{LIST}new/response/", empty)
    assert response.status_code == 400
    assert "Add at least one condition." in response.content.decode()
    over = client.post(f"{LIST}new/response/", response_rule_post(plan, holdout_percent=60))
    assert over.status_code == 400
    assert "less than or equal to 50" in over.content.decode()
    assert not TriggerRule.objects.exists()


def test_a_value_without_a_field_is_pointed_out(admin: User) -> None:
    plan = ActionPlanFactory()
    data = response_rule_post(plan, c2_value="7")
    response = english(admin).post(f"{LIST}new/response/", data)
    assert response.status_code == 400
    assert "Condition 3: choose the field this value is for." in response.content.decode()


def test_korean_is_the_default_language_of_the_form(admin: User) -> None:
    response = client_for(admin).get(f"{LIST}new/response/")
    assert response.status_code == 200
    assert response["Content-Language"] == "ko"


def test_operational_rule_needs_its_numbers(admin: User) -> None:
    plan = ActionPlanFactory()
    data = {"name": "Repeat", "plan": plan.pk, "holdout_percent": 0, "event": "repeat_complaint"}
    response = english(admin).post(f"{LIST}new/operational/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the window in days (1 to 365)." in html
    assert "Enter how many complaints (2 to 100)." in html
    assert not TriggerRule.objects.exists()


def test_a_store_outside_the_chosen_region_is_refused(admin: User) -> None:
    from odata.models import Region

    north, south = (
        Region.objects.create(code="N", name="North"),
        Region.objects.create(code="S", name="South"),
    )
    store = make_store(region=north)
    plan = ActionPlanFactory()
    data = response_rule_post(plan, store=store.pk, region=south.pk)
    response = english(admin).post(f"{LIST}new/response/", data)
    assert response.status_code == 400
    assert "This store is not in the chosen region." in response.content.decode()


def test_add_a_condition_shows_one_more_row_and_saves_nothing(admin: User) -> None:
    plan = ActionPlanFactory()
    data = response_rule_post(plan, action="add_row", c0_value="not yet a number")
    response = english(admin).post(f"{LIST}new/response/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="c3_field"' in html and 'name="c4_field"' not in html
    assert 'name="rows" value="4"' in html
    assert 'value="not yet a number"' in html  # typed values are kept
    assert "enter a whole number" not in html  # and not judged yet
    assert not TriggerRule.objects.exists()


def test_unknown_kind_and_unknown_rule_are_not_found(admin: User) -> None:
    client = client_for(admin)
    assert client.get(f"{LIST}new/sometimes/").status_code == 404
    assert client.get(f"{LIST}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.post(f"{LIST}00000000-0000-0000-0000-000000000000/enable/").status_code == 404


def test_edit_form_shows_the_saved_conditions_and_saves_a_change(admin: User) -> None:
    rule = TriggerRuleFactory(
        definition={
            "match": "any",
            "conditions": [
                {"field": "csat", "op": "lte", "value": 2},
                {"field": "comment", "op": "contains_any", "value": ["환불", "refund"]},
            ],
        }
    )
    client = english(admin)
    page = client.get(f"{LIST}{rule.code}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="환불, refund"' in html
    assert '<option value="csat" selected>' in html
    data = response_rule_post(rule.plan, name="Unhappy", c0_field="csat", c0_value="1")
    response = client.post(f"{LIST}{rule.code}/edit/", data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Unhappy"
    assert rule.definition["conditions"][0] == {"field": "csat", "op": "lte", "value": 1}
    assert rule.kind == "response"  # the kind is fixed once created


def test_enable_and_disable_are_post_only_and_change_the_rule(admin: User) -> None:
    rule = TriggerRuleFactory()
    client = client_for(admin)
    assert client.get(f"{LIST}{rule.code}/enable/").status_code == 405
    assert client.get(f"{LIST}{rule.code}/disable/").status_code == 405
    rule.refresh_from_db()
    assert rule.is_enabled is False
    response = client.post(f"{LIST}{rule.code}/enable/")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{rule.code}/"
    rule.refresh_from_db()
    assert rule.is_enabled is True
    assert client.post(f"{LIST}{rule.code}/disable/").status_code == 302
    rule.refresh_from_db()
    assert rule.is_enabled is False


def test_list_shows_kind_scope_plan_state_version_and_recent_tasks(admin: User) -> None:
    store = make_store(name="강남점")
    rule = TriggerRuleFactory(name="VIP low CSAT", store=store, is_enabled=True)
    open_task(rule, days_ago=2, subject="customer:1")
    open_task(rule, days_ago=40, subject="customer:2")  # older than the 30 days counted
    response = english(admin).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "VIP low CSAT" in html
    assert "Per response" in html
    assert "store “강남점”" in html
    assert rule.plan.title in html
    assert ">enabled<" in html
    assert ">v1<" in html
    assert '<td data-label="Tasks, last 30 days" class="num">1</td>' in html


def test_list_runs_a_fixed_number_of_queries(admin: User, django_assert_num_queries: Any) -> None:
    client = client_for(admin)
    for n in range(2):
        TriggerRuleFactory(store=make_store(), survey=make_survey(name=f"설문 {n}"))
    client.get(LIST)  # warm the session and permission caches of this client
    # Session, user, two permission reads, the role badge, the rules with their counts.
    with django_assert_num_queries(6):
        client.get(LIST)
    for n in range(2, 8):
        rule = TriggerRuleFactory(store=make_store(), survey=make_survey(name=f"설문 {n}"))
        open_task(rule, days_ago=1, subject="customer:9")
    with django_assert_num_queries(6):
        response = client.get(LIST)
    assert response.content.decode().count("/actions/manage/rules/") >= 8


def test_a_rule_with_invalid_conditions_cannot_be_enabled(admin: User) -> None:
    rule = TriggerRuleFactory(definition={"match": "all", "conditions": []})
    client = english(admin)
    response = client.post(f"{LIST}{rule.code}/enable/", follow=True)
    assert response.status_code == 200
    assert "Add at least one condition." in response.content.decode()
    rule.refresh_from_db()
    assert (rule.is_enabled, rule.version) == (False, 1)
    assert not rule.versions.exists()


def test_choices_that_always_hold_a_value_are_not_marked_optional(admin: User) -> None:
    html = english(admin).get(f"{LIST}new/aggregate/").content.decode()
    assert 'for="id_metric">Metric</label>' in html
    assert 'for="id_segment_kind">Per</label>' in html
    assert 'for="id_below">Falls below <span class="optional">' in html
    operational = english(admin).get(f"{LIST}new/operational/").content.decode()
    assert 'for="id_event">Event</label>' in operational
