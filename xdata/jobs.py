"""X-Data jobs: thin, id-based, idempotent."""

from __future__ import annotations

from xdata.services import exports


def export_responses(run_id: int) -> None:
    """Write a queued export run's file (bulk queue); a run already claimed or done is left
    alone."""
    exports.run_export(run_id=run_id)


def reconcile_exports() -> dict[str, int]:
    """Every minute (cxm/cron.py): queue again the export runs whose job was lost."""
    return exports.reconcile_exports()


def expire_exports() -> int:
    """Hourly (cxm/cron.py): delete export files older than a week, and those no run serves."""
    return exports.expire_exports()
