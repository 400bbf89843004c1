"""How well churn was foretold: the model beside the baseline and the health score.

Every figure is computed on the same rows (judged account-months, or every labelled account
in a single snapshot), from probabilities made without those rows' outcomes:

- **AUC**: the chance that a churned row got a higher risk than a retained one (ties half);
- **PR-AUC**: average precision (scikit-learn's step-wise area under precision-recall),
  which, unlike AUC, falls as churn gets rarer: compare it to the churn rate;
- **Brier score**: the mean of (probability - outcome)^2, lower is better; a constant guess of
  the churn rate p scores p(1 - p);
- **top-decile lift**: the churn rate of the tenth of rows at highest risk over the overall
  churn rate; rows tied at the cut count in proportion (as if the tie were broken at random),
  which matters for the health score's many equal scores;
- **calibration**: ten bins of equal size by predicted probability, each bin's mean
  probability beside its observed churn rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..health.backtest import auc as auc_lower_is_risk
from ..health.backtest import roc_points

SERIES = ("model", "baseline", "health")
CALIBRATION_BINS = 10


def auc(y: np.ndarray, risk: np.ndarray) -> float | None:
    """AUC of ``risk`` (higher = more likely to churn); None without both outcomes."""
    return auc_lower_is_risk(np.asarray(y, dtype=bool), -np.asarray(risk, dtype="float64"))


def pr_auc(y: np.ndarray, risk: np.ndarray) -> float | None:
    from sklearn.metrics import average_precision_score

    y = np.asarray(y, dtype=bool)
    if not y.any() or y.all():
        return None
    return float(average_precision_score(y, np.asarray(risk, dtype="float64")))


def brier(y: np.ndarray, p: np.ndarray) -> float | None:
    from sklearn.metrics import brier_score_loss

    y = np.asarray(y, dtype=bool)
    if len(y) == 0:
        return None
    return float(brier_score_loss(y, np.asarray(p, dtype="float64")))


def top_decile_lift(y: np.ndarray, risk: np.ndarray) -> float | None:
    """Churn rate among the tenth of rows at highest risk over the overall churn rate (see
    the module doc for ties); None when nobody churned."""
    y = np.asarray(y, dtype="float64")
    r = np.asarray(risk, dtype="float64")
    n = len(y)
    if n == 0 or y.sum() == 0:
        return None
    top = n / 10.0
    frame = pd.DataFrame({"r": r, "y": y}).groupby("r", sort=True)["y"].agg(["size", "sum"])
    frame = frame.iloc[::-1]  # highest risk first
    before = frame["size"].cumsum() - frame["size"]
    share = ((top - before) / frame["size"]).clip(0.0, 1.0)
    churned_in_top = float((share * frame["sum"]).sum())
    return (churned_in_top / top) / (y.sum() / n)


def calibration(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS
                ) -> list[dict[str, Any]]:
    """Equal-size bins by predicted probability: rows, mean probability, churn rate."""
    y = np.asarray(y, dtype="float64")
    p = np.asarray(p, dtype="float64")
    order = np.argsort(p, kind="stable")
    out = []
    for part in np.array_split(order, min(bins, max(len(p), 1))):
        if len(part) == 0:
            continue
        out.append({"rows": len(part), "mean_probability": float(p[part].mean()),
                    "churn_rate": float(y[part].mean()), "from": float(p[part].min()),
                    "to": float(p[part].max())})
    return out


def measures(y: np.ndarray, p: np.ndarray, risk: np.ndarray | None = None) -> dict[str, Any]:
    """AUC, PR-AUC, Brier and top-decile lift of one series (``risk`` ranks; default p)."""
    r = p if risk is None else risk
    return {"auc": auc(y, r), "pr_auc": pr_auc(y, r), "brier": brier(y, p),
            "top_decile_lift": top_decile_lift(y, r)}


def report(predictions: pd.DataFrame, *, validation: dict[str, Any], horizon_days: int,
           as_of: date, label: str) -> dict[str, Any]:
    """The evaluation report of predictions (columns churned, model, baseline, health and
    health_score; as_of for per-month figures). The health score ranks by its own score
    (lower = riskier); its probability is its Platt mapping."""
    predictions = predictions.reset_index(drop=True)
    y = predictions["churned"].to_numpy(dtype=bool)
    risk = {"model": predictions["model"].to_numpy(), "baseline":
            predictions["baseline"].to_numpy(),
            "health": -predictions["health_score"].to_numpy(dtype="float64")}
    figures = {s: measures(y, predictions[s].to_numpy(), risk[s]) for s in SERIES}
    out: dict[str, Any] = {
        "as_of": as_of, "horizon_days": horizon_days, "label": label,
        "validation": validation,
        "rows": len(y), "churned": int(y.sum()),
        "churn_rate": float(y.mean()) if len(y) else None,
        "health_scores_imputed": int(predictions["health_imputed"].sum())
        if "health_imputed" in predictions else 0,
    }
    for key in ("auc", "pr_auc", "brier", "top_decile_lift"):
        out[key] = figures["model"][key]
        out[f"{key}_baseline"] = figures["baseline"][key]
        out[f"{key}_health"] = figures["health"][key]
    if "as_of" in predictions.columns and predictions["as_of"].nunique() > 1:
        out["months"] = [
            {"as_of": m, "rows": len(g), "churned": int(g["churned"].sum()),
             **{f"auc{'' if s == 'model' else '_' + s}": auc(
                 g["churned"].to_numpy(), risk[s][g.index.to_numpy()]) for s in SERIES}}
            for m, g in predictions.groupby("as_of", sort=True)]
    out["calibration"] = {s: calibration(y, predictions[s].to_numpy()) for s in SERIES}
    out["roc"] = {s: roc_points(y, -risk[s]) for s in SERIES}
    return out


def clean(value: Any) -> Any:
    """NaN and infinities as None, recursively (for JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def headline(rep: dict[str, Any]) -> dict[str, Any]:
    """The figures a model card keeps (no curves)."""
    keep: Sequence[str] = ("as_of", "horizon_days", "label", "validation", "rows", "churned",
                           "churn_rate", "health_scores_imputed")
    out = {k: rep[k] for k in keep if k in rep}
    for key in ("auc", "pr_auc", "brier", "top_decile_lift"):
        for suffix in ("", "_baseline", "_health"):
            out[key + suffix] = rep.get(key + suffix)
    if "months" in rep:
        out["months"] = rep["months"]
    return out
