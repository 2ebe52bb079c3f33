"""Pure statistics for cxm's analysis: estimates with intervals, comparisons, multiplicity,
shrinkage, drivers and distinctive terms.

No Django and no database here: functions take counts, SQL moments, arrays or DataFrames and
return frozen dataclasses (or numpy arrays / DataFrames), so every figure on a dashboard can be
tested against hand-worked or published values. Degenerate input (n = 0, no variance) never
raises: the value, interval or p-value is ``nan`` instead, and callers show "not enough data".
Inconsistent input (negative counts, more promoters than respondents) is a programming error and
raises ``ValueError``.

Units: NPS and NPS differences are in points (-100..100); proportions are 0..1; means are in
the score's own unit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

# What the sequence-taking functions accept: lists from callers, arrays from pandas columns.
Floats = Sequence[float] | np.ndarray

Z95 = 1.959963984540054
NAN = float("nan")

# Above this many drivers the exact dominance analysis (2**p subsets) gets slow; relative
# importance is meant for "a handful" of operational factors, so more is refused rather than
# approximated silently.
MAX_DOMINANCE_DRIVERS = 12


@dataclass(frozen=True)
class Estimate:
    """A number with its interval; ``value`` (and the bounds) are nan when n == 0."""

    value: float
    low: float
    high: float
    n: int
    method: str


@dataclass(frozen=True)
class Comparison:
    """Group a versus group b (current versus previous period): ``difference`` = a - b."""

    difference: float
    low: float
    high: float
    statistic: float
    p_value: float
    n_a: int
    n_b: int
    method: str


@dataclass(frozen=True)
class Shrinkage:
    """Details of an empirical-Bayes fit, for display next to shrunk rankings."""

    shrunk: np.ndarray
    mean: float  # the precision-weighted (random-effects) mean everything is pulled toward
    tau2: float  # between-unit variance; 0 means the units are indistinguishable from noise
    weights: np.ndarray  # 1 - B_i: share of each unit's own deviation that is kept


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    if confidence == 0.95:
        return Z95
    return float(st.norm.ppf(0.5 + confidence / 2))


def _two_sided_p(z: float) -> float:
    return float(2 * st.norm.sf(abs(z)))


def _check_counts(n: int, *parts: int) -> None:
    if n < 0 or any(p < 0 for p in parts):
        raise ValueError("counts must not be negative")
    if sum(parts) > n:
        raise ValueError(f"the parts ({parts}) exceed the total n={n}")


# --- estimates -------------------------------------------------------------------------------


def nps_estimate(promoters: int, detractors: int, n: int, confidence: float = 0.95) -> Estimate:
    """Net Promoter Score in points with an adjusted-Wald interval.

    NPS = 100 * (promoters - detractors) / n. The interval follows Rocks (2016, "Interval
    estimation for the net promoter score", The American Statistician 70(4)): add 3 to n and
    0.75 to each of promoters and detractors, then NPS' ± z * sqrt((p' + d' - (p' - d')²) / n').
    The plain Wald interval collapses to zero width at 0 or 100 % promoters, which is common in
    small stores; the adjustment keeps small-n intervals honest. The point value stays the
    observed NPS (what people recompute by hand); the bounds are clipped to -100..100.

    The adjusted interval is centred on the shrunk NPS', not on the observed NPS: with one
    or two answers (all promoters, say) the observed 100 lies above it. The interval is then
    widened to reach the observed value, so a plotted point always lies within its own
    interval; this only makes it more conservative (it still holds the adjusted one).
    """
    _check_counts(n, promoters, detractors)
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0, "adjusted-wald")
    z = _z(confidence)
    n_adj = n + 3
    p_adj = (promoters + 0.75) / n_adj
    d_adj = (detractors + 0.75) / n_adj
    centre = p_adj - d_adj
    se = math.sqrt(max(p_adj + d_adj - centre**2, 0.0) / n_adj)
    value = 100.0 * (promoters - detractors) / n
    return Estimate(
        value=value,
        low=min(value, max(-100.0, 100.0 * (centre - z * se))),
        high=max(value, min(100.0, 100.0 * (centre + z * se))),
        n=n,
        method="adjusted-wald",
    )


def nps_standard_error(promoters: int, detractors: int, n: int) -> float:
    """Adjusted (Rocks 2016) standard error of the NPS in points; nan when n == 0.

    Meant as the input to :func:`eb_shrink`: unlike the plain Wald SE it is never zero, so a
    store whose five respondents all gave a 10 is not mistaken for a perfectly measured one.
    """
    _check_counts(n, promoters, detractors)
    if n == 0:
        return NAN
    n_adj = n + 3
    p_adj = (promoters + 0.75) / n_adj
    d_adj = (detractors + 0.75) / n_adj
    return 100.0 * math.sqrt(max(p_adj + d_adj - (p_adj - d_adj) ** 2, 0.0) / n_adj)


def wilson(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """Proportion (0..1) with the Wilson score interval.

    Wilson (1927); recommended over the Wald interval by Newcombe (1998, Stat Med 17:857-872)
    and Brown, Cai & DasGupta (2001) because its coverage stays near nominal for small n and
    proportions near 0 or 1 (top-2-box CSAT is often above 90 %).
    """
    _check_counts(n, successes)
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0, "wilson")
    z = _z(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # The Wilson interval always holds p; min/max only undo rounding at 0 and n successes
    # (0 successes gave a low of 5.6e-17 above the value 0).
    return Estimate(
        value=p,
        low=max(0.0, min(p, centre - half)),
        high=min(1.0, max(p, centre + half)),
        n=n,
        method="wilson",
    )


def median_interval(values: Floats, confidence: float = 0.95) -> Estimate:
    """Median with a distribution-free interval from order statistics.

    The interval is [x_(j), x_(n-j+1)] of the sorted values, with j the largest rank for which
    P(B <= j-1) <= alpha/2, B ~ Binomial(n, 1/2) (the number of values below the true median);
    its coverage is at least `confidence` whatever the distribution (Conover, Practical
    Nonparametric Statistics, 3rd ed., 1999, sec. 3.2). Durations are skewed (a few tasks wait
    days), which is why a t interval would not do. Below n = 6 no pair of order statistics
    reaches 95 %: the bounds are nan.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    method = "order statistics (binomial)"
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0, method)
    median = float(np.median(x))
    tail = (1 - confidence) / 2
    # ppf gives the smallest k with P(B <= k) >= tail; j - 1 is the largest k with <= tail.
    k = int(st.binom.ppf(tail, n, 0.5))
    j = k + 1 if st.binom.cdf(k, n, 0.5) <= tail else k
    if j < 1:
        return Estimate(median, NAN, NAN, n, method)
    return Estimate(median, float(x[j - 1]), float(x[n - j]), n, method)


