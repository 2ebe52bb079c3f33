"""Reads for the outcomes page: recovery rates by rule, owner and root cause, and the holdout
uplift per rule (treated customers against the control group), each with its interval and n.

Rates count judged tasks only (verdict recovered or not recovered); "no evidence" (segment tasks)
is shown beside them, never in the denominator. Statistics come from `analysis.stats` (Wilson for
a proportion, Newcombe's hybrid score interval for a difference of proportions, Welch for a
difference of mean scores); below `MIN_RATE_N` / `MIN_UPLIFT_N` the page says "not enough
data" instead of a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from actions.models import FollowUpTask, Holdout, RootCause, TaskStatus, TriggerRule
from analysis.stats import (
    Comparison,
    Estimate,
    mean_difference,
    mean_t,
    two_proportions,
    wilson,
)
from cxm.models import User
from cxm.selectors import user_labels

# Fewer judged tasks than this in a row: the rate's interval is too wide to read.
MIN_RATE_N = 10
# Fewer measured customers than this in either group: no uplift is shown.
MIN_UPLIFT_N = 30

GROUPINGS = ("rule", "owner", "root_cause")
GROUPING_LABELS = {
    "rule": _("By rule"),
    "owner": _("By owner"),
    "root_cause": _("By root cause"),
}
METRIC_LABELS = {
    "repurchase_30d": _("Bought again within 30 days"),
    "repurchase_90d": _("Bought again within 90 days"),
    "later_score": _("Later score (0-10)"),
}
JUDGED = (FollowUpTask.Verdict.RECOVERED, FollowUpTask.Verdict.NOT_RECOVERED)


@dataclass(frozen=True)
class RateRow:
    """One group's recovery rate: `estimate` is None below `MIN_RATE_N`."""

    label: str
    recovered: int
    judged: int
    no_evidence: int
    estimate: Estimate | None

    @property
    def percent(self) -> tuple[float, float, float] | None:
        """Rate, low and high in percent, for display."""
        return _percent(self.estimate)


@dataclass(frozen=True)
class Totals:
    closed: int
    awaiting: int  # closed, window not over yet
    judged: int
    recovered: int
    no_evidence: int
    holdouts: int
    estimate: Estimate | None

    @property
    def percent(self) -> tuple[float, float, float] | None:
        return _percent(self.estimate)


@dataclass(frozen=True)
class UpliftRow:
    """Treated (tasks) against control (holdouts) for one rule and one measure.

    Proportions are 0..1, the later score is a mean on 0-10; `difference` is treated - control
    (None below `MIN_UPLIFT_N` in either group)."""

    metric: str
    label: str
    is_score: bool
    treated: Estimate
    control: Estimate
    difference: Comparison | None

    @property
    def scale(self) -> float:
        """Proportions are shown in percent (differences in percentage points)."""
        return 1.0 if self.is_score else 100.0

    @property
    def treated_shown(self) -> tuple[float | None, float | None, float | None]:
        return _scaled(self.treated.value, self.treated.low, self.treated.high, self.scale)

    @property
    def control_shown(self) -> tuple[float | None, float | None, float | None]:
        return _scaled(self.control.value, self.control.low, self.control.high, self.scale)

    @property
    def difference_shown(self) -> tuple[float | None, float | None, float | None]:
        d = self.difference
        if d is None:
            return (None, None, None)
        return _scaled(d.difference, d.low, d.high, self.scale)

    @property
    def interval_excludes_zero(self) -> bool:
        d = self.difference
        return d is not None and (d.low > 0 or d.high < 0)


@dataclass(frozen=True)
class RuleUplift:
    rule: TriggerRule
    holdout_percent: int
    rows: list[UpliftRow]


@dataclass(frozen=True)
class Outcomes:
    totals: Totals
    rates: dict[str, list[RateRow]]
    uplift: list[RuleUplift]
    since: datetime | None


def _finite(value: float, scale: float) -> float | None:
    return None if math.isnan(value) else value * scale


def _scaled(
    value: float, low: float, high: float, scale: float
) -> tuple[float | None, float | None, float | None]:
    return (_finite(value, scale), _finite(low, scale), _finite(high, scale))


def _percent(estimate: Estimate | None) -> tuple[float, float, float] | None:
    if estimate is None:
        return None
    return (100 * estimate.value, 100 * estimate.low, 100 * estimate.high)


