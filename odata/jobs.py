"""O-Data jobs: thin, id-based, idempotent."""

from __future__ import annotations

from odata.services.imports import run_import as run_import_service


def run_import(run_id: int) -> None:
    """Run a queued import (bulk queue). A run already claimed or finished is left alone."""
    run_import_service(run_id=run_id)
