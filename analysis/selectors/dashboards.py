"""What the overview and segments pages show, from a run's fact table under the filters.

Each page costs a handful of SUM queries over `MetricCell` (the filter choices aside); the
statistics are computed here on the summed counts with `analysis.measures`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from analysis import stats
from analysis.measures import (
    CHANGE_METRICS,
    METRICS,
    add_counts,
    compare,
    estimate,
    finite,
    sample_size,
    standard_error,
    zero_counts,
)
from analysis.models import AnalysisRun, SegmentChange
from analysis.periods import next_start, period_start, previous_start, starts_between
from analysis.selectors.cells import CellFilter, segment_keys, summed_counts
from analysis.services.changes import FDR_Q, MIN_N
from cxm.intervals import format_interval, format_number
from xdata.models import Response

# The shrunk value is shown (and ranked) to two decimals in display units.
SHRUNK_DECIMALS = 2
TILE_METRICS = ("nps", "csat", "csat_top2", "ces", "review", "response_rate")


@dataclass(frozen=True)
class Value:
    """A metric's figure ready for display: value with interval and n (None = no data)."""

    metric: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    method: str

    @classmethod
    def of(cls, metric: str, counts: dict[str, int]) -> Value:
        est = estimate(metric, counts)
        return cls(metric, finite(est.value), finite(est.low), finite(est.high), est.n, est.method)

    def shown(self, number: float | None) -> float | None:
        """Shares are shown in %, everything else in its own unit."""
        if number is None:
            return None
        return 100 * number if METRICS[self.metric].unit == "share" else number

    def text(self, number: float | None) -> str:
        if number is None:
            return "—"
        unit = METRICS[self.metric].unit
        decimals = 2 if unit == "mean" else 1
        return format_number(number, decimals) + ("%" if unit == "share" else "")

    @property
    def value_text(self) -> str:
        return self.text(self.display)

    @property
    def interval_text(self) -> str:
        if self.low is None or self.high is None:
            return "—"
        unit = METRICS[self.metric].unit
        return format_interval(
            self.display_low, self.display_high,
            digits=2 if unit == "mean" else 1, unit="%" if unit == "share" else "",
        )  # fmt: skip

    @property
    def no_interval(self) -> bool:
        """Answers, but no interval: too few of them (one answer has no spread)."""
        return self.n > 0 and (self.low is None or self.high is None)

    @property
    def display(self) -> float | None:
        return self.shown(self.value)

    @property
    def display_low(self) -> float | None:
        return self.shown(self.low)

    @property
    def display_high(self) -> float | None:
        return self.shown(self.high)


@dataclass(frozen=True)
class Change:
    difference: float  # in display units (points, score, percentage points)
    p_value: float
    q_value: float
    previous_start: date
    current_start: date

    @property
    def direction(self) -> str:
        return "up" if self.difference > 0 else "down"


@dataclass(frozen=True)
class Tile:
    metric: str
    label: str
    value: Value
    change: Change | None  # only when significant


@dataclass
class Overview:
    tiles: list[Tile]
    volumes: dict[str, int]
    metric: str
    period: str
    trend: list[tuple[date, Value]]
    touchpoints: list[str]
    heat_periods: list[date]
    heat: list[list[Value]]  # one row per touchpoint, one Value per period
    window: CellFilter
    # (month, month before) the tiles' markers compare; None when no marker can appear.
    change_period: tuple[date, date] | None = None

    @property
    def heat_by_period(self) -> list[tuple[date, list[Value]]]:
        """The heatmap transposed (one row per period), for its table."""
        return [(start, [row[i] for row in self.heat]) for i, start in enumerate(self.heat_periods)]


def _filter_with_dates(where: CellFilter, start: date, end: date) -> CellFilter:
    return replace(where, date_from=start, date_to=end)


def overview(run: AnalysisRun, where: CellFilter, *, metric: str, period: str) -> Overview:
    """Tiles (with a marker only for a significant month-on-month change), the trend of one
    metric per period with its interval, and the touchpoint x period heatmap."""
    rows = summed_counts(run_id=run.pk, where=where, kind="touchpoint", period=period)
    total = zero_counts()
    by_period: dict[date, dict[str, int]] = {}
    by_cell: dict[tuple[Any, date], dict[str, int]] = {}
    for row in rows:
        add_counts(total, row)
        add_counts(by_period.setdefault(row["period"], zero_counts()), row)
        by_cell[(row["key"], row["period"])] = row
    tiles, compared = _tiles(run, where, total)
    periods = (
        starts_between(where.date_from, where.date_to, period)
        if where.date_from and where.date_to
        else sorted(by_period)
    )
    trend = [(start, Value.of(metric, by_period.get(start, zero_counts()))) for start in periods]
    keys = sorted({key for key, _start in by_cell}, key=lambda k: (k is None, k or 0))
    labels = segment_keys("touchpoint", keys)
    heat_rows, names = [], []
    for key in keys:
        values = [Value.of(metric, by_cell.get((key, start), zero_counts())) for start in periods]
        if any(v.n for v in values):
            heat_rows.append(values)
            names.append(labels[key][1])
    return Overview(
        tiles=tiles,
        volumes={
            "responses": total["responses"],
            "feedback": total["feedback"],
            "invited": total["invited"],
            "answered": total["answered"],
        },
        metric=metric,
        period=period,
        trend=trend,
        touchpoints=names,
        heat_periods=periods,
        heat=heat_rows,
        window=where,
        change_period=compared,
    )


