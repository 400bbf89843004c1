"""Labels and the months a model may learn from.

**Churn** is the KPI engine's: an account paying at the end of a month end churned within the
horizon when its MRR goes to zero within ``horizon_days`` after it (a subscription not renewed
ends and takes the MRR to zero, so non-renewal is the same event;
:func:`tenure.metrics.outcomes.churn_within`).

**Out of time.** A month end is *labelled* once its whole horizon lies within the data. A model
judged on month end ``J`` learns only from month ends whose horizon ends on or before ``J``
(their outcomes were known on ``J``): the latest :data:`CALIBRATION_MONTHS` of them are held
out to calibrate the probabilities, and the booster learns from the :data:`TRAIN_MONTHS` before
those whose own horizon ends before the first calibration month (so the calibration months'
churners are not the training months' churners seen again).

**A single snapshot.** A company that imports only its current state labels accounts itself:
an attribute of the accounts file holding 0/1 or true/false (``--label-attribute``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ..errors import ChurnError
from ..health.backtest import month_ends
from ..metrics import context
from ..metrics.outcomes import churn_within, data_span, last_observable, paying_runs

DEFAULT_HORIZON_DAYS = 90
TRAIN_MONTHS = 24  # month ends of history the booster learns from, at most
CALIBRATION_MONTHS = 3  # the latest labelled month ends, held out for calibration
JUDGED_MONTHS = 3  # the latest labelled month ends an evaluation judges
MIN_CHURNED = 10  # fewer churned (or retained) rows than this teach a model nothing

TRUE_WORDS = {"1", "true", "yes", "y", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "f"}


@dataclass(frozen=True)
class Plan:
    """The month ends one fit uses: the booster's, the calibrator's, and the judged ones."""

    train: tuple[date, ...]
    calibration: tuple[date, ...]
    judged: tuple[date, ...] = ()

    @property
    def history(self) -> tuple[date, ...]:
        return (*self.train, *self.calibration)

    def as_dict(self) -> dict[str, Any]:
        return {"train_months": list(self.train), "calibration_months": list(self.calibration),
                "judged_months": list(self.judged)}


def span(app: Any) -> tuple[date, date] | None:
    """The first and last days with data (the as-of date of the context is a placeholder)."""
    return data_span(context(app, as_of=date(2000, 1, 1)))


def labelled_months(start: date, as_of: date, horizon_days: int) -> list[date]:
    """Month ends from ``start`` (:func:`~tenure.health.backtest.first_labelled_day`) whose
    whole horizon ends on or
    before ``as_of``."""
    return month_ends(start, last_observable(as_of, horizon_days))


def fit_plan(months: list[date], horizon_days: int, *, train_months: int = TRAIN_MONTHS,
             calibration_months: int = CALIBRATION_MONTHS,
             judged: tuple[date, ...] = ()) -> Plan:
    """Split labelled month ends (all known by the time the model is used) into calibration
    months (the latest) and training months (before them, horizons ending before the first
    calibration month); see the module doc."""
    if not months:
        raise ChurnError(_too_little(months, horizon_days))
    # A short history calibrates on its last month end rather than on none.
    for n in dict.fromkeys((calibration_months, 1)):
        calib = months[-n:]
        train = [m for m in months if m + timedelta(days=horizon_days) <= calib[0]]
        if train:
            return Plan(train=tuple(train[-train_months:]), calibration=tuple(calib),
                        judged=judged)
    raise ChurnError(_too_little(months, horizon_days))


def _too_little(months: list[date], horizon_days: int) -> str:
    return (f"too little history for an out-of-time churn model: {len(months)} month end(s) "
            f"with a whole {horizon_days}-day horizon of data after them; a model needs "
            f"month ends to learn from, a {horizon_days}-day gap, and later ones to calibrate "
            "on. Import more history, shorten --horizon, or label accounts with "
            "--label-attribute")


def judged_plans(months: list[date], horizon_days: int, *, judged_months: int = JUDGED_MONTHS,
                 train_months: int = TRAIN_MONTHS,
                 calibration_months: int = CALIBRATION_MONTHS) -> list[Plan]:
    """Walk forward over the latest ``judged_months`` labelled month ends: each is judged by
    a model fitted on the month ends whose horizon ends on or before it."""
    plans = []
    for j in months[-judged_months:]:
        known = [m for m in months if m + timedelta(days=horizon_days) <= j]
        plans.append(fit_plan(known, horizon_days, train_months=train_months,
                              calibration_months=calibration_months, judged=(j,)))
    return plans


def churn_labels(app: Any, months: list[date], horizon_days: int) -> pd.DataFrame:
    """as_of, account_id, churned for the accounts paying at the end of each month end."""
    ctx = context(app, as_of=max(months))
    out = churn_within(paying_runs(ctx), months, horizon_days)
    return out[["as_of", "account_id", "churned"]].astype({"churned": bool})


def parse_label(value: Any) -> bool | None:
    """A 0/1, true/false or yes/no label; None when missing; ValueError otherwise."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in TRUE_WORDS or text in {"1.0"}:
        return True
    if text in FALSE_WORDS or text in {"0.0"}:
        return False
    raise ValueError(value)


def attribute_labels(attributes: pd.DataFrame, name: str) -> pd.DataFrame:
    """account_id, churned from the accounts attribute ``name`` (accounts without a value are
    left out); ChurnError naming the values that are not a 0/1 or true/false label."""
    column = f"attr.{name}"
    if column not in attributes.columns:
        known = ", ".join(sorted(c[5:] for c in attributes.columns if c.startswith("attr.")))
        raise ChurnError(f"no account has the attribute {name!r} (the accounts file's extra "
                         f"columns are: {known or 'none'}); import an accounts file with it")
    labels: list[bool | None] = []
    bad: list[str] = []
    for v in attributes[column]:
        try:
            labels.append(parse_label(v))
        except ValueError:
            labels.append(None)
            bad.append(repr(v))
    if bad:
        raise ChurnError(f"attribute {name!r} must hold 0/1 or true/false; {len(bad)} account(s) "
                         f"have something else: {', '.join(sorted(set(bad))[:5])}")
    out = pd.DataFrame({"account_id": attributes["account_id"].to_numpy(), "churned": labels})
    out = out[out["churned"].notna()].astype({"churned": bool})
    return out.reset_index(drop=True)


def check_classes(y: pd.Series | Any, what: str) -> None:
    """Both outcomes must be there often enough to learn from."""
    n = len(y)
    k = int(pd.Series(y).sum())
    if k < MIN_CHURNED or n - k < MIN_CHURNED:
        raise ChurnError(f"{what}: {k:,} churned and {n - k:,} retained; a churn model needs "
                         f"at least {MIN_CHURNED} of each")

