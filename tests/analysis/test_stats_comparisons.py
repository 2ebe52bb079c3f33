"""Two-group comparisons: NPS difference, two proportions, Mann-Whitney from counts, Welch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from analysis.stats import (
    mann_whitney_counts,
    mean_difference,
    mean_difference_moments,
    nps_difference,
    two_proportions,
)


def test_nps_difference_matches_hand_computation() -> None:
    # a: 50 P / 20 D of 100 (NPS 30); b: 40 P / 30 D of 100 (NPS 10). Difference 20 points.
    # var_a = (0.7 - 0.09)/100 = 0.0061, var_b = (0.7 - 0.01)/100 = 0.0069, se = 0.114018
    # -> 11.4018 points, z = 20 / 11.4018 = 1.75412, p = 0.07941, CI 20 ± 22.347.
    cmp = nps_difference(50, 20, 100, 40, 30, 100)
    assert cmp.difference == pytest.approx(20.0)
    assert cmp.statistic == pytest.approx(1.75412, abs=1e-5)
    assert cmp.p_value == pytest.approx(0.07941, abs=1e-5)
    assert cmp.low == pytest.approx(-2.3470, abs=1e-3)
    assert cmp.high == pytest.approx(42.3470, abs=1e-3)
    assert (cmp.n_a, cmp.n_b, cmp.method) == (100, 100, "nps-z")


def test_nps_difference_is_antisymmetric() -> None:
    ab = nps_difference(50, 20, 100, 40, 30, 120)
    ba = nps_difference(40, 30, 120, 50, 20, 100)
    assert ab.difference == pytest.approx(-ba.difference)
    assert ab.p_value == pytest.approx(ba.p_value)


def test_nps_difference_degenerate_cases() -> None:
    empty = nps_difference(0, 0, 0, 5, 1, 10)
    assert math.isnan(empty.difference) and math.isnan(empty.p_value)
    same_constant = nps_difference(10, 0, 10, 7, 0, 7)  # all promoters on both sides
    assert same_constant.difference == 0.0 and same_constant.p_value == 1.0
    opposite_constant = nps_difference(10, 0, 10, 0, 7, 7)
    assert opposite_constant.difference == 200.0 and math.isnan(opposite_constant.p_value)


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        # Newcombe (1998), "Interval estimation for the difference between independent
        # proportions: comparison of eleven methods", Stat Med 17:873-890, Table II,
        # method 10 (hybrid score interval without continuity correction).
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((0, 10, 0, 10), -0.2775, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0),
    ],
)
def test_two_proportions_interval_matches_newcombe_1998(
    counts: tuple[int, int, int, int], low: float, high: float
) -> None:
    cmp = two_proportions(*counts)
    assert cmp.low == pytest.approx(low, abs=5e-5)
    assert cmp.high == pytest.approx(high, abs=5e-5)


def test_two_proportions_test_is_pearson_chi_square() -> None:
    cmp = two_proportions(56, 70, 48, 80)
    table = np.array([[56, 14], [48, 32]])
    chi2, p_value, _, _ = st.chi2_contingency(table, correction=False)
    assert cmp.difference == pytest.approx(0.2)
    assert cmp.statistic**2 == pytest.approx(chi2)
    assert cmp.p_value == pytest.approx(p_value)
    assert cmp.statistic > 0


def test_two_proportions_degenerate_cases() -> None:
    assert math.isnan(two_proportions(0, 0, 3, 10).p_value)
    assert two_proportions(0, 10, 0, 20).p_value == 1.0


def _expand(counts: list[int]) -> np.ndarray:
    return np.repeat(np.arange(1, len(counts) + 1), counts).astype(float)


@pytest.mark.parametrize(
    ("counts_a", "counts_b"),
    [
        ([5, 10, 20, 30, 35], [10, 15, 25, 30, 20]),
        ([0, 1, 0, 7, 2], [3, 3, 0, 1, 1]),
        ([40, 0, 0, 0, 2], [1, 1, 1, 1, 1]),
    ],
)
def test_mann_whitney_counts_matches_scipy_on_expanded_data(
    counts_a: list[int], counts_b: list[int]
) -> None:
    cmp = mann_whitney_counts(counts_a, counts_b)
    a, b = _expand(counts_a), _expand(counts_b)
    reference = st.mannwhitneyu(a, b, method="asymptotic", use_continuity=True)
    assert cmp.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    # Sign: positive z when a tends to score higher than b.
    assert math.copysign(1, cmp.statistic) == math.copysign(
        1, reference.statistic - a.size * b.size / 2
    )
    welch = st.ttest_ind(a, b, equal_var=False)
    interval = welch.confidence_interval()
    assert cmp.difference == pytest.approx(a.mean() - b.mean())
    assert cmp.low == pytest.approx(interval.low)
    assert cmp.high == pytest.approx(interval.high)
    assert (cmp.n_a, cmp.n_b) == (a.size, b.size)


def test_mann_whitney_counts_levels_change_only_the_difference() -> None:
    default = mann_whitney_counts([1, 2, 3], [3, 2, 1])
    scaled = mann_whitney_counts([1, 2, 3], [3, 2, 1], levels=[0, 50, 100])
    assert scaled.p_value == pytest.approx(default.p_value)
    assert scaled.difference == pytest.approx(50 * default.difference)


def test_mann_whitney_counts_degenerate_cases() -> None:
    assert math.isnan(mann_whitney_counts([0, 0, 0], [1, 2, 3]).p_value)
    all_tied = mann_whitney_counts([0, 4, 0], [0, 6, 0])
    assert all_tied.difference == 0.0 and all_tied.p_value == 1.0
    with pytest.raises(ValueError):
        mann_whitney_counts([1, 2], [1, 2, 3])


def test_mean_difference_matches_scipy_welch() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(5.0, 1.0, 40)
    b = rng.normal(4.5, 2.0, 25)
    cmp = mean_difference(a, b)
    reference = st.ttest_ind(a, b, equal_var=False)
    interval = reference.confidence_interval()
    assert cmp.difference == pytest.approx(a.mean() - b.mean())
    assert cmp.statistic == pytest.approx(reference.statistic)
    assert cmp.p_value == pytest.approx(reference.pvalue)
    assert (cmp.low, cmp.high) == pytest.approx((interval.low, interval.high))
    assert cmp.method == "welch-t"


def test_mean_difference_from_moments_equals_raw_data_version() -> None:
    a = np.array([3.0, 4, 5, 5, 2, 4])
    b = np.array([1.0, 2, 2, 3, 5])
    raw = mean_difference(a, b)
    moments = mean_difference_moments(a.size, a.sum(), (a**2).sum(), b.size, b.sum(), (b**2).sum())
    assert moments.difference == pytest.approx(raw.difference)
    assert moments.p_value == pytest.approx(raw.p_value)
    assert (moments.low, moments.high) == pytest.approx((raw.low, raw.high))


def test_mean_difference_drops_nan_and_handles_tiny_groups() -> None:
    cmp = mean_difference(np.array([1.0, np.nan, 3.0]), np.array([2.0, 2.0, np.nan, 4.0]))
    assert (cmp.n_a, cmp.n_b) == (2, 3)
    assert cmp.difference == pytest.approx(2.0 - 8 / 3)
    tiny = mean_difference(np.array([1.0]), np.array([2.0, 3.0]))
    assert math.isnan(tiny.p_value) and tiny.n_a == 1
