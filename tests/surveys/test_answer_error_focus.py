"""A refused step puts the focus on its first unanswered question with `autofocus` (the answer
pages run no script); a step shown for the first time takes no focus."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey, post, step

pytestmark = pytest.mark.django_db


def test_a_fresh_step_has_no_autofocus() -> None:
    make_invitation(make_survey())
    html = Client().get(f"/s/{TOKEN}/").content.decode()
    assert "autofocus" not in html


def test_a_refused_step_focuses_the_first_question_with_an_error_only() -> None:
    make_invitation(make_survey())
    client, url = Client(), f"/s/{TOKEN}/"
    post(client, url, "nps", nps="9")
    # csat refused, intent unanswered: the focus goes to csat's first choice, nowhere else.
    response = step(client, url, csat="9", reason="", intent="")
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count("autofocus") == 1
    assert 'id="csat-1" autofocus>' in html
    assert "<script" not in html
