"""A submitted answer reaches rule evaluation: the answer view queues `evaluate_response` on
the `realtime` queue once the response is committed, and the job opens the task."""

from __future__ import annotations

import django_rq
import pytest
from django.test import Client

from actions.jobs import evaluate_response
from actions.models import FollowUpTask
from tests.actions.builders import make_rule
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey, page_keys
from xdata.models import Response

pytestmark = pytest.mark.django_db
ONE = [{"key": "nps", "type": "nps", "required": True, "text": {"ko": "추천?", "en": "Recommend?"}}]


def test_a_detractors_answer_is_queued_on_commit_and_the_job_opens_the_task(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    invitation = make_invitation(make_survey(ONE))
    rule = make_rule()
    queue = django_rq.get_queue("realtime")
    queue.empty()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    keys = page_keys(client.get(f"/s/{TOKEN}/").content.decode())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/s/{TOKEN}/", {"page": keys, "nps": "3"})
    assert queue.count == 0  # nothing is queued before the commit
    for callback in callbacks:
        callback()
    response = Response.objects.get()
    assert queue.job_ids == [f"evaluate-response-{response.pk}"]
    assert queue.jobs[0].args == (response.pk,)

    evaluate_response(response.pk)
    task = FollowUpTask.objects.get()
    assert (task.rule, task.customer, task.response) == (rule, invitation.customer, response)


def test_an_unreachable_redis_loses_nothing(settings) -> None:  # type: ignore[no-untyped-def]
    """The answer is kept and the customer thanked; the response waits, unevaluated, for the
    reconciler."""
    make_invitation(make_survey(ONE))
    make_rule()
    settings.RQ_QUEUES = {
        name: {**conf, "URL": "redis://127.0.0.1:1/0"} for name, conf in settings.RQ_QUEUES.items()
    }
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    keys = page_keys(client.get(f"/s/{TOKEN}/").content.decode())
    answered = client.post(f"/s/{TOKEN}/", {"page": keys, "nps": "1"})
    assert answered.status_code == 200
    assert "Thank you" in answered.content.decode()
    assert Response.objects.get().evaluated_at is None
