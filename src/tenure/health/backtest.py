"""How well the health score foretold churn: score every paying account as of each month end
from data up to that day, then see who churned within the horizon after it.

The report gives the AUC (the chance that a churner scored below a stayer), the churn rate
per band and the lift of red over green, a calibration table (churn rate per 10-point score
bin), the AUC month by month and a ROC curve. ``suggest`` fits measure weights from history
(L2-regularised logistic regression on the measure scores, trained on the earlier months,
judged on the later ones) and writes them as new profiles an admin can adopt.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HealthError
from ..metrics import context
from ..metrics.outcomes import churn_within, data_span, last_observable, paying_runs
from ..settings import Settings
from ..store import AppStore
from .inputs import account_inputs
from .model import Group, HealthModel, Profile
from .scoring import score_frame

CALIBRATION_BINS = 10
MIN_TRAIN_CHURNED = 20  # fewer churned account-months than this fit no weights
MIN_MEASURE_COVERAGE = 0.05  # measures with a value in fewer account-months get no weight


def month_ends(start: date, end: date) -> list[date]:
    """Every last day of a month from start to end (both included)."""
    out = []
    y, m = start.year, start.month
    while True:
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        last = nxt - timedelta(days=1)
        if last > end:
            break
        if last >= start:
            out.append(last)
        y, m = nxt.year, nxt.month
    return out


def auc(churned: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve of ``100 - score`` as a predictor of churn: the chance that a
    churned account scored below one that stayed (ties count half). None without both."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(churned, dtype=bool)
    if y.all() or not y.any():
        return None
    return float(roc_auc_score(y, -np.asarray(score, dtype="float64")))


def roc_points(churned: np.ndarray, score: np.ndarray, limit: int = 200) -> dict[str, list[float]]:
    from sklearn.metrics import roc_curve

    y = np.asarray(churned, dtype=bool)
    if y.all() or not y.any():
        return {"fpr": [], "tpr": []}
    fpr, tpr, _ = roc_curve(y, -np.asarray(score, dtype="float64"), drop_intermediate=True)
    if len(fpr) > limit:
        keep = np.unique(np.linspace(0, len(fpr) - 1, limit).round().astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return {"fpr": [round(float(x), 5) for x in fpr], "tpr": [round(float(x), 5) for x in tpr]}


@dataclass
class BacktestData:
    """Scored account-months: as_of, account_id, profile, score, band, churned, and one
    ``m:<group>:<measure>`` column per measure score (NaN when not scored), plus the input
    frames per month for re-scoring."""

    rows: pd.DataFrame
    frames: dict[date, pd.DataFrame] = field(default_factory=dict)


def collect(source: Any, *, settings: Settings, model: HealthModel, months: Sequence[date],
            horizon_days: int, store: AppStore | None = None, profile: str | None = None,
            progress: Callable[[int, int], None] | None = None) -> BacktestData:
    """Score each month end and join who churned within the horizon after it."""
    if not months:
        raise HealthError("no month ends to backtest in the chosen range")
    ctx_end = context(source, as_of=months[-1], settings=settings)
    runs = paying_runs(ctx_end)
    outcome = churn_within(runs, months, horizon_days)
    parts = []
    frames: dict[date, pd.DataFrame] = {}
    for i, m in enumerate(months):
        frame = account_inputs(source, as_of=m, model=model, settings=settings, store=store)
        frames[m] = frame
        scores = score_frame(frame, model, as_of=m, profile=profile)
        parts.append(_rows(scores.accounts, scores.measures, outcome[outcome["as_of"] == m], m))
        if progress:
            progress(i + 1, len(months))
    return BacktestData(rows=pd.concat(parts, ignore_index=True), frames=frames)


def _rows(accounts: pd.DataFrame, measures: pd.DataFrame, outcome: pd.DataFrame,
          as_of: date) -> pd.DataFrame:
    paying = outcome[["account_id", "churned"]]
    base = accounts[["account_id", "profile", "score", "band"]].merge(
        paying, on="account_id", how="inner")
    base = base[base["score"].notna()]
    if not measures.empty:
        wide = measures.assign(key="m:" + measures["group"] + ":" + measures["measure"]).pivot(
            index="account_id", columns="key", values="score")
        base = base.merge(wide, left_on="account_id", right_index=True, how="left")
    base.insert(0, "as_of", as_of)
    return base


def summarise(rows: pd.DataFrame, model: HealthModel) -> dict[str, Any]:
    """AUC, bands, lift, calibration, months and ROC of scored account-months."""
    y = rows["churned"].to_numpy(dtype=bool)
    s = rows["score"].to_numpy(dtype="float64")
    bands: list[dict[str, Any]] = []
    for b in model.bands:
        hit = rows["band"] == b.label
        n, k = int(hit.sum()), int(rows.loc[hit, "churned"].sum())
        bands.append({"band": b.label, "color": b.color, "from": b.low, "to": b.high,
                      "account_months": n, "churned": k, "churn_rate": k / n if n else None})
    low, high = bands[0], bands[-1]
    lift = (low["churn_rate"] / high["churn_rate"]
            if low["churn_rate"] is not None and high["churn_rate"] else None)
    calibration = []
    edges = np.linspace(0, 100, CALIBRATION_BINS + 1)
    for i in range(CALIBRATION_BINS):
        lo, hi = edges[i], edges[i + 1]
        hit = (s >= lo) & ((s < hi) | (i == CALIBRATION_BINS - 1) & (s <= hi))
        n, k = int(hit.sum()), int(y[hit].sum())
        calibration.append({"from": float(lo), "to": float(hi), "account_months": n,
                            "mean_score": float(s[hit].mean()) if n else None,
                            "churned": k, "churn_rate": k / n if n else None})
    months = []
    for m, g in rows.groupby("as_of", sort=True):
        months.append({"as_of": m, "accounts": len(g), "churned": int(g["churned"].sum()),
                       "auc": auc(g["churned"].to_numpy(), g["score"].to_numpy())})
    return {
        "account_months": len(rows), "churned": int(y.sum()),
        "churn_rate": float(y.mean()) if len(y) else None,
        "auc": auc(y, s), "lift_red_vs_green": lift, "lift_bands": [low["band"], high["band"]],
        "bands": bands, "calibration": calibration, "months": months, "roc": roc_points(y, s),
    }


# A backtest starts this long after the data does, so that the trailing windows behind the
# measures (NPS looks back 180 days) are full at its first month end.
WARM_UP_DAYS = 180
# How far back the measures and the churn features read product events: a metric 90 days
# before the day (churn.features.CHANGE_DAYS) over its own 30-day window.
EVENTS_LOOK_BACK_DAYS = 120


def first_labelled_day(first_day: date, kept_from: date | None) -> date:
    """The first day a month end may be judged or learnt from: WARM_UP_DAYS after the first
    data (the trailing windows are full), and EVENTS_LOOK_BACK_DAYS after the first day the
    retention rules keep (:func:`tenure.privacy.retention.history_kept_from`: product events
    before it are deleted)."""
    start = first_day + timedelta(days=WARM_UP_DAYS)
    if kept_from is not None:
        start = max(start, kept_from + timedelta(days=EVENTS_LOOK_BACK_DAYS))
    return start


def default_range(source: Any, settings: Settings, horizon_days: int,
                  start: date | None, end: date | None, months_back: int = 12) -> list[date]:
    """Month ends from ``start`` (default: ``months_back`` months before ``end``, but not
    within WARM_UP_DAYS of the first data) to ``end`` (default: the last month end whose
    horizon lies within the data)."""
    span = None
    if end is None or start is None:
        # The as-of date is only a placeholder here: the span reads whole tables.
        span = data_span(context(source, as_of=date(2000, 1, 1), settings=settings))
        if span is None:
            raise HealthError("the warehouse holds no dated records to backtest against")
    if end is None:
        assert span is not None
        end = last_observable(span[1], horizon_days)
    if start is None:
        from ..privacy.retention import history_kept_from

        assert span is not None
        index = end.year * 12 + end.month - 1 - months_back
        start = max(date(index // 12, index % 12 + 1, 1),
                    first_labelled_day(span[0], history_kept_from(settings, span[1])))
    months = month_ends(start, end)
    if not months:
        raise HealthError(f"no month end between {start} and {end} has a full {horizon_days}-day "
                          "horizon of data after it; choose an earlier --from/--to")
    return months


# ------------------------------------------------------------------ weight suggestions
def _features(rows: pd.DataFrame, profile: Profile) -> np.ndarray:
    """Measure scores of the profile's accounts, 0-1; a measure without a score takes its
    group's score and a group without one the overall score (what redistribution does)."""
    cols = []
    for g in profile.groups:
        keys = [f"m:{g.name}:{m}" for m, _ in g.measures]
        block = rows.reindex(columns=keys).to_numpy(dtype="float64")
        w = np.array([w for _, w in g.measures])
        present = ~np.isnan(block)
        wp = np.where(present, w, 0)
        gs = np.where(wp.sum(1) > 0, (np.nan_to_num(block) * wp).sum(1) / np.maximum(
            wp.sum(1), 1e-12), np.nan)
        gs = np.where(np.isnan(gs), rows["score"].to_numpy(dtype="float64"), gs)
        block = np.where(present, block, gs[:, None])
        cols.append(block)
    return np.column_stack(cols) / 100.0


