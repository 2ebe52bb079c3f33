"""XLSX exports of the explorer's filter, prepared by a `bulk` job with a progress bar.

An XLSX at the row limit takes up to a minute to write, longer than a web request may take, so
`start_export` records an `ExportRun` and queues `xdata.jobs.export_responses`; the run's page
follows its progress and offers the file when it is written. The database is the source of
truth: the job claims the run with a conditional update (a second job for the same run writes
nothing), and `reconcile_exports` queues again what a lost job (Redis restarted, a worker
killed) left waiting. Files are deleted after `KEEP_FILES` by `expire_exports`. The CSV export
is fast and streams in the request (`xdata.exports.csv_stream`).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cxm.models import User
from cxm.queues import enqueue_on_commit, get_queue, job_in_flight
from xdata.exports import EXPORT_LIMIT, write_xlsx
from xdata.forms import ExplorerFilterForm
from xdata.models import ExportRun
from xdata.selectors import ExplorerFilters, count_export_rows

log = logging.getLogger(__name__)

JOB = "xdata.jobs.export_responses"
# Exports one person may have waiting or running at once.
MAX_ACTIVE = 3
KEEP_FILES = timedelta(days=7)
# An attempt's `.part` untouched this long is left from a dead attempt (one writes for minutes).
KEEP_PARTS = timedelta(days=1)
# A run queued this long without a job in Redis, or running this long without a progress step
# (one every `xdata.exports.PROGRESS_EVERY` rows, about a second), lost its job.
STALE = timedelta(minutes=2)
# A run still queued this long found no worker (none runs for `bulk`): it is failed with a
# message, so its page stops waiting and it no longer counts against `MAX_ACTIVE`.
QUEUE_TIMEOUT = timedelta(hours=1)
# Claims of one run before the reconciler gives up on it (a file that kills its worker).
MAX_ATTEMPTS = 3

# Why a run failed, by `ExportRun.message_code`, in the reader's language.
MESSAGES = {
    "filter_not_valid": _(
        "The filter is no longer valid: a survey, touchpoint or store it names was removed. "
        "Go back to the responses, choose the filter again and export."
    ),
    "file_not_stored": _(
        "The file could not be stored on the server. Try again later; if it happens again, "
        "tell your administrator."
    ),
    "worker_lost": _(
        "The export was interrupted several times and was stopped. Try a narrower filter; "
        "if it happens again, tell your administrator."
    ),
    "no_worker": _(
        "No worker picked up the export within an hour, so it was stopped. Try again later; "
        "if it happens again, tell your administrator that the bulk worker may not be running."
    ),
    "internal_error": _(
        "The export failed. Try again; if it happens again, tell your administrator."
    ),
}


class ExportRefused(Exception):
    """The person has `MAX_ACTIVE` exports in progress; `message` says so in their language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def export_job_id(run_id: int) -> str:
    # One id per run, so the reconciler sees a job that still waits.
    return f"export-run-{run_id}"


def export_path(run: ExportRun) -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / f"{run.code.hex}.{run.format}"


def stored_file(run: ExportRun) -> Path | None:
    """The run's file as the download serves it: its place by code, never the stored path,
    and only while it resolves inside MEDIA_ROOT (a link planted in the folder is refused).
    None when the file is not there."""
    media = Path(settings.MEDIA_ROOT).resolve()
    path = export_path(run).resolve()
    if not path.is_relative_to(media) or not path.is_file():
        return None
    return path


def filters_from_query(query: str) -> ExplorerFilters | None:
    """The filters of an explorer query string, or None when a field is not valid or names
    nothing (an export never widens a filter it cannot apply)."""
    form = ExplorerFilterForm(QueryDict(query))
    filters = form.filters()
    return None if form.ignored else filters


def start_export(*, user: User, query: str, language: str) -> ExportRun:
    """Record an XLSX export of the explorer filter `query` for `user` and queue its job on
    commit. Raises ExportRefused when the user has `MAX_ACTIVE` exports in progress."""
    with transaction.atomic():
        # The user's row lock serialises their starts, so two quick clicks cannot both pass
        # the count below.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        active = ExportRun.objects.filter(
            created_by=user, status__in=[ExportRun.Status.QUEUED, ExportRun.Status.RUNNING]
        ).count()
        if active >= MAX_ACTIVE:
            raise ExportRefused(
                str(
                    _(
                        "You already have %(count)s exports in progress. Wait until one is "
                        "ready, then start this one."
                    )
                )
                % {"count": active}
            )
        run = ExportRun.objects.create(
            created_by=user, query=query[:2000], format=ExportRun.Format.XLSX, language=language
        )
        enqueue_on_commit("bulk", JOB, run.pk, job_id=export_job_id(run.pk))
    return run


