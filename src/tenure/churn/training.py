"""Fitting: the gradient-boosted model, its calibration, and the two references it is judged
against (a logistic regression and the health score).

- **Model**: LightGBM with modest fixed hyper-parameters (shallow trees, a slow learning rate,
  row and column subsampling, L2), deterministic (fixed seed, ``deterministic=True``, few
  threads), so the same data gives the same model. Leaves need at least 50 rows, fewer only
  when the data is small (a single snapshot of a few hundred accounts).
- **Calibration**: the booster's raw score becomes a probability by Platt scaling (a logistic
  fit of the outcome on the raw score), fitted on rows the booster did not learn from: later
  month ends out of time, other accounts' folds in a snapshot. Platt keeps the booster's
  ranking and gives no account a probability of exactly 0 or 1; isotonic regression, whose
  steps need many churners to settle, takes over from :data:`MIN_ISOTONIC_CHURNED` churned
  calibration rows. (On the 5,000-account sample, with some 300 churned rows per calibration
  slice, Platt had the better Brier score, PR-AUC and AUC on the judged months.)
- **Baseline**: L2 logistic regression on standardised numbers (missing values imputed by the
  median, with missing-value indicators) and one-hot categories.
- **Health score**: the score as a probability by Platt scaling on the training rows, so that
  its Brier score and calibration can sit beside the others (its AUC does not depend on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .encoding import FeatureSchema

if TYPE_CHECKING:
    import lightgbm as lgb
    from sklearn.pipeline import Pipeline

SEED = 20240611
ROUNDS = 300
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "min_data_per_group": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10.0,
    "seed": SEED,
    "deterministic": True,
    "force_col_wise": True,  # one code path, whatever the data's shape: same model each time
    "num_threads": 2,
    "verbosity": -1,
}
MIN_ISOTONIC_CHURNED = 1000
MIN_ISOTONIC_ROWS = 5000


def params_for(rows: int) -> dict[str, Any]:
    """The hyper-parameters for ``rows`` training rows: leaves and category groups need 50
    rows, or a fortieth of a small training set (at least 5)."""
    small = max(5, min(50, rows // 40))
    return {**PARAMS, "min_data_in_leaf": small, "min_data_per_group": small}


def fit_booster(schema: FeatureSchema, frame: pd.DataFrame, y: np.ndarray) -> lgb.Booster:
    import lightgbm as lgb

    params = params_for(len(frame))
    data = lgb.Dataset(schema.matrix(frame), label=np.asarray(y, dtype="float64"),
                       feature_name=schema.lgb_names,
                       categorical_feature=schema.categorical_indices,
                       params={"verbosity": -1}, free_raw_data=True)
    return lgb.train(params, data, num_boost_round=ROUNDS)


@dataclass(frozen=True)
class Calibrator:
    """Raw score (log-odds) to probability: isotonic knots, or Platt's a * raw + b."""

    method: str
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    a: float = 1.0
    b: float = 0.0

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype="float64")
        if self.method == "isotonic":
            # What sklearn's IsotonicRegression.predict does with out_of_bounds="clip".
            return np.interp(raw, np.asarray(self.x), np.asarray(self.y))
        return 1.0 / (1.0 + np.exp(-(self.a * raw + self.b)))

    def to_json(self) -> dict[str, Any]:
        if self.method == "isotonic":
            return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}
        return {"method": "platt", "a": self.a, "b": self.b}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibrator:
        if data["method"] == "isotonic":
            return cls("isotonic", x=tuple(data["x"]), y=tuple(data["y"]))
        return cls("platt", a=float(data["a"]), b=float(data["b"]))