# L2 strengths tried, chosen by AUC across months. The penalty pulls the coefficients towards
# the current weights (scaled to fit), so a large one keeps the model as it is and the data
# must earn every move away from it.
LAMBDAS = (1e-3, 1e-2, 1e-1, 1.0, 10.0)


def _fit_nonpositive(x: np.ndarray, y: np.ndarray, lam: float, prior: np.ndarray,
                     unused: np.ndarray | None = None) -> np.ndarray:
    """Class-balanced logistic regression of churn on measure scores, with an L2 penalty
    ``lam`` on the distance from ``prior`` and every coefficient <= 0: a higher measure score
    may only lower the risk, because the health score adds scores up and cannot subtract one.
    Measures flagged ``unused`` keep a coefficient of 0. Returns the coefficients."""
    from scipy.optimize import minimize

    k = x.shape[1]
    w = np.where(y, 0.5 / max(y.sum(), 1), 0.5 / max((~y).sum(), 1))  # balanced, sums to 1
    t = y.astype("float64")

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + x @ theta[1:]
        f = np.logaddexp(0, z) - t * z  # log(1 + e^z) - t z, without overflow
        p = 0.5 * (1 + np.tanh(z / 2))  # the logistic function, likewise
        g = w * (p - t)
        d = theta[1:] - prior
        value = float(w @ f) + 0.5 * lam * float(d @ d)
        grad = np.concatenate([[g.sum()], x.T @ g + lam * d])
        return value, grad

    bounds = [(None, None)] + [
        (0.0, 0.0) if unused is not None and unused[j] else (None, 0.0) for j in range(k)]
    start = np.concatenate([[0.0], np.where(unused if unused is not None else False, 0, prior)])
    res = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return np.asarray(res.x[1:])


