"""The board's bulk-reassign controls follow the task list inside the reassign form, in a bar
that sticks to the bottom of the viewport, with the count of ticked tasks; they work as a plain
form (a refused reassignment re-renders with the ticked tasks counted)."""

from __future__ import annotations

import re

import pytest

from cxm.models import User
from tests.conftest import client_for, with_language
from tests.factories import FollowUpTaskFactory

pytestmark = pytest.mark.django_db


def _form(page: str) -> str:
    match = re.search(
        r'<form method="post" action="/actions/board/reassign/">(.*?)</form>', page, re.S
    )
    assert match is not None
    return match.group(1)


def test_the_controls_are_in_the_form_after_the_list_in_a_sticky_bar(manager: User) -> None:
    FollowUpTaskFactory.create_batch(3)
    page = client_for(with_language(manager, "en")).get("/actions/board/").content.decode()

    form = _form(page)
    bar = form.index('class="bulk-bar bulk-bar-sticky"')
    assert form.index('id="board-list"') < bar
    assert 'name="reassign-owner"' in form[bar:] and 'name="reassign-note"' in form[bar:]
    assert "Reassign the selected tasks</button>" in form[bar:]
    assert "Selected tasks: <output data-bulk-count>0</output>" in form[bar:]
    assert "actions/bulk_count" in page  # the few lines that keep the count as boxes are ticked


def test_a_refused_reassignment_counts_the_ticked_tasks(manager: User) -> None:
    tasks = FollowUpTaskFactory.create_batch(3)
    client = client_for(with_language(manager, "en"))

    response = client.post(
        "/actions/board/reassign/",
        {"tasks": [str(t.code) for t in tasks[:2]], "back": "/actions/board/"},
    )

    assert response.status_code == 400  # no new owner chosen
    form = _form(response.content.decode())
    assert "Selected tasks: <output data-bulk-count>2</output>" in form
    assert form.count(" checked>") == 2
