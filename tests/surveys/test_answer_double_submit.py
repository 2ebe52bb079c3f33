"""A double submit of the last step records one response and shows the thank-you page."""

from __future__ import annotations

import pytest
from django.test import Client

from surveys.models import Invitation
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey, page_keys
from xdata.models import Answer, Response

pytestmark = pytest.mark.django_db

ONE = [{"key": "nps", "type": "nps", "required": True, "text": {"ko": "추천?", "en": "Recommend?"}}]


def test_second_post_of_the_last_step_records_nothing_new() -> None:
    invitation = make_invitation(make_survey(ONE))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    keys = page_keys(client.get(f"/s/{TOKEN}/").content.decode())
    first = client.post(f"/s/{TOKEN}/", {"page": keys, "nps": "9"})
    second = client.post(f"/s/{TOKEN}/", {"page": keys, "nps": "2"})
    assert first.status_code == second.status_code == 200
    assert "Thank you, we have your answer" in second.content.decode()
    assert Response.objects.get().nps == 9
    assert Answer.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ANSWERED


def test_submit_racing_a_recorded_response_shows_thanks() -> None:
    """The page was opened twice; the first tab finished, the second tab submits late."""
    make_invitation(make_survey(ONE))
    tab_one, tab_two = Client(), Client()
    keys = page_keys(tab_one.get(f"/s/{TOKEN}/").content.decode())
    page_keys(tab_two.get(f"/s/{TOKEN}/").content.decode())
    tab_one.post(f"/s/{TOKEN}/", {"page": keys, "nps": "9"})
    late = tab_two.post(f"/s/{TOKEN}/", {"page": keys, "nps": "3"})
    assert late.status_code == 200
    assert Response.objects.count() == 1