def headline_tiles(run: AnalysisRun, where: CellFilter) -> list[Tile]:
    """The overview's tiles alone (its figures over `where`, with their month-on-month change
    markers), for pages that show the scores at a glance; two queries."""
    total = zero_counts()
    for row in summed_counts(run_id=run.pk, where=where, kind="all"):
        add_counts(total, row)
    return _tiles(run, where, total)[0]


def _tiles(
    run: AnalysisRun, where: CellFilter, total: dict[str, int]
) -> tuple[list[Tile], tuple[date, date] | None]:
    """The tiles, and the months their markers compare (None when no tile was tested)."""
    changes, compared = _tile_changes(run, where)
    tiles = [
        Tile(m, str(METRICS[m].label), Value.of(m, total), changes.get(m)) for m in TILE_METRICS
    ]
    return tiles, compared


def compared_months(where: CellFilter, as_of: date | None) -> tuple[date, date] | None:
    """(month, month before) for the tiles' markers: the latest month that is complete
    (ended before `as_of`) and inside the selected dates, and the month before it, also
    inside them. None when the selection holds no two such months (e.g. 1-24 November)."""
    if as_of is None:
        return None
    last = as_of - timedelta(days=1)
    if where.date_to is not None:
        last = min(last, where.date_to)
    current = period_start(last, "month")
    if next_start(current, "month") - timedelta(days=1) != last:
        current = previous_start(current, "month")  # the month holding `last` is not over
    previous = previous_start(current, "month")
    if where.date_from is not None and previous < where.date_from:
        return None
    return current, previous


def _tile_changes(
    run: AnalysisRun, where: CellFilter
) -> tuple[dict[str, Change], tuple[date, date] | None]:
    """The latest complete month of the selected dates against the one before, for the
    filtered data, tested like the stored changes and BH-adjusted across the tiles; and the
    two months, when at least one tile had enough answers on both sides to be tested."""
    months = compared_months(where, run.as_of)
    if months is None:
        return {}, None
    current, previous = months
    window = _filter_with_dates(where, previous, next_start(current, "month") - timedelta(days=1))
    sides = {current: zero_counts(), previous: zero_counts()}
    for row in summed_counts(run_id=run.pk, where=window, kind="all", period="month"):
        if row["period"] in sides:
            add_counts(sides[row["period"]], row)
    tested: list[tuple[str, stats.Comparison]] = []
    for metric in CHANGE_METRICS:
        n_now = sample_size(metric, sides[current])
        n_before = sample_size(metric, sides[previous])
        if min(n_now, n_before) >= MIN_N:
            tested.append((metric, compare(metric, sides[current], sides[previous])))
    rejected, q_values = stats.benjamini_hochberg([c.p_value for _m, c in tested], q=FDR_Q)
    result = {}
    for (metric, comparison), reject, q_value in zip(tested, rejected, q_values, strict=True):
        if reject and math.isfinite(comparison.difference):
            scale = 100.0 if METRICS[metric].unit == "share" else 1.0
            result[metric] = Change(
                comparison.difference * scale,
                comparison.p_value,
                float(q_value),
                previous,
                current,
            )
    return result, (months if tested else None)


def responses_since(run: AnalysisRun, where: CellFilter) -> int:
    """Survey responses under the filter that arrived after `run` started counting, so its
    stored statistics do not hold them yet (0 when the selected dates end before the run's
    day: such responses fall after them). One COUNT over the recent end of the
    `submitted_at` index.

    The cut is the run's start: the fact table is the run's first section, written within
    moments of it, so at most the few responses of those moments are counted twice."""
    if run.started_at is None or run.as_of is None:
        return 0
    if where.date_to is not None and where.date_to < run.as_of:
        return 0
    rows = Response.objects.filter(submitted_at__gte=run.started_at)
    if where.date_to is not None:
        # Days are local in TIME_ZONE, as in the fact table.
        end = datetime.combine(
            where.date_to + timedelta(days=1), time(), tzinfo=ZoneInfo(settings.TIME_ZONE)
        )
        rows = rows.filter(submitted_at__lt=end)
    if where.store_id is not None:
        rows = rows.filter(store_id=where.store_id)
    if where.region_id is not None:
        rows = rows.filter(store__region_id=where.region_id)
    if where.touchpoint_id is not None:
        rows = rows.filter(touchpoint_id=where.touchpoint_id)
    if where.survey_id is not None:
        rows = rows.filter(survey_id=where.survey_id)
    return rows.count()


