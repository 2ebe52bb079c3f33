"""Every estimate lies within its own interval, however few the answers: a chart draws the
point inside its band and a table never shows "100" next to "-48.5 - 98.5"."""

from __future__ import annotations

import pytest

from analysis.stats import mean_t, nps_estimate, wilson


def test_one_promoter_lies_within_its_nps_interval() -> None:
    # Adjusted: n' = 4, p' = 1.75/4, d' = 0.75/4, centre 25, half width 1.96 * 37.5 = 73.5:
    # the adjusted interval -48.5 .. 98.5 is widened to reach the observed 100.
    est = nps_estimate(1, 0, 1)
    assert est.value == 100.0
    assert est.low == pytest.approx(-48.5, abs=0.01)
    assert est.high == 100.0
    one_detractor = nps_estimate(0, 1, 1)
    assert (one_detractor.low, one_detractor.high) == (-100.0, pytest.approx(48.5, abs=0.01))


def test_large_samples_keep_the_adjusted_interval() -> None:
    est = nps_estimate(50, 20, 100)
    assert est.low == pytest.approx(14.0511, abs=1e-3)
    assert est.high == pytest.approx(44.2013, abs=1e-3)


@pytest.mark.parametrize("n", range(1, 41))
def test_every_nps_proportion_and_share_lies_within_its_interval(n: int) -> None:
    for promoters in range(n + 1):
        for detractors in range(n - promoters + 1):
            est = nps_estimate(promoters, detractors, n)
            assert est.low <= est.value <= est.high, (promoters, detractors, n)
    for successes in range(n + 1):
        share = wilson(successes, n)
        assert share.low <= share.value <= share.high, (successes, n)


def test_a_mean_lies_within_its_t_interval() -> None:
    est = mean_t(3, 15.0, 75.0)  # three answers of 5: zero spread
    assert est.low <= est.value <= est.high
    est = mean_t(4, 10.0, 30.0)  # 1, 2, 3, 4
    assert est.low < est.value < est.high
