"""Per-customer predictions: P(alive), expected purchases and spend, and discounted CLV.

CLV over a horizon of H months, with a monthly discount rate d and a margin m, is a monthly,
finite-horizon version of the discounted expected transactions of Fader, Hardie & Lee (2005,
"RFM and CLV: Using Iso-Value Curves", JMR 42(4)) — the same sum as the lifetimes library's
``customer_lifetime_value``:

    CLV = m · E(M) · Σ_{k=1..H} [E(Y(k months)) - E(Y((k-1) months))] / (1 + d)^k

where E(Y(t)) is the purchase model's expected purchases in (T, T+t] given the customer's
history and E(M) the Gamma-Gamma expected spend per purchase: purchases made in month k are
discounted by k whole months. A month is 365.25/12 days unless told otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fitting import Compressed, FloatArray, PurchaseModel, compress
from .gammagamma import GammaGammaModel
from .transactions import DAYS_PER_UNIT, TransactionSummary

DAYS_PER_MONTH = 365.25 / 12


def discounted_purchases(model: PurchaseModel, x: FloatArray, t_x: FloatArray, T: FloatArray,
                         *, months: int, discount_rate: float, month_length: float,
                         p_alive: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """(discounted expected purchases over ``months``, undiscounted ones) for each row.

    ``month_length`` is a month in the model's time unit. The conditional expectation is
    P(alive | x, t_x, T) times the expectation if alive, which depends on (x, T) only: the
    month-by-month sum runs over the distinct (x, T) pairs, far fewer than the customers.
    """
    if p_alive is None:
        p_alive = model.p_alive(x, t_x, T)
    pairs = compress(x, T)
    px, pT = pairs.columns
    total = np.zeros(len(px))
    previous = np.zeros(len(px))
    for k in range(1, months + 1):
        cumulative = model.expected_purchases_if_alive(k * month_length, px, pT)
        total += (cumulative - previous) / (1 + discount_rate) ** k
        previous = cumulative
    return p_alive * pairs.expand(total), p_alive * pairs.expand(previous)


def predict_customers(summary: TransactionSummary, model: PurchaseModel,
                      spend: GammaGammaModel | None, *, horizon_months: int,
                      discount_rate: float, margin: float,
                      days_per_month: float = DAYS_PER_MONTH,
                      packed: Compressed | None = None) -> pd.DataFrame:
    """One row per customer: history, P(alive), expected purchases over the horizon, expected
    spend per purchase and CLV (spend and CLV are NaN without an amount column).

    ``packed`` is the summary's (x, t_x, T) compressed, when the caller has it already.
    """
    x, t_x, T = summary.frequency, summary.recency, summary.T
    month = days_per_month / DAYS_PER_UNIT[summary.unit]
    # Everything but spend depends on (x, t_x, T) only: compute it once per distinct history.
    packed = packed or compress(x, t_x, T)
    alive = model.p_alive(*packed.columns)
    discounted, purchases = (packed.expand(v) for v in discounted_purchases(
        model, *packed.columns, months=horizon_months, discount_rate=discount_rate,
        month_length=month, p_alive=alive))
    p_alive = packed.expand(alive)
    frame = pd.DataFrame({
        summary.customer_column: summary.customers,
        "frequency": x,
        "recency": t_x,
        "T": T,
        "p_alive": p_alive,
        "expected_purchases": purchases,
    })
    if spend is not None and summary.monetary_value is not None:
        frame["monetary_value"] = summary.monetary_value
        frame["expected_spend"] = spend.expected_spend(x, summary.monetary_value)
        frame["clv"] = margin * frame["expected_spend"].to_numpy() * discounted
    else:
        frame["expected_spend"] = np.nan
        frame["clv"] = np.nan
    return frame
