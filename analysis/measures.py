"""The dashboard metrics as functions of summed `MetricCell` counts (pure: no ORM).

A "counts" mapping holds the SUM of every count column of `analysis.models.MetricCell` over
some cells (one segment, one period, one filter). Each metric turns it into an
`analysis.stats.Estimate`, and each change test compares two such mappings. Keeping this in one
place means the overview, the segments page, the CSV exports and the stored changes agree to
the last digit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analysis import stats
from analysis.models.metrics import CES_LEVELS, CSAT_LEVELS, REVIEW_LEVELS

Counts = Mapping[str, int]

CSAT_FIELDS = tuple(f"csat_{level}" for level in CSAT_LEVELS)
CES_FIELDS = tuple(f"ces_{level}" for level in CES_LEVELS)
REVIEW_FIELDS = tuple(f"review_{level}" for level in REVIEW_LEVELS)
# Every count column of MetricCell, in the order the SQL selects them.
COUNT_FIELDS: tuple[str, ...] = (
    "responses",
    "nps_n",
    "promoters",
    "detractors",
    *CSAT_FIELDS,
    *CES_FIELDS,
    "feedback",
    *REVIEW_FIELDS,
    "invited",
    "answered",
)
Z95 = stats.Z95


@dataclass(frozen=True)
class Metric:
    key: str
    label: str | Promise
    unit: str  # "points", "mean" or "share" (shown as %)
    scale: str  # what the value means, for the "how computed" note
    interval: str | Promise  # the interval's name, for the "how computed" note
    # The scale's ends in display units (% for shares): chart axes and the heatmap's colours
    # span it, so a colour or a height means the same value whatever the data holds.
    axis: tuple[float, float] = (0.0, 100.0)


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "nps",
            _("NPS"),
            "points",
            "-100..100",
            _(
                "adjusted Wald interval (add 3 answers, 0.75 promoters and detractors), "
                "widened to include the observed NPS when very few answers put it outside"
            ),
            (-100.0, 100.0),
        ),
        Metric("csat", _("CSAT (mean)"), "mean", "1..5", _("Student t interval"), (1.0, 5.0)),
        Metric("csat_top2", _("CSAT top-2-box"), "share", "4-5 of 5", _("Wilson interval")),
        Metric("ces", _("CES (mean)"), "mean", "1..7", _("Student t interval"), (1.0, 7.0)),
        Metric(
            "review",
            _("Ratings from other channels"),
            "mean",
            "1..5",
            _("Student t interval"),
            (1.0, 5.0),
        ),
        Metric(
            "response_rate", _("Response rate"), "share", "answered / invited", _("Wilson interval")
        ),
    )
}
# The metrics whose change is tested and stored (SegmentChange.metric), with their test.
CHANGE_METRICS: dict[str, str] = {
    "nps": "nps_z",
    "csat": "mann_whitney",
    "ces": "mann_whitney",
    "review": "mann_whitney",
    "response_rate": "two_proportion_z",
}


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_FIELDS, 0)


def add_counts(total: dict[str, int], more: Counts) -> dict[str, int]:
    for name in COUNT_FIELDS:
        total[name] += int(more.get(name) or 0)
    return total


def _levels(counts: Counts, fields: tuple[str, ...]) -> list[int]:
    return [int(counts.get(name) or 0) for name in fields]


def _mean(levels: list[int]) -> stats.Estimate:
    n = sum(levels)
    total = sum(c * level for level, c in enumerate(levels, start=1))
    total_sq = sum(c * level * level for level, c in enumerate(levels, start=1))
    return stats.mean_t(n, float(total), float(total_sq))


def estimate(metric: str, counts: Counts) -> stats.Estimate:
    """The metric's value with its 95 % interval and n (nan when n is 0)."""
    if metric == "nps":
        return stats.nps_estimate(
            int(counts.get("promoters") or 0),
            int(counts.get("detractors") or 0),
            int(counts.get("nps_n") or 0),
        )
    if metric == "csat":
        return _mean(_levels(counts, CSAT_FIELDS))
    if metric == "csat_top2":
        levels = _levels(counts, CSAT_FIELDS)
        return stats.wilson(levels[3] + levels[4], sum(levels))
    if metric == "ces":
        return _mean(_levels(counts, CES_FIELDS))
    if metric == "review":
        return _mean(_levels(counts, REVIEW_FIELDS))
    if metric == "response_rate":
        invited = int(counts.get("invited") or 0)
        # An invitation answered after its sending day is still counted on its sending day, so
        # answered <= invited holds per cell; clip anyway for hand-made rows.
        return stats.wilson(min(int(counts.get("answered") or 0), invited), invited)
    raise ValueError(f"unknown metric {metric!r}")


