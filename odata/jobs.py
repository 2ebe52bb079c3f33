"""O-Data jobs: thin, id-based, idempotent."""

from __future__ import annotations

from analysis.models import AnalysisRun
from analysis.services.runs import request_run
from odata.models import ImportRun
from odata.services.imports import run_import as run_import_service


def run_import(run_id: int) -> None:
    """Run a queued import (bulk queue). A run already claimed or finished is left alone.

    New data changes the statistics: a successful import requests an analysis run (debounced,
    so ten imports in a row queue one run)."""
    run = run_import_service(run_id=run_id)
    if run is not None and run.status == ImportRun.Status.SUCCEEDED:
        request_run(reason=AnalysisRun.Reason.IMPORT)
