"""Drivers: Spearman correlation with interval, relative importance by dominance analysis."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from analysis.stats import Z95, relative_importance, spearman


def test_spearman_matches_scipy_and_bonett_wright_interval() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=60)
    y = 0.5 * x + rng.normal(size=60)
    est = spearman(x, y)
    rho = st.spearmanr(x, y).statistic
    assert est.value == pytest.approx(rho)
    se = math.sqrt((1 + rho**2 / 2) / (60 - 3))
    assert est.low == pytest.approx(math.tanh(math.atanh(rho) - Z95 * se))
    assert est.high == pytest.approx(math.tanh(math.atanh(rho) + Z95 * se))
    assert (est.n, est.method) == (60, "spearman")


def test_spearman_interval_by_hand() -> None:
    # rho = 0.5 on 30 perfectly known pairs is not needed: the interval depends on rho and n
    # only. atanh(0.5) = 0.549306, se = sqrt(1.125 / 27) = 0.204124,
    # tanh(0.549306 ± 1.96 * 0.204124) = (0.14813, 0.73950).
    x = np.arange(30, dtype=float)
    rng = np.random.default_rng(5)
    for _ in range(2000):
        y = rng.permutation(30).astype(float)
        if abs(st.spearmanr(x, y).statistic - 0.5) < 1e-3:
            break
    else:  # pragma: no cover - the permutation search always finds one with this seed
        pytest.fail("no permutation with rho ~ 0.5")
    est = spearman(x, y)
    expected = (0.14813, 0.73950)
    assert (est.low, est.high) == pytest.approx(expected, abs=2e-3)


def test_spearman_drops_missing_pairs_and_handles_degenerate_input() -> None:
    est = spearman(np.array([1.0, 2, np.nan, 4, 5]), np.array([2.0, 1, 3, np.nan, 5]))
    assert est.n == 3
    assert math.isnan(spearman(np.ones(10), np.arange(10.0)).value)
    assert math.isnan(spearman(np.array([1.0, 2.0]), np.array([2.0, 1.0])).value)
    perfect = spearman(np.arange(10.0), np.arange(10.0) ** 2)
    assert perfect.value == 1.0 and math.isnan(perfect.low)


def test_relative_importance_of_orthogonal_drivers_is_their_squared_correlation() -> None:
    # x1, x2 orthogonal with equal variance and y = 2 x1 + x2: R² = 1 and r1² : r2² = 4 : 1,
    # so dominance weights are 0.8 and 0.2 exactly. The constant column is dropped.
    frame = pd.DataFrame({"x1": [1, -1, 1, -1] * 3, "x2": [1, 1, -1, -1] * 3, "flat": [7] * 12})
    frame["score"] = 2 * frame["x1"] + frame["x2"]
    shares = relative_importance(frame, "score", ["x1", "x2", "flat"])
    assert shares == pytest.approx({"x1": 0.8, "x2": 0.2})


def _r2_by_ols(frame: pd.DataFrame, target: str, columns: tuple[str, ...]) -> float:
    y = frame[target].to_numpy(float)
    if not columns:
        return 0.0
    x = np.column_stack([np.ones(len(frame)), frame[list(columns)].to_numpy(float)])
    residuals = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return 1 - residuals @ residuals / ((y - y.mean()) @ (y - y.mean()))


def test_relative_importance_equals_shapley_values_of_r2_from_ols() -> None:
    # Independent check: average R² gain of each driver over all orderings (Shapley value),
    # with R² from plain least squares on the raw data.
    rng = np.random.default_rng(2)
    n = 300
    delay = rng.exponential(2, n)
    contacts = 0.6 * delay + rng.normal(size=n)  # correlated with delay
    price = rng.normal(size=n)
    score = 8 - 0.8 * delay - 0.3 * contacts + 0.2 * price + rng.normal(size=n)
    frame = pd.DataFrame({"delay": delay, "contacts": contacts, "price": price, "score": score})
    drivers = ("delay", "contacts", "price")
    orders = list(itertools.permutations(drivers))
    expected = dict.fromkeys(drivers, 0.0)
    for order in orders:
        for i, name in enumerate(order):
            before = tuple(order[:i])
            gain = _r2_by_ols(frame, "score", (*before, name)) - _r2_by_ols(frame, "score", before)
            expected[name] += gain / len(orders)
    total = _r2_by_ols(frame, "score", drivers)
    shares = relative_importance(frame, "score", list(drivers))
    assert shares == pytest.approx({k: v / total for k, v in expected.items()}, abs=1e-9)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert max(shares, key=shares.__getitem__) == "delay"


def test_relative_importance_splits_duplicated_driver_evenly() -> None:
    rng = np.random.default_rng(4)
    wait = rng.normal(size=100)
    frame = pd.DataFrame({"wait": wait, "wait_minutes": 60 * wait, "noise": rng.normal(size=100)})
    frame["score"] = -wait + 0.1 * rng.normal(size=100)
    shares = relative_importance(frame, "score", ["wait", "wait_minutes", "noise"])
    assert shares["wait"] == pytest.approx(shares["wait_minutes"])
    assert shares["noise"] < 0.05
    assert all(share >= 0 for share in shares.values())


def test_relative_importance_degenerate_inputs() -> None:
    frame = pd.DataFrame(
        {"score": [1.0, 2, 3, np.nan], "a": [1.0, 1, 1, 2], "b": [True, False, False, False]}
    )
    # Rows with missing values are dropped: after that, "a" is constant.
    shares = relative_importance(frame, "score", ["a", "b"])
    assert list(shares) == ["b"] and shares["b"] == pytest.approx(1.0)
    assert relative_importance(frame, "score", ["a"]) == {}
    assert relative_importance(frame.head(2), "score", ["b"]) == {}
    # A driver nobody has data for yet does not wipe out the others.
    frame["missing"] = np.nan
    assert relative_importance(frame, "score", ["b", "missing"]) == pytest.approx({"b": 1.0})
    unrelated = pd.DataFrame({"score": [1.0, 2, 1, 2], "x": [1.0, 1, 2, 2]})
    assert relative_importance(unrelated, "score", ["x"]) == {}
