"""The staff pages that list a customer's answers (the response page and a task's "The
customer's answer") show only the questions the customer was asked: a question that a display
condition skipped is left out, an asked optional question left blank keeps its dash."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.utils import translation

from cxm.models import User
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory
from tests.surveys.test_answer_pages import make_survey
from xdata.models import Response
from xdata.services.responses import OpenLinkContext, record_response

pytestmark = pytest.mark.django_db


def _promoter() -> Response:
    """A score of 9: "What went wrong?" (asked only at 6 or less) was skipped; the optional
    "What mattered most?" was asked and left blank."""
    version = make_survey().current_version
    assert version is not None
    return record_response(
        version=version,
        answers={"nps": 9, "csat": 5, "reason": None, "intent": "yes"},
        submission_key=uuid4(),
        open_link=OpenLinkContext(language="en", store=None, purchase_channel="", order=None),
    )


def _get(user: User, url: str) -> str:
    with translation.override("en"):
        return client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_response_page_leaves_out_a_question_the_branch_skipped(manager: User) -> None:
    html = _get(manager, f"/xdata/responses/{_promoter().code}/")
    assert "How likely are you to recommend us?" in html
    assert "What went wrong?" not in html
    assert "What mattered most?" in html  # asked, left blank


def test_the_task_page_leaves_out_a_question_the_branch_skipped(agent: User) -> None:
    task = FollowUpTaskFactory(owner=agent, response=_promoter())
    html = _get(agent, f"/actions/tasks/{task.code}/")
    assert "How likely are you to recommend us?" in html and "How satisfied were you?" in html
    assert "What went wrong?" not in html
    assert "<dt>What mattered most?</dt><dd>\u2013</dd>" in html  # an en dash


def test_a_low_score_shows_the_question_it_asked(manager: User) -> None:
    version = make_survey().current_version
    assert version is not None
    response = record_response(
        version=version,
        answers={"nps": 3, "wrong": "Cold food", "csat": 2, "reason": "price", "intent": "no"},
        submission_key=uuid4(),
        open_link=OpenLinkContext(language="en", store=None, purchase_channel="", order=None),
    )
    html = _get(manager, f"/xdata/responses/{response.code}/")
    assert "What went wrong?" in html and "Cold food" in html
