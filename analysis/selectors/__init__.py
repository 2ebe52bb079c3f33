"""Reads of stored analysis results, for pages, exports and other apps.

Modules: `runs` (runs, the latest finished one, access), `cells` (sums of the fact table under
the dashboard filters), `dashboards` (the overview and segments pages), `changes` (the stored
change tests, incl. the contract the actions app reads). The "insights" pages (drivers,
say-do gap, value x experience, text themes) keep their reads in `analysis/selectors/insights.py`.

`latest_segment_changes` and `latest_finished_run` are re-exported here:
`from analysis.selectors import latest_segment_changes`.
"""

from __future__ import annotations

from analysis.selectors.changes import latest_segment_changes
from analysis.selectors.runs import latest_finished_run

__all__ = ["latest_finished_run", "latest_segment_changes"]
