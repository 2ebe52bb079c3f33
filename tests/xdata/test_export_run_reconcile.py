"""The export reconciler: a run whose job was lost (Redis restarted, a worker killed) is queued
again, and given up with a message after three claims; a run whose job still waits is left
alone."""

from __future__ import annotations

from datetime import timedelta

import django_rq
import pytest
from django.utils import timezone

from cxm.models import User
from tests.conftest import client_for, with_language
from tests.xdata.test_explorer import make_response
from xdata.jobs import export_responses, reconcile_exports
from xdata.models import ExportRun
from xdata.services.exports import export_job_id

pytestmark = pytest.mark.django_db


def bulk_jobs() -> list[tuple[str, tuple[object, ...]]]:
    return [(job.func_name, job.args) for job in django_rq.get_queue("bulk").jobs]


def stuck_running(user: User, *, attempts: int = 1) -> ExportRun:
    """A run whose worker was killed three minutes ago, mid-file."""
    then = timezone.now() - timedelta(minutes=3)
    run = ExportRun.objects.create(created_by=user)
    ExportRun.objects.filter(pk=run.pk).update(
        status=ExportRun.Status.RUNNING,
        started_at=then,
        heartbeat_at=then,
        attempts=attempts,
        rows_done=4000,
        rows_total=9000,
        created_at=then,
    )
    return run


def test_a_run_left_running_by_a_killed_worker_is_written_by_the_next_job(agent: User) -> None:
    make_response()
    run = stuck_running(agent)
    assert reconcile_exports() == {"requeued": 1, "failed": 0, "already_queued": 0}
    assert bulk_jobs() == [("xdata.jobs.export_responses", (run.pk,))]
    assert reconcile_exports()["requeued"] == 0  # its job waits now
    export_responses(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.rows_done) == (ExportRun.Status.DONE, 2, 1)


def test_a_run_still_moving_is_left_alone(agent: User) -> None:
    run = stuck_running(agent)
    ExportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    assert reconcile_exports()["requeued"] == 0
    assert ExportRun.objects.get(pk=run.pk).status == ExportRun.Status.RUNNING


def test_a_queued_run_whose_job_redis_lost_is_queued_again(agent: User) -> None:
    run = ExportRun.objects.create(created_by=agent)
    ExportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert reconcile_exports()["requeued"] == 1
    assert bulk_jobs() == [("xdata.jobs.export_responses", (run.pk,))]
    assert django_rq.get_queue("bulk").jobs[0].id == export_job_id(run.pk)
    assert reconcile_exports() == {"requeued": 0, "failed": 0, "already_queued": 1}


def test_a_new_queued_run_is_not_touched(agent: User) -> None:
    ExportRun.objects.create(created_by=agent)
    assert reconcile_exports()["requeued"] == 0
    assert bulk_jobs() == []


def test_after_three_claims_the_run_fails_with_a_message(agent: User) -> None:
    run = stuck_running(agent, attempts=3)
    assert reconcile_exports() == {"requeued": 0, "failed": 1, "already_queued": 0}
    run.refresh_from_db()
    assert run.status == ExportRun.Status.FAILED
    assert run.message_code == "worker_lost"
    assert bulk_jobs() == []
    page = client_for(with_language(agent, "en")).get(f"/xdata/exports/{run.code}/")
    assert "The export was interrupted several times" in page.content.decode()


def test_a_run_no_worker_picks_up_within_an_hour_fails_with_a_message(agent: User) -> None:
    run = ExportRun.objects.create(created_by=agent)
    ExportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=59))
    assert reconcile_exports()["failed"] == 0
    ExportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=61))
    assert reconcile_exports() == {"requeued": 0, "failed": 1, "already_queued": 0}
    run.refresh_from_db()
    assert (run.status, run.message_code) == (ExportRun.Status.FAILED, "no_worker")
    assert run.finished_at is not None
    # Its job, should a worker start after all, writes nothing.
    assert export_responses(run.pk) is None
    assert ExportRun.objects.get(pk=run.pk).status == ExportRun.Status.FAILED
    english = client_for(with_language(agent, "en")).get(f"/xdata/exports/{run.code}/")
    assert "No worker picked up the export within an hour" in english.content.decode()
    assert "every 1s" not in english.content.decode()  # the page stops polling
    korean = client_for(with_language(agent, "ko")).get(f"/xdata/exports/{run.code}/")
    assert "한 시간" in korean.content.decode()


def test_an_hour_counts_from_when_a_lost_run_was_handed_on(agent: User) -> None:
    run = stuck_running(agent)
    ExportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert reconcile_exports()["requeued"] == 1
    assert reconcile_exports()["failed"] == 0
    assert ExportRun.objects.get(pk=run.pk).status == ExportRun.Status.QUEUED
