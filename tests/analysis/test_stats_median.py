"""The median's distribution-free interval from order statistics, against table values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.stats import median_interval


def test_n_10_uses_the_2nd_and_9th_values() -> None:
    # Conover's table: n = 10 -> ranks 2 and 9 (coverage 1 - 2 * 11/1024 = 97.9 %).
    values = [13.0, 1.0, 8.0, 2.0, 21.0, 5.0, 3.0, 55.0, 34.0, 1.5]
    est = median_interval(values)
    assert est.value == pytest.approx(6.5)  # (5 + 8) / 2
    assert (est.low, est.high) == (1.5, 34.0)
    assert (est.n, est.method) == (10, "order statistics (binomial)")


def test_n_20_uses_the_6th_and_15th_values() -> None:
    # n = 20: P(B <= 5) = 0.0207 <= 0.025 < P(B <= 6) = 0.0577 -> ranks 6 and 15.
    est = median_interval(np.arange(1.0, 21.0))
    assert est.value == pytest.approx(10.5)
    assert (est.low, est.high) == (6.0, 15.0)


def test_too_few_values_have_no_interval() -> None:
    est = median_interval([4.0, 1.0, 9.0, 2.0, 7.0])  # 2 * 0.5**5 = 6 % > 5 %
    assert est.value == 4.0 and math.isnan(est.low) and math.isnan(est.high)
    six = median_interval([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])  # 2 * 0.5**6 = 3.1 % <= 5 %
    assert (six.low, six.high) == (1.0, 6.0)
    assert math.isnan(median_interval([]).value)
