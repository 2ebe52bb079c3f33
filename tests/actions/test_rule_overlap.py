"""Two enabled per-response rules that fire on the same answers each open a task and send an
e-mail. Tasks are not merged across rules, but the rule form's preview and the rule's page name
the other enabled rules that fire on the same responses, counted by the evaluation's own
matching over the last 30 days."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from actions.models import TriggerRule
from actions.services.evaluation import preview_response_rule
from cxm.models import User
from tests.actions.builders import make_customer, make_response, make_rule, make_survey
from tests.conftest import client_for
from tests.factories import TriggerRuleFactory

pytestmark = pytest.mark.django_db

LIST = "/actions/manage/rules/"
DETRACTORS = [{"field": "nps", "op": "lte", "value": 6}]


def english(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    user.refresh_from_db()
    return client_for(user)


def answers() -> dict[str, object]:
    """On one survey in the last 30 days: NPS 1, 4 and 6 and a promoter, an older 2; on
    another survey a 3."""
    survey, other = make_survey(), make_survey(name="매장 방문")
    now = timezone.now()
    for nps, days in ((1, 1), (4, 3), (6, 5), (10, 2), (2, 40)):
        make_response(
            survey=survey, customer=make_customer(), nps=nps, submitted_at=now - timedelta(days)
        )
    make_response(survey=other, customer=make_customer(), nps=3, submitted_at=now)
    return {"survey": survey, "other": other}


def overlap_lines(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", line).strip() for line in re.findall(r"<li>(Of the .*?)<a ", html, re.S)
    ]


def test_the_preview_counts_responses_shared_with_each_enabled_rule() -> None:
    made = answers()
    survey = made["survey"]
    same = make_rule(name="Detractor follow-up", survey=survey, conditions=DETRACTORS)
    everywhere = make_rule(
        name="Very unhappy anywhere", conditions=[{"field": "nps", "op": "lte", "value": 1}]
    )
    make_rule(name="Other survey", survey=made["other"], conditions=DETRACTORS)
    make_rule(name="Switched off", survey=survey, conditions=DETRACTORS, is_enabled=False)
    make_rule(
        name="Promoters", survey=survey, conditions=[{"field": "nps", "op": "gte", "value": 9}]
    )

    shown = preview_response_rule(
        definition={"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 4}]},
        survey=survey,  # type: ignore[arg-type]
    )

    assert (shown.tasks, shown.responses) == (2, 2)
    assert [(o.rule.pk, o.responses) for o in shown.overlaps] == [(same.pk, 2), (everywhere.pk, 1)]
    # The rule being edited is not its own overlap.
    again = preview_response_rule(definition=same.definition, survey=survey, exclude=same)  # type: ignore[arg-type]
    assert [o.rule.pk for o in again.overlaps] == [everywhere.pk]


def test_the_form_preview_names_the_overlapping_rules(admin: User) -> None:
    made = answers()
    make_rule(name="Detractor follow-up", survey=made["survey"], conditions=DETRACTORS)
    plan = TriggerRuleFactory().plan
    data = {
        "name": "Low NPS call-back",
        "plan": plan.pk,
        "survey": made["survey"].pk,  # type: ignore[attr-defined]
        "holdout_percent": 0,
        "match": "all",
        "rows": 3,
        "c0_field": "nps",
        "c0_op": "lte",
        "c0_value": "6",
        "action": "preview",
    }
    client = english(admin)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(f"{LIST}new/response/", data, **headers)
        assert response.status_code == 200
        assert overlap_lines(response.content.decode()) == [
            "Of the 3 responses this rule would have fired on in the last 30 days, "
            "3 also fired “Detractor follow-up”."
        ]
    assert TriggerRule.objects.count() == 2  # previewing saved nothing


def test_the_rule_page_warns_whether_the_rule_is_enabled_or_not(admin: User) -> None:
    made = answers()
    first = make_rule(name="Detractor follow-up", survey=made["survey"], conditions=DETRACTORS)
    second = make_rule(
        name="Unhappy customers",
        survey=made["survey"],
        conditions=[{"field": "nps", "op": "lte", "value": 4}],
        is_enabled=False,
    )
    client = english(admin)
    html = client.get(f"{LIST}{second.code}/").content.decode()
    assert overlap_lines(html) == [
        "Of the 2 responses this rule would have fired on in the last 30 days, "
        "2 also fired “Detractor follow-up”."
    ]
    assert f'href="{LIST}{first.code}/"' in html
    # The enabled rule does not warn of a disabled one; enabled, both warn of each other.
    assert overlap_lines(client.get(f"{LIST}{first.code}/").content.decode()) == []
    TriggerRule.objects.filter(pk=second.pk).update(is_enabled=True)
    assert overlap_lines(client.get(f"{LIST}{first.code}/").content.decode()) == [
        "Of the 3 responses this rule would have fired on in the last 30 days, "
        "2 also fired “Unhappy customers”."
    ]


def test_rules_that_share_no_response_say_nothing(admin: User) -> None:
    made = answers()
    make_rule(
        name="Promoters",
        survey=made["survey"],
        conditions=[{"field": "nps", "op": "gte", "value": 9}],
    )
    rule = make_rule(survey=made["survey"], conditions=DETRACTORS, is_enabled=False)
    html = english(admin).get(f"{LIST}{rule.code}/").content.decode()
    assert "Other enabled rules fire on the same responses" not in html