@dataclass(frozen=True)
class SegmentRow:
    key: str
    label: str
    value: Value
    shrunk: float | None  # display units
    rank: int | None
    tied: bool  # another segment has the same rank (equal shrunk value as shown)
    weight: float | None  # share of its own deviation kept by the shrinkage (0..1)
    month_change: SegmentChange | None
    week_change: SegmentChange | None


@dataclass
class SegmentTable:
    kind: str
    metric: str
    rows: list[SegmentRow]
    overall: Value
    shrink_mean: float | None
    tau: float | None

    @property
    def indistinguishable(self) -> bool:
        """Two or more segments ranked and all tied: the shrinkage pulled every one to the
        pooled mean (tau² = 0), so the data cannot tell the segments apart."""
        ranked = sum(1 for row in self.rows if row.rank is not None)
        return self.tau == 0 and ranked > 1

    @property
    def has_ties(self) -> bool:
        return any(row.tied for row in self.rows)


def segment_table(
    run: AnalysisRun, where: CellFilter, *, kind: str, metric: str, sort: str, descending: bool
) -> SegmentTable:
    """One row per segment with value, interval, n and the empirical-Bayes estimate used for
    the rank, so a store with seven answers neither tops nor bottoms the table."""
    rows = summed_counts(run_id=run.pk, where=where, kind=kind)
    total = zero_counts()
    for row in rows:
        add_counts(total, row)
    measured = [(row, estimate(metric, row)) for row in rows if sample_size(metric, row) > 0]
    values = np.array([est.value for _row, est in measured], dtype=float)
    errors = np.array([standard_error(metric, row, est) for row, est in measured], dtype=float)
    details = stats.eb_shrink_details(values, errors)
    shrunk = np.where(np.isnan(errors), np.nan, details.shrunk)
    labels = segment_keys(kind, [row["key"] for row, _est in measured])
    stored = _stored_changes(run, kind, metric)
    scale = 100.0 if METRICS[metric].unit == "share" else 1.0
    # Ranked at the precision the page shows the shrunk value (two decimals, display units):
    # equal shown values share a rank.
    rank_of = stats.competition_ranks(shrunk * scale, decimals=SHRUNK_DECIMALS)
    ranks = {i: int(r) for i, r in enumerate(rank_of) if r > 0}
    tied = {r for r, count in Counter(ranks.values()).items() if count > 1}
    table = []
    for i, (row, _est) in enumerate(measured):
        key, label = labels[row["key"]]
        weight = details.weights[i] if i < len(details.weights) else math.nan
        table.append(
            SegmentRow(
                key=key,
                label=label,
                value=Value.of(metric, row),
                shrunk=finite(float(shrunk[i]) * scale),
                rank=ranks.get(i),
                tied=ranks.get(i) in tied,
                weight=finite(float(weight)),
                month_change=stored.get((key, "month")),
                week_change=stored.get((key, "week")),
            )
        )
    table.sort(key=_sort_key(sort), reverse=descending)
    return SegmentTable(
        kind=kind,
        metric=metric,
        rows=table,
        overall=Value.of(metric, total),
        shrink_mean=finite(details.mean * scale) if not math.isnan(details.mean) else None,
        tau=finite(math.sqrt(details.tau2) * scale) if not math.isnan(details.tau2) else None,
    )


def _sort_key(sort: str) -> Any:
    def key(row: SegmentRow) -> tuple[Any, ...]:
        if sort == "label":
            return (row.label,)
        if sort == "n":
            return (row.value.n,)
        if sort == "value":
            return (row.value.value is not None, row.value.value or 0)
        return (row.rank is None, row.rank or 0)  # unranked (too few answers) after ranked

    return key


def _stored_changes(
    run: AnalysisRun, kind: str, metric: str
) -> dict[tuple[str, str], SegmentChange]:
    rows = SegmentChange.objects.filter(run=run, segment_kind=kind, metric=metric)
    return {(r.segment_key, r.period): r for r in rows}


def method_note(metric: str, n: int, *, extra: list[str] | None = None) -> dict[str, Any]:
    """The "how this is computed" partial's context for one metric."""
    info = METRICS[metric]
    lines = list(extra or [])
    if metric == "response_rate":
        lines.append(
            _(
                "Invitations count on the day they were sent; recent invitations may still be "
                "answered, so the last days' rate is provisional."
            )
        )
    if metric in ("csat", "csat_top2"):
        lines.append(
            _(
                "Surveys without a CSAT question count their first 1-5 rating question "
                "(e.g. the store-visit rating)."
            )
        )
    return {
        "label": str(info.label),
        "n": n,
        "scale": info.scale,
        "interval": str(info.interval),
        "extra": lines,
    }
