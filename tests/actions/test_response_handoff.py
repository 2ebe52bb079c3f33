"""A submitted answer reaches rule evaluation: once the response is committed the answer view
queues a drain job on the `realtime` queue (unless one waits already), and the job evaluates
every recent response and opens the tasks."""

from __future__ import annotations

from datetime import timedelta

import django_rq
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from actions.jobs import evaluate_recent_responses
from actions.models import FollowUpTask
from actions.services import evaluation, response_recorded
from actions.services.evaluation import DRAIN_JOB, RECENT
from tests.actions.builders import make_response, make_rule
from tests.actions.test_reliability_helpers import rows_locked
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
    assert [job.func_name for job in queue.jobs] == [DRAIN_JOB]

    assert evaluate_recent_responses() == {"responses": 1, "fired": 1, "failed": 0}
    task = FollowUpTask.objects.get()
    assert (task.rule, task.customer, task.response) == (rule, invitation.customer, response)
    response.refresh_from_db()
    assert response.evaluated_at is not None


def test_a_burst_of_answers_queues_one_job_until_it_starts(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    make_rule()
    queue = django_rq.get_queue("realtime")
    queue.empty()
    first = make_response(nps=2)
    with django_capture_on_commit_callbacks(execute=True):
        for response in (first, make_response(nps=9), make_response(nps=1)):
            response_recorded(response=response)
    assert queue.count == 1
    assert evaluate_recent_responses()["responses"] == 3
    assert FollowUpTask.objects.count() == 2  # the two detractors
    # The job started: the next answer queues the next one.
    with django_capture_on_commit_callbacks(execute=True):
        response_recorded(response=make_response(nps=0))
    assert queue.count == 2


def test_a_drain_leaves_older_responses_to_the_reconciler_and_survives_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_rule()
    old = make_response(nps=1, submitted_at=timezone.now() - RECENT - timedelta(seconds=5))
    broken, fine = make_response(nps=1), make_response(nps=1)
    real = evaluation.evaluate_response

    def evaluate(*, response_id: int, skip_locked: bool = False) -> int:
        if response_id == broken.pk:
            raise RuntimeError("rule evaluation failed")
        return real(response_id=response_id, skip_locked=skip_locked)

    monkeypatch.setattr(evaluation, "evaluate_response", evaluate)
    assert evaluate_recent_responses() == {"responses": 1, "fired": 1, "failed": 1}
    evaluated = set(Response.objects.exclude(evaluated_at=None).values_list("pk", flat=True))
    assert evaluated == {fine.pk}  # the failed one and the old one wait for the reconciler
    waiting = set(Response.objects.filter(evaluated_at=None).values_list("pk", flat=True))
    assert waiting == {old.pk, broken.pk}


def test_a_long_drain_queues_the_next_one_and_ends(
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    make_rule()
    queue = django_rq.get_queue("realtime")
    queue.empty()
    responses = [make_response(nps=1) for _ in range(3)]
    monkeypatch.setattr(evaluation, "DRAIN_BATCH", 2)
    monkeypatch.setattr(evaluation, "DRAIN_SECONDS", -1.0)  # out of time after one batch
    with django_capture_on_commit_callbacks(execute=True):  # a worker's job runs in autocommit
        counts = evaluate_recent_responses()
    assert counts == {"responses": 2, "fired": 2, "failed": 0, "continued": 1}
    assert [job.func_name for job in queue.jobs].count(DRAIN_JOB) == 1  # beside notifications
    assert evaluate_recent_responses() == {"responses": 1, "fired": 1, "failed": 0}
    assert not Response.objects.filter(pk__in=[r.pk for r in responses], evaluated_at=None).exists()


@pytest.mark.django_db(transaction=True)
def test_a_response_another_worker_holds_is_skipped_not_waited_for() -> None:
    make_rule()
    held, free = make_response(nps=1), make_response(nps=1)
    with rows_locked("xdata_response", [held.pk]):
        with connection.cursor() as cursor:  # waiting for the lock would fail, not hang
            cursor.execute("SET lock_timeout = '2s'")
        assert evaluate_recent_responses() == {"responses": 2, "fired": 1, "failed": 0}
    assert Response.objects.get(pk=free.pk).evaluated_at is not None
    assert Response.objects.get(pk=held.pk).evaluated_at is None  # its holder evaluates it


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
