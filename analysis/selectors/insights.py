"""Reads for the drivers, say-do, value x experience and text-theme pages.

Every function takes the finished run and the dashboard filters (`CellFilter`), sums or streams
that run's stored facts (`analysis.models.insights`) and returns small frozen dataclasses with
each number's n, interval and method. The statistics themselves are `analysis.stats`.

Drivers is the one place that reads row-level facts: only the measure's score and the driver
columns, streamed from a server-side cursor in chunks, never a `SELECT *`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DecimalField,
    F,
    Func,
    Min,
    Model,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, TruncMonth
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analysis import stats, text
from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact, SayDoFact, ThemeTerm, ValuePoint
from analysis.selectors.cells import CellFilter
from analysis.services.changes import FDR_Q  # a store differs at the alerts' rate
from odata.models import Channel, Customer, Store
from surveys.models import Daypart, Survey
from xdata.models import Feedback, Response

M = TypeVar("M", bound=Model)

# Below this many answers a group's interval is shown but its test is not run.
MIN_N = 30
# Relative importance splits a model's R² among its drivers. When the drivers together explain
# less than this share of the score's variance, the split is a split of noise (R² = 0.005 can
# hand one driver 80 % of almost nothing) and reads as "the main driver"; the shares are then
# not shown and the page says how little the drivers explain.
IMPORTANCE_MIN_R2 = 0.02
STREAM_CHUNK = 5000


def scoped(rows: QuerySet[M], run: AnalysisRun, where: CellFilter) -> QuerySet[M]:
    """A fact table's rows of `run` under the dashboard filters (the same fields as cells)."""
    return where.applied(rows.filter(run=run))


