"""The response-rule form names the condition row the admin sees: a problem is shown on its own
row with that row's number (empty rows before it do not shift the count), and a row with a
comparison or value but no field is refused on that row instead of being dropped."""

from __future__ import annotations

import re

import pytest

from actions.models import TriggerRule
from cxm.models import User
from tests.actions.test_admin_rules import LIST, english, response_rule_post
from tests.factories import ActionPlanFactory

pytestmark = pytest.mark.django_db

URL = f"{LIST}new/response/"


def _row(html: str, number: int) -> str:
    """The HTML of the condition row with the visible number `number`."""
    rows = re.split(r"<fieldset class=\"field condition\">", html)[1:]
    return rows[number - 1]


def test_a_problem_is_numbered_by_the_row_the_admin_sees(admin: User) -> None:
    plan = ActionPlanFactory()
    # Row 1 empty, row 2 fine, row 3 wrong: the error is condition 3's, on row 3.
    data = response_rule_post(
        plan,
        c0_field="",
        c0_op="",
        c0_value="",
        c1_field="nps",
        c1_op="lte",
        c1_value="6",
        c2_field="nps",
        c2_op="lte",
        c2_value="eleven",
    )
    response = english(admin).post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Condition 3: enter a whole number." in _row(html, 3)
    assert "Condition 2:" not in html and "Condition 1:" not in html
    assert not TriggerRule.objects.exists()


def test_a_comparison_without_a_field_is_refused_on_its_row(admin: User) -> None:
    plan = ActionPlanFactory()
    data = response_rule_post(plan, c2_field="", c2_op="gte", c2_value="")
    response = english(admin).post(URL, data)
    assert response.status_code == 400
    assert "Condition 3: choose the field this comparison is for." in _row(
        response.content.decode(), 3
    )
    assert not TriggerRule.objects.exists()


def test_a_value_without_a_field_is_refused_on_its_row(admin: User) -> None:
    plan = ActionPlanFactory()
    data = response_rule_post(plan, c2_value="7")
    response = english(admin).post(URL, data)
    assert response.status_code == 400
    assert "Condition 3: choose the field this value is for." in _row(response.content.decode(), 3)


def test_a_lone_refused_row_is_not_also_told_to_add_a_condition(admin: User) -> None:
    plan = ActionPlanFactory()
    data = response_rule_post(
        plan, c0_field="nps", c0_op="lte", c0_value="eleven", c1_field="", c2_field=""
    )
    for key in ("c1_op", "c1_value", "c2_op", "c2_value"):
        data[key] = ""
    response = english(admin).post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Condition 1: enter a whole number." in _row(html, 1)
    assert "Add at least one condition." not in html
    assert not TriggerRule.objects.exists()