def _prior(x: np.ndarray, y: np.ndarray, profile: Profile, unused: np.ndarray) -> np.ndarray:
    """The current weights as coefficients: each measure's nominal share of the score, times
    the slope that a one-variable fit of churn on that weighted sum finds."""
    shares = []
    total = sum(g.weight for g in profile.groups)
    for g in profile.groups:
        inner = sum(w for _, w in g.measures)
        shares += [g.weight / total * w / inner for _, w in g.measures]
    eff = np.where(unused, 0.0, np.array(shares))
    if eff.sum() <= 0:
        return eff
    eff = eff / eff.sum()
    slope = _fit_nonpositive((x @ eff)[:, None], y, 0.0, np.zeros(1))[0]
    return slope * eff


CV_FOLDS = 5


def _folds(accounts: np.ndarray) -> np.ndarray:
    """A fold per account (the same in every month): an account's months are strongly alike
    and a churner is labelled churned in several month ends before it leaves, so folds must
    hold out accounts, not months, or the check rewards fitting the same accounts twice."""
    codes = pd.Series(accounts).map(lambda a: zlib.crc32(str(a).encode()) % CV_FOLDS)
    return codes.to_numpy()


def _choose_lambda(x: np.ndarray, y: np.ndarray, folds: np.ndarray, prior: np.ndarray,
                   unused: np.ndarray) -> float | None:
    """The penalty to fit with: the one whose fits rank held-out accounts best; None when
    no fit ranks them better than the current weights do (on a tie the simpler candidate
    wins, the current weights being the simplest)."""
    best: tuple[float | None, float] = (None, -1.0)
    for lam in (None, *sorted(LAMBDAS, reverse=True)):  # simplest first
        aucs = []
        for f in range(CV_FOLDS):
            held = folds == f
            if y[held].all() or not y[held].any() or not y[~held].any():
                continue
            beta = prior if lam is None else _fit_nonpositive(
                x[~held], y[~held], lam, prior, unused)
            a = auc(y[held], -(x[held] @ beta))  # risk = x·beta, so "score" = -risk
            if a is not None:
                aucs.append(a)
        if aucs and float(np.mean(aucs)) > best[1] + 1e-4:
            best = (lam, float(np.mean(aucs)))
    return best[0]


