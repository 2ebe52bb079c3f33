"""The stored change tests (`SegmentChange`) of the latest finished run."""

from __future__ import annotations

from django.db.models import QuerySet

from analysis.models import SegmentChange
from analysis.selectors.runs import latest_finished_run


def latest_segment_changes(
    *, metric: str | None = None, segment_kind: str | None = None
) -> QuerySet[SegmentChange]:
    """Rows of the latest finished run (none before the first run finishes).

    Contract for the actions app's aggregate trigger rules; see `SegmentChange` for the fields.
    Filter further on `period`, `significant_drop`, `segment_key` as needed.
    """
    run = latest_finished_run()
    if run is None:
        return SegmentChange.objects.none()
    rows = SegmentChange.objects.filter(run=run)
    if metric is not None:
        rows = rows.filter(metric=metric)
    if segment_kind is not None:
        rows = rows.filter(segment_kind=segment_kind)
    return rows
