"""How well a fitted purchase model forecasts a holdout period it did not see.

The check of Fader, Hardie & Lee (2005, "Counting Your Customers the Easy Way", sec. 7, fig. 4):
each customer's expected purchases in the holdout period given the calibration history, against
the purchases actually made, in total and grouped by the number of repeat purchases in the
calibration period (0, 1, …, 6, 7+).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import ClvError
from .fitting import PurchaseModel, compress
from .transactions import TransactionSummary

TOP_BIN = 7  # the papers' figure groups 7 and more repeat purchases together


@dataclass(frozen=True)
class HoldoutBin:
    """Customers with one calibration frequency (or ``7+``) and their holdout purchases."""

    frequency: str
    customers: int
    actual: float
    predicted: float

    @property
    def actual_mean(self) -> float:
        return self.actual / self.customers

    @property
    def predicted_mean(self) -> float:
        return self.predicted / self.customers


@dataclass(frozen=True)
class HoldoutCheck:
    """Predicted against actual repeat purchases in the holdout period."""

    length: float  # in the summary's unit
    customers: int
    actual: float
    predicted: float
    by_frequency: list[HoldoutBin]

    def as_dict(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "customers": self.customers,
            "actual": self.actual,
            "predicted": self.predicted,
            "by_frequency": [{**asdict(b), "actual_mean": b.actual_mean,
                              "predicted_mean": b.predicted_mean} for b in self.by_frequency],
        }


def check_holdout(summary: TransactionSummary, model: PurchaseModel) -> HoldoutCheck:
    """Compare the model's conditional expectations with the holdout purchases."""
    length = summary.holdout_length
    if length is None or summary.holdout_frequency is None:
        raise ClvError("no holdout period: give --holdout-end")
    packed = compress(summary.frequency, summary.recency, summary.T)
    predicted = packed.expand(model.conditional_expected_purchases(length, *packed.columns))
    actual = summary.holdout_frequency
    capped = np.minimum(summary.frequency, TOP_BIN).astype(int)
    bins = []
    for f in range(TOP_BIN + 1):
        mask = capped == f
        if mask.any():
            bins.append(HoldoutBin(frequency=f"{f}+" if f == TOP_BIN else str(f),
                                   customers=int(mask.sum()), actual=float(actual[mask].sum()),
                                   predicted=float(predicted[mask].sum())))
    return HoldoutCheck(length=length, customers=len(actual), actual=float(actual.sum()),
                        predicted=float(predicted.sum()), by_frequency=bins)