def fit_profile(rows: pd.DataFrame, profile: Profile,
                name: str) -> tuple[Profile | None, dict[str, Any]]:
    """Weights for ``profile``'s measures from its scored account-months, and what was found.
    No profile (and a ``reason``) when the history has too few churned account-months, when
    the current weights rank held-out accounts as well as fitted ones, or when no measure
    lowers the risk."""
    y = rows["churned"].to_numpy(dtype=bool)
    info: dict[str, Any] = {"profile": profile.name}
    if y.sum() < MIN_TRAIN_CHURNED or (~y).sum() < MIN_TRAIN_CHURNED:
        return None, {**info, "reason": f"fewer than {MIN_TRAIN_CHURNED} churned (or retained) "
                      "account-months to learn from"}
    x = _features(rows, profile)
    # A measure that hardly ever has a value would be fitted on the group scores it was
    # filled with: it keeps no weight of its own.
    keys = [f"m:{g.name}:{m}" for g in profile.groups for m, _ in g.measures]
    unused = rows.reindex(columns=keys).notna().mean().to_numpy() < MIN_MEASURE_COVERAGE
    prior = _prior(x, y, profile, unused)
    lam = _choose_lambda(x, y, _folds(rows["account_id"].to_numpy()), prior, unused)
    if lam is None:
        return None, {**info, "reason": "the current weights rank held-out accounts as well "
                      "as any fitted ones"}
    beta = _fit_nonpositive(x, y, lam, prior, unused)
    strength = -beta
    if strength.sum() <= 1e-9:
        return None, {**info, "reason": "no measure lowers the risk in this history"}
    strength = 100 * strength / strength.sum()
    groups: list[Group] = []
    names: list[str] = []
    k = 0
    for g in profile.groups:
        members = []
        for m, _ in g.measures:
            names.append(f"{g.name}.{m}")
            w = round(float(strength[k]), 1)
            k += 1
            if w > 0:
                members.append((m, w))
        if members:
            groups.append(Group(g.name, g.label, round(sum(w for _, w in members), 1),
                                tuple(members)))
    info.update(l2=lam, coefficients={n: float(c) for n, c in zip(names, beta, strict=True)})
    return Profile(name=name, description=f"Weights fitted from history for {profile.name}.",
                   when=profile.when, groups=tuple(groups)), info


def suggest(data: BacktestData, model: HealthModel, *, horizon_days: int,
            label: str) -> dict[str, Any]:
    """Fit weights on the earlier months, judge them on the later ones."""
    months = sorted(data.frames)
    if len(months) < 3:
        raise HealthError("--suggest needs at least three month ends (earlier ones to learn "
                          "from, later ones to judge on)")
    n_test = max(1, len(months) // 3)
    test = months[-n_test:]
    # Training labels must be known before the first judged month: no overlap of horizons.
    train = [m for m in months[:-n_test] if m + timedelta(days=horizon_days) <= test[0]]
    if not train:
        raise HealthError(
            f"--suggest needs month ends whose {horizon_days}-day horizon ends before the "
            f"first judged month end ({test[0]}); start the backtest earlier with --from")
    rows = data.rows
    proposals: list[Profile] = []
    fitted = []
    for p in model.profiles:
        part = rows[rows["as_of"].isin(train) & (rows["profile"] == p.name)]
        new, info = fit_profile(part, p, f"{p.name}-{label}")
        proposals.append(new or p)
        fitted.append({**info, "fitted": new is not None, "account_months": len(part),
                       "churned": int(part["churned"].sum())})
    proposed = HealthModel(bands=model.bands, measures=model.measures,
                           profiles=tuple(proposals))
    current = rows[rows["as_of"].isin(test)]
    judged = []
    for m in test:
        sc = score_frame(data.frames[m], proposed, as_of=m)
        judged.append(sc.accounts[["account_id", "score"]].assign(as_of=m))
    new = pd.concat(judged).merge(current[["as_of", "account_id", "churned", "score"]],
                                  on=["as_of", "account_id"], suffixes=("", "_current"))
    new = new[new["score"].notna() & new["score_current"].notna()]
    y = new["churned"].to_numpy(dtype=bool)
    auc_now = auc(y, new["score_current"].to_numpy())
    auc_new = auc(y, new["score"].to_numpy())
    return {
        "train_months": train, "test_months": test,
        "account_months_judged": len(new), "churned_judged": int(y.sum()),
        "auc_current": auc_now, "auc_suggested": auc_new,
        "gain": (auc_new - auc_now) if auc_new is not None and auc_now is not None else None,
        "profiles": fitted, "proposal": [p for p in proposals if p.name.endswith(label)],
        "roc": roc_points(y, new["score"].to_numpy()),
        "roc_current": roc_points(y, new["score_current"].to_numpy()),
    }


def profile_toml(profiles: Sequence[Profile], header: str) -> str:
    """TOML for tenure.toml declaring ``profiles`` (each [[health.profiles]] with its groups)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for p in profiles:
        lines += ["", "[[health.profiles]]", f"name = {_q(p.name)}",
                  f"description = {_q(p.description)}"]
        if p.when:
            lines.append(f"when = {_q(p.when)}")
        for g in p.groups:
            members = ", ".join(f"{m} = {_w(w)}" for m, w in g.measures)
            lines += ["", f"[health.profiles.groups.{g.name}]", f"label = {_q(g.label)}",
                      f"weight = {_w(g.weight)}", f"measures = {{ {members} }}"]
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _w(w: float) -> str:
    return str(int(w)) if float(w).is_integer() else f"{w:g}"

