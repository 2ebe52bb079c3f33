"""Demo step: compute the analysis once after the demo data, so `make run` opens on filled
dashboards instead of "no analysis yet"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.jobs import run_analysis_now
from analysis.models import AnalysisRun

if TYPE_CHECKING:
    from cxm.demo import Demo


def run_demo_analysis(demo: Demo) -> None:
    """Idempotent in effect: each call stores a fresh run of the same data (older runs pruned)."""
    run = run_analysis_now(reason=AnalysisRun.Reason.DEMO)
    demo.summary["analysis"] = run.status
    demo.summary["significant_drops"] = run.summary.get("significant_drops", 0)
