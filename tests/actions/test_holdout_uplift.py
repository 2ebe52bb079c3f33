"""The holdout uplift per rule: treated (closed tasks) against control (holdouts)."""

from __future__ import annotations

import numpy as np
import pytest

from actions.selectors_outcomes import MIN_UPLIFT_N, holdout_uplift
from analysis.stats import mean_difference, two_proportions
from tests.actions.test_outcomes_helpers import (
    make_customer,
    make_holdout,
    make_rule,
    make_task,
)

pytestmark = pytest.mark.django_db


def _treated(rule, n: int, bought: int, scores: list[int]) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        make_task(
            rule,
            make_customer(),
            repurchased_30d=i < bought,
            repurchased_90d=i < bought,
            later_score=scores[i] if i < len(scores) else None,
        )


def _control(rule, n: int, bought: int, scores: list[int]) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        make_holdout(
            rule,
            make_customer(),
            repurchased_30d=False,
            repurchased_90d=i < bought,
            later_score=scores[i] if i < len(scores) else None,
        )


def test_uplift_compares_treated_with_control() -> None:
    rule = make_rule(name="불만 고객 후속", holdout_percent=10)
    treated_scores = [8, 9, 7, 6, 10] * 7
    control_scores = [5, 6, 7, 4, 8] * 6 + [3]
    _treated(rule, 60, 36, treated_scores)
    _control(rule, 40, 12, control_scores)
    make_rule(name="대조군 없음")  # no holdout share, no holdouts: not listed

    [item] = holdout_uplift()
    assert item.rule == rule
    rows = {r.metric: r for r in item.rows}

    r90 = rows["repurchase_90d"]
    assert (r90.treated.n, r90.control.n) == (60, 40)
    assert r90.difference == two_proportions(36, 60, 12, 40)
    assert r90.difference is not None and r90.difference.difference == pytest.approx(0.3)
    assert r90.interval_excludes_zero
    assert r90.difference_shown[0] == pytest.approx(30.0)  # percentage points

    r30 = rows["repurchase_30d"]
    assert (r30.treated.value, r30.control.value) == (pytest.approx(0.6), 0.0)

    score = rows["later_score"]
    assert (score.treated.n, score.control.n) == (35, 31)
    expected = mean_difference(np.array(treated_scores, float), np.array(control_scores, float))
    # The page sums in another order than numpy: equal up to rounding.
    assert score.difference is not None
    for name in ("difference", "low", "high", "statistic", "p_value"):
        assert getattr(score.difference, name) == pytest.approx(getattr(expected, name))
    assert score.is_score and score.difference_shown[0] == pytest.approx(expected.difference)


def test_small_groups_show_no_difference() -> None:
    rule = make_rule(holdout_percent=10)
    _treated(rule, 50, 30, [])
    _control(rule, MIN_UPLIFT_N - 1, 5, [])
    [item] = holdout_uplift()
    for row in item.rows:
        assert row.difference is None
        assert not row.interval_excludes_zero
    assert item.rows[1].control.n == MIN_UPLIFT_N - 1


def test_a_rule_with_a_holdout_share_is_listed_before_any_data() -> None:
    rule = make_rule(holdout_percent=20)
    [item] = holdout_uplift()
    assert item.rule == rule and item.holdout_percent == 20
    assert all(row.treated.n == 0 and row.control.n == 0 for row in item.rows)