def _variance_from_moments(n: int, total: float, total_sq: float) -> float:
    # sum((x - mean)^2) = sum(x^2) - sum(x)^2 / n; rounding can make it slightly negative when
    # all values are equal, hence the clip.
    return max(total_sq - total * total / n, 0.0) / (n - 1)


def mean_t(n: int, total: float, total_sq: float, confidence: float = 0.95) -> Estimate:
    """Mean with a Student t interval, from SQL moments (COUNT, SUM, SUM of squares).

    The t interval is the textbook choice for means of bounded scores (CES 1..7, CSAT 1..5): by
    the CLT it is accurate at the sample sizes dashboards show, and it needs only the three
    moments SQL aggregates cheaply. With n == 1 the value is known but the interval is nan.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0, "t")
    mean = total / n
    if n == 1:
        return Estimate(mean, NAN, NAN, 1, "t")
    se = math.sqrt(_variance_from_moments(n, total, total_sq) / n)
    half = float(st.t.ppf(0.5 + confidence / 2, n - 1)) * se
    return Estimate(mean, mean - half, mean + half, n, "t")


# --- comparisons -----------------------------------------------------------------------------


def _z_comparison(
    difference: float, se: float, n_a: int, n_b: int, method: str, se_test: float | None = None
) -> Comparison:
    """Normal-theory comparison: CI from ``se``, test from ``se_test`` (default ``se``)."""
    se_test = se if se_test is None else se_test
    if se_test > 0:
        statistic = difference / se_test
        p_value = _two_sided_p(statistic)
    elif difference == 0:
        # Both groups are constant and equal (e.g. all promoters on both sides): the data show
        # no difference at all, which is p = 1 rather than undefined.
        statistic, p_value = 0.0, 1.0
    else:
        statistic, p_value = NAN, NAN
    return Comparison(
        difference=difference,
        low=difference - Z95 * se,
        high=difference + Z95 * se,
        statistic=statistic,
        p_value=p_value,
        n_a=n_a,
        n_b=n_b,
        method=method,
    )


def _empty_comparison(n_a: int, n_b: int, method: str) -> Comparison:
    return Comparison(NAN, NAN, NAN, NAN, NAN, n_a, n_b, method)


def nps_difference(p_a: int, d_a: int, n_a: int, p_b: int, d_b: int, n_b: int) -> Comparison:
    """Difference of two NPS values (a - b) in points, with a z test and 95 % interval.

    Each group's NPS is a difference of two multinomial proportions, so its variance is
    (p + d - (p - d)²) / n; the two groups are independent, so the variances add. This is the
    test used for "NPS changed since last period" alerts, followed by Benjamini-Hochberg across
    segments.
    """
    _check_counts(n_a, p_a, d_a)
    _check_counts(n_b, p_b, d_b)
    method = "nps-z"
    if n_a == 0 or n_b == 0:
        return _empty_comparison(n_a, n_b, method)
    pa, da, pb, db = p_a / n_a, d_a / n_a, p_b / n_b, d_b / n_b
    var = (pa + da - (pa - da) ** 2) / n_a + (pb + db - (pb - db) ** 2) / n_b
    return _z_comparison(100.0 * ((pa - da) - (pb - db)), 100.0 * math.sqrt(var), n_a, n_b, method)


def nps_detectable_difference(
    n_a: int,
    n_b: int,
    *,
    promoter_share: float,
    detractor_share: float,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """Smallest NPS change (points) that :func:`nps_difference` detects with the given power.

    (z_{1-alpha/2} + z_power) * sqrt(v / n_a + v / n_b) with v = p + d - (p - d)² at the given
    shares (normal approximation, equal variance in both periods). After Benjamini-Hochberg over
    m segments a lone real change must clear about alpha = q / m: at n = 300 per period and a
    typical NPS of 30 (50 % promoters, 20 % detractors) that is about 29 points for m = 200,
    against about 18 points for a single test at alpha = 0.05. Dashboards use it to say which
    changes the data could not have shown. nan when a group is empty.
    """
    if n_a <= 0 or n_b <= 0:
        return NAN
    v = promoter_share + detractor_share - (promoter_share - detractor_share) ** 2
    z = float(st.norm.ppf(1 - alpha / 2) + st.norm.ppf(power))
    return 100.0 * z * math.sqrt(v / n_a + v / n_b)


def two_proportions(x_a: int, n_a: int, x_b: int, n_b: int) -> Comparison:
    """Difference of two proportions (a - b, 0..1 scale).

    Test: the classic two-proportion z test with the pooled proportion under H0 (equivalent to
    the Pearson chi-square test without continuity correction). Interval: Newcombe's hybrid
    score interval (method 10 of Newcombe 1998, Stat Med 17:873-890), built from the two
    Wilson intervals; unlike the Wald interval it behaves near 0 and 1 and with small n.
    """
    _check_counts(n_a, x_a)
    _check_counts(n_b, x_b)
    method = "two-proportion-z"
    if n_a == 0 or n_b == 0:
        return _empty_comparison(n_a, n_b, method)
    pa, pb = x_a / n_a, x_b / n_b
    diff = pa - pb
    pooled = (x_a + x_b) / (n_a + n_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se0 > 0:
        statistic = diff / se0
        p_value = _two_sided_p(statistic)
    else:
        # Pooled proportion 0 or 1: both samples are all-failure or all-success, no difference.
        statistic, p_value = 0.0, 1.0
    wa, wb = wilson(x_a, n_a), wilson(x_b, n_b)
    low = diff - math.sqrt((pa - wa.low) ** 2 + (wb.high - pb) ** 2)
    high = diff + math.sqrt((wa.high - pa) ** 2 + (pb - wb.low) ** 2)
    return Comparison(diff, low, high, statistic, p_value, n_a, n_b, method)


def _welch(
    mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int, method: str
) -> Comparison:
    """Welch's unequal-variance t comparison from per-group mean, variance and n."""
    diff = mean_a - mean_b
    va, vb = var_a / n_a, var_b / n_b
    se = math.sqrt(va + vb)
    if se == 0:
        if diff == 0:
            return Comparison(0.0, 0.0, 0.0, 0.0, 1.0, n_a, n_b, method)
        return Comparison(diff, NAN, NAN, NAN, NAN, n_a, n_b, method)
    # Welch-Satterthwaite degrees of freedom.
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    t = diff / se
    half = float(st.t.ppf(0.975, df)) * se
    return Comparison(
        diff, diff - half, diff + half, t, float(2 * st.t.sf(abs(t), df)), n_a, n_b, method
    )


