"""Why an account's churn risk is what it is: each feature's push, in words a CSM can act on.

LightGBM's ``pred_contrib=True`` is TreeSHAP (Lundberg et al., 2020): for each account, one
contribution per feature in log-odds, plus the expected value (the model's average raw score),
adding up exactly to the account's raw score. A positive contribution raises the risk, a
negative one lowers it. The drivers named are those that push most either way (at least
:data:`MIN_PUSH` log-odds; a health measure counted with the metric it reads), the risk-raising
ones first, each said with the value behind it: "Active user-days down 45% over 90 days",
"Renewal in 21 days", "Urgent open tickets 3".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..health.model import HealthModel
from ..health.words import say_change, say_value
from ..metrics import catalog
from .encoding import Feature
from .training import ChurnModel

DRIVERS_SHOWN = 3
MIN_PUSH = 0.05  # log-odds; smaller pushes move the probability by well under a point


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _metric(name: str) -> tuple[str, str]:
    m = catalog().get(name)
    return (m.label, m.unit) if m else (name.replace("_", " "), "number")


def describe(feature: Feature, value: Any, *, currency: str = "USD",
             health_model: HealthModel | None = None) -> str:
    """The feature's value in words."""
    kind, _, rest = feature.name.partition(".")
    if feature.kind == "categorical":
        key = rest.replace("_", " ")
        key = key[:1].upper() + key[1:]
        if _missing(value):
            return f"{key} unknown"
        text = str(value)
        return f"{key} {text}" if text in feature.levels else f"{key} {text} (rare)"
    if kind == "metric":
        label, unit = _metric(rest)
        if _missing(value) and health_model is not None:
            # A health measure may say what a missing value means ("no active users in the
            # last 30 days" for an undefined DAU/MAU).
            said = [m.drag_missing for m in health_model.measures.values()
                    if m.metric == rest and m.drag_missing and "{" not in m.drag_missing]
            if said:
                return said[0][:1].upper() + said[0][1:]
        return f"{label} {say_value(value, unit, currency)}"
    if kind.startswith("change"):
        days = kind.removeprefix("change")
        label, _ = _metric(rest)
        if _missing(value):
            return f"{label}: nothing to compare with {days} days ago"
        return f"{label} {say_change(value)} over {days} days"
    if feature.name == "health.score":
        return "No health score" if _missing(value) else f"Health score {value:.0f}"
    if kind == "health":
        measure = rest.partition(".")[2]
        m = health_model.measures.get(measure) if health_model else None
        label = m.label if m else measure.replace("_", " ")
        if _missing(value):
            return f"Health measure {label}: no value"
        return f"Health measure {label} scores {value:.0f} of 100"
    if feature.name == "tenure_days":
        return "Not paying yet" if _missing(value) else f"Customer for {say_value(value, 'days')}"
    if feature.name == "days_to_renewal":
        return ("No renewal date" if _missing(value)
                else f"Renewal in {say_value(value, 'days')}")
    # A numeric attribute of the accounts file.
    key = rest.replace("_", " ")
    key = key[:1].upper() + key[1:]
    return f"{key} unknown" if _missing(value) else f"{key} {say_value(value, 'number')}"


def _value(frame: pd.DataFrame, feature: Feature, i: int) -> Any:
    if feature.name not in frame.columns:
        return None
    v = frame[feature.name].iloc[i]
    if feature.kind == "categorical":
        return None if _missing(v) else str(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def explain(model: ChurnModel, frame: pd.DataFrame, *, currency: str = "USD",
            health_model: HealthModel | None = None) -> list[dict[str, Any]]:
    """For each row of ``frame``: raw score, expected value, probability and every feature's
    contribution with its value and words, largest push first."""
    contrib = model.contributions(frame)
    prob = model.calibrator(contrib.sum(axis=1))
    out = []
    feats = model.schema.features
    for i in range(len(frame)):
        row = contrib[i, :-1]
        order = np.argsort(-np.abs(row), kind="stable")
        items = []
        for j in order:
            f = feats[j]
            v = _value(frame, f, i)
            items.append({"feature": f.name, "value": v, "contribution": float(row[j]),
                          "text": describe(f, v, currency=currency, health_model=health_model)})
        out.append({"raw_score": float(contrib[i].sum()), "expected_value": float(contrib[i, -1]),
                    "churn_probability": float(prob[i]), "contributions": items})
    return out


def grouped(model: ChurnModel, contrib: np.ndarray,
            health_model: HealthModel | None = None) -> tuple[np.ndarray, list[int]]:
    """The pushes with each health measure counted with the metric it reads (a CSM hears
    "Stickiness 3%" once, not again as the measure's score): n x features, the measure's
    column folded into the metric's (sums stay sums: the row still adds up); and the feature
    whose words name each column."""
    names = {f.name: j for j, f in enumerate(model.schema.features)}
    owner = list(range(len(model.schema.features)))
    for j, f in enumerate(model.schema.features):
        if not f.name.startswith("health.") or f.name == "health.score" or health_model is None:
            continue
        m = health_model.measures.get(f.name.rsplit(".", 1)[-1])
        if m is not None and m.metric and f"metric.{m.metric}" in names:
            owner[j] = names[f"metric.{m.metric}"]
    out = np.zeros_like(contrib[:, :-1])
    np.add.at(out.T, np.asarray(owner), contrib[:, :-1].T)
    return out, owner


def top_drivers(model: ChurnModel, frame: pd.DataFrame, *, currency: str = "USD",
                health_model: HealthModel | None = None,
                shown: int = DRIVERS_SHOWN) -> tuple[np.ndarray, list[list[str]]]:
    """The raw contributions and, per row, up to ``shown`` drivers in words: the largest
    pushes (:func:`grouped`), risk-raising first (each marked as raising or lowering the
    risk)."""
    contrib = model.contributions(frame)
    feats = model.schema.features
    words: list[list[str]] = []
    pushes, _ = grouped(model, contrib, health_model)
    for i in range(len(frame)):
        row = pushes[i]
        big = [j for j in np.argsort(-np.abs(row), kind="stable")[:shown]
               if abs(row[j]) >= MIN_PUSH]
        big.sort(key=lambda j: (row[j] < 0, -abs(row[j])))
        said = []
        for j in big:
            text = describe(feats[j], _value(frame, feats[j], i), currency=currency,
                            health_model=health_model)
            said.append(f"{text} ({'raises' if row[j] > 0 else 'lowers'} risk)")
        words.append(said)
    return contrib, words