def _estimate(recovered: int, judged: int) -> Estimate | None:
    return wilson(recovered, judged) if judged >= MIN_RATE_N else None


def _closed_tasks(since: datetime | None) -> QuerySet[FollowUpTask]:
    tasks = FollowUpTask.objects.filter(status=TaskStatus.CLOSED)
    if since is not None:
        tasks = tasks.filter(closed_at__gte=since)
    return tasks


_COUNTS: dict[str, Any] = {
    "recovered": Count("pk", filter=Q(verdict=FollowUpTask.Verdict.RECOVERED)),
    "judged": Count("pk", filter=Q(verdict__in=JUDGED)),
    "no_evidence": Count("pk", filter=Q(verdict=FollowUpTask.Verdict.UNKNOWN)),
}


def _rows(counts: list[dict[str, Any]], labels: dict[Any, str]) -> list[RateRow]:
    rows = [
        RateRow(
            label=labels.get(c["key"], "—"),
            recovered=c["recovered"],
            judged=c["judged"],
            no_evidence=c["no_evidence"],
            estimate=_estimate(c["recovered"], c["judged"]),
        )
        for c in counts
        if c["judged"] or c["no_evidence"]
    ]
    # Most evidence first: the rows a reader can trust lead.
    return sorted(rows, key=lambda r: (-r.judged, r.label))


def recovery_rates(*, by: str, language: str, since: datetime | None = None) -> list[RateRow]:
    """Recovery rate per rule, owner or root cause of tasks closed since `since`."""
    field = {"rule": "rule_id", "owner": "owner_id", "root_cause": "root_cause_id"}[by]
    counts = list(
        _closed_tasks(since).exclude(verdict="").values(key=F(field)).annotate(**_COUNTS).order_by()
    )
    ids = [c["key"] for c in counts if c["key"] is not None]
    labels: dict[Any, str]
    if by == "rule":
        labels = dict(TriggerRule.objects.filter(pk__in=ids).values_list("pk", "name"))
    elif by == "owner":
        users = User.objects.filter(pk__in=ids).values_list("pk", "name", "username")
        labels = user_labels(users)
    else:
        labels = {c.pk: c.label(language) for c in RootCause.objects.filter(pk__in=ids)}
        labels[None] = str(_("No root cause"))
    return _rows(counts, labels)


def outcome_totals(*, since: datetime | None = None) -> Totals:
    figures = _closed_tasks(since).aggregate(
        closed=Count("pk"), awaiting=Count("pk", filter=Q(verdict="")), **_COUNTS
    )
    holdouts = Holdout.objects.all()
    if since is not None:
        holdouts = holdouts.filter(triggered_at__gte=since)
    return Totals(
        closed=figures["closed"],
        awaiting=figures["awaiting"],
        judged=figures["judged"],
        recovered=figures["recovered"],
        no_evidence=figures["no_evidence"],
        holdouts=holdouts.count(),
        estimate=_estimate(figures["recovered"], figures["judged"]),
    )


def _proportion_row(metric: str, treated: tuple[int, int], control: tuple[int, int]) -> UpliftRow:
    (x_t, n_t), (x_c, n_c) = treated, control
    enough = n_t >= MIN_UPLIFT_N and n_c >= MIN_UPLIFT_N
    return UpliftRow(
        metric=metric,
        label=str(METRIC_LABELS[metric]),
        is_score=False,
        treated=wilson(x_t, n_t),
        control=wilson(x_c, n_c),
        difference=two_proportions(x_t, n_t, x_c, n_c) if enough else None,
    )


def _mean(values: np.ndarray) -> Estimate:
    """The mean later score with a t interval (nan below two values)."""
    return mean_t(int(values.size), float(values.sum()), float((values**2).sum()))


def _score_row(treated: list[int], control: list[int]) -> UpliftRow:
    a = np.asarray(treated, dtype=float)
    b = np.asarray(control, dtype=float)
    enough = a.size >= MIN_UPLIFT_N and b.size >= MIN_UPLIFT_N
    return UpliftRow(
        metric="later_score",
        label=str(METRIC_LABELS["later_score"]),
        is_score=True,
        treated=_mean(a),
        control=_mean(b),
        difference=mean_difference(a, b) if enough else None,
    )


