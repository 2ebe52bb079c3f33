"""Stored analysis results: runs, the per-run fact table and the changes trigger rules read.

Each module holds one area; import models from here (`from analysis.models import …`).
"""

from __future__ import annotations

from analysis.models import insights  # noqa: F401  # registers the insight facts' models
from analysis.models.metrics import SEGMENT_DIMS, MetricCell, SegmentChange
from analysis.models.runs import AnalysisRun

__all__ = ["SEGMENT_DIMS", "AnalysisRun", "MetricCell", "SegmentChange"]