class ClaimLost(Exception):
    """The reconciler handed the run on (or failed it) while this attempt was writing: the
    attempt stops and leaves the run to whoever holds it now."""


def _claimed(run: ExportRun) -> QuerySet[ExportRun]:
    """The run as long as this attempt holds it (the reconciler may have handed it on)."""
    return ExportRun.objects.filter(
        pk=run.pk, status=ExportRun.Status.RUNNING, attempts=run.attempts
    )


def _hold(run: ExportRun, **fields: object) -> None:
    """Write a heartbeat (and `fields`) while this attempt holds the run; ClaimLost otherwise."""
    if not _claimed(run).update(heartbeat_at=timezone.now(), **fields):
        raise ClaimLost


def attempt_path(run: ExportRun) -> Path:
    """Where this attempt writes before the rename: one file per attempt, so an attempt the
    reconciler gave up on while it still ran never writes into the next one's file."""
    return export_path(run).with_name(f"{run.code.hex}.{run.attempts}.part")


def run_export(*, run_id: int) -> ExportRun | None:
    """Write a queued run's file. Idempotent: only a queued run is claimed, so a second job for
    the same run (or one for a run already done) returns None and writes nothing. An attempt
    whose run was handed on meanwhile stops at its next heartbeat, returns None and leaves no
    file."""
    now = timezone.now()
    claimed = ExportRun.objects.filter(pk=run_id, status=ExportRun.Status.QUEUED).update(
        status=ExportRun.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        rows_done=0,
    )
    if not claimed:
        return None
    run = ExportRun.objects.get(pk=run_id)
    partial = attempt_path(run)
    try:
        with translation.override(run.language or settings.LANGUAGE_CODE):
            return _write(run, partial)
    except ClaimLost:
        log.info("export attempt lost its claim", extra={"run": run.code.hex})
        partial.unlink(missing_ok=True)
        return None


def _write(run: ExportRun, partial: Path) -> ExportRun:
    filters = filters_from_query(run.query)
    if filters is None:
        _fail(run, "filter_not_valid")
        return run
    # A heartbeat before the count too: validating the filter took queries of its own.
    _hold(run)
    run.rows_total = min(count_export_rows(filters, limit=EXPORT_LIMIT), EXPORT_LIMIT)
    _hold(run, rows_total=run.rows_total)

    def progress(rows: int) -> None:
        _hold(run, rows_done=min(rows, run.rows_total))

    target = export_path(run)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its place and renamed, so a file at `target` is always whole.
        with partial.open("wb") as handle:
            written = write_xlsx(filters, handle, progress=progress)
        with transaction.atomic():
            # The row lock taken by this conditional update keeps the reconciler from handing
            # the run on between the check and the rename.
            finished = _claimed(run).update(
                status=ExportRun.Status.DONE,
                # Rows added since the count are in the file: the total is what was written.
                rows_done=written,
                rows_total=written,
                file_path=str(target),
                finished_at=timezone.now(),
            )
            if not finished:
                raise ClaimLost
            os.replace(partial, target)
    except (ClaimLost, OSError) as problem:
        partial.unlink(missing_ok=True)
        if isinstance(problem, ClaimLost):
            raise
        log.exception("could not store an export file", extra={"run": run.code.hex})
        _fail(run, "file_not_stored")
        return run
    except Exception:
        log.exception("export failed", extra={"run": run.code.hex})
        partial.unlink(missing_ok=True)
        _fail(run, "internal_error")
        raise
    run.refresh_from_db()
    return run


def _fail(run: ExportRun, code: str) -> None:
    _claimed(run).update(
        status=ExportRun.Status.FAILED, message_code=code, finished_at=timezone.now()
    )
    run.refresh_from_db()


def failure_message(run: ExportRun) -> str:
    """Why the run failed, in the active language ("" when it did not)."""
    if run.status != ExportRun.Status.FAILED:
        return ""
    return str(MESSAGES.get(run.message_code, MESSAGES["internal_error"]))


