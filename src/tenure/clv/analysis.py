"""Transaction CLV end to end: summary, purchase model, spend model, holdout check, predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import ClvError
from .bgnbd import fit_beta_geo
from .fitting import FitResult, PurchaseModel, compress
from .gammagamma import GammaGammaModel, fit_gamma_gamma
from .holdout import HoldoutCheck, check_holdout
from .pareto import fit_pareto_nbd
from .transactions import Source, TransactionSummary, Unit, summarize_transactions
from .value import DAYS_PER_MONTH, predict_customers

ModelName = Literal["bgnbd", "mbgnbd", "pareto"]

PurchaseFitter = Callable[[object, object, object, object], FitResult[Any]]

# Each takes the distinct (x, t_x, T) rows and how many customers share each.
MODELS: dict[str, PurchaseFitter] = {
    "bgnbd": lambda x, t_x, T, w: fit_beta_geo(x, t_x, T, weights=w),
    "mbgnbd": lambda x, t_x, T, w: fit_beta_geo(x, t_x, T, modified=True, weights=w),
    "pareto": lambda x, t_x, T, w: fit_pareto_nbd(x, t_x, T, weights=w),
}


@dataclass(frozen=True)
class ClvOptions:
    """How to turn the fitted models into value: horizon, discounting and margin."""

    horizon_months: int = 12
    discount_rate: float = 0.01  # per month
    margin: float = 1.0  # share of spend that is profit (1: CLV in revenue)
    days_per_month: float = DAYS_PER_MONTH

    def problems(self) -> list[str]:
        found = []
        if not 1 <= self.horizon_months <= 1200:
            found.append(f"the horizon must be 1 to 1200 months, not {self.horizon_months}")
        if not 0 <= self.discount_rate < 1:
            found.append(f"the monthly discount rate must be in [0, 1), not "
                         f"{self.discount_rate:g}")
        if not 0 < self.margin <= 1:
            found.append(f"the margin must be in (0, 1], not {self.margin:g}")
        return found


@dataclass(frozen=True)
class ClvFit:
    """Everything one CLV run found."""

    summary: TransactionSummary
    purchases: FitResult[PurchaseModel]
    spend: FitResult[GammaGammaModel] | None
    holdout: HoldoutCheck | None
    predictions: pd.DataFrame
    options: ClvOptions

    def as_dict(self) -> dict[str, Any]:
        """The run as plain data (the CLI's JSON)."""
        s, p = self.summary, self.purchases
        data: dict[str, Any] = {
            "model": p.model.name,
            "unit": s.unit,
            "customers": len(s),
            "transactions": s.transactions,
            "repeat_customers": int((s.frequency > 0).sum()),
            "calibration_end": s.calibration_end,
            "holdout_end": s.holdout_end,
            "params": p.model.params,
            "log_likelihood": p.log_likelihood,
            "p_alive_mean": float(self.predictions["p_alive"].mean()),
            "expected_purchases": float(self.predictions["expected_purchases"].sum()),
            "horizon_months": self.options.horizon_months,
            "discount_rate": self.options.discount_rate,
            "margin": self.options.margin,
        }
        if self.spend is not None:
            data["spend"] = {
                "model": "gamma-gamma",
                "params": self.spend.model.params,
                "log_likelihood": self.spend.log_likelihood,
                "customers": self.spend.customers,
                "population_mean": self.spend.model.population_mean,
            }
            clv = self.predictions["clv"]
            data["clv"] = {"total": float(clv.sum()), "mean": float(clv.mean()),
                           "median": float(clv.median())}
        if self.holdout is not None:
            data["holdout"] = self.holdout.as_dict()
        return data


def fit_clv(
    source: Source,
    *,
    customer: str,
    date_column: str,
    amount: str | None = None,
    calibration_end: date | None = None,
    holdout_end: date | None = None,
    unit: Unit = "week",
    model: ModelName = "bgnbd",
    options: ClvOptions | None = None,
) -> ClvFit:
    """Summarise the transactions, fit the purchase model (and Gamma-Gamma with ``amount``),
    check the holdout period when there is one, and predict every customer's value."""
    options = options or ClvOptions()
    if model not in MODELS:
        raise ClvError(f"unknown model {model!r}: use {', '.join(MODELS)}")
    problems = options.problems()
    if problems:
        raise ClvError("; ".join(problems))
    summary = summarize_transactions(source, customer=customer, date_column=date_column,
                                     amount=amount, calibration_end=calibration_end,
                                     holdout_end=holdout_end, unit=unit)
    if not (summary.frequency > 0).any():
        raise ClvError(f"none of the {len(summary):,} customers bought again before "
                       f"{summary.calibration_end}: the purchase model needs repeat purchases")
    packed = compress(summary.frequency, summary.recency, summary.T)
    x, t_x, T = packed.columns
    purchases = MODELS[model](x, t_x, T, packed.weights)
    spend = None
    if summary.monetary_value is not None:
        spend = fit_gamma_gamma(summary.frequency, summary.monetary_value)
    holdout = check_holdout(summary, purchases.model) if holdout_end is not None else None
    predictions = predict_customers(summary, purchases.model,
                                    None if spend is None else spend.model,
                                    horizon_months=options.horizon_months,
                                    discount_rate=options.discount_rate, margin=options.margin,
                                    days_per_month=options.days_per_month, packed=packed)
    if not np.isfinite(predictions["expected_purchases"].to_numpy()).all():
        raise ClvError("the fitted model gives non-finite predictions; try --unit week")
    return ClvFit(summary, purchases, spend, holdout, predictions, options)
