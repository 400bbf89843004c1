"""Renewal forecasts and subscription lifetime value against straightforward references:
month-by-month sums, enumeration of every renewal outcome, sums worked by hand."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tenure.clv.subscription import DAYS_PER_MONTH, monthly_hazard, subscription_clv
from tenure.renewals import forecast, quarter_bounds, renewal_probability


def test_monthly_hazard_keeps_the_survival_over_the_horizon() -> None:
    p = np.array([0.0, 0.1, 0.5, 0.9])
    q = monthly_hazard(p, 90)
    months = 90 / DAYS_PER_MONTH
    assert (1 - q) ** months == pytest.approx(1 - p)


@pytest.mark.parametrize(("p", "mrr", "rate", "n"), [
    (0.1, 1000.0, 0.10, 60), (0.02, 250.0, 0.0, 24), (0.6, 99.0, 0.25, 120), (0.0, 10.0, 0.1, 12)])
def test_subscription_clv_is_the_discounted_sum_of_surviving_months(
        p: float, mrr: float, rate: float, n: int) -> None:
    got = subscription_clv(np.array([mrr]), np.array([p]), horizon_days=90, margin=0.8,
                           annual_discount_rate=rate, horizon_months=n)
    q = 1 - (1 - p) ** (DAYS_PER_MONTH / 90)
    d = (1 + rate) ** (1 / 12) - 1
    # month by month: the account is still there in month m with probability (1 - q)^m
    expected = sum(mrr * 0.8 * (1 - q) ** m / (1 + d) ** m for m in range(1, n + 1))
    assert got["clv"].iloc[0] == pytest.approx(expected, rel=1e-12)
    if q > 0:
        # expected further months of a geometric lifetime: sum_{m>=1} (1 - q)^m
        assert got["expected_lifetime_months"].iloc[0] == pytest.approx(
            sum((1 - q) ** m for m in range(1, 20_000)), rel=1e-6)
    else:
        assert got["expected_lifetime_months"].iloc[0] == np.inf


def test_quarters() -> None:
    assert quarter_bounds(None, date(2026, 11, 21)) == (date(2027, 1, 1), date(2027, 3, 31),
                                                        "2027Q1")
    assert quarter_bounds(None, date(2026, 3, 31)) == (date(2026, 4, 1), date(2026, 6, 30),
                                                       "2026Q2")
    assert quarter_bounds("2026q4", date(2026, 1, 1))[:2] == (date(2026, 10, 1),
                                                              date(2026, 12, 31))
    with pytest.raises(ValueError):
        quarter_bounds("2026Q5", date(2026, 1, 1))


def test_renewal_probability_follows_the_model_at_its_horizon() -> None:
    p = np.array([0.2, 0.2, 0.2])
    got = renewal_probability(p, 90, np.array([0, 90, 180]))
    assert got == pytest.approx([1.0, 0.8, 0.64])  # survive one horizon, then a second


def snapshot_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": ["a", "b", "c", "d", "e"],
        "name": list("ABCDE"),
        "owner": ["ann", "ann", "bob", "bob", "bob"],
        "segment": ["smb", "ent", "ent", "smb", "smb"],
        "mrr": [100.0, 1000.0, 500.0, 50.0, 70.0],
        # as of 2026-11-20 every renewal below is 90 days after it except d (outside 2027Q1)
        # and e (no churn probability: not paying)
        "renewal_date": [date(2027, 2, 18), date(2027, 2, 18), date(2027, 2, 18),
                         date(2027, 4, 2), date(2027, 1, 5)],
        "churn_probability": [0.5, 0.1, 0.2, 0.3, None],
        "churn_horizon_days": [90, 90, 90, 90, None],
    })


def test_forecast_by_hand() -> None:
    result = forecast(snapshot_rows(), as_of=date(2026, 11, 20), seed=1)
    assert result.quarter == "2027Q1"
    assert list(result.accounts["account_id"]) == ["b", "c", "a"]  # by ARR at risk
    total = result.groups[0]
    arr = {"a": 1200.0, "b": 12000.0, "c": 6000.0}
    renew = {"a": 0.5, "b": 0.9, "c": 0.8}  # 90 days ahead: 1 - p
    assert total["arr_renewing"] == pytest.approx(19200.0)
    assert total["arr_at_risk"] == pytest.approx(600 + 1200 + 1200)
    assert total["expected_grr"] == pytest.approx(sum(arr[k] * renew[k] for k in arr) / 19200)
    ann = next(g for g in result.groups if g["by"] == "owner" and g["value"] == "ann")
    assert ann["expected_grr"] == pytest.approx((1200 * 0.5 + 12000 * 0.9) / 13200)

    # The interval against the exact distribution of the retained share: enumerate all 8
    # outcomes of the three renewals with their probabilities.
    outcomes = []
    for kept in itertools.product([0, 1], repeat=3):
        prob = 1.0
        share = 0.0
        for k, keep in zip(["a", "b", "c"], kept, strict=True):
            prob *= renew[k] if keep else 1 - renew[k]
            share += arr[k] * keep / 19200
        outcomes.append((share, prob))
    outcomes.sort()
    cdf = np.cumsum([p for _, p in outcomes])
    low = outcomes[int(np.searchsorted(cdf, 0.05))][0]
    high = outcomes[int(np.searchsorted(cdf, 0.95))][0]
    assert total["grr_low"] == pytest.approx(low)
    assert total["grr_high"] == pytest.approx(high)