def _measures(rows: QuerySet[Any]) -> dict[int, dict[str, Any]]:
    """Per rule: (bought, measured) at 30 and 90 days, and the later scores."""
    figures: dict[int, dict[str, Any]] = {}
    counted = rows.values("rule_id").annotate(
        b30=Count("pk", filter=Q(repurchased_30d=True)),
        n30=Count("pk", filter=Q(repurchased_30d__isnull=False)),
        b90=Count("pk", filter=Q(repurchased_90d=True)),
        n90=Count("pk", filter=Q(repurchased_90d__isnull=False)),
    )
    for c in counted.order_by():
        figures[c["rule_id"]] = {**c, "scores": []}
    scored = rows.filter(later_score__isnull=False, repurchased_30d__isnull=False)
    for rule_id, score in scored.values_list("rule_id", "later_score").order_by():
        figures[rule_id]["scores"].append(score)
    return figures


def holdout_uplift(*, since: datetime | None = None) -> list[RuleUplift]:
    """Per rule that has a control group: treated against control on repurchase within 30 and
    90 days and on the later score. Treated are the rule's closed tasks, measured from the
    close; control are its holdouts, measured from the trigger."""
    holdouts = Holdout.objects.exclude(customer=None)
    tasks = _closed_tasks(since).exclude(customer=None)
    if since is not None:
        holdouts = holdouts.filter(triggered_at__gte=since)
    control = _measures(holdouts)
    rules = TriggerRule.objects.filter(Q(pk__in=list(control)) | Q(holdout_percent__gt=0))
    treated = _measures(tasks.filter(rule__in=rules))
    empty: dict[str, Any] = {"b30": 0, "n30": 0, "b90": 0, "n90": 0, "scores": []}
    result = []
    for rule in rules.order_by("name"):
        t, c = treated.get(rule.pk, empty), control.get(rule.pk, empty)
        result.append(
            RuleUplift(
                rule=rule,
                holdout_percent=rule.holdout_percent,
                rows=[
                    _proportion_row("repurchase_30d", (t["b30"], t["n30"]), (c["b30"], c["n30"])),
                    _proportion_row("repurchase_90d", (t["b90"], t["n90"]), (c["b90"], c["n90"])),
                    _score_row(t["scores"], c["scores"]),
                ],
            )
        )
    return result


def outcomes_overview(*, language: str, since: datetime | None = None) -> Outcomes:
    """Everything the outcomes page and its CSV show."""
    return Outcomes(
        totals=outcome_totals(since=since),
        rates={by: recovery_rates(by=by, language=language, since=since) for by in GROUPINGS},
        uplift=holdout_uplift(since=since),
        since=since,
    )


def _number(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


CSV_HEADER = (
    "section",
    "group",
    "name",
    "measure",
    "n",
    "value",
    "low",
    "high",
    "control_n",
    "control_value",
    "difference",
    "difference_low",
    "difference_high",
    "p_value",
)


def outcome_csv_rows(overview: Outcomes) -> Iterator[list[object]]:
    """The page's figures as flat rows (`CSV_HEADER`); names are user data (caller escapes)."""
    t = overview.totals
    yield [
        "total",
        "",
        "",
        "recovered",
        t.judged,
        *_estimate_cells(t.estimate),
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    for by, rows in overview.rates.items():
        for row in rows:
            yield [
                "recovery_rate",
                by,
                row.label,
                "recovered",
                row.judged,
                *_estimate_cells(row.estimate),
                "",
                "",
                "",
                "",
                "",
                "",
            ]
    for rule in overview.uplift:
        for u in rule.rows:
            d = u.difference
            yield [
                "holdout_uplift",
                "rule",
                rule.rule.name,
                u.metric,
                u.treated.n,
                _number(u.treated.value),
                _number(u.treated.low),
                _number(u.treated.high),
                u.control.n,
                _number(u.control.value),
                _number(d.difference if d else None),
                _number(d.low if d else None),
                _number(d.high if d else None),
                _number(d.p_value if d else None),
            ]


def _estimate_cells(estimate: Estimate | None) -> list[str]:
    if estimate is None:
        return ["", "", ""]
    return [_number(estimate.value), _number(estimate.low), _number(estimate.high)]
