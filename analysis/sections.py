"""The ordered steps of an analysis run.

Each section computes and stores one kind of result for a run: `compute(run, progress)` writes
rows that point at `run` and returns a small dict of counts (merged into `run.summary` and the
`run_analysis` JSON). `progress(fraction)` reports how far the section is (0..1); it is cheap to
call often. Sections run in this order inside one job on the `bulk` queue; "cells" (the fact
table) comes first because later sections may read it. A section must be idempotent for its run
(delete its rows for `run` first) and must not read results of older runs.

Apps and helpers append their sections at the end of `SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analysis.models import AnalysisRun
from analysis.services.changes import detect_changes
from analysis.services.drivers import driver_section
from analysis.services.metrics import build_cells
from analysis.services.saydo import saydo_section
from analysis.services.themes import theme_section
from analysis.services.value import value_section

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Section:
    name: str  # stable, for logs and the JSON summary
    label: str | Promise  # shown beside the progress bar
    compute: Callable[[AnalysisRun, Progress], dict[str, Any] | None]


SECTIONS: list[Section] = [
    Section("cells", _("Counting answers per segment and day"), build_cells),
    Section("changes", _("Testing changes since the previous period"), detect_changes),
    Section("drivers", _("Joining answers with orders, deliveries and service"), driver_section),
    Section("say_do", _("Following what customers did after they answered"), saydo_section),
    Section("value", _("Weighing customers' value against their experience"), value_section),
    Section("themes", _("Finding themes in comments"), theme_section),
]
