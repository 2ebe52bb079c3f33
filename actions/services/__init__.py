"""The closed loop's services. The two entry points other apps call are re-exported here:
`response_recorded` (the survey answer views, after a response is recorded) and
`analysis_finished` (the analysis app, after a run)."""

from __future__ import annotations

from actions.services.aggregate import analysis_finished
from actions.services.evaluation import response_recorded

__all__ = ["analysis_finished", "response_recorded"]
