"""Many segments at once: Benjamini-Hochberg, its false-discovery rate on NPS change alerts
under no real change, and its power against a planted drop."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from analysis.stats import benjamini_hochberg, nps_detectable_difference, nps_difference

# Benjamini & Hochberg (1995), JRSS B 57:289-300, section 4.2: the 15 p-values of the
# myocardial-infarction study. At q = 0.05 the step-up procedure rejects the four smallest
# (0.0095 <= 4 * 0.05 / 15 = 0.0133, but no larger p(i) <= i * 0.05 / 15), where Bonferroni
# rejects three.
BH_1995 = [
    0.0201, 0.7590, 0.0001, 0.0278, 0.0004, 0.0298, 0.0019, 0.0344,
    0.0095, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 1.0000,
]  # fmt: skip


def test_benjamini_hochberg_rejects_the_four_smallest_of_the_1995_example() -> None:
    rejected, adjusted = benjamini_hochberg(BH_1995, q=0.05)
    assert sorted(np.asarray(BH_1995)[rejected].tolist()) == [0.0001, 0.0004, 0.0019, 0.0095]
    # Hand: q-value of 0.0095 (rank 4) = 0.0095 * 15 / 4 = 0.035625; of 0.0201 (rank 5) =
    # min(0.0201*15/5, 0.0278*15/6, ...) = 0.0603.
    assert adjusted[BH_1995.index(0.0095)] == pytest.approx(0.035625)
    assert adjusted[BH_1995.index(0.0201)] == pytest.approx(0.0603)
    assert adjusted == pytest.approx(st.false_discovery_control(BH_1995))


def test_benjamini_hochberg_skips_segments_below_minimum_n() -> None:
    with_gaps = [np.nan, *BH_1995[:8], np.nan, *BH_1995[8:]]
    rejected, adjusted = benjamini_hochberg(with_gaps)
    assert not rejected[0] and not rejected[9]
    assert math.isnan(adjusted[0]) and math.isnan(adjusted[9])
    # The family is the 15 real tests: same decisions and q-values as without the gaps.
    expected_rejected, expected_adjusted = benjamini_hochberg(BH_1995)
    assert rejected[~np.isnan(with_gaps)].tolist() == expected_rejected.tolist()
    assert adjusted[~np.isnan(with_gaps)] == pytest.approx(expected_adjusted)


def test_benjamini_hochberg_edge_cases() -> None:
    rejected, adjusted = benjamini_hochberg([])
    assert rejected.size == 0 and adjusted.size == 0
    rejected, adjusted = benjamini_hochberg([np.nan, np.nan])
    assert not rejected.any() and np.isnan(adjusted).all()
    rejected, adjusted = benjamini_hochberg([0.04])
    assert rejected.tolist() == [True] and adjusted.tolist() == [0.04]
    # Ties share one q-value.
    _, adjusted = benjamini_hochberg([0.01, 0.01, 0.5])
    assert adjusted[0] == adjusted[1] == pytest.approx(0.015)
    with pytest.raises(ValueError):
        benjamini_hochberg([0.2, 1.5])


def _segment(
    rng: np.random.Generator, n: int, shares: tuple[float, float, float]
) -> tuple[int, int, int]:
    promoters, _passives, detractors = rng.multinomial(n, shares)
    return int(promoters), int(detractors), n


def _alert_p_values(
    rng: np.random.Generator, segments: int, planted: tuple[int, float] | None = None
) -> list[float]:
    """One period-over-period scan: p-values of nps_difference for each segment.

    Null segments keep their (segment-specific) NPS mix in both periods, with n = 250..350 per
    period. ``planted`` = (n, drop share) gives segment 0 a real drop: `drop` of the promoters
    move to detractors, i.e. a drop of 2 * drop * 100 NPS points.
    """
    p_values = []
    for index in range(segments):
        promoter = rng.uniform(0.35, 0.65)
        detractor = rng.uniform(0.05, min(0.35, 0.95 - promoter))
        before = (promoter, 1 - promoter - detractor, detractor)
        if index == 0 and planted is not None:
            n, drop = planted
            after = (promoter - drop, before[1], detractor + drop)
            current, previous = _segment(rng, n, after), _segment(rng, n, before)
        else:
            n = int(rng.integers(250, 351))
            current, previous = _segment(rng, n, before), _segment(rng, n, before)
        p_values.append(nps_difference(*current, *previous).p_value)
    return p_values


def test_no_real_change_keeps_false_discoveries_at_or_below_q() -> None:
    # 200 segments without any real change, 50 repeated scans. Under the complete null every
    # alert is false, so the false-discovery proportion of a scan is 1 if it raised any alert and
    # 0 otherwise; BH promises its average stays at or below q.
    rng = np.random.default_rng(20261123)
    false_discovery, alerts, raw_below_005, tests = [], 0, 0, 0
    for _ in range(50):
        p_values = _alert_p_values(rng, 200)
        rejected, _ = benjamini_hochberg(p_values, q=0.05)
        false_discovery.append(1.0 if rejected.any() else 0.0)
        alerts += int(rejected.sum())
        raw_below_005 += sum(p < 0.05 for p in p_values)
        tests += len(p_values)
    assert np.mean(false_discovery) <= 0.05
    assert alerts / tests <= 0.05 / 200 * 2  # a handful of alerts in 10,000 tests at most
    # The NPS z test itself is calibrated at n ~ 300: about 5 % of raw p-values fall below 0.05
    # (binomial SE over 10,000 tests is 0.22 points).
    assert 0.043 <= raw_below_005 / tests <= 0.057


def test_planted_drop_is_flagged_where_the_sample_size_allows() -> None:
    # After BH over 200 segments a lone real change must clear roughly p <= q / 200, so the
    # detectable drop at n = 300 per period is ~29 points, not 15 (nps_detectable_difference);
    # a 15-point drop needs ~1,100 answers per period. Checked here by simulation: the planted
    # segment is flagged in most scans in both cases, among 199 segments without change.
    assert nps_detectable_difference(
        300, 300, promoter_share=0.5, detractor_share=0.2, alpha=0.05 / 200
    ) == pytest.approx(28.72, abs=0.01)
    assert nps_detectable_difference(
        1100, 1100, promoter_share=0.5, detractor_share=0.2, alpha=0.05 / 200
    ) == pytest.approx(15.0, abs=0.01)

    rng = np.random.default_rng(20261124)
    for n, drop, points in [(300, 0.15, 30), (1100, 0.075, 15)]:
        flagged = raw_significant = 0
        for _ in range(40):
            p_values = _alert_p_values(rng, 200, planted=(n, drop))
            rejected, _ = benjamini_hochberg(p_values, q=0.05)
            flagged += int(rejected[0])
            raw_significant += int(p_values[0] < 0.05)
        assert flagged / 40 >= 0.65, (n, points, flagged)
        assert raw_significant / 40 >= 0.95, (n, points, raw_significant)


def test_fifteen_point_drop_at_n_300_is_significant_alone() -> None:
    # Without a family to correct for, a 15-point drop at n = 300 per period has about 70 %
    # power (nps_detectable_difference says 80 % needs ~17.9 points).
    assert nps_detectable_difference(
        300, 300, promoter_share=0.5, detractor_share=0.2
    ) == pytest.approx(17.87, abs=0.01)
    rng = np.random.default_rng(20261125)
    significant = 0
    for _ in range(200):
        current = _segment(rng, 300, (0.425, 0.30, 0.275))
        previous = _segment(rng, 300, (0.5, 0.30, 0.2))
        cmp = nps_difference(*current, *previous)
        significant += int(cmp.p_value < 0.05 and cmp.difference < 0)
    assert 0.55 <= significant / 200 <= 0.85


def test_detectable_difference_shrinks_with_sample_size() -> None:
    small = nps_detectable_difference(100, 100, promoter_share=0.5, detractor_share=0.2)
    large = nps_detectable_difference(400, 400, promoter_share=0.5, detractor_share=0.2)
    assert large == pytest.approx(small / 2)
    assert math.isnan(nps_detectable_difference(0, 10, promoter_share=0.5, detractor_share=0.2))
