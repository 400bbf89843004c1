"""Renewal forecast: which contracts come up for renewal in a quarter, how likely each is to
renew, the ARR at risk, and the quarter's expected gross retention of that ARR with an
interval, per owner and segment.

The probability that an account renews is the probability that it has not churned by its
renewal date, read from the churn model: its probability ``p`` of churning within ``h`` days
becomes a constant daily hazard ``-ln(1 - p) / h``, so an account renewing ``t`` days ahead
renews with probability ``(1 - p) ** (t / h)``. For a renewal within the horizon this is close
to the model's own answer; further out it extrapolates.

The expected retention of a group is the ARR-weighted mean of its renewal probabilities; its
interval comes from simulating every renewal as an independent draw (10,000 draws, seeded), the
5th and 95th percentiles of the retained share of ARR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

SIMULATIONS = 10_000
LEVEL = 0.90  # the interval's coverage


def quarter_bounds(text: str | None, as_of: date) -> tuple[date, date, str]:
    """'2027Q1' -> (2027-01-01, 2027-03-31, '2027Q1'); None: the quarter after as_of's."""
    if text is None:
        q = (as_of.month - 1) // 3 + 1
        year, q = (as_of.year + 1, 1) if q == 4 else (as_of.year, q + 1)
    else:
        t = text.strip().upper()
        if len(t) != 6 or t[4] != "Q" or not t[:4].isdigit() or t[5] not in "1234":
            raise ValueError(f"{text!r} is not a quarter such as 2027Q1")
        year, q = int(t[:4]), int(t[5])
    start = date(year, 3 * q - 2, 1)
    end = (date(year + (q == 4), (3 * q) % 12 + 1, 1)) - timedelta(days=1)
    return start, end, f"{year}Q{q}"


def renewal_probability(churn_probability: np.ndarray, horizon_days: float,
                        days_ahead: np.ndarray) -> np.ndarray:
    """P(no churn before the renewal) under a constant hazard matching the model."""
    p = np.clip(np.asarray(churn_probability, dtype="float64"), 0.0, 1.0 - 1e-12)
    t = np.maximum(np.asarray(days_ahead, dtype="float64"), 0.0)
    return (1.0 - p) ** (t / horizon_days)


@dataclass
class RenewalForecast:
    quarter: str
    start: date
    end: date
    accounts: pd.DataFrame  # one row per renewing account
    groups: list[dict[str, Any]]  # total, then per owner and per segment

    def as_dict(self) -> dict[str, Any]:
        return {"quarter": self.quarter, "start": self.start, "end": self.end,
                "groups": self.groups,
                "accounts": self.accounts.to_dict("records")}


def _interval(arr: np.ndarray, prob: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    total = arr.sum()
    if total <= 0 or len(arr) == 0:
        return (float("nan"), float("nan"))
    draws = rng.random((SIMULATIONS, len(arr))) < prob  # True: renews
    kept = draws @ arr / total
    lo, hi = np.quantile(kept, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return float(lo), float(hi)


def _group(name: str, value: str, part: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
    arr = part["arr"].to_numpy(dtype="float64")
    prob = part["renewal_probability"].to_numpy(dtype="float64")
    total = float(arr.sum())
    expected = float(arr @ prob / total) if total > 0 else float("nan")
    lo, hi = _interval(arr, prob, rng)
    return {"by": name, "value": value, "accounts": len(part), "arr_renewing": total,
            "arr_at_risk": float(arr @ (1 - prob)), "expected_grr": expected,
            "grr_low": lo, "grr_high": hi}


def forecast(snap: pd.DataFrame, *, as_of: date, quarter: str | None = None,
             seed: int = 0) -> RenewalForecast:
    """The renewals of ``quarter`` among ``snap`` (account_id, name, owner, segment, mrr,
    renewal_date, churn_probability, churn_horizon_days)."""
    start, end, label = quarter_bounds(quarter, as_of)
    due = pd.to_datetime(snap["renewal_date"]).dt.date
    part = snap[due.notna() & (due >= start) & (due <= end)
                & snap["churn_probability"].notna()].copy()
    days = (pd.to_datetime(part["renewal_date"]) - pd.Timestamp(as_of)).dt.days.to_numpy()
    part["arr"] = 12 * part["mrr"].astype("float64")
    part["days_to_renewal"] = days
    part["renewal_probability"] = renewal_probability(
        part["churn_probability"].to_numpy(), part["churn_horizon_days"].to_numpy(
            dtype="float64"), days)
    part["arr_at_risk"] = part["arr"] * (1 - part["renewal_probability"])
    part = part.sort_values(["arr_at_risk", "account_id"], ascending=[False, True])
    rng = np.random.default_rng(seed)
    groups = [_group("total", "all", part, rng)]
    for by in ("owner", "segment"):
        for value, g in part.groupby(part[by].fillna("(none)"), sort=True):
            groups.append(_group(by, str(value), g, rng))
    cols = ["account_id", "name", "owner", "segment", "renewal_date", "days_to_renewal", "arr",
            "churn_probability", "renewal_probability", "arr_at_risk"]
    return RenewalForecast(quarter=label, start=start, end=end,
                           accounts=part[cols].reset_index(drop=True), groups=groups)