def mean_difference(a: np.ndarray, b: np.ndarray) -> Comparison:
    """Difference of means (a - b) with Welch's t test and interval; nan values are dropped.

    Welch rather than Student: groups (a store vs the rest, this month vs last) rarely have equal
    variances, and Welch loses almost nothing when they do. Needs at least 2 values per group.
    """
    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    xa, xb = xa[~np.isnan(xa)], xb[~np.isnan(xb)]
    if xa.size < 2 or xb.size < 2:
        return _empty_comparison(int(xa.size), int(xb.size), "welch-t")
    return _welch(
        float(xa.mean()),
        float(xa.var(ddof=1)),
        int(xa.size),
        float(xb.mean()),
        float(xb.var(ddof=1)),
        int(xb.size),
        "welch-t",
    )


def mean_difference_moments(
    n_a: int, total_a: float, total_sq_a: float, n_b: int, total_b: float, total_sq_b: float
) -> Comparison:
    """:func:`mean_difference` from SQL moments (COUNT, SUM, SUM of squares) per group."""
    if n_a < 2 or n_b < 2:
        return _empty_comparison(n_a, n_b, "welch-t")
    return _welch(
        total_a / n_a,
        _variance_from_moments(n_a, total_a, total_sq_a),
        n_a,
        total_b / n_b,
        _variance_from_moments(n_b, total_b, total_sq_b),
        n_b,
        "welch-t",
    )


