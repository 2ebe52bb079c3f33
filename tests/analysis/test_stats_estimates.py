"""Single-group estimates: NPS (adjusted Wald), Wilson proportions, t intervals for means."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from analysis.stats import Z95, mean_t, nps_estimate, nps_standard_error, wilson


def test_z95_is_the_normal_quantile() -> None:
    assert st.norm.ppf(0.975) == pytest.approx(Z95, abs=1e-15)


def test_nps_adjusted_wald_matches_hand_computation() -> None:
    # 50 promoters, 20 detractors, n = 100 -> NPS 30.
    # Adjusted: n' = 103, p' = 50.75/103 = 0.492718, d' = 20.75/103 = 0.201456,
    # p' - d' = 0.291262, var = (0.694175 - 0.084834) / 103 = 0.0059159, se = 0.076915,
    # 1.96 * se = 0.150750 -> (0.140512, 0.442013) -> 14.05 .. 44.20 points.
    est = nps_estimate(50, 20, 100)
    assert est.value == pytest.approx(30.0)
    assert est.low == pytest.approx(14.0511, abs=1e-3)
    assert est.high == pytest.approx(44.2013, abs=1e-3)
    assert (est.n, est.method) == (100, "adjusted-wald")


def test_nps_interval_does_not_collapse_at_all_promoters() -> None:
    # 5 of 5 promoters: plain Wald would give 100 ± 0. Adjusted: n' = 8, p' = 5.75/8 = 0.71875,
    # d' = 0.75/8 = 0.09375, centre 0.625, var = (0.8125 - 0.390625)/8 = 0.052734,
    # se = 0.229640, centre - 1.96 se = 0.174918 -> low 17.49; high clipped at 100.
    est = nps_estimate(5, 0, 5)
    assert est.value == 100.0
    assert est.low == pytest.approx(17.49, abs=0.01)
    assert est.high == 100.0
    assert nps_standard_error(5, 0, 5) == pytest.approx(22.964, abs=1e-3)


def test_nps_standard_error_matches_interval_half_width() -> None:
    est = nps_estimate(120, 60, 400)
    se = nps_standard_error(120, 60, 400)
    assert (est.high - est.low) / 2 == pytest.approx(Z95 * se)


def test_nps_confidence_level_widens_interval() -> None:
    narrow = nps_estimate(50, 20, 100, confidence=0.90)
    wide = nps_estimate(50, 20, 100, confidence=0.99)
    assert narrow.high - narrow.low < wide.high - wide.low
    # 99 % uses z = 2.5758: half width = 2.5758 * 0.076915 * 100 = 19.81 points.
    assert (wide.high - wide.low) / 2 == pytest.approx(19.812, abs=0.01)


def test_nps_with_no_answers_is_nan_not_an_error() -> None:
    est = nps_estimate(0, 0, 0)
    assert math.isnan(est.value) and math.isnan(est.low) and math.isnan(est.high)
    assert est.n == 0
    assert math.isnan(nps_standard_error(0, 0, 0))


def test_nps_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        nps_estimate(8, 5, 10)
    with pytest.raises(ValueError):
        nps_estimate(-1, 0, 10)
    with pytest.raises(ValueError):
        nps_estimate(1, 1, 10, confidence=1.5)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison
        # of seven methods", Stat Med 17:857-872, Table II, method 3 (Wilson score, no
        # continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(successes: int, n: int, low: float, high: float) -> None:
    est = wilson(successes, n)
    assert est.value == pytest.approx(successes / n)
    assert est.low == pytest.approx(low, abs=5e-5)
    assert est.high == pytest.approx(high, abs=5e-5)
    assert est.method == "wilson"


def test_wilson_all_successes_and_empty() -> None:
    est = wilson(29, 29)
    assert est.high == 1.0
    # Upper bound of 0/29 mirrored: 1 - 0.1170 (z²/(n+z²) with n = 29).
    assert est.low == pytest.approx(1 - Z95**2 / (29 + Z95**2), abs=1e-12)
    empty = wilson(0, 0)
    assert math.isnan(empty.value) and empty.n == 0


def test_mean_t_from_moments_matches_scipy() -> None:
    values = np.array([1, 2, 3, 4, 5, 5, 4, 2, 1, 5, 3, 3], dtype=float)
    est = mean_t(values.size, values.sum(), (values**2).sum())
    low, high = st.t.interval(0.95, values.size - 1, loc=values.mean(), scale=st.sem(values))
    assert est.value == pytest.approx(values.mean())
    assert est.low == pytest.approx(low)
    assert est.high == pytest.approx(high)
    assert est.method == "t"


def test_mean_t_hand_computation() -> None:
    # 1..5: mean 3, s = 1.5811, se = 0.70711, t(0.975, 4) = 2.776445 -> 3 ± 1.96324.
    est = mean_t(5, 15.0, 55.0)
    assert est.low == pytest.approx(1.03676, abs=1e-5)
    assert est.high == pytest.approx(4.96324, abs=1e-5)


def test_mean_t_degenerate_cases() -> None:
    assert math.isnan(mean_t(0, 0.0, 0.0).value)
    single = mean_t(1, 4.0, 16.0)
    assert single.value == 4.0 and math.isnan(single.low)
    # All equal: zero variance (rounding must not produce sqrt of a negative number).
    constant = mean_t(3, 0.3, 0.030000000000000002)
    assert constant.low == pytest.approx(0.1) and constant.high == pytest.approx(0.1)
