"""Before a rule is enabled, its page says how many tasks it would have opened in the last 30
days; the form's "Preview" button says the same for unsaved conditions, without saving."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from actions.models import TriggerRule
from cxm.models import User
from tests.actions.builders import make_customer, make_response, make_store, make_survey
from tests.conftest import client_for
from tests.factories import TriggerRuleFactory

pytestmark = pytest.mark.django_db

LIST = "/actions/manage/rules/"


def english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def history() -> dict[str, object]:
    """Detractors from two customers at one store in the last 30 days (one of them twice),
    plus answers that must not count: a promoter, an older detractor, another store's."""
    survey = make_survey()
    store, elsewhere = make_store(), make_store()
    ann, bo, cy, dee = (make_customer() for _ in range(4))
    now = timezone.now()
    make_response(
        survey=survey, customer=ann, store=store, nps=3, submitted_at=now - timedelta(days=2)
    )
    make_response(
        survey=survey, customer=ann, store=store, nps=2, submitted_at=now - timedelta(days=9)
    )
    make_response(
        survey=survey, customer=bo, store=store, nps=6, submitted_at=now - timedelta(days=29)
    )
    make_response(
        survey=survey, customer=cy, store=store, nps=9, submitted_at=now - timedelta(days=1)
    )
    make_response(
        survey=survey, customer=dee, store=store, nps=1, submitted_at=now - timedelta(days=31)
    )
    make_response(
        survey=survey, customer=dee, store=elsewhere, nps=0, submitted_at=now - timedelta(days=3)
    )
    return {"survey": survey, "store": store, "elsewhere": elsewhere}


def count_on(html: str) -> int:
    found = re.search(r"would have opened (\d+) tasks? in the last 30 days", html)
    assert found, html
    return int(found.group(1))


def test_a_disabled_rules_page_counts_the_tasks_of_the_last_30_days(admin: User) -> None:
    made = history()
    client = english(admin)
    everywhere = TriggerRuleFactory()
    at_store = TriggerRuleFactory(store=made["store"])
    assert count_on(client.get(f"{LIST}{everywhere.code}/").content.decode()) == 3
    assert count_on(client.get(f"{LIST}{at_store.code}/").content.decode()) == 2


def test_an_enabled_rules_page_shows_no_preview(admin: User) -> None:
    history()
    rule = TriggerRuleFactory(is_enabled=True)
    html = english(admin).get(f"{LIST}{rule.code}/").content.decode()
    assert "would have opened" not in html
    assert "The rule is enabled" in html


def test_preview_button_counts_unsaved_conditions_and_saves_nothing(admin: User) -> None:
    made = history()
    rule = TriggerRuleFactory(store=made["store"])
    data = {
        "name": rule.name,
        "plan": rule.plan.pk,
        "store": made["store"].pk,  # type: ignore[attr-defined]
        "holdout_percent": 0,
        "match": "all",
        "rows": 3,
        "c0_field": "nps",
        "c0_op": "lte",
        "c0_value": "3",
        "action": "preview",
    }
    response = english(admin).post(f"{LIST}{rule.code}/edit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert count_on(html) == 1  # only Ann's answers are 3 or less at this store
    assert 'value="3"' in html  # the form is shown again, as typed
    rule.refresh_from_db()
    assert rule.definition["conditions"][0]["value"] == 6
    assert rule.version == 1


def test_preview_with_htmx_returns_the_count_fragment_only(admin: User) -> None:
    history()
    rule = TriggerRuleFactory()
    data = {
        "name": "New",
        "plan": rule.plan.pk,
        "holdout_percent": 0,
        "match": "any",
        "rows": 3,
        "c0_field": "nps",
        "c0_op": "lte",
        "c0_value": "0",
        "c1_field": "nps",
        "c1_op": "gte",
        "c1_value": "9",
        "action": "preview",
    }
    response = english(admin).post(f"{LIST}new/response/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="rule-preview"')
    assert "<form" not in html
    assert count_on(html) == 2  # Cy's 9 and Dee's 0 at the other store
    assert TriggerRule.objects.count() == 1


def test_preview_of_invalid_conditions_says_what_to_fix(admin: User) -> None:
    rule = TriggerRuleFactory()
    data = {
        "name": "New",
        "plan": rule.plan.pk,
        "holdout_percent": 0,
        "match": "all",
        "rows": 3,
        "c0_field": "csat",
        "c0_op": "lte",
        "c0_value": "9",
        "action": "preview",
    }
    client = english(admin)
    response = client.post(f"{LIST}new/response/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only successful responses
    assert "Condition 1: enter a number of at most 5." in response.content.decode()
    plain = client.post(f"{LIST}new/response/", data)
    assert plain.status_code == 400
    assert "would have opened" not in plain.content.decode()
