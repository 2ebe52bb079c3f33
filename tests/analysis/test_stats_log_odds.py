"""Distinctive terms: Monroe, Colaresi & Quinn (2008) weighted log-odds with a Dirichlet prior."""

from __future__ import annotations

import math

import pytest

from analysis.stats import log_odds_ratio


def test_log_odds_by_hand_with_explicit_prior() -> None:
    # a: x 10, y 90 (n 100); b: x 30, y 70 (n 100); prior alpha = 1 each (alpha_0 = 2).
    # delta_x = log(11 / (102 - 11)) - log(31 / (102 - 31)) = -2.11296 + 0.82869 = -1.28427,
    # var = 1/11 + 1/31 -> z = -3.65940; delta_y = +1.28427, var = 1/91 + 1/71 -> z = 8.11053.
    table = log_odds_ratio({"x": 10, "y": 90}, {"x": 30, "y": 70}, prior={"x": 1, "y": 1})
    assert table["term"].tolist() == ["y", "x"]
    x = table.set_index("term").loc["x"]
    assert x["log_odds"] == pytest.approx(-1.28427, abs=1e-5)
    assert x["z"] == pytest.approx(-3.65940, abs=1e-5)
    assert table.set_index("term").loc["y", "z"] == pytest.approx(8.11053, abs=1e-5)
    assert (int(x["count_a"]), int(x["count_b"])) == (10, 30)


def test_planted_term_ranks_first_and_shared_terms_sit_near_zero() -> None:
    common = {"delivery": 50, "product": 40, "price": 30, "app": 20}
    detractors = {**common, "late": 35, "rude": 6}
    promoters = {**common, "fast": 30}
    table = log_odds_ratio(detractors, promoters)
    assert table.columns.tolist() == ["term", "count_a", "count_b", "log_odds", "z"]
    assert table["term"].tolist()[:2] == ["late", "rude"]
    assert table["term"].iloc[-1] == "fast"
    assert table["z"].is_monotonic_decreasing
    z = table.set_index("term")["z"]
    # Shared words differ only because the corpora differ in size: small |z|.
    assert all(abs(z[word]) < 2 for word in common)
    assert z["late"] > 3


def test_swapping_corpora_negates_the_scores() -> None:
    a = {"late": 12, "box": 3, "kind": 1}
    b = {"late": 2, "box": 4, "kind": 9}
    ab = log_odds_ratio(a, b).set_index("term")
    ba = log_odds_ratio(b, a).set_index("term")
    for term in a:
        assert ab.loc[term, "z"] == pytest.approx(-ba.loc[term, "z"])


def test_frequency_alone_does_not_win() -> None:
    # "service" is frequent in both with a small tilt; "refund" is rarer but only in a.
    table = log_odds_ratio({"service": 110, "refund": 15}, {"service": 100, "refund": 0})
    assert table["term"].iloc[0] == "refund"


def test_empty_and_missing_prior_terms() -> None:
    empty = log_odds_ratio({}, {})
    assert empty.empty and empty.columns.tolist() == ["term", "count_a", "count_b", "log_odds", "z"]
    partial = log_odds_ratio({"a": 3}, {"b": 3}, prior={"a": 1.0})
    assert all(math.isfinite(v) for v in partial["z"])
