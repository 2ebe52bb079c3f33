"""Section "changes": is the latest complete week / month really different from the one before?

For every segment (each kind in `SEGMENT_KINDS`, plus "all") and every metric in
`CHANGE_METRICS`, the latest complete period is compared with the previous one using the test
that fits the metric (NPS: z on the difference; CSAT, CES, ratings: Mann-Whitney on the
counts per level; response rate: two-proportion z). Segments with fewer than `MIN_N` answers
on either side are stored but not tested (p null). Benjamini-Hochberg at q = 0.05 then runs
across every tested segment of the same metric and period, so scanning ~50 segments x 5 metrics
every hour does not turn noise into alerts.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import translation

from analysis import stats
from analysis.measures import CHANGE_METRICS, compare, estimate, finite, sample_size, zero_counts
from analysis.models import AnalysisRun, SegmentChange
from analysis.periods import latest_complete, next_start
from analysis.selectors.cells import SEGMENT_KINDS, CellFilter, segment_keys, summed_counts

# Fewer answers than this on either side: shown, never tested. At n = 30 the normal
# approximations behind all three tests are reasonable, and a change on fewer answers is
# rarely worth a manager's follow-up.
MIN_N = 30
FDR_Q = 0.05
CHANGE_PERIODS = ("week", "month")


def detect_changes(run: AnalysisRun, progress: Any) -> dict[str, int]:
    """Write the run's `SegmentChange` rows (replacing any from an earlier attempt)."""
    assert run.as_of is not None  # noqa: S101  # set when the run starts
    SegmentChange.objects.filter(run=run).delete()
    rows: list[SegmentChange] = []
    steps = len(CHANGE_PERIODS) * len(SEGMENT_KINDS)
    done = 0
    # Labels are stored in the site's language: they are for people reading alerts and CSVs.
    with translation.override(settings.LANGUAGE_CODE):
        for period in CHANGE_PERIODS:
            current, previous = latest_complete(run.as_of, period)
            where = CellFilter(
                date_from=previous, date_to=next_start(current, period) - timedelta(days=1)
            )
            for kind in SEGMENT_KINDS:
                rows.extend(_compare_kind(run, kind, period, current, where))
                done += 1
                progress(done / steps)
    _adjust(rows)
    SegmentChange.objects.bulk_create(rows, batch_size=1000)
    return {
        "changes": len(rows),
        "tested": sum(1 for r in rows if r.p_value is not None),
        "significant_drops": sum(1 for r in rows if r.significant_drop),
    }


def _compare_kind(
    run: AnalysisRun, kind: str, period: str, current: Any, where: CellFilter
) -> list[SegmentChange]:
    sides: dict[Any, dict[str, dict[str, int]]] = {}
    for row in summed_counts(run_id=run.pk, where=where, kind=kind, period=period):
        side = "current" if row["period"] == current else "previous"
        sides.setdefault(row["key"], {"current": zero_counts(), "previous": zero_counts()})
        target = sides[row["key"]][side]
        for name in target:
            target[name] += row[name]
    labels = segment_keys(kind, sides)
    rows = []
    for raw_key, counts in sides.items():
        key, label = labels[raw_key]
        for metric, method in CHANGE_METRICS.items():
            n_current = sample_size(metric, counts["current"])
            n_previous = sample_size(metric, counts["previous"])
            if n_current == 0 and n_previous == 0:
                continue  # the metric is not measured in this segment at all
            value = estimate(metric, counts["current"])
            before = estimate(metric, counts["previous"])
            comparison = compare(metric, counts["current"], counts["previous"])
            tested = min(n_current, n_previous) >= MIN_N
            rows.append(
                SegmentChange(
                    run=run,
                    segment_kind=kind,
                    segment_key=key[:64],
                    segment_label=label[:200],
                    metric=metric,
                    period=period,
                    period_start=current,
                    current_value=finite(value.value),
                    current_low=finite(value.low),
                    current_high=finite(value.high),
                    current_n=n_current,
                    previous_value=finite(before.value),
                    previous_n=n_previous,
                    difference=finite(comparison.difference),
                    p_value=finite(comparison.p_value) if tested else None,
                    method=method,
                    min_n=MIN_N,
                )
            )
    return rows


def _adjust(rows: list[SegmentChange]) -> None:
    """Benjamini-Hochberg per (metric, period) family; flag rejected drops."""
    families: dict[tuple[str, str], list[SegmentChange]] = {}
    for row in rows:
        families.setdefault((row.metric, row.period), []).append(row)
    for family in families.values():
        p_values = [math.nan if r.p_value is None else r.p_value for r in family]
        rejected, q_values = stats.benjamini_hochberg(p_values, q=FDR_Q)
        for row, reject, q_value in zip(family, rejected, q_values, strict=True):
            row.q_value = finite(float(q_value))
            row.significant_drop = bool(reject) and (row.difference or 0) < 0