def mann_whitney_counts(
    counts_a: Sequence[int], counts_b: Sequence[int], levels: Sequence[float] | None = None
) -> Comparison:
    """Mann-Whitney U test for ordinal scores given as counts per level (as SQL delivers them).

    ``counts_a[i]`` is how many of group a answered level i (lowest level first); ``levels``
    are the level values (default 1, 2, ..., k) and matter only for ``difference``.

    Test: U with mid-ranks for ties, normal approximation with the tie-corrected variance and a
    0.5 continuity correction (as ``scipy.stats.mannwhitneyu(..., method="asymptotic")``).
    A 5-point scale is almost all ties, so exact tables do not apply; the normal approximation
    with tie correction is the standard remedy. ``statistic`` is that z (positive when a tends
    to score higher). The rank test is used because the levels are ordered but not equally
    spaced in meaning.

    ``difference`` is mean_a - mean_b on the level values with a Welch t interval, because
    people read a difference of means more easily than U; the p-value stays the rank test's.
    """
    ca = np.asarray(counts_a, dtype=float)
    cb = np.asarray(counts_b, dtype=float)
    if ca.shape != cb.shape or ca.ndim != 1:
        raise ValueError("counts_a and counts_b need one count per level, same length")
    if (ca < 0).any() or (cb < 0).any():
        raise ValueError("counts must not be negative")
    values = np.arange(1, ca.size + 1, dtype=float) if levels is None else np.asarray(levels, float)
    if values.shape != ca.shape:
        raise ValueError("levels must have one value per count")
    n_a, n_b = int(ca.sum()), int(cb.sum())
    method = "mann-whitney"
    if n_a == 0 or n_b == 0:
        return _empty_comparison(n_a, n_b, method)
    t = ca + cb  # ties per level
    n = n_a + n_b
    # Mid-rank of level i: everyone below it, plus the average position within the level.
    midranks = np.cumsum(t) - t + (t + 1) / 2
    u_a = float((ca * midranks).sum()) - n_a * (n_a + 1) / 2
    mu = n_a * n_b / 2
    var = n_a * n_b / 12 * ((n + 1) - float((t**3 - t).sum()) / (n * (n - 1))) if n > 1 else 0.0

    mean_a, mean_b = float((ca * values).sum() / n_a), float((cb * values).sum() / n_b)
    if n_a >= 2 and n_b >= 2:
        var_a = float((ca * (values - mean_a) ** 2).sum() / (n_a - 1))
        var_b = float((cb * (values - mean_b) ** 2).sum() / (n_b - 1))
        welch = _welch(mean_a, var_a, n_a, mean_b, var_b, n_b, method)
        low, high = welch.low, welch.high
    else:
        low = high = NAN
    if var <= 0:
        # Every answer of both groups on one level: the samples are identical, which is p = 1
        # (as for two constant, equal groups in the other tests), not undefined.
        statistic, p_value = 0.0, 1.0
    else:
        deviation = u_a - mu
        corrected = max(abs(deviation) - 0.5, 0.0)
        statistic = math.copysign(corrected, deviation) / math.sqrt(var)
        p_value = min(1.0, _two_sided_p(statistic))
    return Comparison(mean_a - mean_b, low, high, statistic, p_value, n_a, n_b, method)


