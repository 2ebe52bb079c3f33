"""Empirical-Bayes shrinkage for ranking small units."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.stats import eb_shrink, eb_shrink_details, nps_standard_error

# BCG vaccine trials (Colditz et al. 1994), the standard meta-analysis example shipped with
# R's metafor as dat.bcg: treated positive/negative, control positive/negative.
BCG = [
    (4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209), (62, 13536, 248, 12619),
    (33, 5036, 47, 5761), (180, 1361, 372, 1079), (8, 2537, 10, 619), (505, 87886, 499, 87892),
    (29, 7470, 45, 7232), (17, 1699, 65, 1600), (186, 50448, 141, 27197), (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]  # fmt: skip


def test_dersimonian_laird_matches_metafor_bcg_example() -> None:
    # Log relative risks and their variances; metafor's rma(yi, vi, method = "DL") on dat.bcg
    # reports tau^2 = 0.3088 and a random-effects estimate of -0.7141.
    tp, tn, cp, cn = (np.array(column, dtype=float) for column in zip(*BCG, strict=True))
    log_rr = np.log((tp / (tp + tn)) / (cp / (cp + cn)))
    variance = 1 / tp - 1 / (tp + tn) + 1 / cp - 1 / (cp + cn)
    fit = eb_shrink_details(log_rr, np.sqrt(variance))
    assert fit.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert fit.mean == pytest.approx(-0.7141, abs=5e-5)


def test_two_units_by_hand() -> None:
    # y = (0, 10), se = (1, 1): w = 1, fixed mean 5, Q = 25 + 25 = 50, c = 2 - 2/2 = 1,
    # tau² = (50 - 1) / 1 = 49, B = 1 / (1 + 49) = 0.02 -> 5 ± 0.98 * 5 = (0.1, 9.9).
    fit = eb_shrink_details([0.0, 10.0], [1.0, 1.0])
    assert fit.tau2 == pytest.approx(49.0)
    assert fit.mean == pytest.approx(5.0)
    assert fit.shrunk == pytest.approx([0.1, 9.9])
    assert fit.weights == pytest.approx([0.98, 0.98])


def test_no_real_spread_pulls_everyone_to_the_mean() -> None:
    # Q = (1 + 0 + 1) / 100 = 0.02 < k - 1 = 2, so tau² = 0: differences are all noise.
    fit = eb_shrink_details([1.0, 2.0, 3.0], [10.0, 10.0, 10.0])
    assert fit.tau2 == 0.0
    assert fit.shrunk == pytest.approx([2.0, 2.0, 2.0])


def test_small_units_are_pulled_more_than_large_ones() -> None:
    # Stores' NPS; the first two score the same 60 but one has 8 answers, the other 800.
    counts = [(6, 1, 8), (540, 60, 800), (300, 100, 700), (200, 150, 600), (2, 4, 9), (90, 60, 300)]
    values = [100 * (p - d) / n for p, d, n in counts]
    errors = [nps_standard_error(p, d, n) for p, d, n in counts]
    fit = eb_shrink_details(values, errors)
    small_pull = abs(values[0] - fit.shrunk[0])
    large_pull = abs(values[1] - fit.shrunk[1])
    assert small_pull > 5 * large_pull
    assert fit.weights[0] < fit.weights[1]
    # Everyone moves toward the mean, never past it.
    for value, shrunk in zip(values, fit.shrunk, strict=True):
        assert min(value, fit.mean) - 1e-9 <= shrunk <= max(value, fit.mean) + 1e-9


def test_ordering_is_preserved_for_equal_standard_errors() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(30, 15, 25)
    shrunk = eb_shrink(values, np.full(25, 6.0))
    assert np.argsort(shrunk).tolist() == np.argsort(values).tolist()
    assert np.ptp(shrunk) < np.ptp(values)


def test_lucky_tiny_unit_no_longer_tops_the_ranking() -> None:
    # Three answers, all promoters (NPS 100, adjusted SE 28.9 points) against five stores
    # measured to ±3 points: the tiny store is mostly noise and falls behind the best big one.
    values = [100.0, 45.0, 42.0, 40.0, 38.0, 35.0]
    errors = [nps_standard_error(3, 0, 3), 3.0, 3.0, 3.0, 3.0, 3.0]
    shrunk = eb_shrink(values, errors)
    assert int(np.argmax(values)) == 0
    assert int(np.argmax(shrunk)) == 1


def test_missing_and_degenerate_inputs() -> None:
    shrunk = eb_shrink([10.0, np.nan, 30.0, 50.0], [5.0, 5.0, np.nan, 5.0])
    assert math.isnan(shrunk[1]) and shrunk[2] == 30.0  # unusable units are left as they are
    # Fit on units 0 and 3 only: y = (10, 50), se = 5: fixed mean 30, Q = 800/25 = 32,
    # c = 0.08 - 0.0032/0.08 = 0.04, tau² = 31/0.04 = 775, B = 25/800 -> 30 - 0.96875 * 20.
    assert shrunk[0] == pytest.approx(10.625)
    assert shrunk[3] == pytest.approx(49.375)
    only_one = eb_shrink([42.0], [3.0])
    assert only_one.tolist() == [42.0]
    assert eb_shrink([], []).size == 0
    with pytest.raises(ValueError):
        eb_shrink([1.0, 2.0], [1.0])