def _names(model: type[Store | Survey], ids: Iterable[int | None]) -> dict[int, str]:
    """The name of each of `ids` (empty ones left out) that still exists, in one query."""
    return dict(model.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def _customers(ids: Iterable[int | None]) -> dict[int, Customer]:
    """The customers among `ids` that still exist, with what a list shows of them, in one
    query."""
    found = Customer.objects.filter(pk__in=[i for i in ids if i])
    return {c.pk: c for c in found.only("pk", "code", "name", "external_id")}


def finite(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# -- Drivers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureInfo:
    key: str
    label: str | Promise
    unit: str  # "points" (NPS) or "mean"
    scale: str
    axis: tuple[float, float]  # the scale's ends, which a chart of the score spans


MEASURES: dict[str, MeasureInfo] = {
    "csat": MeasureInfo("csat", _("CSAT"), "mean", "1-5", (1.0, 5.0)),
    "nps": MeasureInfo("nps", _("NPS"), "points", "-100..100", (-100.0, 100.0)),
    "ces": MeasureInfo("ces", _("CES"), "mean", "1-7", (1.0, 7.0)),
    "rating": MeasureInfo("rating", _("Review rating"), "mean", "1-5", (1.0, 5.0)),
}


@dataclass(frozen=True)
class Bucket:
    label: str | Promise
    value: stats.Estimate  # NPS (points) or the mean score, with its interval


@dataclass(frozen=True)
class GroupAgainstRest:
    """One group of an unordered driver (a store) against all the other groups' answers."""

    key: int
    label: str
    value: stats.Estimate  # this group's NPS (points) or mean score, with its interval
    rest: stats.Estimate  # the same for the answers of all the other groups
    # This group minus the others; None when either side has fewer than MIN_N answers.
    difference: stats.Comparison | None
    q_value: float | None  # Benjamini-Hochberg across the groups of this driver only

    @property
    def tested(self) -> bool:
        return self.difference is not None and math.isfinite(self.difference.p_value)

    @property
    def differs(self) -> bool:
        return self.q_value is not None and self.q_value <= FDR_Q


@dataclass(frozen=True)
class Driver:
    key: str
    label: str | Promise
    # What the difference compares: exposed group minus reference group.
    contrast: str | Promise
    buckets: list[Bucket]
    difference: stats.Comparison | None
    q_value: float | None  # Benjamini-Hochberg across this page's drivers
    rho: stats.Estimate | None  # None for unordered drivers (channel, daypart)
    importance: float | None  # share of its model's explained variance; None: see the note
    # Every group against the rest, for drivers with many groups (store); else empty.
    against_rest: list[GroupAgainstRest] = field(default_factory=list)
    # Why an ordered driver has no importance (empty when it has one, or is unordered).
    importance_note: str | Promise = ""
    importance_model: str = ""  # the key of the ImportanceModel its share comes from


@dataclass(frozen=True)
class ImportanceModel:
    """One relative-importance model: the drivers in it, the answers complete in all of them,
    its R² and each driver's share of that R² (shares kept only when `shown`)."""

    key: str  # "all": every answer; "subset": answers where the left-out drivers are known
    drivers: list[str]
    n: int
    r2: float | None
    shares: dict[str, float]
    left: list[str] = field(default_factory=list)
    # True when the model has enough complete answers but all of them have the same score:
    # there is no variation to explain, so R² is undefined (None), not "explains 0 %".
    score_constant: bool = False

    @property
    def shown(self) -> bool:
        return bool(self.shares) and self.r2 is not None and self.r2 >= IMPORTANCE_MIN_R2

    @property
    def driver_labels(self) -> str:
        return ", ".join(str(DRIVER_LABELS[name]) for name in self.drivers)

    @property
    def left_labels(self) -> str:
        """The drivers this model was fitted for: those the model over every answer lacks."""
        return ", ".join(str(DRIVER_LABELS[name]) for name in self.left)


@dataclass(frozen=True)
class DriversReport:
    measure: MeasureInfo
    measures: list[tuple[MeasureInfo, int]]  # every measure with its n under the filters
    n: int
    drivers: list[Driver]
    importance_n: int  # rows complete in every modelled driver
    modelled: list[str]  # the ordered drivers in the relative-importance model
    importance_r2: float | None
    # The model over every answer and, when drivers most answers lack were left out of it, a
    # model over the answers that have them (days late: answers with a delivery).
    importance_models: list[ImportanceModel]
    value_edges: list[float]  # order-value quartile edges used for its buckets
    difference_method: str


# The drivers, in the order shown. Ordered ones are numeric and enter relative importance.
DAYS_LATE_BUCKETS: list[tuple[str, int, int | None]] = [
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-3", 2, 3),
    ("4-7", 4, 7),
    ("8+", 8, None),
]
CONTACT_BUCKETS: list[tuple[str, int, int | None]] = [
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3+", 3, None),
]
ORDERED_DRIVERS = ("days_late", "contacts_30d", "complaint_30d", "order_value", "repeat")
DRIVER_LABELS: dict[str, str | Promise] = {
    "days_late": _("Days late (delivery)"),
    "contacts_30d": _("Service contacts in the 30 days before"),
    "complaint_30d": _("Complaint in the 30 days before"),
    "order_value": _("Order value"),
    "repeat": _("First or repeat customer"),
    "channel": _("Channel"),
    "daypart": _("Time of day of the purchase"),
    "store": _("Store"),
}


def measure_counts(run: AnalysisRun, where: CellFilter) -> dict[str, int]:
    rows = scoped(DriverFact.objects.all(), run, where).values("measure").annotate(n=Count("id"))
    found = {row["measure"]: row["n"] for row in rows.order_by()}
    return {key: int(found.get(key, 0)) for key in MEASURES}


def pick_measure(requested: str, counts: dict[str, int]) -> str:
    """The requested measure when it is one, else the one with the most answers."""
    if requested in MEASURES:
        return requested
    return max(MEASURES, key=lambda key: (counts[key], -list(MEASURES).index(key)))


def driver_frame(run: AnalysisRun, where: CellFilter, measure: str) -> pd.DataFrame:
    """The measure's row-level facts: score and driver columns only, streamed in chunks."""
    columns = ["score", *ORDERED_DRIVERS, "channel", "daypart", "store_id"]
    rows = (
        scoped(DriverFact.objects.all(), run, where)
        .filter(measure=measure)
        .values_list(*columns)
        .order_by()
    )
    chunks: list[pd.DataFrame] = []
    batch: list[tuple[Any, ...]] = []
    # iterator(chunk_size) reads through a server-side cursor: memory holds one chunk of
    # tuples at a time, each turned into a compact typed frame.
    for row in rows.iterator(chunk_size=STREAM_CHUNK):
        batch.append(row)
        if len(batch) == STREAM_CHUNK:
            chunks.append(_typed(batch, columns))
            batch = []
    if batch or not chunks:
        chunks.append(_typed(batch, columns))
    return pd.concat(chunks, ignore_index=True)


def _typed(batch: list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(batch, columns=columns)
    for name in ("score", "days_late", "contacts_30d", "order_value", "store_id"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    for name in ("complaint_30d", "repeat"):
        frame[name] = frame[name].map({True: 1.0, False: 0.0}).astype(float)
    return frame


def _estimate(scores: np.ndarray, measure: MeasureInfo) -> stats.Estimate:
    n = int(scores.size)
    if measure.unit == "points":
        return stats.nps_estimate(int((scores >= 9).sum()), int((scores <= 6).sum()), n)
    return stats.mean_t(n, float(scores.sum()), float((scores**2).sum()))


def _difference(a: np.ndarray, b: np.ndarray, measure: MeasureInfo) -> stats.Comparison:
    """Group a minus group b: NPS points (z on the difference) or means (Welch)."""
    if measure.unit == "points":
        return stats.nps_difference(
            int((a >= 9).sum()), int((a <= 6).sum()), int(a.size),
            int((b >= 9).sum()), int((b <= 6).sum()), int(b.size),
        )  # fmt: skip
    return stats.mean_difference(a, b)


def _ranged_buckets(
    values: pd.Series, scores: np.ndarray, ranges: list[tuple[str, int, int | None]],
    measure: MeasureInfo,
) -> list[Bucket]:  # fmt: skip
    buckets = []
    for label, low, high in ranges:
        inside = (values >= low) & (values <= (high if high is not None else np.inf))
        buckets.append(Bucket(label, _estimate(scores[inside.to_numpy()], measure)))
    return buckets


def _category_buckets(
    values: pd.Series, scores: np.ndarray, labels: dict[Any, str | Promise], measure: MeasureInfo
) -> list[Bucket]:
    return [
        Bucket(label, _estimate(scores[(values == key).to_numpy()], measure))
        for key, label in labels.items()
        if bool((values == key).any())
    ]


def _worst_against_rest(
    values: pd.Series, scores: np.ndarray, labels: dict[Any, str | Promise], measure: MeasureInfo
) -> tuple[stats.Comparison | None, str | Promise]:
    """An unordered driver's difference: its lowest-scoring category (of at least MIN_N
    answers) against all the others."""
    means = {
        key: float(scores[(values == key).to_numpy()].mean())
        for key in labels
        if int((values == key).sum()) >= MIN_N
    }
    if len(means) < 2:
        return None, ""
    worst = min(means, key=lambda key: means[key])
    mask = (values == worst).to_numpy()
    known = values.isin(list(labels)).to_numpy()
    contrast = _("%(group)s against the others") % {"group": labels[worst]}
    return _difference(scores[mask], scores[known & ~mask], measure), contrast


def _moments(keys: pd.Series, scores: np.ndarray) -> pd.DataFrame:
    """Per group key: n, sum, sum of squares, promoters (9-10) and detractors (0-6)."""
    frame = pd.DataFrame({"key": keys.to_numpy(), "score": scores}).dropna(subset=["key"])
    frame["sq"] = frame["score"] ** 2
    frame["promoter"] = frame["score"] >= 9
    frame["detractor"] = frame["score"] <= 6
    return frame.groupby("key").agg(
        n=("score", "size"), total=("score", "sum"), total_sq=("sq", "sum"),
        promoters=("promoter", "sum"), detractors=("detractor", "sum"),
    )  # fmt: skip


Moments = tuple[int, float, float, int, int]  # n, sum, sum of squares, promoters, detractors


def _moment_estimate(m: Moments, measure: MeasureInfo) -> stats.Estimate:
    n, total, total_sq, promoters, detractors = m
    if measure.unit == "points":
        return stats.nps_estimate(promoters, detractors, n)
    return stats.mean_t(n, total, total_sq)


def _moment_difference(a: Moments, b: Moments, measure: MeasureInfo) -> stats.Comparison:
    """As `_difference`, from each group's moments: NPS z on the difference, or Welch's t."""
    if measure.unit == "points":
        return stats.nps_difference(a[3], a[4], a[0], b[3], b[4], b[0])
    return stats.mean_difference_moments(a[0], a[1], a[2], b[0], b[1], b[2])


def groups_against_rest(
    keys: pd.Series, scores: np.ndarray, labels: dict[int, str], measure: MeasureInfo
) -> list[GroupAgainstRest]:
    """Each labelled group (a store) against the answers of all the other labelled groups.

    Every group gets its score with its interval. A group is tested only when it and the rest
    both have at least MIN_N answers (the page's rule for every difference), with the page's
    test (NPS: z on the difference; means: Welch's t); q is Benjamini-Hochberg across the tested
    groups of this driver, a family of its own: a store list of a hundred tests must not dilute
    (or be diluted by) the handful of operational drivers. A group and the rest share no answer,
    so each test compares independent samples. Answers without a group (no store recorded) are
    in neither. Tested groups come first, lowest score first; then the untested ones.
    """
    moments = _moments(keys, scores)
    moments = moments[moments.index.isin(list(labels))]
    all_n = int(moments["n"].sum())
    all_total, all_sq = float(moments["total"].sum()), float(moments["total_sq"].sum())
    all_p, all_d = int(moments["promoters"].sum()), int(moments["detractors"].sum())
    rows: list[GroupAgainstRest] = []
    for key, row in moments.iterrows():
        own: Moments = (
            int(row["n"]), float(row["total"]), float(row["total_sq"]),
            int(row["promoters"]), int(row["detractors"]),
        )  # fmt: skip
        rest: Moments = (
            all_n - own[0],
            all_total - own[1],
            all_sq - own[2],
            all_p - own[3],
            all_d - own[4],
        )
        difference = (
            _moment_difference(own, rest, measure) if min(own[0], rest[0]) >= MIN_N else None
        )
        rows.append(
            GroupAgainstRest(
                int(key), labels[int(key)], _moment_estimate(own, measure),
                _moment_estimate(rest, measure), difference, None,
            )
        )  # fmt: skip
    tested = [i for i, r in enumerate(rows) if r.tested]
    if tested:
        _rejected, q = stats.benjamini_hochberg([rows[i].difference.p_value for i in tested])  # type: ignore[union-attr]
        for i, value in zip(tested, q, strict=True):
            rows[i] = GroupAgainstRest(**{**rows[i].__dict__, "q_value": float(value)})

    def order(r: GroupAgainstRest) -> tuple[bool, float, str]:
        value = r.value.value if math.isfinite(r.value.value) else math.inf
        return (not r.tested, value, r.label)

    return sorted(rows, key=order)


def _store_driver(frame: pd.DataFrame, scores: np.ndarray, measure: MeasureInfo) -> Driver:
    ids = [int(v) for v in frame["store_id"].dropna().unique()]
    stores = list(Store.objects.filter(pk__in=ids).values_list("pk", "name", "external_id"))
    # A store's name, with its number where two stores share the name (one bar each).
    shared = Counter(name for _pk, name, _code in stores)
    names = {pk: f"{name} ({code})" if shared[name] > 1 else name for pk, name, code in stores}
    groups = groups_against_rest(frame["store_id"], scores, names, measure)
    tested = sum(1 for g in groups if g.tested)
    contrast: str | Promise = (
        _("each store against the other stores: %(differ)s of %(tested)s tested differ")
        % {"differ": sum(1 for g in groups if g.differs), "tested": tested}
        if tested
        else ""
    )
    buckets = [Bucket(g.label, g.value) for g in groups]
    return Driver(
        "store", DRIVER_LABELS["store"], contrast, buckets, None, None, None, None, groups
    )


def drivers_report(run: AnalysisRun, where: CellFilter, requested: str = "") -> DriversReport:
    counts = measure_counts(run, where)
    measure = MEASURES[pick_measure(requested, counts)]
    frame = driver_frame(run, where, measure.key)
    scores = frame["score"].to_numpy(dtype=float)
    edges = [
        float(v)
        for v in frame["order_value"].dropna().quantile([0.25, 0.5, 0.75]).to_numpy()
    ] if frame["order_value"].notna().any() else []  # fmt: skip
    models = importance_models(frame)
    full = models[0]
    importance, notes, model_of = _importance_by_driver(models)

    def comparison(mask_a: pd.Series, mask_b: pd.Series) -> stats.Comparison:
        return _difference(scores[mask_a.to_numpy()], scores[mask_b.to_numpy()], measure)

    def rho(column: str) -> stats.Estimate:
        return stats.spearman(frame[column].to_numpy(dtype=float), scores)

    late, contacts = frame["days_late"], frame["contacts_30d"]
    value = frame["order_value"]
    median = edges[1] if edges else math.inf
    value_ranges = [
        (label, low, high)
        for label, low, high in zip(
            [_("lowest quarter"), _("second quarter"), _("third quarter"), _("top quarter")],
            [-np.inf, *edges],
            [*edges, np.inf],
            strict=False,
        )
    ] if edges else []  # fmt: skip
    value_buckets = [
        Bucket(label, _estimate(scores[((value > low) & (value <= high)).to_numpy()], measure))
        if index
        else Bucket(label, _estimate(scores[(value <= high).to_numpy()], measure))
        for index, (label, low, high) in enumerate(value_ranges)
    ]
    channels: dict[Any, str | Promise] = {str(v): label for v, label in Channel.choices}
    dayparts: dict[Any, str | Promise] = {str(v): label for v, label in Daypart.choices}
    channel_diff, channel_contrast = _worst_against_rest(
        frame["channel"], scores, channels, measure
    )
    daypart_diff, daypart_contrast = _worst_against_rest(
        frame["daypart"], scores, dayparts, measure
    )
    drivers = [
        Driver(
            "days_late", DRIVER_LABELS["days_late"], _("late (1+ days) minus on time"),
            _ranged_buckets(late, scores, DAYS_LATE_BUCKETS, measure),
            comparison(late >= 1, late == 0), None, rho("days_late"),
            importance.get("days_late"), [], notes.get("days_late", ""),
            model_of.get("days_late", ""),
        ),
        Driver(
            "contacts_30d", DRIVER_LABELS["contacts_30d"], _("2+ contacts minus 0-1"),
            _ranged_buckets(contacts, scores, CONTACT_BUCKETS, measure),
            comparison(contacts >= 2, contacts <= 1), None, rho("contacts_30d"),
            importance.get("contacts_30d"), [], notes.get("contacts_30d", ""),
            model_of.get("contacts_30d", ""),
        ),
        Driver(
            "complaint_30d", DRIVER_LABELS["complaint_30d"], _("complaint minus none"),
            _category_buckets(
                frame["complaint_30d"], scores, {0.0: _("no"), 1.0: _("yes")}, measure
            ),
            comparison(frame["complaint_30d"] == 1, frame["complaint_30d"] == 0), None,
            rho("complaint_30d"), importance.get("complaint_30d"), [],
            notes.get("complaint_30d", ""), model_of.get("complaint_30d", ""),
        ),
        Driver(
            "order_value", DRIVER_LABELS["order_value"], _("above the median minus below"),
            value_buckets, comparison(value > median, value <= median), None,
            rho("order_value"), importance.get("order_value"), [],
            notes.get("order_value", ""), model_of.get("order_value", ""),
        ),
        Driver(
            "repeat", DRIVER_LABELS["repeat"], _("repeat minus first order"),
            _category_buckets(
                frame["repeat"], scores, {0.0: _("first order"), 1.0: _("repeat")}, measure
            ),
            comparison(frame["repeat"] == 1, frame["repeat"] == 0), None, rho("repeat"),
            importance.get("repeat"), [], notes.get("repeat", ""), model_of.get("repeat", ""),
        ),
        Driver(
            "channel", DRIVER_LABELS["channel"], channel_contrast,
            _category_buckets(frame["channel"], scores, channels, measure),
            channel_diff, None, None, None,
        ),
        Driver(
            "daypart", DRIVER_LABELS["daypart"], daypart_contrast,
            _category_buckets(frame["daypart"], scores, dayparts, measure),
            daypart_diff, None, None, None,
        ),
        _store_driver(frame, scores, measure),
    ]  # fmt: skip
    drivers = _with_q_values(drivers)
    return DriversReport(
        measure=measure,
        measures=[(MEASURES[key], counts[key]) for key in MEASURES],
        n=len(frame),
        drivers=drivers,
        importance_n=full.n,
        modelled=full.drivers,
        importance_r2=full.r2,
        importance_models=models,
        value_edges=edges,
        difference_method="nps-z" if measure.unit == "points" else "welch-t",
    )


def _importance_model(
    key: str, frame: pd.DataFrame, left: list[str] | None = None
) -> ImportanceModel:
    """Dominance analysis over the ordered drivers known for at least half of `frame`'s rows.

    Relative importance needs every driver on each row (listwise). A driver most answers lack
    (days late for relationship NPS: no delivery) would shrink the model to that minority, so
    it stays out of this model and gets one of its own over the answers that have it.
    """
    drivers = [name for name in ORDERED_DRIVERS if len(frame) and frame[name].notna().mean() >= 0.5]
    complete = frame[["score", *drivers]].dropna()
    shares = stats.relative_importance(frame, "score", drivers) if drivers else {}
    r2 = None
    constant = bool(drivers) and len(complete) >= 3 and complete["score"].nunique() < 2
    if shares and len(complete) >= 3:
        used = [name for name in ORDERED_DRIVERS if name in shares]
        corr = np.corrcoef(complete[["score", *used]].to_numpy(dtype=float), rowvar=False)
        r2 = _r_squared(corr, list(range(1, len(used) + 1)))
    elif drivers and len(complete) >= 3 and not constant:
        r2 = 0.0  # shares are empty when the drivers explain nothing
    return ImportanceModel(key, drivers, len(complete), r2, shares, left or [], constant)


def importance_models(frame: pd.DataFrame) -> list[ImportanceModel]:
    """The model over every answer, then (when it left drivers out that at least MIN_N answers
    have) a model over the answers that have all of those drivers, so that the strongest
    driver of delivered orders, days late, is weighed among the answers it applies to."""
    full = _importance_model("all", frame)
    left = [n for n in ORDERED_DRIVERS if n not in full.drivers and frame[n].notna().any()]
    if not left:
        return [full]
    subset = frame[frame[left].notna().all(axis=1)]
    if len(subset) < MIN_N:
        return [full]
    return [full, _importance_model("subset", subset, left)]


def _importance_by_driver(
    models: list[ImportanceModel],
) -> tuple[dict[str, float], dict[str, str | Promise], dict[str, str]]:
    """Each ordered driver's share, or why it has none.

    A driver's share comes from the first model that contains it and explains enough to be
    shown: model 1 (every answer) when it does, else model 2, which holds every driver when it
    exists. The page lists each model's drivers and R², so a share from model 2 is labelled as
    such and a driver listed in a model with a meaningful R² is not marked "not shown". When
    no model containing it is shown, the reason is the first such model's, naming the model
    when the page has two.
    """
    shares: dict[str, float] = {}
    notes: dict[str, str | Promise] = {}
    model_of: dict[str, str] = {}
    for name in ORDERED_DRIVERS:
        containing = [m for m in models if name in m.drivers]
        if not containing:
            notes[name] = _("not modelled: known for too few answers")
            continue
        model = next(
            (m for m in containing if m.shown and name in m.shares),
            next((m for m in containing if m.shown), containing[0]),
        )
        model_of[name] = model.key
        if model.shown and name in model.shares:
            shares[name] = model.shares[name]
        elif model.shown:
            notes[name] = _("no variation in the model's answers")
        elif model.score_constant:
            notes[name] = _("not shown: the score does not vary in the model's answers")
        elif model.r2 is None:
            notes[name] = _("too few complete answers")
        else:
            notes[name] = _explains_only(model, several=len(models) > 1)
    return shares, notes, model_of


def _explains_only(model: ImportanceModel, *, several: bool) -> str | Promise:
    r2 = {"r2": f"{100 * (model.r2 or 0.0):.1f}"}
    if not several:
        return _("not shown: the model explains only %(r2)s%%") % r2
    if model.key == "subset":
        return _("not shown: model 2 explains only %(r2)s%%") % r2
    return _("not shown: model 1 explains only %(r2)s%%") % r2


def _r_squared(corr: np.ndarray, usable: list[int]) -> float | None:
    r = corr[0, usable]
    beta = np.linalg.lstsq(corr[np.ix_(usable, usable)], r, rcond=None)[0]
    value = float(r @ beta)
    return value if math.isfinite(value) else None


def _with_q_values(drivers: list[Driver]) -> list[Driver]:
    tested = [
        i
        for i, d in enumerate(drivers)
        if d.difference is not None
        and math.isfinite(d.difference.p_value)
        and min(d.difference.n_a, d.difference.n_b) >= MIN_N
    ]
    if not tested:
        return drivers
    _rejected, q = stats.benjamini_hochberg([drivers[i].difference.p_value for i in tested])  # type: ignore[union-attr]
    q_by_index = dict(zip(tested, (float(v) for v in q), strict=True))
    return [Driver(**{**d.__dict__, "q_value": q_by_index.get(i)}) for i, d in enumerate(drivers)]


# -- Say-do ----------------------------------------------------------------------------------

WINDOWS = (30, 60, 90)
SAID_ORDER = {
    "yes": 0,
    "unsure": 1,
    "no": 2,
    "promoter": 3,
    "passive": 4,
    "detractor": 5,
    "stars_1_2": 6,
    "stars_3": 7,
    "stars_4_5": 8,
}
SAID_LABELS: dict[str, str | Promise] = {
    "yes": _("answered “yes”"),
    "unsure": _("answered “not sure”"),
    "no": _("answered “no”"),
    "promoter": _("promoters (9-10)"),
    "passive": _("passives (7-8)"),
    "detractor": _("detractors (0-6)"),
    "stars_1_2": _("rated 1-2 stars"),
    "stars_3": _("rated 3 stars"),
    "stars_4_5": _("rated 4-5 stars"),
}
# The order of the groups on the page: each survey's intent answers, then NPS, then ratings.
_KIND_ORDER: dict[str, int] = {
    SayDoFact.Kind.INTENT: 0,
    SayDoFact.Kind.NPS: 1,
    SayDoFact.Kind.RATING: 2,
}
SEGMENT_BY: dict[str, str | Promise] = {
    "store": _("Store"),
    "daypart": _("Time of day"),
    "segment": _("Customer segment"),
    "channel": _("Channel"),
}
REASON_LABELS: dict[str, str | Promise] = {
    "waiting": _("Waiting time"),
    "staff": _("Staff"),
    "stock": _("Products in stock"),
    "price": _("Price"),
    "cleanliness": _("Cleanliness"),
    "other": _("Something else"),
}
FOLLOW_UP_AFTER_DAYS = 30
FOLLOW_UP_LIMIT = 50


def _window_aggregates() -> dict[str, Any]:
    sums: dict[str, Any] = {}
    for days in WINDOWS:
        sums[f"n{days}"] = Count("id", filter=Q(observed_days__gte=days))
        sums[f"x{days}"] = Count("id", filter=Q(observed_days__gte=days, next_order_days__lte=days))
    return sums


@dataclass(frozen=True)
class SayDoRow:
    group: str | Promise  # "intent" survey name, "NPS", or "Review rating"
    said: str
    label: str | Promise
    rates: list[stats.Estimate]  # bought again within 30, 60, 90 days (Wilson)


@dataclass(frozen=True)
class SegmentRow:
    label: str
    yes: stats.Estimate  # said yes: bought again within 90 days
    other: stats.Estimate  # said no or unsure
    gap: stats.Comparison | None
    q_value: float | None


@dataclass(frozen=True)
class ReasonRow:
    reason: str
    label: str | Promise
    morning: stats.Estimate
    afternoon: stats.Estimate
    difference: stats.Comparison
    q_value: float | None


@dataclass(frozen=True)
class FollowUp:
    customer_code: str
    customer_name: str
    store: str
    survey: str
    submitted_at: Any
    days_since: int


@dataclass(frozen=True)
class SayDoReport:
    rows: list[SayDoRow]
    by: str
    segments: list[SegmentRow]
    reasons: list[ReasonRow]
    reason_n: tuple[int, int]  # answers with a reason: morning, afternoon
    follow_ups: list[FollowUp]
    follow_up_total: int
    windows: tuple[int, ...] = WINDOWS


def saydo_rows(run: AnalysisRun, where: CellFilter) -> list[SayDoRow]:
    facts = scoped(SayDoFact.objects.all(), run, where)
    grouped = (
        facts.values("kind", "said", "survey_id", survey_name=F("survey__name"))
        .annotate(**_window_aggregates())
        .order_by()
    )
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in grouped:
        # NPS groups are one set whichever survey asked, and so are ratings (they have no
        # survey); intent answers stay per survey, because "yes" means what that survey's
        # question asked.
        survey = str(row["survey_name"] or "") if row["kind"] == SayDoFact.Kind.INTENT else ""
        key = (row["kind"], survey, row["said"])
        total = rows.setdefault(key, {f"{p}{d}": 0 for p in "nx" for d in WINDOWS})
        for name in total:
            total[name] += int(row[name])
    groups: dict[str, str | Promise] = {
        SayDoFact.Kind.NPS: "NPS",
        SayDoFact.Kind.RATING: MEASURES["rating"].label,
    }
    ordered = sorted(
        rows.items(),
        key=lambda item: (
            _KIND_ORDER.get(item[0][0], 9),
            item[0][1],
            SAID_ORDER.get(item[0][2], 9),
        ),
    )
    return [
        SayDoRow(
            groups.get(kind, survey),
            said,
            SAID_LABELS.get(said, said),
            [stats.wilson(total[f"x{d}"], total[f"n{d}"]) for d in WINDOWS],
        )
        for (kind, survey, said), total in ordered
    ]


def saydo_segments(run: AnalysisRun, where: CellFilter, by: str) -> list[SegmentRow]:
    """Said yes against said no/unsure, bought again within 90 days, per segment."""
    column = "store_id" if by == "store" else by
    facts = scoped(SayDoFact.objects.filter(kind=SayDoFact.Kind.INTENT), run, where)
    grouped = (
        facts.values(column)
        .annotate(
            n_yes=Count("id", filter=Q(said="yes", observed_days__gte=90)),
            x_yes=Count("id", filter=Q(said="yes", observed_days__gte=90, next_order_days__lte=90)),
            n_other=Count("id", filter=~Q(said="yes") & Q(observed_days__gte=90)),
            x_other=Count(
                "id", filter=~Q(said="yes") & Q(observed_days__gte=90, next_order_days__lte=90)
            ),
        )
        .order_by(column)
    )
    labels = _segment_labels(by, [row[column] for row in grouped])
    rows = []
    for row in grouped:
        gap = None
        if min(row["n_yes"], row["n_other"]) >= MIN_N:
            gap = stats.two_proportions(row["x_yes"], row["n_yes"], row["x_other"], row["n_other"])
        rows.append(
            SegmentRow(
                labels.get(row[column], str(row[column])),
                stats.wilson(row["x_yes"], row["n_yes"]),
                stats.wilson(row["x_other"], row["n_other"]),
                gap,
                None,
            )
        )
    tested = [i for i, r in enumerate(rows) if r.gap is not None and math.isfinite(r.gap.p_value)]
    if tested:
        _rejected, q = stats.benjamini_hochberg([rows[i].gap.p_value for i in tested])  # type: ignore[union-attr]
        for i, value in zip(tested, q, strict=True):
            rows[i] = SegmentRow(**{**rows[i].__dict__, "q_value": float(value)})
    return sorted(rows, key=lambda r: r.label)


def _segment_labels(by: str, keys: Iterable[Any]) -> dict[Any, str]:
    keys = list(keys)
    if by == "store":
        names = _names(Store, keys)
        return {k: names.get(k, str(_("Not recorded"))) for k in keys}
    choices: dict[str, Any] = {}
    if by == "daypart":
        choices = dict(Daypart.choices)
    elif by == "channel":
        choices = dict(Channel.choices)
    return {k: str(choices.get(k, k)) if k else str(_("Not recorded")) for k in keys}


def reasons_by_daypart(run: AnalysisRun, where: CellFilter) -> tuple[list[ReasonRow], int, int]:
    """The reasons chosen after "no"/"unsure", morning buyers against afternoon buyers."""
    facts = scoped(
        SayDoFact.objects.filter(kind=SayDoFact.Kind.INTENT, daypart__in=("morning", "afternoon")),
        run,
        where,
    ).exclude(reason="")
    counts = Counter(
        {
            (row["daypart"], row["reason"]): row["n"]
            for row in facts.values("daypart", "reason").annotate(n=Count("id")).order_by()
        }
    )
    n_morning = sum(v for (d, _r), v in counts.items() if d == "morning")
    n_afternoon = sum(v for (d, _r), v in counts.items() if d == "afternoon")
    reasons = sorted({r for _d, r in counts}, key=lambda r: list(REASON_LABELS).index(r)
                     if r in REASON_LABELS else 99)  # fmt: skip
    rows = []
    for reason in reasons:
        a, b = counts[("morning", reason)], counts[("afternoon", reason)]
        rows.append(
            ReasonRow(
                reason,
                REASON_LABELS.get(reason, reason),
                stats.wilson(a, n_morning),
                stats.wilson(b, n_afternoon),
                stats.two_proportions(a, n_morning, b, n_afternoon),
                None,
            )
        )
    tested = [i for i, r in enumerate(rows) if math.isfinite(r.difference.p_value)]
    if tested and min(n_morning, n_afternoon) >= MIN_N:
        _rejected, q = stats.benjamini_hochberg([rows[i].difference.p_value for i in tested])
        for i, value in zip(tested, q, strict=True):
            rows[i] = ReasonRow(**{**rows[i].__dict__, "q_value": float(value)})
    return rows, n_morning, n_afternoon


def follow_up_facts(run: AnalysisRun, where: CellFilter) -> QuerySet[SayDoFact]:
    """Customers who said yes at least 30 days ago and have not ordered since: their latest
    such answer each, most recent first."""
    facts = scoped(
        SayDoFact.objects.filter(
            kind=SayDoFact.Kind.INTENT,
            said="yes",
            next_order_days__isnull=True,
            observed_days__gte=FOLLOW_UP_AFTER_DAYS,
            customer__isnull=False,
        ),
        run,
        where,
    )
    latest = facts.order_by("customer_id", "-submitted_at").distinct("customer_id").values("id")
    return SayDoFact.objects.filter(pk__in=latest).order_by("-submitted_at", "-id")


def follow_ups(facts: Iterable[SayDoFact]) -> list[FollowUp]:
    rows = list(facts)
    customers = _customers(f.customer_id for f in rows)
    stores = _names(Store, (f.store_id for f in rows))
    surveys = _names(Survey, (f.survey_id for f in rows))
    result = []
    for fact in rows:
        customer = customers.get(fact.customer_id or 0)
        if customer is None:
            continue
        result.append(
            FollowUp(
                str(customer.code),
                customer.name or customer.external_id,
                stores.get(fact.store_id or 0, ""),
                surveys.get(fact.survey_id or 0, ""),
                fact.submitted_at,
                int(fact.observed_days),
            )
        )
    return result


def saydo_report(run: AnalysisRun, where: CellFilter, by: str = "store") -> SayDoReport:
    by = by if by in SEGMENT_BY else "store"
    reasons, n_morning, n_afternoon = reasons_by_daypart(run, where)
    waiting = follow_up_facts(run, where)
    return SayDoReport(
        rows=saydo_rows(run, where),
        by=by,
        segments=saydo_segments(run, where, by),
        reasons=reasons,
        reason_n=(n_morning, n_afternoon),
        follow_ups=follow_ups(waiting[:FOLLOW_UP_LIMIT]),
        follow_up_total=waiting.count(),
    )


# -- Value x experience ----------------------------------------------------------------------

QUADRANTS: dict[str, str | Promise] = {
    ValuePoint.Quadrant.VALUABLE_UNHAPPY: _("Valuable and unhappy"),
    ValuePoint.Quadrant.VALUABLE_HAPPY: _("Valuable and happy"),
    ValuePoint.Quadrant.OTHER_UNHAPPY: _("Less valuable and unhappy"),
    ValuePoint.Quadrant.OTHER_HAPPY: _("Less valuable and happy"),
}
SCATTER_LIMIT = 2000
VALUE_LIST_LIMIT = 50


@dataclass(frozen=True)
class QuadrantRow:
    key: str
    label: str | Promise
    count: int
    share: stats.Estimate  # of the customers under the filters (Wilson)
    revenue: Decimal


@dataclass(frozen=True)
class SourceRow:
    """The customers whose latest evidence is one measure (a survey score or a rating)."""

    measure: str
    label: str | Promise
    count: int
    unhappy: stats.Estimate  # share unhappy among them (Wilson)


@dataclass(frozen=True)
class ValueCustomer:
    customer_code: str
    customer_name: str
    store: str
    revenue: Decimal
    contacts: int
    cost_to_serve: Decimal
    net_value: Decimal
    measure: str
    score: int
    day: date
    measure_label: str | Promise = ""


@dataclass(frozen=True)
class ValueReport:
    n: int
    quadrants: list[QuadrantRow]
    threshold: Decimal | None  # company-wide net value from which a customer is "valuable"
    unhappy_valuable: stats.Estimate  # share unhappy among valuable customers
    unhappy_other: stats.Estimate
    unhappy_gap: stats.Comparison
    listed: str
    customers: list[ValueCustomer]
    points: list[tuple[float, float, str]]  # net value, score 0-100, quadrant (a sample)
    points_total: int
    cost_per_contact: Decimal = field(default=Decimal(0))
    sources: list[SourceRow] = field(default_factory=list)  # by the measure that classed them


def value_threshold(run: AnalysisRun) -> Decimal | None:
    found = ValuePoint.objects.filter(
        run=run,
        quadrant__in=(ValuePoint.Quadrant.VALUABLE_UNHAPPY, ValuePoint.Quadrant.VALUABLE_HAPPY),
    ).aggregate(low=Min("net_value"))
    return found["low"]


def value_customers(
    run: AnalysisRun, where: CellFilter, quadrant: str, limit: int | None = VALUE_LIST_LIMIT
) -> list[ValueCustomer]:
    points = scoped(ValuePoint.objects.filter(quadrant=quadrant), run, where).order_by(
        "-net_value", "customer_id"
    )
    if limit is not None:
        points = points[:limit]
    return _value_rows(points)


def _value_rows(points: Iterable[ValuePoint]) -> list[ValueCustomer]:
    rows = list(points)
    customers = _customers(p.customer_id for p in rows)
    stores = _names(Store, (p.store_id for p in rows))
    result = []
    for point in rows:
        customer = customers.get(point.customer_id or 0)
        if customer is None:
            continue
        result.append(
            ValueCustomer(
                str(customer.code), customer.name or customer.external_id,
                stores.get(point.store_id or 0, ""), point.revenue, point.contacts,
                point.cost_to_serve, point.net_value, point.measure, point.score, point.day,
                _measure_label(point.measure),
            )
        )  # fmt: skip
    return result


def _measure_label(measure: str) -> str | Promise:
    info = MEASURES.get(measure)
    return info.label if info is not None else measure


def value_report(run: AnalysisRun, where: CellFilter, quadrant: str = "") -> ValueReport:
    quadrant = quadrant if quadrant in QUADRANTS else ValuePoint.Quadrant.VALUABLE_UNHAPPY
    points = scoped(ValuePoint.objects.all(), run, where)
    by_measure = list(
        points.values("quadrant", "measure")
        .annotate(n=Count("id"), revenue=Sum("revenue"))
        .order_by()
    )
    grouped: dict[str, dict[str, Any]] = {}
    for row in by_measure:
        total = grouped.setdefault(row["quadrant"], {"n": 0, "revenue": Decimal(0)})
        total["n"] += int(row["n"])
        total["revenue"] += row["revenue"] or Decimal(0)
    unhappy_quadrants = (ValuePoint.Quadrant.VALUABLE_UNHAPPY, ValuePoint.Quadrant.OTHER_UNHAPPY)
    sources = []
    for key in MEASURES:
        count = sum(int(r["n"]) for r in by_measure if r["measure"] == key)
        if count:
            unhappy = sum(
                int(r["n"])
                for r in by_measure
                if r["measure"] == key and r["quadrant"] in unhappy_quadrants
            )
            sources.append(SourceRow(key, MEASURES[key].label, count, stats.wilson(unhappy, count)))
    n = sum(int(row["n"]) for row in grouped.values())
    quadrants = [
        QuadrantRow(
            key,
            label,
            int(grouped.get(key, {}).get("n", 0)),
            stats.wilson(int(grouped.get(key, {}).get("n", 0)), n),
            grouped.get(key, {}).get("revenue") or Decimal(0),
        )
        for key, label in QUADRANTS.items()
    ]
    vu, vh, ou, oh = (q.count for q in quadrants)
    sample = list(
        points.annotate(sample=RawSQL("md5(customer_id::text)", ()))
        .order_by("sample")
        .values_list("net_value", "score_100", "quadrant")[:SCATTER_LIMIT]
    )
    return ValueReport(
        n=n,
        quadrants=quadrants,
        threshold=value_threshold(run),
        unhappy_valuable=stats.wilson(vu, vu + vh),
        unhappy_other=stats.wilson(ou, ou + oh),
        unhappy_gap=stats.two_proportions(vu, vu + vh, ou, ou + oh),
        listed=quadrant,
        customers=value_customers(run, where, quadrant),
        points=[(float(v), float(s), q) for v, s, q in sample],
        points_total=n,
        sources=sources,
    )


# -- Text themes -----------------------------------------------------------------------------

TOP_TERMS = 30
DISTINCT_TERMS = 20
TREND_TERMS = 6
EXAMPLES = 3
EXAMPLE_CANDIDATES = 20  # texts read per term to find EXAMPLES different ones
MIN_UNHAPPY_COUNT = 2
# Terms read per row shown: merging terms found in the same texts (one sentence gives five words
# and four phrases) must still leave enough rows to fill the lists.
TERM_CANDIDATES = 4


@dataclass(frozen=True)
class TermRow:
    term: str
    count: int
    share: stats.Estimate  # share of texts mentioning it (Wilson)
    z: float | None = None  # log-odds z, unhappy vs happy
    count_happy: int | None = None
    examples: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()  # terms found in exactly the same texts, merged into it


@dataclass(frozen=True)
class ThemesReport:
    texts: int
    texts_unhappy: int
    texts_happy: int
    top: list[TermRow]
    distinct: list[TermRow]
    months: list[date]
    trend: list[tuple[str, list[int]]]  # term, texts per month


def _doc_count(rows: QuerySet[ThemeTerm]) -> int:
    pairs = rows.values("response_id", "feedback_id").distinct().order_by()
    return pairs.count()


def themes_report(run: AnalysisRun, where: CellFilter, language: str = "") -> ThemesReport:
    rows = scoped(ThemeTerm.objects.all(), run, where)
    if language in ("ko", "en"):
        rows = rows.filter(language=language)
    texts = _doc_count(rows)
    unhappy_rows, happy_rows = rows.filter(tone="unhappy"), rows.filter(tone="happy")
    texts_unhappy, texts_happy = _doc_count(unhappy_rows), _doc_count(happy_rows)
    ranked = [
        (str(row["term"]), int(row["n"]))
        for row in rows.values("term")
        .annotate(n=Count("id"))
        .order_by("-n", "term")[: TOP_TERMS * TERM_CANDIDATES]
    ]
    by_tone: dict[str, dict[str, int]] = {"unhappy": {}, "happy": {}}
    for row in (
        rows.filter(tone__in=("unhappy", "happy"))
        .values("tone", "term")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_tone[row["tone"]][row["term"]] = int(row["n"])
    table = stats.log_odds_ratio(by_tone["unhappy"], by_tone["happy"])
    if len(table):
        table = table[(table["z"] > 0) & (table["count_a"] >= MIN_UNHAPPY_COUNT)].head(
            DISTINCT_TERMS * TERM_CANDIDATES
        )
    candidates = [str(t) for t in table["term"]] if len(table) else []
    sets = _text_sets(rows, [term for term, _n in ranked] + candidates)
    counts = sets.counts
    top = [
        TermRow(head, counts[head], stats.wilson(counts[head], texts), variants=variants)
        for head, variants in text.merge_variants(
            [(term, n, sets.keys[term]) for term, n in ranked], counts
        )[:TOP_TERMS]
    ]
    # The distinct table counts only unhappy and happy texts, so its candidates merge on their
    # sets among those (two terms apart only in neutral texts show the same counts, z and
    # examples there). The same texts give the same counts, so the same z: merging keeps the
    # ranking.
    rows_by_term = (
        {str(row.term): row for row in table.itertuples(index=False)} if len(table) else {}
    )
    merged = text.merge_variants(
        [(term, sets.toned_keys[term][0], sets.toned_keys[term]) for term in candidates], counts
    )[:DISTINCT_TERMS]
    chosen = [head for head, _variants in merged]
    examples = theme_examples(unhappy_rows, chosen)
    distinct = [
        TermRow(
            head,
            int(rows_by_term[head].count_a),
            stats.wilson(int(rows_by_term[head].count_a), texts_unhappy),
            float(rows_by_term[head].z),
            int(rows_by_term[head].count_b),
            examples.get(head, ()),
            variants,
        )
        for head, variants in merged
    ]
    months, trend = term_trend(rows, chosen[:TREND_TERMS])
    return ThemesReport(texts, texts_unhappy, texts_happy, top, distinct, months, trend)


@dataclass(frozen=True)
class TextSets:
    # term -> (texts, a digest of the set of texts it occurs in), over all texts and over the
    # unhappy and happy texts only (what the distinct table counts)
    keys: dict[str, tuple[int, int]]
    toned_keys: dict[str, tuple[int, int]]
    counts: dict[str, int]  # texts per term, for the terms and the words of the phrases


def _text_sets(rows: QuerySet[ThemeTerm], terms: Sequence[str]) -> TextSets:
    """For each of `terms` (a bounded candidate list), its text count and a digest of the set
    of texts it occurs in, among all texts and among the unhappy and happy ones, and the text
    count of every word of the phrases among them: two queries.

    The digest is the sum of a 64-bit hash of each text's key: order-independent, so no sort
    and no string of every text id of a common term (tens of thousands), one pass over the
    rows the counts read anyway. Two different sets of the same size with the same sum would
    merge by mistake; with 64-bit hashes and a few hundred candidates that chance is negligible.
    """
    terms = list(dict.fromkeys(terms))
    text_key = Concat(
        Coalesce(Cast("response_id", CharField()), Value("")), Value(":"),
        Coalesce(Cast("feedback_id", CharField()), Value("")), output_field=CharField(),
    )  # fmt: skip
    text_hash = Func(
        text_key, Value(0), function="hashtextextended", output_field=BigIntegerField()
    )
    toned = Q(tone__in=("unhappy", "happy"))
    keys: dict[str, tuple[int, int]] = {}
    toned_keys: dict[str, tuple[int, int]] = {}
    counts: dict[str, int] = {}
    for row in (
        rows.filter(term__in=terms)
        .values("term")
        .annotate(
            n=Count("id"),
            digest=Sum(text_hash, output_field=DecimalField()),
            n_toned=Count("id", filter=toned),
            digest_toned=Sum(text_hash, filter=toned, output_field=DecimalField()),
        )
        .order_by()
    ):
        term, n = row["term"], int(row["n"])
        counts[term] = n
        keys[term] = (n, int(row["digest"]))
        toned_keys[term] = (int(row["n_toned"]), int(row["digest_toned"] or 0))
    words = {w for term in terms if " " in term for w in term.split(" ")} - set(counts)
    if words:
        counts.update(
            (row["term"], int(row["n"]))
            for row in rows.filter(term__in=words).values("term").annotate(n=Count("id")).order_by()
        )
    return TextSets(keys, toned_keys, counts)


def term_trend(
    rows: QuerySet[ThemeTerm], terms: Sequence[str]
) -> tuple[list[date], list[tuple[str, list[int]]]]:
    if not terms:
        return [], []
    counts = {
        (row["term"], row["month"]): int(row["n"])
        for row in rows.filter(term__in=terms)
        .annotate(month=TruncMonth("day"))
        .values("term", "month")
        .annotate(n=Count("id"))
        .order_by()
    }
    months = sorted({month for _t, month in counts})
    return months, [(term, [counts.get((term, m), 0) for m in months]) for term in terms]


def theme_examples(rows: QuerySet[ThemeTerm], terms: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Up to EXAMPLES different texts per term, newest first: one bounded read of the term rows
    and one query per source for the texts (many comments repeat word for word; an example
    list of three identical lines says nothing)."""
    if not terms:
        return {}
    picked: dict[str, list[tuple[str, int]]] = {term: [] for term in terms}
    candidates = (
        rows.filter(term__in=terms)
        .order_by("-day", "-id")
        .values_list("term", "response_id", "feedback_id")[: 200 * len(terms)]
    )
    for term, response, feedback in candidates:
        chosen = picked[term]
        key = ("r", response) if response else ("f", feedback)
        if len(chosen) < EXAMPLE_CANDIDATES and key not in chosen:
            chosen.append(key)
    response_ids = {pk for keys in picked.values() for kind, pk in keys if kind == "r"}
    feedback_ids = {pk for keys in picked.values() for kind, pk in keys if kind == "f"}
    bodies: dict[tuple[str, int], str] = {
        ("r", pk): body
        for pk, body in Response.objects.filter(pk__in=response_ids).values_list("pk", "comment")
    }
    bodies.update(
        {
            ("f", pk): body
            for pk, body in Feedback.objects.filter(pk__in=feedback_ids).values_list("pk", "text")
        }
    )
    result: dict[str, tuple[str, ...]] = {}
    for term, keys in picked.items():
        texts = dict.fromkeys(bodies[key].strip() for key in keys if key in bodies)
        result[term] = tuple(texts)[:EXAMPLES]
    return result
