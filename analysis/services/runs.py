"""Analysis runs: request one (debounced), execute the sections with progress, keep the last few.

Pages always read the latest *finished* run, so a run in progress or a failed one never shows
half-written results; the rows of a failed run are dropped at the next prune.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from analysis.models import AnalysisRun, MetricCell, SegmentChange
from cxm import queues
from cxm.models import User

log = logging.getLogger(__name__)

# Finished runs kept with their rows: the latest one for the pages, a couple more so a page
# rendered while a newer run finishes still finds its rows, and for comparison by hand.
KEEP_FINISHED = 3
# A run "running" longer than this lost its worker (the bulk queue's timeout is one hour).
STALE_AFTER = timedelta(hours=2)
JOB_TIMEOUT = 3600
PROGRESS_EVERY_SECONDS = 0.5


def request_run(
    *, reason: str, by: User | None = None, enqueue: bool = True
) -> tuple[AnalysisRun, bool]:
    """A queued run for `reason`; (run, created). Debounced: while a run is waiting, every
    request returns that one, so a burst of imports or clicks costs one run.

    With `enqueue`, a new run's job goes on the `bulk` queue when the transaction commits.
    """
    for _attempt in range(3):
        waiting = AnalysisRun.objects.filter(status=AnalysisRun.Status.QUEUED).first()
        if waiting is not None:
            return waiting, False
        try:
            # The partial unique constraint allows one queued run: a concurrent request that
            # lost the race reads the winner's row on the next attempt.
            with transaction.atomic():
                run = AnalysisRun.objects.create(reason=reason, requested_by=by)
        except IntegrityError:
            continue
        if enqueue:
            transaction.on_commit(partial(_enqueue, run.pk))
        return run, True
    raise RuntimeError("could not queue an analysis run")  # pragma: no cover - three lost races


def _enqueue(run_id: int) -> None:
    queues.get_queue("bulk").enqueue("analysis.jobs.run_analysis", run_id, job_timeout=JOB_TIMEOUT)


class _Progress:
    """Reports a section's progress into the run row, at most every half second."""

    def __init__(self, run_id: int, index: int, total: int) -> None:
        self.run_id, self.index, self.total = run_id, index, total
        self.last = 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS:
            return
        self.last = now
        share = min(max(fraction, 0.0), 1.0)
        percent = int(100 * (self.index + share) / self.total)
        AnalysisRun.objects.filter(pk=self.run_id, status=AnalysisRun.Status.RUNNING).update(
            percent=min(percent, 99)
        )


def execute_run(*, run_id: int) -> AnalysisRun | None:
    """Claim a queued run and compute every section; None when it was not queued (already
    run, running elsewhere, or gone), so a duplicate job does nothing.

    Sections are not wrapped in one transaction: their progress must be visible while they
    run, and pages ignore the run until it is marked finished.
    """
    from analysis.sections import SECTIONS

    started = timezone.now()
    claimed = AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.QUEUED).update(
        status=AnalysisRun.Status.RUNNING,
        started_at=started,
        as_of=timezone.localdate(started),
        steps_total=len(SECTIONS),
        steps_done=0,
        percent=0,
    )
    if not claimed:
        return None
    run = AnalysisRun.objects.get(pk=run_id)
    summary: dict[str, Any] = {}
    for index, section in enumerate(SECTIONS):
        AnalysisRun.objects.filter(pk=run_id).update(
            step=section.name, steps_done=index, percent=int(100 * index / len(SECTIONS))
        )
        began = time.monotonic()
        try:
            result = section.compute(run, _Progress(run_id, index, len(SECTIONS)))
        except Exception as exc:  # any failure marks the run failed; logged in full
            log.exception("analysis run %s: section %s failed", run.code, section.name)
            AnalysisRun.objects.filter(pk=run_id).update(
                status=AnalysisRun.Status.FAILED,
                finished_at=timezone.now(),
                error=f"{section.name}: {type(exc).__name__}: {exc}"[:2000],
                summary=summary,
            )
            run.refresh_from_db()
            return run
        summary.update(result or {})
        summary[f"{section.name}_seconds"] = round(time.monotonic() - began, 3)
        # Visible while the run goes on: which sections took how long so far.
        AnalysisRun.objects.filter(pk=run_id).update(summary=summary)
    AnalysisRun.objects.filter(pk=run_id).update(
        status=AnalysisRun.Status.FINISHED,
        finished_at=timezone.now(),
        steps_done=len(SECTIONS),
        percent=100,
        step="",
        summary=summary,
    )
    prune_runs()
    run.refresh_from_db()
    return run


def running_run() -> AnalysisRun | None:
    """A run being computed now by a live worker (not one whose worker died)."""
    return AnalysisRun.objects.filter(
        status=AnalysisRun.Status.RUNNING, started_at__gte=timezone.now() - STALE_AFTER
    ).first()


def prune_runs() -> int:
    """Keep the last KEEP_FINISHED finished runs (and any queued or running one); mark runs
    whose worker died as failed. Returns how many runs were deleted."""
    AnalysisRun.objects.filter(
        status=AnalysisRun.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(
        status=AnalysisRun.Status.FAILED,
        finished_at=timezone.now(),
        error="interrupted: the worker stopped before the run finished",
    )
    keep = list(
        AnalysisRun.objects.filter(status=AnalysisRun.Status.FINISHED)
        .order_by("-finished_at", "-id")
        .values_list("pk", flat=True)[:KEEP_FINISHED]
    )
    doomed = AnalysisRun.objects.filter(
        status__in=(AnalysisRun.Status.FINISHED, AnalysisRun.Status.FAILED)
    ).exclude(pk__in=keep)
    ids = list(doomed.values_list("pk", flat=True))
    if not ids:
        return 0
    # The fact table holds ~10^5 rows per run at scale: delete them in SQL, not through the
    # ORM's cascade collector (which would load every row first).
    MetricCell.objects.filter(run_id__in=ids)._raw_delete(MetricCell.objects.db)
    SegmentChange.objects.filter(run_id__in=ids)._raw_delete(SegmentChange.objects.db)
    deleted, _by_model = AnalysisRun.objects.filter(pk__in=ids).delete()
    return len(ids) if deleted else 0


def run_summary(run: AnalysisRun) -> dict[str, Any]:
    """The JSON summary of a run (the `run_analysis` command's last line)."""
    return {
        "run": str(run.code),
        "status": run.status,
        "reason": run.reason,
        "as_of": run.as_of.isoformat() if run.as_of else None,
        "duration_seconds": round(run.duration_seconds, 3)
        if run.duration_seconds is not None
        else None,
        "sections": run.steps_done,
        **run.summary,
        **({"error": run.error} if run.error else {}),
    }
