from __future__ import annotations

import json
import sys
from typing import Any

from analysis.jobs import run_analysis_now
from analysis.models import AnalysisRun
from analysis.services.runs import run_summary
from cxm.management.base import JsonCommand


class Command(JsonCommand):
    help = (
        "Recompute the stored statistics now (takes over a waiting run). "
        "Last line: JSON summary. Exits non-zero when the run failed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = run_analysis_now(reason=AnalysisRun.Reason.MANUAL)
        self.stdout.write(json.dumps(run_summary(run), ensure_ascii=False))
        if run.status == AnalysisRun.Status.FAILED:
            sys.exit(1)
