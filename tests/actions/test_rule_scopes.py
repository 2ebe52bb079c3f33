"""A rule's scope must be one it can honour: an aggregate rule reads segment statistics of one
kind, so it can only be narrowed to segments of that kind (a region for stores), and an
operational rule has no survey. Forms and services refuse the rest; a rule saved before the
check says why it cannot fire and cannot be enabled."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from actions.models import FollowUpTask, TriggerRule
from actions.services.aggregate import evaluate_aggregate_rules
from actions.services.rules import InvalidDefinition, create_rule, update_rule
from analysis.models import AnalysisRun, SegmentChange
from cxm.models import User
from tests.actions.builders import make_store, make_survey
from tests.conftest import client_for
from tests.factories import ActionPlanFactory, TriggerRuleFactory

pytestmark = pytest.mark.django_db

LIST = "/actions/manage/rules/"
PER_STORE = {"metric": "nps", "segment_kind": "store", "below": 0, "min_n": 30}


def english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def aggregate_post(**extra: Any) -> dict[str, Any]:
    data = {
        "name": "Low NPS",
        "plan": ActionPlanFactory().pk,
        "holdout_percent": 0,
        "metric": "nps",
        "segment_kind": "store",
        "below": "0",
        "min_n": 30,
        "action": "save",
    }
    data.update(extra)
    return data


def test_an_aggregate_rule_per_store_cannot_be_limited_to_a_survey(admin: User) -> None:
    survey = make_survey()
    response = english(admin).post(f"{LIST}new/aggregate/", aggregate_post(survey=survey.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert "counts the answers of every survey together" in html
    assert "choose “Per: Survey”" in html
    assert not TriggerRule.objects.exists()


def test_a_rule_per_channel_cannot_be_limited_to_a_store_or_a_touchpoint(admin: User) -> None:
    store, survey = make_store(), make_survey()
    data = aggregate_post(segment_kind="channel", store=store.pk, touchpoint=survey.touchpoint.pk)
    response = english(admin).post(f"{LIST}new/aggregate/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "every store together" in html
    assert "every touchpoint together" in html
    assert not TriggerRule.objects.exists()


def test_the_message_is_korean_by_default(admin: User) -> None:
    response = client_for(admin).post(
        f"{LIST}new/aggregate/", aggregate_post(survey=make_survey().pk)
    )
    assert response.status_code == 400
    assert "모든 설문의 응답을 함께 집계" in response.content.decode()


def test_scopes_of_the_segments_own_kind_are_accepted(admin: User) -> None:
    store, survey = make_store(), make_survey()
    client = english(admin)
    per_store = aggregate_post(name="Store", store=store.pk, region=store.region_id)
    per_survey = aggregate_post(name="Survey", segment_kind="survey", survey=survey.pk)
    assert client.post(f"{LIST}new/aggregate/", per_store).status_code == 302
    assert client.post(f"{LIST}new/aggregate/", per_survey).status_code == 302
    assert TriggerRule.objects.get(name="Survey").survey == survey


def test_an_aggregate_rule_per_survey_limited_to_one_survey_fires_for_it_alone() -> None:
    wanted, other = make_survey(name="배송 설문"), make_survey(name="매장 설문")
    rule = create_rule(
        by=None,
        name="Survey NPS",
        kind="aggregate",
        plan=ActionPlanFactory(),
        definition={**PER_STORE, "segment_kind": "survey"},
        survey=wanted,
        is_enabled=True,
    )
    run = AnalysisRun.objects.create(status=AnalysisRun.Status.FINISHED, finished_at=timezone.now())
    for survey in (wanted, other):
        SegmentChange.objects.create(
            run=run,
            segment_kind="survey",
            segment_key=str(survey.code),
            segment_label=survey.name,
            metric="nps",
            period="month",
            period_start=date(2025, 2, 1),
            current_value=-20.0,
            current_n=60,
            previous_n=60,
            method="nps_z",
            min_n=30,
        )
    assert evaluate_aggregate_rules(run_id=run.pk) == 1
    task = FollowUpTask.objects.get()
    assert task.rule == rule
    assert task.subject_key == f"segment:survey:{wanted.code}:2025-02-01"


def test_an_operational_rule_cannot_be_limited_to_a_survey(admin: User) -> None:
    survey = make_survey()
    data = {
        "name": "Late",
        "plan": ActionPlanFactory().pk,
        "holdout_percent": 0,
        "event": "delivery_late",
        "min_days": 2,
        "action": "save",
    }
    client = english(admin)
    refused = client.post(f"{LIST}new/operational/", {**data, "survey": survey.pk})
    assert refused.status_code == 400
    assert "which belong to no survey" in refused.content.decode()
    assert not TriggerRule.objects.exists()
    # A touchpoint routes the task to the touchpoint's team: that scope stays allowed.
    routed = {**data, "touchpoint": survey.touchpoint.pk}
    assert client.post(f"{LIST}new/operational/", routed).status_code == 302
    assert TriggerRule.objects.get().touchpoint == survey.touchpoint


def test_services_refuse_a_scope_the_rule_cannot_honour() -> None:
    survey = make_survey()
    with pytest.raises(InvalidDefinition) as refused:
        create_rule(
            by=None,
            name="Low",
            kind="aggregate",
            plan=ActionPlanFactory(),
            definition=PER_STORE,
            survey=survey,
        )
    assert len(refused.value.errors) == 1
    assert not TriggerRule.objects.exists()
    rule = create_rule(
        by=None, name="Low", kind="aggregate", plan=ActionPlanFactory(), definition=PER_STORE
    )
    with pytest.raises(InvalidDefinition):
        update_rule(rule=rule, by=None, touchpoint=survey.touchpoint)
    rule.refresh_from_db()
    assert (rule.touchpoint, rule.version) == (None, 1)


def test_a_rule_saved_with_such_a_scope_says_why_and_cannot_be_enabled(admin: User) -> None:
    rule = TriggerRuleFactory(kind="aggregate", definition=PER_STORE, survey=make_survey())
    client = english(admin)
    page = client.get(f"{LIST}{rule.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "This rule cannot open tasks in its scope." in html
    assert "counts the answers of every survey together" in html
    enabled = client.post(f"{LIST}{rule.code}/enable/", follow=True)
    assert "counts the answers of every survey together" in enabled.content.decode()
    rule.refresh_from_db()
    assert (rule.is_enabled, rule.version) == (False, 1)
    fine = TriggerRuleFactory(kind="aggregate", definition=PER_STORE)
    assert "This rule cannot open tasks" not in client.get(f"{LIST}{fine.code}/").content.decode()
