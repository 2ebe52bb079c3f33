"""Analysis jobs on the `bulk` queue: thin, id-based, idempotent (STYLE.md, "The loop's
mechanics"). This module is an entry point, so it is where a finished run is handed on to the
closed loop (`actions.services.analysis_finished`)."""

from __future__ import annotations

from typing import Any

from actions.services import analysis_finished
from analysis.models import AnalysisRun
from analysis.services.runs import execute_run, request_run, run_summary, running_run
from cxm.models import User


def _execute(run_id: int) -> AnalysisRun | None:
    run = execute_run(run_id=run_id)
    if run is not None and run.status == AnalysisRun.Status.FINISHED:
        analysis_finished(run_id=run.pk)  # aggregate trigger rules read the new results
    return run


def run_analysis(run_id: int) -> dict[str, Any]:
    """Compute a queued run; a run already claimed or finished is left alone."""
    run = _execute(run_id)
    return run_summary(run) if run is not None else {}


def hourly_analysis() -> dict[str, Any]:
    """Every hour (cxm/cron.py): run now, taking over a waiting run if there is one (so a
    run whose job Redis lost still happens); skipped while another run is going."""
    if running_run() is not None:
        return {}
    run, _created = request_run(reason=AnalysisRun.Reason.HOURLY, enqueue=False)
    done = _execute(run.pk)
    return run_summary(done) if done is not None else {}


def run_analysis_now(*, reason: str, by: User | None = None) -> AnalysisRun:
    """Run in this process (the `run_analysis` command, the demo step); returns the run."""
    run, _created = request_run(reason=reason, by=by, enqueue=False)
    done = _execute(run.pk)
    if done is None:  # claimed by a worker between our request and our claim
        run.refresh_from_db()
        return run
    return done
