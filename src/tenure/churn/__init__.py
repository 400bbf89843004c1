"""Churn risk: a calibrated probability that each paying account churns within a horizon,
with the reasons behind it.

A gradient-boosted model (LightGBM) learns from point-in-time features of past month ends
(``features``: metrics, their 30/90-day changes, health measures, tenure, renewal timing and
the accounts' attributes) labelled by the churn that followed (``labels``), is calibrated on
later months it did not learn from, judged out of time beside a logistic-regression baseline
and the health score (``evaluation``), explained per account by TreeSHAP in words
(``drivers``), and saved as a versioned folder with its model card (``storage``).
docs/churn.md has the details::

    card, evaluation = train(app, created=date.today())
    predict(app, as_of=date(2026, 6, 30))   # account_id, churn_probability, horizon_days,
                                            # drivers
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import ChurnError
from .runs import Evaluation, evaluate, train
from .runs import predict as _predict
from .storage import ModelCard, latest_card

if TYPE_CHECKING:
    from ..app import App

__all__ = ["ChurnError", "Evaluation", "ModelCard", "evaluate", "latest_model", "predict",
           "train"]


def predict(app: App, *, as_of: date, model_dir: Path | None = None) -> pd.DataFrame:
    """Every account paying at the end of ``as_of``: account_id, churn_probability
    (calibrated, within the model's horizon), horizon_days and drivers (up to three, in words,
    risk-raising first), from the latest saved model (or the one in ``model_dir``).
    ChurnError when no model was trained."""
    return _predict(app, as_of=as_of, model_dir=model_dir)


def latest_model(app: App) -> ModelCard | None:
    """The card of the latest saved model; None when none was trained."""
    return latest_card(app)