def platt(score: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """a, b of P(churn) = 1 / (1 + exp(-(a * score + b))), by maximum likelihood (a very weak
    L2 penalty keeps a perfectly separating score finite)."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e4, max_iter=1000).fit(
        np.asarray(score, dtype="float64")[:, None], np.asarray(y, dtype=bool))
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def fit_calibrator(raw: np.ndarray, y: np.ndarray) -> Calibrator:
    y = np.asarray(y, dtype=bool)
    if y.all() or not y.any():
        # Nothing to calibrate against (no churn in the calibration months): the booster's
        # own probability, the logistic function of its raw score.
        return Calibrator("platt", a=1.0, b=0.0)
    if y.sum() >= MIN_ISOTONIC_CHURNED and len(y) >= MIN_ISOTONIC_ROWS:
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(np.asarray(raw, dtype="float64"), y.astype("float64"))
        return Calibrator("isotonic", x=tuple(float(v) for v in iso.X_thresholds_),
                          y=tuple(float(v) for v in iso.y_thresholds_))
    a, b = platt(raw, y)
    return Calibrator("platt", a=a, b=b)


@dataclass
class ChurnModel:
    """A fitted booster with its calibrator and feature schema."""

    schema: FeatureSchema
    booster: lgb.Booster
    calibrator: Calibrator

    def raw(self, frame: pd.DataFrame) -> np.ndarray:
        """The booster's raw score (log-odds) for each row."""
        return np.asarray(self.booster.predict(self.schema.matrix(frame), raw_score=True))

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        return self.calibrator(self.raw(frame))

    def contributions(self, frame: pd.DataFrame) -> np.ndarray:
        """TreeSHAP (LightGBM's pred_contrib): n x (features + 1) log-odds, the last column
        the expected value; each row adds up to the raw score."""
        return np.asarray(self.booster.predict(self.schema.matrix(frame), pred_contrib=True))

    def importance(self) -> list[dict[str, Any]]:
        """Each feature's share of the total gain, largest first."""
        gain = np.asarray(self.booster.feature_importance(importance_type="gain"), dtype=float)
        total = gain.sum() or 1.0
        rows = [{"feature": n, "gain_share": float(g / total)}
                for n, g in zip(self.schema.names, gain, strict=True) if g > 0]
        return sorted(rows, key=lambda r: -r["gain_share"])


def fit_model(schema: FeatureSchema, train: pd.DataFrame, y_train: np.ndarray,
              calib: pd.DataFrame, y_calib: np.ndarray) -> ChurnModel:
    """Boost on ``train``, calibrate on ``calib`` (rows the booster did not see)."""
    booster = fit_booster(schema, train, y_train)
    raw = np.asarray(booster.predict(schema.matrix(calib), raw_score=True))
    return ChurnModel(schema, booster, fit_calibrator(raw, y_calib))


def fit_baseline(schema: FeatureSchema, frame: pd.DataFrame, y: np.ndarray) -> Pipeline:
    """The logistic-regression baseline on the same features (see the module doc)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numbers = Pipeline([
        ("impute", SimpleImputer(strategy="median", add_indicator=True,
                                 keep_empty_features=True)),
        ("scale", StandardScaler()),
    ])
    prepare = ColumnTransformer([
        ("numeric", numbers, schema.numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), schema.categorical),
    ])
    model = Pipeline([("prepare", prepare),
                      ("logistic", LogisticRegression(C=1.0, max_iter=5000))])
    return model.fit(schema.table(frame), np.asarray(y, dtype=bool))


def baseline_probability(model: Pipeline, schema: FeatureSchema,
                         frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.predict_proba(schema.table(frame))[:, 1])


@dataclass(frozen=True)
class HealthMap:
    """The health score as a churn probability (Platt on the training rows); a row without a
    score takes the training rows' median score."""

    a: float
    b: float
    median: float

    def __call__(self, score: np.ndarray) -> np.ndarray:
        s = np.asarray(score, dtype="float64")
        s = np.where(np.isnan(s), self.median, s)
        return 1.0 / (1.0 + np.exp(-(self.a * s + self.b)))

    def filled(self, score: np.ndarray) -> np.ndarray:
        s = np.asarray(score, dtype="float64")
        return np.where(np.isnan(s), self.median, s)


def fit_health_map(score: np.ndarray, y: np.ndarray) -> HealthMap:
    s = np.asarray(score, dtype="float64")
    known = ~np.isnan(s)
    median = float(np.median(s[known])) if known.any() else 50.0
    y = np.asarray(y, dtype=bool)
    if not known.any() or y[known].all() or not y[known].any():
        return HealthMap(0.0, 0.0, median)
    a, b = platt(s[known], y[known])
    return HealthMap(a, b, median)
