"""The runs behind `tenure churn train | evaluate | explain` and the scoring run's predictions.

``evaluate`` judges the way of fitting: out of time (walk forward over the latest labelled
month ends, each judged by models fitted only on what was known then), or k-fold by account on
a single snapshot labelled by an attribute. ``train`` runs the same evaluation, then fits the
model on the latest history and saves it with its card. ``predict`` scores every paying account
with the latest saved model.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ChurnError
from . import labels as lab
from .drivers import top_drivers
from .encoding import build_schema
from .evaluation import clean, headline, report
from .features import ACCOUNT, AS_OF, PointInTime
from .storage import ModelCard, load_latest, models_dir, save
from .training import (
    PARAMS,
    ROUNDS,
    SEED,
    ChurnModel,
    baseline_probability,
    fit_baseline,
    fit_booster,
    fit_calibrator,
    fit_health_map,
    fit_model,
    params_for,
)

if TYPE_CHECKING:
    from ..app import App

Progress = Callable[[str, int, int], None]
FOLDS = 5


@dataclass
class Evaluation:
    """An evaluation's report, the judged rows' predictions, and what the final fit uses."""

    report: dict[str, Any]
    predictions: pd.DataFrame
    as_of: date
    label: str
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # snapshot: the labelled rows
    oof_raw: np.ndarray | None = None  # snapshot: out-of-fold raw scores


def resolve_as_of(app: App, as_of: date | None) -> tuple[date, date]:
    """The as-of date (default: the last day with data) and the first day a month end may
    be labelled (:func:`tenure.health.backtest.first_labelled_day`: after the warm-up
    behind the first data, and after the events look-back behind what the retention rules
    keep, :func:`tenure.privacy.retention.history_kept_from`)."""
    from ..health.backtest import first_labelled_day
    from ..privacy.retention import history_kept_from

    found = lab.span(app)
    if found is None:
        if as_of is None:
            raise ChurnError("the warehouse holds no dated records; pass --as-of")
        return as_of, as_of
    day = as_of or found[1]
    return day, first_labelled_day(found[0], history_kept_from(app.settings, day))


def history_rows(app: App, pit: PointInTime, months: list[date], horizon_days: int,
                 progress: Progress | None = None) -> pd.DataFrame:
    """Features of the paying accounts of each month end with ``churned`` joined."""
    outcome = lab.churn_labels(app, months, horizon_days)
    pit.prepare(months)
    parts = []
    for i, m in enumerate(sorted(months)):
        parts.append(pit.features(m).assign(**{AS_OF: m}))
        if progress:
            progress("features per month end", i + 1, len(months))
    rows = pd.concat(parts, ignore_index=True)
    return rows.merge(outcome, on=[AS_OF, ACCOUNT], how="inner")


def _y(frame: pd.DataFrame) -> np.ndarray:
    return frame["churned"].to_numpy(dtype=bool)


def _predictions(frame: pd.DataFrame, model: np.ndarray, baseline: np.ndarray,
                 health: np.ndarray, score: np.ndarray) -> pd.DataFrame:
    out = frame[[c for c in (AS_OF, ACCOUNT) if c in frame.columns]].copy()
    out["churned"] = _y(frame)
    out["model"], out["baseline"], out["health"] = model, baseline, health
    out["health_imputed"] = np.isnan(score)
    out["health_score"] = score
    return out


def _health(frame: pd.DataFrame) -> np.ndarray:
    if "health.score" not in frame.columns:
        return np.full(len(frame), np.nan)
    return frame["health.score"].to_numpy(dtype="float64")


def evaluate_out_of_time(app: App, pit: PointInTime, *, as_of: date, start: date,
                         horizon_days: int, judged_months: int = lab.JUDGED_MONTHS,
                         train_months: int = lab.TRAIN_MONTHS,
                         calibration_months: int = lab.CALIBRATION_MONTHS,
                         progress: Progress | None = None) -> tuple[Evaluation, pd.DataFrame]:
    """Walk forward over the latest labelled month ends (see the module doc); also returns
    the labelled rows of every month end read (for the final fit)."""
    months = lab.labelled_months(start, as_of, horizon_days)
    plans = lab.judged_plans(months, horizon_days, judged_months=judged_months,
                             train_months=train_months, calibration_months=calibration_months)
    needed = sorted({m for p in plans for m in (*p.history, *p.judged)})
    rows = history_rows(app, pit, needed, horizon_days, progress)
    parts = []
    for i, plan in enumerate(plans):
        hist = rows[rows[AS_OF].isin(plan.history)]
        train = rows[rows[AS_OF].isin(plan.train)]
        calib = rows[rows[AS_OF].isin(plan.calibration)]
        judged = rows[rows[AS_OF].isin(plan.judged)]
        lab.check_classes(_y(train), f"training months {plan.train[0]} to {plan.train[-1]}")
        schema = build_schema(hist)
        model = fit_model(schema, train, _y(train), calib, _y(calib))
        base = fit_baseline(schema, hist, _y(hist))
        hmap = fit_health_map(_health(hist), _y(hist))
        parts.append(_predictions(judged, model.probability(judged),
                                  baseline_probability(base, schema, judged),
                                  hmap(_health(judged)), _health(judged)))
        if progress:
            progress("fitting judged months", i + 1, len(plans))
    validation = {"kind": "out-of-time", "judged_months": [p.judged[0] for p in plans],
                  "plans": [p.as_dict() for p in plans]}
    preds = pd.concat(parts, ignore_index=True)
    rep = report(preds, validation=validation, horizon_days=horizon_days, as_of=as_of,
                 label="mrr_to_zero")
    return Evaluation(rep, preds, as_of, "mrr_to_zero"), rows


def evaluate_snapshot(app: App, pit: PointInTime, *, as_of: date, attribute: str,
                      horizon_days: int, folds: int = FOLDS) -> Evaluation:
    """k-fold by account on the accounts labelled by ``attribute`` as of ``as_of``."""
    from sklearn.model_selection import StratifiedKFold

    labelled = lab.attribute_labels(pit.attributes(), attribute)
    rows = pit.features(as_of, paying_only=False).merge(labelled, on=ACCOUNT, how="inner")
    y = _y(rows)
    lab.check_classes(y, f"accounts labelled by {attribute!r}")
    schema = build_schema(rows, exclude=[f"attr.{attribute}"])
    k = min(folds, int(y.sum()), int((~y).sum()))
    split = StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED % 2**31)
    fold = np.empty(len(rows), dtype=int)
    raw = np.empty(len(rows))
    base = np.empty(len(rows))
    score = _health(rows)
    for f, (tr, te) in enumerate(split.split(np.zeros(len(y)), y)):
        fold[te] = f
        train, test = rows.iloc[tr], rows.iloc[te]
        booster = fit_booster(schema, train, y[tr])
        raw[te] = booster.predict(schema.matrix(test), raw_score=True)
        base[te] = baseline_probability(fit_baseline(schema, train, y[tr]), schema, test)
    # Each fold's probabilities come from a calibrator (and a health mapping) fitted on the
    # other folds' out-of-fold scores: no row helps calibrate its own prediction.
    prob = np.empty(len(rows))
    health = np.empty(len(rows))
    for f in range(k):
        held = fold == f
        prob[held] = fit_calibrator(raw[~held], y[~held])(raw[held])
        health[held] = fit_health_map(score[~held], y[~held])(score[held])
    preds = _predictions(rows, prob, base, health, score)
    label = f"attribute:{attribute}"
    validation = {"kind": "k-fold", "folds": k, "by": "account", "as_of": as_of,
                  "accounts": len(rows)}
    rep = report(preds, validation=validation, horizon_days=horizon_days, as_of=as_of,
                 label=label)
    return Evaluation(rep, preds, as_of, label, rows=rows, oof_raw=raw)


def evaluate(app: App, *, as_of: date | None = None,
             horizon_days: int = lab.DEFAULT_HORIZON_DAYS, label_attribute: str | None = None,
             pit: PointInTime | None = None, reports_dir: Path | None = None,
             progress: Progress | None = None, **months: int) -> Evaluation:
    """Evaluate as of a date (default: the last day with data); writes the chart."""
    day, first = resolve_as_of(app, as_of)
    pit = pit or PointInTime(app)
    if label_attribute:
        ev = evaluate_snapshot(app, pit, as_of=day, attribute=label_attribute,
                               horizon_days=horizon_days)
    else:
        ev, _ = evaluate_out_of_time(app, pit, as_of=day, start=first,
                                     horizon_days=horizon_days, progress=progress, **months)
    _chart(app, ev, reports_dir)
    return ev


def _chart(app: App, ev: Evaluation, reports_dir: Path | None) -> None:
    from .chart import write_chart  # matplotlib: only when a chart is drawn

    folder = reports_dir or app.home / "reports"
    path = write_chart(ev.report, folder / f"churn-evaluation-{ev.as_of}.png")
    ev.report["chart"] = str(path)


def libraries() -> dict[str, str]:
    import lightgbm
    import matplotlib
    import sklearn

    from .. import __version__

    return {"tenure": __version__, "lightgbm": lightgbm.__version__,
            "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "matplotlib": matplotlib.__version__,
            "python": sys.version.split()[0]}


def train(app: App, *, created: date, as_of: date | None = None,
          horizon_days: int = lab.DEFAULT_HORIZON_DAYS, label_attribute: str | None = None,
          pit: PointInTime | None = None, reports_dir: Path | None = None,
          progress: Progress | None = None, **months: int) -> tuple[ModelCard, Evaluation]:
    """Evaluate, then fit on the latest history and save the next version with its card."""
    day, first = resolve_as_of(app, as_of)
    pit = pit or PointInTime(app)
    if label_attribute:
        ev = evaluate_snapshot(app, pit, as_of=day, attribute=label_attribute,
                               horizon_days=horizon_days)
        rows = ev.rows
        schema = build_schema(rows, exclude=[f"attr.{label_attribute}"])
        assert ev.oof_raw is not None
        model = ChurnModel(schema, fit_booster(schema, rows, _y(rows)),
                           fit_calibrator(ev.oof_raw, _y(rows)))
        train_rows, calib_rows = rows, rows
        train_m: list[date] = [day]
        calib_m: list[date] = [day]
    else:
        ev, rows = evaluate_out_of_time(app, pit, as_of=day, start=first,
                                        horizon_days=horizon_days, progress=progress, **months)
        all_months = lab.labelled_months(first, day, horizon_days)
        plan = lab.fit_plan(
            all_months, horizon_days,
            train_months=months.get("train_months", lab.TRAIN_MONTHS),
            calibration_months=months.get("calibration_months", lab.CALIBRATION_MONTHS))
        missing = sorted(set(plan.history) - set(rows[AS_OF]))
        if missing:
            rows = pd.concat([rows, history_rows(app, pit, missing, horizon_days)],
                             ignore_index=True)
        train_rows = rows[rows[AS_OF].isin(plan.train)]
        calib_rows = rows[rows[AS_OF].isin(plan.calibration)]
        lab.check_classes(_y(train_rows), "training months")
        schema = build_schema(rows[rows[AS_OF].isin(plan.history)])
        model = fit_model(schema, train_rows, _y(train_rows), calib_rows, _y(calib_rows))
        train_m, calib_m = list(plan.train), list(plan.calibration)
    _chart(app, ev, reports_dir)
    card = ModelCard(
        version=0, created=created, as_of=day, horizon_days=horizon_days, label=ev.label,
        validation=ev.report["validation"], train_months=train_m, calibration_months=calib_m,
        rows={"train": len(train_rows), "train_churned": int(_y(train_rows).sum()),
              "calibration": len(calib_rows),
              "calibration_churned": int(_y(calib_rows).sum())},
        features=schema.names, metrics=clean(headline(ev.report)),
        params={**params_for(len(train_rows)), "num_boost_round": ROUNDS,
                "base": dict(PARAMS)},
        libraries=libraries(), calibration=model.calibrator.method,
        top_features=model.importance()[:15])
    return save(models_dir(app), model, card), ev


def predict(app: App, *, as_of: date, model_dir: Path | None = None,
            pit: PointInTime | None = None) -> pd.DataFrame:
    """Every paying account's calibrated churn probability over the model's horizon, with up
    to three drivers in words (risk-raising first)."""
    model, card = load_latest(app, model_dir)
    pit = pit or PointInTime(app)
    frame = pit.features(as_of)
    if frame.empty:
        return pd.DataFrame({"account_id": pd.Series(dtype=object),
                             "churn_probability": pd.Series(dtype="float64"),
                             "horizon_days": pd.Series(dtype="int64"),
                             "drivers": pd.Series(dtype=object)})
    contrib, words = top_drivers(model, frame, currency=app.settings.company.reporting_currency,
                                 health_model=pit.health_model)
    return pd.DataFrame({
        "account_id": frame[ACCOUNT].to_numpy(),
        "churn_probability": model.calibrator(contrib.sum(axis=1)),
        "horizon_days": np.full(len(frame), card.horizon_days, dtype="int64"),
        "drivers": words,
    })



def explain_account(app: App, account_id: str, *, as_of: date | None = None,
                    model_dir: Path | None = None) -> dict[str, Any]:
    """One account's churn probability with every feature's contribution (largest first)."""
    from .drivers import explain

    model, card = load_latest(app, model_dir)
    day, _ = resolve_as_of(app, as_of)
    pit = PointInTime(app)
    if account_id not in set(pit.attributes()[ACCOUNT]):
        raise ChurnError(f"no account {account_id!r} in the warehouse")
    everyone = pit.features(day, paying_only=False)
    row = everyone[everyone[ACCOUNT] == account_id].reset_index(drop=True)
    if row.empty or not float(row["metric.mrr"].fillna(0).iloc[0]) > 0:
        raise ChurnError(f"{account_id} is not paying at the end of {day}: churn risk is for "
                         "paying accounts")
    found = explain(model, row, currency=app.settings.company.reporting_currency,
                    health_model=pit.health_model)[0]
    _, words = top_drivers(model, row, currency=app.settings.company.reporting_currency,
                           health_model=pit.health_model)
    return {"account_id": account_id, "as_of": day, "model": card.name,
            "horizon_days": card.horizon_days, "churn_probability": found["churn_probability"],
            "raw_score": found["raw_score"], "expected_value": found["expected_value"],
            "drivers": words[0], "contributions": found["contributions"]}
