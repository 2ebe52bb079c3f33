"""A task the rule fired on again shows each later answer in its activity log (what the
trigger saw, the comment, a link to the response), and its answer panel says the answer shown
is the one that opened it."""

from __future__ import annotations

import pytest

from actions.models import FollowUpTask
from actions.services.evaluation import evaluate_response
from cxm.models import User
from tests.actions.builders import make_customer, make_response, make_rule
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_each_later_answer_is_in_the_log_with_its_scores_comment_and_link(manager: User) -> None:
    make_rule()
    customer = make_customer()
    first = make_response(customer=customer, nps=2)
    evaluate_response(response_id=first.pk)
    later = make_response(customer=customer, nps=6, comment="Customer service took far too long.")
    evaluate_response(response_id=later.pk)
    task = FollowUpTask.objects.get()
    assert task.trigger_count == 2
    manager.language = "en"
    manager.save(update_fields=["language"])
    page = client_for(manager).get(f"/actions/tasks/{task.code}/").content.decode()
    log = page[page.index('id="log-heading"') :]
    entry = log[log.index("Triggered again") :]
    entry = entry[: entry.index("</li>")]
    assert "NPS 6" in entry
    assert "Customer service took far too long." in entry
    assert f'href="/xdata/responses/{later.code}/"' in entry
    assert (
        "This answer opened the task. The rule fired again once since; that answer is in the "
        "activity log." in page
    )


def test_a_task_triggered_once_has_no_repeat_note(manager: User) -> None:
    make_rule()
    evaluate_response(response_id=make_response(customer=make_customer(), nps=2).pk)
    task = FollowUpTask.objects.get()
    manager.language = "en"
    manager.save(update_fields=["language"])
    page = client_for(manager).get(f"/actions/tasks/{task.code}/").content.decode()
    assert "This answer opened the task" not in page