def reconcile_exports(*, now: datetime | None = None) -> dict[str, int]:
    """Queue again the runs a lost job left behind; idempotent.

    A run running without a progress step for `STALE` lost its worker: it is put back to
    queued and queued again, or failed after `MAX_ATTEMPTS` claims. A run queued for `STALE`
    whose job is not in Redis (restarted, or the enqueue failed) is queued again. A run queued
    for `QUEUE_TIMEOUT` (since it was made or last handed on) is failed: no worker takes it."""
    now = now or timezone.now()
    stale = now - STALE
    queue = get_queue("bulk", commit_mode="auto")
    counts = {"requeued": 0, "failed": 0, "already_queued": 0}
    # A requeued run's heartbeat is the time it was handed on (see below).
    counts["failed"] += (
        ExportRun.objects.annotate(queued_since=Coalesce("heartbeat_at", "created_at"))
        .filter(status=ExportRun.Status.QUEUED, queued_since__lt=now - QUEUE_TIMEOUT)
        .update(status=ExportRun.Status.FAILED, message_code="no_worker", finished_at=now)
    )
    requeued: list[int] = []
    for run in ExportRun.objects.filter(status=ExportRun.Status.RUNNING, heartbeat_at__lt=stale):
        # Conditional on the heartbeat read: a run that moved meanwhile is left alone.
        held = ExportRun.objects.filter(
            pk=run.pk, status=ExportRun.Status.RUNNING, heartbeat_at=run.heartbeat_at
        )
        if run.attempts >= MAX_ATTEMPTS:
            # Its `.part` stays: the attempt may still be alive and writing (its finish is
            # conditional on the claim, so it ends nothing). The expiry sweep deletes it.
            if held.update(
                status=ExportRun.Status.FAILED, message_code="worker_lost", finished_at=now
            ):
                counts["failed"] += 1
            continue
        if held.update(status=ExportRun.Status.QUEUED, heartbeat_at=now):
            # The lost job may still be marked started in Redis: queue regardless.
            queue.enqueue(JOB, run.pk, job_id=export_job_id(run.pk))
            requeued.append(run.pk)
            counts["requeued"] += 1
    waiting = ExportRun.objects.filter(status=ExportRun.Status.QUEUED, created_at__lt=stale)
    for run_id in waiting.exclude(pk__in=requeued).values_list("pk", flat=True):
        if job_in_flight(queue, export_job_id(run_id)):
            counts["already_queued"] += 1
            continue
        queue.enqueue(JOB, run_id, job_id=export_job_id(run_id))
        counts["requeued"] += 1
    if counts["requeued"] or counts["failed"]:
        log.warning("export reconciler re-queued lost work", extra=counts)
    return counts


def expire_exports(*, now: datetime | None = None) -> int:
    """Delete the files of runs finished more than `KEEP_FILES` ago; the runs stay, marked
    expired. Returns how many; idempotent. Then `sweep_export_files` removes what else is
    left in the folder."""
    now = now or timezone.now()
    expired = 0
    old = ExportRun.objects.filter(
        status=ExportRun.Status.DONE, expired_at=None, finished_at__lt=now - KEEP_FILES
    )
    for run in old.only("pk", "code", "format"):
        export_path(run).unlink(missing_ok=True)
        expired += ExportRun.objects.filter(pk=run.pk, expired_at=None).update(
            expired_at=now, file_path=""
        )
    sweep_export_files(now=now)
    return expired


def sweep_export_files(*, now: datetime | None = None) -> int:
    """Delete the files in `MEDIA_ROOT/exports/` that nothing will serve: those of failed runs,
    those of no run (its owner was deleted, say), and attempts' `.part` files older than
    `KEEP_PARTS`. Returns how many; idempotent.

    A part younger than that may belong to an attempt still writing; one the reconciler gave
    up on may still be written too, which is harmless once deleted, as its attempt cannot
    finish a run it no longer holds."""
    now = now or timezone.now()
    folder = Path(settings.MEDIA_ROOT) / "exports"
    if not folder.is_dir():
        return 0
    files: dict[str, list[Path]] = {}
    for path in folder.iterdir():
        if path.is_file():
            files.setdefault(path.name.split(".", 1)[0], []).append(path)
    codes = []
    for name in files:
        try:
            codes.append(UUID(hex=name))
        except ValueError:  # not an export's name: no run
            continue
    status = {
        code.hex: state
        for code, state in ExportRun.objects.filter(code__in=codes).values_list("code", "status")
    }
    deleted = 0
    for name, paths in files.items():
        state = status.get(name)
        for path in paths:
            gone = state in (None, ExportRun.Status.FAILED)
            if not gone and path.suffix == ".part":
                modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
                gone = modified < now - KEEP_PARTS
            if gone:
                path.unlink(missing_ok=True)
                deleted += 1
    if deleted:
        log.info("deleted export files no run serves", extra={"files": deleted})
    return deleted
