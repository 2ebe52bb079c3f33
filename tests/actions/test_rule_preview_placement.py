"""Without htmx, "Preview" reloads the page at the preview's answer (its count or what to
correct), not at the top of the long rule form."""

from __future__ import annotations

import re

import pytest

from cxm.models import User
from tests.actions.test_admin_rules import LIST, english, response_rule_post
from tests.factories import ActionPlanFactory

pytestmark = pytest.mark.django_db

URL = f"{LIST}new/response/"


def _preview_region(html: str) -> str:
    found = re.search(r'<div id="rule-preview"[^>]*>(.*?)</div>', html, re.S)
    assert found, "no preview region"
    return found.group(1)


def test_the_preview_button_lands_on_the_preview_region(admin: User) -> None:
    html = english(admin).get(URL).content.decode()
    assert f'formaction="{URL}#rule-preview"' in html
    assert re.search(r'<div id="rule-preview"[^>]*tabindex="-1"', html)


def test_a_preview_of_empty_conditions_says_what_to_correct_at_the_anchor(admin: User) -> None:
    data = response_rule_post(
        ActionPlanFactory(),
        action="preview",
        c0_field="",
        c0_op="",
        c0_value="",
        c1_field="",
        c1_value="",
    )
    response = english(admin).post(URL, data)
    assert response.status_code == 400
    region = _preview_region(response.content.decode())
    assert "Correct the conditions to see a preview." in region
    assert "Add at least one condition." in region