def sample_size(metric: str, counts: Counts) -> int:
    """The n the metric is computed on (answers to that question, or invitations)."""
    if metric == "nps":
        return int(counts.get("nps_n") or 0)
    if metric in ("csat", "csat_top2"):
        return sum(_levels(counts, CSAT_FIELDS))
    if metric == "ces":
        return sum(_levels(counts, CES_FIELDS))
    if metric == "review":
        return sum(_levels(counts, REVIEW_FIELDS))
    if metric == "response_rate":
        return int(counts.get("invited") or 0)
    raise ValueError(f"unknown metric {metric!r}")


def compare(metric: str, current: Counts, previous: Counts) -> stats.Comparison:
    """current - previous with the metric's test (see CHANGE_METRICS)."""
    if metric == "nps":
        return stats.nps_difference(
            int(current.get("promoters") or 0),
            int(current.get("detractors") or 0),
            int(current.get("nps_n") or 0),
            int(previous.get("promoters") or 0),
            int(previous.get("detractors") or 0),
            int(previous.get("nps_n") or 0),
        )
    fields = {"csat": CSAT_FIELDS, "ces": CES_FIELDS, "review": REVIEW_FIELDS}.get(metric)
    if fields is not None:
        # Ordinal scores: a rank test, not a t test (the levels are ordered, not equally spaced).
        return stats.mann_whitney_counts(_levels(current, fields), _levels(previous, fields))
    if metric == "response_rate":
        cur_inv, prev_inv = int(current.get("invited") or 0), int(previous.get("invited") or 0)
        return stats.two_proportions(
            min(int(current.get("answered") or 0), cur_inv),
            cur_inv,
            min(int(previous.get("answered") or 0), prev_inv),
            prev_inv,
        )
    raise ValueError(f"no change test for metric {metric!r}")


def standard_error(metric: str, counts: Counts, value: stats.Estimate) -> float:
    """The SE to shrink with, never 0 for n > 0, nan for n = 0.

    A unit whose few answers are all equal has a sample SE of 0 and would count as perfectly
    measured, topping the league table. So NPS uses the adjusted SE (stats.nps_standard_error),
    means add one pseudo-answer at each end of the scale (for the SE only, like the adjusted
    Wald idea), and shares use the Wilson interval's width, which is never 0.
    """
    if value.n == 0:
        return math.nan
    if metric == "nps":
        return stats.nps_standard_error(
            int(counts.get("promoters") or 0),
            int(counts.get("detractors") or 0),
            int(counts.get("nps_n") or 0),
        )
    fields = {"csat": CSAT_FIELDS, "ces": CES_FIELDS, "review": REVIEW_FIELDS}.get(metric)
    if fields is not None:
        levels = _levels(counts, fields)
        levels[0] += 1
        levels[-1] += 1
        n = sum(levels)
        mean = sum(c * level for level, c in enumerate(levels, start=1)) / n
        var = sum(c * (level - mean) ** 2 for level, c in enumerate(levels, start=1)) / (n - 1)
        return math.sqrt(var / n)
    if math.isnan(value.low) or math.isnan(value.high):
        return math.nan
    return (value.high - value.low) / (2 * Z95)


def finite(value: float) -> float | None:
    """None for nan/inf (JSON, templates and CSV show "not enough data")."""
    return value if value is not None and math.isfinite(value) else None
