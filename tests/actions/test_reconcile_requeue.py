"""The reconciler re-queues what the database says is undone: responses not evaluated within
two minutes and notifications due but not sent; never twice while a job still waits; bounded
per run; its last run and the backlog shown to admins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_rq
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from actions.jobs import reconcile as reconcile_job
from actions.models import Notification
from actions.services import reconcile as reconciler
from actions.services.notifications import notify
from actions.services.reconcile import reconcile
from cxm.models import User
from tests.actions.test_outcomes_helpers import make_answer
from tests.actions.test_sending_helpers import T0, make_open_task
from tests.conftest import client_for
from xdata.models import Response

pytestmark = pytest.mark.django_db


def _queued() -> list[tuple[str, tuple[Any, ...]]]:
    queue = django_rq.get_queue("realtime")
    return sorted((job.func_name, tuple(job.args)) for job in queue.jobs)


def _answer(minutes_ago: float, **fields: Any) -> Response:
    response = make_answer(None, T0 - timedelta(minutes=minutes_ago), nps=3)
    if fields:
        Response.objects.filter(pk=response.pk).update(**fields)
    return response


@time_machine.travel(T0, tick=False)
def test_responses_not_evaluated_within_two_minutes_are_queued_again() -> None:
    late = _answer(3)
    _recent = _answer(1)
    _done = _answer(10, evaluated_at=T0 - timedelta(minutes=9))

    summary = reconcile()

    assert summary["responses"] == 1
    assert _queued() == [("actions.jobs.evaluate_response", (late.pk,))]
    job = django_rq.get_queue("realtime").jobs[0]
    assert job.id == f"evaluate-response-{late.pk}"


@time_machine.travel(T0, tick=False)
def test_a_job_still_waiting_is_not_queued_twice_but_a_lost_one_is() -> None:
    late = _answer(5)
    reconcile()
    second = reconcile()
    assert (second["responses"], second["already_queued"]) == (0, 1)
    assert len(_queued()) == 1

    django_rq.get_connection("realtime").flushdb()  # Redis lost everything
    assert reconcile()["responses"] == 1
    assert _queued() == [("actions.jobs.evaluate_response", (late.pk,))]


def test_due_notifications_are_queued_and_new_or_finished_ones_are_not() -> None:
    with time_machine.travel(T0, tick=False) as clock:
        task = make_open_task()
        (lost,) = notify(task=task, event="created")
        (retry,) = notify(task=task, event="reminder", key="1")
        (later,) = notify(task=task, event="breach", key="2")
        (sent,) = notify(task=task, event="assigned", key="3")
        Notification.objects.filter(pk=retry.pk).update(attempts=1)
        Notification.objects.filter(pk=later.pk).update(next_attempt_at=T0 + timedelta(hours=2))
        Notification.objects.filter(pk=sent.pk).update(status="sent", sent_at=T0)

        clock.move_to(T0 + timedelta(seconds=30))
        # Under a minute old: its own on-commit job is expected to send it.
        assert reconcile()["notifications"] == 0

        clock.move_to(T0 + timedelta(minutes=1))
        assert reconcile()["notifications"] == 2

    assert _queued() == [
        ("actions.jobs.send_notification", (lost.pk,)),
        ("actions.jobs.send_notification", (retry.pk,)),
    ]


@time_machine.travel(T0, tick=False)
def test_each_run_queues_a_bounded_batch_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconciler, "BATCH", 2)
    oldest, older, _old = _answer(30), _answer(20), _answer(10)

    assert reconcile()["responses"] == 2

    assert _queued() == sorted(
        [
            ("actions.jobs.evaluate_response", (oldest.pk,)),
            ("actions.jobs.evaluate_response", (older.pk,)),
        ]
    )


@time_machine.travel(T0, tick=False)
def test_admins_see_the_last_run_and_the_backlog_on_the_system_status_page(admin: User) -> None:
    _answer(5)
    task = make_open_task()
    (failed,) = notify(task=task, event="created")
    Notification.objects.filter(pk=failed.pk).update(status="failed")
    notify(task=task, event="reminder", key="1")

    page = client_for(admin).get(reverse("cxm:system-status"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    print(text[text.find("<main") :])
    assert "Reconciler's last run" in text
    assert "never" in text

    reconcile_job()
    backlog = reconciler.backlog()
    assert backlog["last_run"] == timezone.now()
    assert (backlog["unevaluated_responses"], backlog["pending_notifications"]) == (1, 1)
    assert backlog["failed_notifications"] == 1
    text = (
        client_for(admin)
        .get(reverse("cxm:system-status"), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "re-queued 1 responses and 0 notifications" in text
