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
from odata.models import Customer, Delivery
from tests.actions.builders import make_customer, make_response, make_store, make_survey
from tests.conftest import client_for
from tests.factories import TriggerRuleFactory
from tests.surveys.test_invitations_helpers import make_order

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


def late_delivery(customer: Customer, *, promised_days_ago: int, late_days: int) -> None:
    now = timezone.now()
    promised = now - timedelta(days=promised_days_ago)
    Delivery.objects.create(
        external_id=f"D-{Delivery.objects.count() + 1}",
        order=make_order(customer),
        promised_at=promised,
        delivered_at=promised + timedelta(days=late_days),
    )


def test_an_operational_rules_page_counts_customers_with_late_deliveries(admin: User) -> None:
    ann, bo, cy, dee = (make_customer() for _ in range(4))
    late_delivery(ann, promised_days_ago=10, late_days=4)
    late_delivery(bo, promised_days_ago=5, late_days=1)  # not late enough
    late_delivery(cy, promised_days_ago=50, late_days=5)  # before the 30 days
    late_delivery(dee, promised_days_ago=20, late_days=3)
    late_delivery(dee, promised_days_ago=12, late_days=6)  # the same customer: one task
    rule = TriggerRuleFactory(
        kind="operational", definition={"event": "delivery_late", "min_days": 3}
    )
    html = english(admin).get(f"{LIST}{rule.code}/").content.decode()
    assert count_on(html) == 2
    assert "A delivery arrived 3 or more days late" in html


def test_an_aggregate_rules_page_counts_nothing_before_the_first_analysis_run(admin: User) -> None:
    definition = {
        "metric": "nps",
        "segment_kind": "store",
        "below": 0,
        "min_n": 30,
        "significant_drop": True,
    }
    rule = TriggerRuleFactory(kind="aggregate", definition=definition)
    response = english(admin).get(f"{LIST}{rule.code}/")
    assert response.status_code == 200
    assert count_on(response.content.decode()) == 0


def test_preview_counts_valid_conditions_before_the_name_and_plan_are_chosen(
    admin: User,
) -> None:
    history()
    data = {
        "name": "",
        "plan": "",
        "holdout_percent": 0,
        "match": "all",
        "rows": 3,
        "c0_field": "nps",
        "c0_op": "lte",
        "c0_value": "3",
        "action": "preview",
    }
    client = english(admin)
    fragment = client.post(f"{LIST}new/response/", data, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert count_on(fragment.content.decode()) == 2  # Ann at one store, Dee at the other
    assert "Correct the conditions" not in fragment.content.decode()
    page = client.post(f"{LIST}new/response/", data)
    assert page.status_code == 200
    assert count_on(page.content.decode()) == 2
    assert "This field is required." in page.content.decode()  # the name and plan still say so
    assert TriggerRule.objects.count() == 0
