"""A task opened from a response with no customer (an open link) shows no customer figures in
"What fired": revenue and service records read as a dash, never a real-looking ₩0."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from actions.models import FollowUpTask
from actions.selectors import NO_FIGURE
from actions.services.evaluation import evaluate_response
from cxm.models import User
from tests.actions.builders import make_customer, make_response, make_rule, make_survey
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory

pytestmark = pytest.mark.django_db


def _fired_box(user: User, task: FollowUpTask, language: str = "en") -> str:
    with translation.override(language):
        html = (
            client_for(user)
            .get(f"/actions/tasks/{task.code}/", HTTP_ACCEPT_LANGUAGE=language)
            .content.decode()
        )
    found = re.search(r'<h2 id="fired-heading">.*?</section>', html, re.S)
    assert found, html
    return found.group(0)


def _value_of(box: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", box, re.S)
    assert found, box
    return found.group(1).strip()


def test_an_open_link_answer_shows_no_revenue_figure(manager: User) -> None:
    survey = make_survey()
    make_rule(
        survey=survey,
        conditions=[
            {"field": "nps", "op": "lte", "value": 6},
            {"field": "revenue_12m", "op": "lte", "value": 500_000},
            {"field": "open_service_record", "op": "is", "value": False},
        ],
    )
    response = make_response(survey=survey, customer=None, nps=2)
    assert evaluate_response(response_id=response.pk) == 1
    task = FollowUpTask.objects.get(response=response)
    assert task.customer is None

    box = _fired_box(manager, task)
    assert "₩0" not in box
    assert _value_of(box, "Revenue, last 12 months") == NO_FIGURE
    assert _value_of(box, "Open service record") == NO_FIGURE
    assert _value_of(box, "NPS") == "2"
    korean = _fired_box(manager, task, "ko")
    assert "₩0" not in korean


def test_a_known_customer_with_no_purchases_shows_a_real_zero(manager: User) -> None:
    task = FollowUpTaskFactory(
        customer=make_customer(), trigger={"facts": {"nps": 2, "revenue_12m": 0}}
    )
    assert _value_of(_fired_box(manager, task), "Revenue, last 12 months") == "₩0"
