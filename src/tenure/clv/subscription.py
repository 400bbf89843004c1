"""Subscription lifetime value: what an account's recurring revenue is worth from today.

From the churn model's probability ``p`` that the account churns within ``h`` days, the
constant monthly hazard that gives the same survival over ``h`` days is
``q = 1 - (1 - p) ** (30.4375 / h)``; the account survives each further month with
probability ``1 - q``. Its expected remaining lifetime is ``(1 - q) / q`` months (a geometric
number of further months), and its lifetime value is the expected margin of those months,
discounted:

    CLV = sum over months m = 1..N of MRR x margin x (1 - q)^m / (1 + d)^m

with ``d`` the monthly discount rate from the annual one, ``(1 + annual)^(1/12) - 1``, and ``N``
the horizon in months (a closed form of the geometric sum). A constant hazard is the
simplest reading of a single churn probability; it understates the value of accounts whose risk
falls with tenure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .value import DAYS_PER_MONTH


def monthly_hazard(churn_probability: np.ndarray | pd.Series, horizon_days: float) -> np.ndarray:
    """The constant monthly churn probability with the same survival over the horizon."""
    p = np.clip(np.asarray(churn_probability, dtype="float64"), 0.0, 1.0)
    return 1.0 - (1.0 - p) ** (DAYS_PER_MONTH / horizon_days)


def subscription_clv(mrr: np.ndarray | pd.Series, churn_probability: np.ndarray | pd.Series,
                     *, horizon_days: float, margin: float, annual_discount_rate: float,
                     horizon_months: int) -> pd.DataFrame:
    """Per account: monthly hazard, expected remaining lifetime (months, uncapped) and the
    discounted lifetime value over ``horizon_months``."""
    m = np.nan_to_num(np.asarray(mrr, dtype="float64"))
    q = monthly_hazard(churn_probability, horizon_days)
    d = (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0
    ratio = (1.0 - q) / (1.0 + d)  # each month's survival and discount together
    # sum_{k=1..N} ratio^k = ratio (1 - ratio^N) / (1 - ratio); ratio < 1 unless q = d = 0
    n = float(horizon_months)
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = np.where(np.isclose(ratio, 1.0), n,
                             ratio * (1.0 - ratio ** n) / (1.0 - ratio))
        lifetime = np.where(q > 0, (1.0 - q) / q, np.inf)
    return pd.DataFrame({
        "monthly_hazard": q,
        "expected_lifetime_months": lifetime,
        "clv": m * margin * geometric,
    })