# --- many segments ---------------------------------------------------------------------------


def benjamini_hochberg(p_values: Floats, q: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg (1995) step-up procedure controlling the false discovery rate at q.

    Returns (rejected, adjusted q-values) in the input order. nan p-values mark segments below
    the minimum n: they are not part of the family (m counts only real tests), are never
    rejected and keep a nan q-value. FDR rather than family-wise control because a dashboard
    scanning hundreds of segments should still find real changes; a few false alarms among many
    alerts are acceptable, missing every change is not.
    """
    p = np.asarray(p_values, dtype=float)
    if ((p < 0) | (p > 1)).any():  # nan compares False: allowed
        raise ValueError("p-values must lie between 0 and 1")
    rejected = np.zeros(p.shape, dtype=bool)
    adjusted = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = tested.size
    if m == 0:
        return rejected, adjusted
    order = tested[np.argsort(p[tested], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    # q-value of the i-th smallest p: the minimum of p_(k) * m / k over k >= i, capped at 1.
    ranked = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    adjusted[order] = ranked
    rejected[order] = ranked <= q
    return rejected, adjusted


def eb_shrink_details(values: Floats, standard_errors: Floats) -> Shrinkage:
    """Normal-normal empirical Bayes shrinkage; see :func:`eb_shrink`."""
    y = np.asarray(values, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    if y.shape != se.shape:
        raise ValueError("values and standard_errors must have the same length")
    shrunk = y.copy()
    keep = np.ones(y.shape)
    usable = ~np.isnan(y) & ~np.isnan(se) & (se > 0)
    if usable.sum() < 2:
        # Fewer than two measured units: nothing to learn the spread from, nothing to pull.
        mean = float(y[usable][0]) if usable.any() else NAN
        return Shrinkage(shrunk, mean, NAN, keep)
    yu, v = y[usable], se[usable] ** 2
    w = 1 / v
    mu_fixed = float((w * yu).sum() / w.sum())
    # DerSimonian-Laird (1986) method-of-moments estimate of the between-unit variance tau²:
    # Cochran's Q in excess of its expectation k - 1 under "no real differences", truncated at 0.
    q_stat = float((w * (yu - mu_fixed) ** 2).sum())
    c = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max(0.0, (q_stat - (usable.sum() - 1)) / c)
    w_re = 1 / (v + tau2)
    mean = float((w_re * yu).sum() / w_re.sum())
    b = v / (v + tau2)  # shrinkage factor: 1 = all noise, pulled fully to the mean
    shrunk[usable] = mean + (1 - b) * (yu - mean)
    keep[usable] = 1 - b
    keep[np.isnan(y) | np.isnan(se)] = NAN
    return Shrinkage(shrunk, mean, tau2, keep)


def eb_shrink(values: Floats, standard_errors: Floats) -> np.ndarray:
    """Empirical-Bayes estimates for ranking small units (stores, agents).

    Model: observed y_i ~ N(theta_i, se_i²), theta_i ~ N(mu, tau²). tau² is estimated by the
    DerSimonian-Laird method of moments (tau² >= 0) and mu is the precision-weighted mean with
    weights 1 / (se_i² + tau²). Each unit becomes mu + (1 - B_i)(y_i - mu), B_i = se_i² /
    (se_i² + tau²): a store with 8 answers moves most of the way to the mean, one with 800
    barely moves, so a lucky tiny store no longer tops the ranking (Efron & Morris 1975).

    nan values or SEs come back nan; units with SE 0 are left as observed and do not inform the
    fit (pass adjusted SEs, e.g. :func:`nps_standard_error`, so small units never have SE 0).
    """
    return eb_shrink_details(values, standard_errors).shrunk


def competition_ranks(values: Floats, *, decimals: int) -> np.ndarray:
    """Ranks, highest first, with ties at the shown precision sharing a rank ("1224"
    competition ranking): values equal when rounded to `decimals` get the same rank, and the
    next distinct value skips the tied places. nan values get rank 0 (unranked).

    Shrunk estimates are often equal to the last shown digit (all pulled to the pooled mean
    when tau² is 0); numbering them 1..k would claim an order the data do not show.
    """
    y = np.round(np.asarray(values, dtype=float), decimals)
    if y.size == 0:
        return np.zeros(0, dtype=int)
    ranks = st.rankdata(-y, method="min", nan_policy="omit")
    return np.where(np.isnan(ranks), 0, ranks).astype(int)


# --- drivers ---------------------------------------------------------------------------------


def spearman(x: np.ndarray, y: np.ndarray) -> Estimate:
    """Spearman's rank correlation with a Fisher-z interval; pairs with a nan are dropped.

    The interval uses the Bonett & Wright (2000, Psychometrika 65:23-28) variance for the
    z-transformed Spearman coefficient, (1 + rho²/2) / (n - 3), which keeps coverage near 95 %
    where the Pearson variance 1 / (n - 3) is too narrow. Spearman because drivers are ordinal
    or skewed (waiting minutes, number of contacts) and the relation need only be monotone.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.shape != ya.shape:
        raise ValueError("x and y must have the same length")
    ok = ~np.isnan(xa) & ~np.isnan(ya)
    xa, ya = xa[ok], ya[ok]
    n = int(xa.size)
    if n < 3 or np.ptp(xa) == 0 or np.ptp(ya) == 0:
        return Estimate(NAN, NAN, NAN, n, "spearman")
    rho = float(st.spearmanr(xa, ya).statistic)
    if abs(rho) > 1 - 1e-12:
        # A perfect monotone sample: atanh is infinite, so there is no Fisher-z interval.
        rho = math.copysign(1.0, rho)
    if n <= 3 or abs(rho) == 1:
        return Estimate(rho, NAN, NAN, n, "spearman")
    se = math.sqrt((1 + rho * rho / 2) / (n - 3))
    z = math.atanh(rho)
    return Estimate(rho, math.tanh(z - Z95 * se), math.tanh(z + Z95 * se), n, "spearman")


def _r2(corr: np.ndarray, target_corr: np.ndarray, subset: tuple[int, ...]) -> float:
    if not subset:
        return 0.0
    idx = list(subset)
    r = target_corr[idx]
    # lstsq rather than inv: perfectly collinear drivers (one coded from the other) must not
    # raise; the minimum-norm solution gives the same R².
    beta = np.linalg.lstsq(corr[np.ix_(idx, idx)], r, rcond=None)[0]
    return float(np.clip(r @ beta, 0.0, 1.0))


def relative_importance(
    frame: pd.DataFrame, target: str, drivers: Sequence[str]
) -> dict[str, float]:
    """Share of the explained variance of ``target`` owed to each driver (shares sum to 1).

    Method: general dominance analysis (Budescu 1993; Azen & Budescu 2003), i.e. the Shapley
    decomposition of R² that Lindeman, Merenda & Gold (1980) proposed: each driver's average
    gain in R² when added to every subset of the others, averaged within and then across subset
    sizes. Chosen over standardised regression weights and Pratt's measure because operational
    drivers are correlated (delivery delay and contact count go together): betas then split
    credit arbitrarily and can flip sign, and Pratt's products can be negative, which makes
    "shares" meaningless; dominance weights are order-independent, never negative and add up to
    the model's R². Cost is 2**p regressions, computed from the correlation matrix, fine for
    the handful of drivers this is for (at most MAX_DOMINANCE_DRIVERS).

    Drivers with no value at all are ignored; then rows with a missing value in the target or any
    driver are dropped (listwise); constant drivers explain nothing and are left out of the
    result. Returns {} when there are fewer
    than 3 complete rows, no usable driver, or the drivers explain nothing (R² = 0).
    """
    drivers = list(dict.fromkeys(drivers))
    data = frame[[target, *drivers]].apply(pd.to_numeric, errors="coerce").astype(float)
    # A driver with no value at all (a fact not imported yet) would empty the listwise deletion
    # and hide every other driver; it cannot explain anything, so it goes first.
    drivers = [d for d in drivers if data[d].notna().any()]
    data = data[[target, *drivers]].dropna()
    usable = [d for d in drivers if data[d].nunique() > 1]
    if len(usable) > MAX_DOMINANCE_DRIVERS:
        raise ValueError(f"at most {MAX_DOMINANCE_DRIVERS} drivers, got {len(usable)}")
    if len(data) < 3 or not usable or data[target].nunique() < 2:
        return {}
    corr_all = np.corrcoef(data[[target, *usable]].to_numpy(), rowvar=False)
    target_corr, corr = corr_all[0, 1:], corr_all[1:, 1:]
    p = len(usable)
    r2: dict[tuple[int, ...], float] = {
        subset: _r2(corr, target_corr, subset)
        for size in range(p + 1)
        for subset in itertools.combinations(range(p), size)
    }
    total = r2[tuple(range(p))]
    if total <= 1e-12:
        return {}
    weights: dict[str, float] = {}
    for i, name in enumerate(usable):
        others = [j for j in range(p) if j != i]
        by_size = []
        for size in range(p):
            gains = [
                r2[tuple(sorted((*subset, i)))] - r2[subset]
                for subset in itertools.combinations(others, size)
            ]
            by_size.append(sum(gains) / len(gains))
        weights[name] = max(sum(by_size) / p, 0.0)
    weight_sum = sum(weights.values())
    return {name: w / weight_sum for name, w in weights.items()}


# --- text ------------------------------------------------------------------------------------

# Default prior strength: the pooled counts scaled to this share of the pooled total. Monroe et
# al. leave alpha_0 as a choice; a tenth of the data shrinks terms seen a handful of times toward
# "no difference" without swamping frequent ones.
DEFAULT_PRIOR_SHARE = 0.1


def log_odds_ratio(
    counts_a: Mapping[str, int],
    counts_b: Mapping[str, int],
    prior: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Terms distinctive of corpus a versus corpus b: Monroe, Colaresi & Quinn (2008),
    "Fightin' Words", weighted log-odds ratio with an informative Dirichlet prior.

    delta_w = log((y_wa + a_w) / (n_a + a_0 - y_wa - a_w)) - log((y_wb + a_w) / (n_b + a_0 -
    y_wb - a_w)), var(delta_w) ≈ 1 / (y_wa + a_w) + 1 / (y_wb + a_w), z = delta / sqrt(var).
    Raw frequency differences favour common words and raw log-odds favour rare ones; the prior
    and the z scaling rank by evidence instead. Default prior: pooled counts (a + b) scaled to
    DEFAULT_PRIOR_SHARE of the pooled total. A given ``prior`` maps term -> a_w; terms it lacks
    get a small pseudo-count (0.01) so that nothing divides by zero.

    Columns: term, count_a, count_b, log_odds, z; sorted by z descending (ties by term).
    """
    columns = ["term", "count_a", "count_b", "log_odds", "z"]
    terms = sorted(set(counts_a) | set(counts_b))
    if not terms:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "term" else float) for c in columns})
    ya = np.array([counts_a.get(t, 0) for t in terms], dtype=float)
    yb = np.array([counts_b.get(t, 0) for t in terms], dtype=float)
    if (ya < 0).any() or (yb < 0).any():
        raise ValueError("counts must not be negative")
    if prior is None:
        pooled = ya + yb
        alpha = np.maximum(pooled * DEFAULT_PRIOR_SHARE, 0.01)
    else:
        alpha = np.array([max(float(prior.get(t, 0.0)), 0.01) for t in terms])
    a0 = float(alpha.sum())
    na, nb = float(ya.sum()), float(yb.sum())
    delta = np.log((ya + alpha) / (na + a0 - ya - alpha)) - np.log(
        (yb + alpha) / (nb + a0 - yb - alpha)
    )
    z = delta / np.sqrt(1 / (ya + alpha) + 1 / (yb + alpha))
    result = pd.DataFrame(
        {
            "term": terms,
            "count_a": ya.astype(int),
            "count_b": yb.astype(int),
            "log_odds": delta,
            "z": z,
        }
    )
    return result.sort_values(["z", "term"], ascending=[False, True], ignore_index=True)
