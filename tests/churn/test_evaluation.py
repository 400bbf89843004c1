"""The evaluation figures, each checked against a second, straightforward computation: lift by
sorting (and by averaging over every order of tied rows), Brier as a plain mean of squares,
AUC by counting pairs, average precision by walking down the ranking."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from tenure.churn.evaluation import auc, brier, calibration, pr_auc, top_decile_lift
from tenure.churn.training import Calibrator, fit_calibrator, platt


def _lift_by_sorting(y: np.ndarray, risk: np.ndarray) -> float:
    order = np.argsort(-risk, kind="stable")
    top = order[: len(y) // 10]
    return float(y[top].mean() / y.mean())


def test_top_decile_lift_without_ties_is_the_top_tenths_churn_rate_over_the_rate() -> None:
    rng = np.random.default_rng(1)
    risk = rng.random(1000)
    y = rng.random(1000) < risk * 0.3
    assert top_decile_lift(y, risk) == pytest.approx(_lift_by_sorting(y.astype(float), risk))


def test_top_decile_lift_counts_tied_rows_at_the_cut_in_proportion() -> None:
    # 20 rows: the top tenth is 2 rows; the riskiest (no churn) is in, then one of three
    # rows tied at 0.5 (one of which churned): 1/3 of a churner expected in the top 2 rows.
    risk = np.array([0.9, 0.5, 0.5, 0.5] + [0.1] * 16)
    y = np.array([0, 1, 0, 0] + [0] * 15 + [1], dtype=float)
    expected = (1 / 3 / 2) / (2 / 20)
    assert top_decile_lift(y, risk) == pytest.approx(expected)
    # The same as breaking the tie every possible way and averaging.
    lifts = []
    for order in itertools.permutations([1, 2, 3]):
        r = risk.copy()
        r[list(order)] = [0.53, 0.52, 0.51]
        lifts.append(_lift_by_sorting(y, r))
    assert top_decile_lift(y, risk) == pytest.approx(float(np.mean(lifts)))
    assert top_decile_lift(np.zeros(5), np.arange(5.0)) is None


def test_brier_is_the_mean_squared_difference() -> None:
    rng = np.random.default_rng(2)
    p = rng.random(500)
    y = rng.random(500) < p
    want = sum((pi - yi) ** 2 for pi, yi in zip(p, y.astype(float), strict=True)) / len(p)
    assert brier(y, p) == pytest.approx(want, rel=1e-12)
    # A constant guess of the churn rate scores rate * (1 - rate).
    rate = y.mean()
    assert brier(y, np.full(500, rate)) == pytest.approx(rate * (1 - rate))


def test_auc_counts_pairs_and_average_precision_walks_the_ranking() -> None:
    rng = np.random.default_rng(3)
    risk = rng.random(200)
    y = rng.random(200) < risk * 0.5
    pos, neg = risk[y], risk[~y]
    pairs = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    assert auc(y, risk) == pytest.approx(pairs / (len(pos) * len(neg)))
    ranked = y[np.argsort(-risk)]
    hits = np.cumsum(ranked)
    precision_at_hits = [hits[i] / (i + 1) for i in range(len(ranked)) if ranked[i]]
    assert pr_auc(y, risk) == pytest.approx(float(np.mean(precision_at_hits)))
    assert auc(np.ones(3, dtype=bool), np.arange(3.0)) is None


def test_calibration_bins_are_tenths_by_probability() -> None:
    p = np.linspace(0.0, 0.99, 100)
    y = (np.arange(100) % 4 == 0).astype(float)
    bins = calibration(y, p)
    assert [b["rows"] for b in bins] == [10] * 10
    assert bins[0]["mean_probability"] == pytest.approx(p[:10].mean())
    assert bins[3]["churn_rate"] == pytest.approx(y[30:40].mean())
    assert sum(b["churn_rate"] * b["rows"] for b in bins) == pytest.approx(y.sum())


def test_platt_calibration_recovers_a_logistic_relation_and_round_trips() -> None:
    rng = np.random.default_rng(4)
    raw = rng.normal(-2.0, 1.5, 20000)
    y = rng.random(20000) < 1 / (1 + np.exp(-(0.8 * raw - 0.5)))
    a, b = platt(raw, y)
    assert a == pytest.approx(0.8, abs=0.05)
    assert b == pytest.approx(-0.5, abs=0.08)
    small = fit_calibrator(raw[:2000], y[:2000])
    assert small.method == "platt"  # fewer churners than isotonic regression needs
    again = Calibrator.from_json(small.to_json())
    np.testing.assert_allclose(again(raw[:50]), small(raw[:50]))
    _, b2 = platt(raw[:2000], y[:2000])
    assert math.isclose(float(small(np.array([0.0]))[0]), 1 / (1 + math.exp(-b2)),
                        rel_tol=1e-12)
    big = fit_calibrator(raw, y)  # thousands of churners: isotonic, monotone
    assert big.method == "isotonic"
    assert np.all(np.diff(big(np.sort(raw))) >= 0)
    assert Calibrator.from_json(big.to_json()) == big


def test_without_churn_to_calibrate_on_the_boosters_own_probability_stands() -> None:
    cal = fit_calibrator(np.array([-3.0, -1.0, 0.5]), np.zeros(3, dtype=bool))
    np.testing.assert_allclose(cal(np.array([0.0, 2.0])), [0.5, 1 / (1 + math.exp(-2.0))])


def test_isotonic_calibration_interpolates_between_its_knots() -> None:
    cal = Calibrator("isotonic", x=(-1.0, 0.0, 2.0), y=(0.1, 0.2, 0.6))
    np.testing.assert_allclose(cal(np.array([-5.0, -0.5, 1.0, 9.0])), [0.1, 0.15, 0.4, 0.6])
    assert Calibrator.from_json(cal.to_json()) == cal
