"""The backtest's parts against references worked out by hand or computed a second way:
churn outcomes from subscription rows, the AUC as a pairwise count, month ends, the summary's
bands and lift, and the weight suggestion on data where the answer is known."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.metrics.test_worked_examples import SUB_HEADER, load, load_accounts

from tenure import App
from tenure.health.backtest import (
    BacktestData,
    auc,
    fit_profile,
    month_ends,
    profile_toml,
    suggest,
    summarise,
)
from tenure.health.model import build_model
from tenure.metrics import context
from tenure.metrics.outcomes import churn_within, paying_runs


def pairwise_auc(churned: list[bool], score: list[float]) -> float:
    """The AUC by its definition: over every (churned, stayed) pair, 1 when the churned
    account scored lower, 1/2 on a tie."""
    bad = [s for c, s in zip(churned, score, strict=True) if c]
    good = [s for c, s in zip(churned, score, strict=True) if not c]
    wins = sum(1.0 if b < g else 0.5 if b == g else 0.0 for b in bad for g in good)
    return wins / (len(bad) * len(good))


def test_auc_is_the_chance_a_churner_scored_lower() -> None:
    rng = np.random.default_rng(7)
    churned = list(rng.random(60) < 0.3)
    score = list(rng.integers(0, 10, 60).astype(float) * 10)  # many ties
    assert auc(np.array(churned), np.array(score)) == pytest.approx(
        pairwise_auc(churned, score))
    assert auc(np.array([True, True]), np.array([1.0, 2.0])) is None  # no stayer


def test_month_ends() -> None:
    assert month_ends(date(2025, 11, 15), date(2026, 3, 31)) == [
        date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28),
        date(2026, 3, 31)]
    assert month_ends(date(2026, 1, 1), date(2026, 1, 30)) == []


def test_churn_within_the_horizon_from_subscription_rows(app: App, tmp_path: Path) -> None:
    load_accounts(app, tmp_path, ["a", "b", "c", "d", "e"])
    load(app, tmp_path, "subscriptions", SUB_HEADER, [
        # a: two rows that touch (Jan 1 - Mar 1, Mar 1 - May 1): one run ending May 1.
        ("a1", "a", 100, "2026-01-01", "2026-03-01", "", "", ""),
        ("a2", "a", 120, "2026-03-01", "2026-05-01", "", "", ""),
        # b: a gap (Jan 1 - Feb 1, then Feb 10 onward, open): churns Feb 1, comes back.
        ("b1", "b", 50, "2026-01-01", "2026-02-01", "", "", ""),
        ("b2", "b", 50, "2026-02-10", "", "", "", ""),
        # c: still paying, open-ended.
        ("c1", "c", 10, "2025-06-01", "", "", "", ""),
        # d: starts after the first as-of date; ends Apr 15.
        ("d1", "d", 10, "2026-02-01", "2026-04-15", "", "", ""),
        # e: a zero-MRR row (a free plan) is not paying.
        ("e1", "e", 0, "2026-01-01", "", "", "", ""),
    ])
    ctx = context(app, as_of=date(2026, 6, 30))
    out = churn_within(paying_runs(ctx), [date(2026, 1, 31), date(2026, 2, 28)], 60)
    got = {(r.as_of, r.account_id): (r.churned, r.churn_day) for r in out.itertuples()}
    jan, feb = date(2026, 1, 31), date(2026, 2, 28)
    # Jan 31 + 60 days = Apr 1. a ends May 1 (beyond); b's first unpaid day is Feb 1 (within);
    # c never ends; d has not started; e never pays.
    # Feb 28 + 60 days = Apr 29. a ends May 1 (beyond); b paying again since Feb 10, open;
    # d ends Apr 15 (within).
    assert got == {
        (jan, "a"): (False, None), (jan, "b"): (True, date(2026, 2, 1)), (jan, "c"): (False, None),
        (feb, "a"): (False, None), (feb, "b"): (False, None), (feb, "c"): (False, None),
        (feb, "d"): (True, date(2026, 4, 15)),
    }


def test_summary_bands_lift_and_calibration() -> None:
    m = build_model()
    rows = pd.DataFrame({
        "as_of": [date(2026, 1, 31)] * 8,
        "account_id": list("abcdefgh"),
        "score": [10, 20, 40, 60, 70, 80, 90, 95.0],
        "band": ["red", "red", "red", "yellow", "yellow", "green", "green", "green"],
        "churned": [True, True, False, True, False, False, False, True],
    })
    r = summarise(rows, m)
    bands = {b["band"]: (b["account_months"], b["churned"], b["churn_rate"]) for b in r["bands"]}
    # red 2 of 3, yellow 1 of 2, green 1 of 3 -> lift (2/3) / (1/3) = 2.
    assert bands == {"red": (3, 2, pytest.approx(2 / 3)), "yellow": (2, 1, 0.5),
                     "green": (3, 1, pytest.approx(1 / 3))}
    assert r["lift_red_vs_green"] == pytest.approx(2.0)
    assert r["auc"] == pytest.approx(pairwise_auc(list(rows["churned"]), list(rows["score"])))
    cal = {c["from"]: (c["account_months"], c["churned"]) for c in r["calibration"]}
    assert cal[10.0] == (1, 1) and cal[90.0] == (2, 1) and cal[30.0] == (0, 0)
    assert sum(c["account_months"] for c in r["calibration"]) == 8


def synthetic(months: int, n: int, seed: int) -> BacktestData:
    """Account-months where measure `signal` drives churn and `noise` does not; the model
    weighs the noise heavily, so a fitted weighting must move weight to the signal."""
    rng = np.random.default_rng(seed)
    m = noisy_model()
    parts, frames = [], {}
    for k in range(months):
        day = month_ends(date(2025, 1, 1), date(2026, 12, 31))[k]
        sig, noise = rng.uniform(0, 100, n), rng.uniform(0, 100, n)
        churn = rng.random(n) < 1 / (1 + np.exp(-(-1.5 - 0.05 * (sig - 50))))
        ids = [f"{k}-{i}" for i in range(n)]
        frame = pd.DataFrame({"account_id": ids, "lifecycle": "active", "segment": "smb",
                              "pulse": np.nan, "mrr": sig, "arr": noise})
        frames[day] = frame
        score = (0.2 * sig + 0.8 * noise)
        parts.append(pd.DataFrame({
            "as_of": day, "account_id": ids, "profile": "p", "score": score,
            "band": [m.band_of(s) for s in score], "churned": churn,
            "m:g:signal": sig, "m:g:noise": noise}))
    return BacktestData(rows=pd.concat(parts, ignore_index=True), frames=frames)


def noisy_model():  # type: ignore[no-untyped-def]
    lin = {"scoring": "linear", "worst": 0, "best": 100}
    return build_model({
        "measures": {"signal": {**lin, "metric": "mrr"}, "noise": {**lin, "metric": "arr"}},
        "profiles": [{"name": "p", "groups": {"g": {"weight": 1, "measures": {
            "signal": 20, "noise": 80}}}}]})


def test_fitted_weights_move_to_the_measure_that_foretells_churn() -> None:
    data = synthetic(months=4, n=800, seed=1)
    m = noisy_model()
    got, _ = fit_profile(data.rows, m.profiles[0], "p-fitted")
    assert got is not None
    weights = dict(got.groups[0].measures)
    assert weights.get("signal", 0) > 80 and weights.get("noise", 0) < 20


def test_suggest_judges_on_later_months_and_writes_adoptable_toml(tmp_path: Path) -> None:
    data = synthetic(months=9, n=600, seed=2)
    m = noisy_model()
    sg = suggest(data, m, horizon_days=30, label="suggested")
    # 9 month ends: the last 3 judged; training months end their 30-day horizon before the
    # first judged month end.
    assert len(sg["test_months"]) == 3
    assert all((sg["test_months"][0] - t).days >= 30 for t in sg["train_months"])
    assert sg["gain"] > 0.05  # the noise-heavy weighting is far from the best one
    # The proposal is a valid model when written as TOML and read back.
    import tomllib

    text = profile_toml(sg["proposal"], "fitted")
    parsed = tomllib.loads(text)["health"]["profiles"]
    again = build_model({"measures": m.source["measures"], "profiles": parsed})
    assert again.profiles[0].name == "p-suggested"
