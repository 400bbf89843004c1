"""Scoring accounts with a health model: measures, groups, profiles, bands and explanations.

The conventions (KPI_DEFINITIONS.md, "Health score conventions"):

- A measure scores its raw value 0-100 (thresholds: good 100 / average 60 / poor 0, Totango).
- A group's score is the weighted mean of its measures' scores; the overall score is the
  weighted mean of the groups' scores.
- A measure with no value is ignored and its weight is spread over the group's other measures
  in proportion to their weights; a group with no scored measure likewise (Catalyst).
- Each measure's *effective weight* is its share of its group times the group's share of the
  profile, both over what was scored; its *contribution* is effective weight x score, so the
  contributions of an account add up to its overall score. What it *costs* the account is
  effective weight x (100 - score): the biggest costs are the drags named in words.

Everything here works on a frame that already holds each account's metric values, so the
same code scores today, any past date and every month of a backtest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..metrics import number as _num
from ..metrics.formula import PandasTarget, evaluate, parse
from .model import HealthModel, Measure, Profile
from .words import drag_text

SCORED_LIFECYCLES = ("onboarding", "active")
DRAGS_SHOWN = 3
MIN_DRAG_POINTS = 1.0  # a measure that costs less than a point is not worth naming


@dataclass
class HealthScores:
    """One scoring of a set of accounts as of a date.

    ``accounts``: one row per account (account_id, lifecycle, profile, score, band, drags and
    the input columns); ``groups``: account_id, group, label, score, weight (share of the
    overall score); ``measures``: account_id, group, measure, label, metric, value, score,
    weight (effective), contribution, cost. Unscored accounts (not paying, or no measure with
    a value) have no score and no band.
    """

    as_of: date
    accounts: pd.DataFrame
    groups: pd.DataFrame
    measures: pd.DataFrame

    def explanation(self, account_id: str) -> dict[str, Any]:
        """The working of one account's score, as plain data."""
        row = self.accounts.loc[self.accounts["account_id"] == account_id]
        if row.empty:
            raise KeyError(account_id)
        r = row.iloc[0]
        gs = self.groups[self.groups["account_id"] == account_id]
        ms = self.measures[self.measures["account_id"] == account_id]
        return {
            "account_id": account_id,
            "as_of": self.as_of,
            "profile": r["profile"],
            "score": _num(r["score"]),
            "band": r["band"],
            "drags": list(r["drags"]),
            "groups": [
                {"group": g["group"], "label": g["label"], "score": _num(g["score"]),
                 "weight": _num(g["weight"]),
                 "measures": [
                     {k: _num(m[k]) if k in _NUMERIC else m[k] for k in _MEASURE_KEYS}
                     for m in ms[ms["group"] == g["group"]].to_dict("records")]}
                for g in gs.to_dict("records")
            ],
        }


_NUMERIC = {"value", "score", "weight", "contribution", "cost"}
_MEASURE_KEYS = ("measure", "label", "metric", "value", "score", "weight", "contribution",
                 "cost")



def measure_scores(measure: Measure, values: pd.Series, frame: pd.DataFrame) -> pd.Series:
    """Score raw values 0-100 (NaN where there is no value and no ``if_missing``).

    ``frame`` holds the accounts being scored together, for percentiles."""
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    out = pd.Series(np.nan, index=v.index)
    if measure.scoring == "thresholds":
        good, avg = measure.good, measure.average
        assert good is not None and avg is not None
        s_good, s_avg, s_poor = measure.scores
        if measure.higher_is_better:
            out = np.where(v >= good, s_good, np.where(v >= avg, s_avg, s_poor))
        else:
            out = np.where(v <= good, s_good, np.where(v <= avg, s_avg, s_poor))
        out = pd.Series(out, index=v.index).where(v.notna())
    elif measure.scoring == "ranges":
        for r in measure.ranges:
            hit = v.notna()
            if r.low is not None:
                hit &= v >= r.low
            if r.high is not None:
                hit &= v < r.high
            out = out.where(~hit, r.score)
    elif measure.scoring == "linear":
        worst, best = measure.worst, measure.best
        assert worst is not None and best is not None
        out = (100 * (v - worst) / (best - worst)).clip(0, 100)
    elif measure.scoring == "percentile":
        out = _percentiles(v, frame[measure.within] if measure.within else None)
        if not measure.higher_is_better:
            out = 100 - out
    elif measure.scoring == "pulse":
        out = v.clip(0, 100)
    if measure.if_missing is not None:
        out = out.where(v.notna(), measure.if_missing)
    return out.astype("float64")


def _percentiles(v: pd.Series, within: pd.Series | None) -> pd.Series:
    """Mid-rank percentile 0-100: the share of accounts below the value plus half of those
    equal to it (one account alone sits at 50)."""
    present = v.notna()
    if within is None:
        keys = pd.Series(0, index=v.index)
    else:
        keys = within.astype(object).where(within.notna(), "(none)")
    grouped = v[present].groupby(keys[present])
    rank = grouped.rank(method="average")
    n = grouped.transform("count")
    return (100 * (rank - 0.5) / n).reindex(v.index)


def assign_profiles(frame: pd.DataFrame, model: HealthModel,
                    only: str | None = None) -> pd.Series:
    """Each scorable account's profile: the first whose ``when`` holds (``only``: that one for
    all); None for accounts that are not scored or that no rule takes."""
    out = pd.Series(None, index=frame.index, dtype=object)
    open_ = frame["lifecycle"].isin(SCORED_LIFECYCLES)
    if only is not None:
        model.profile(only)
        return out.where(~open_, only)
    target = PandasTarget(frame.index)
    for p in model.profiles:
        if not open_.any():
            break
        if p.when is None:
            hit = open_
        else:
            res = evaluate(parse(p.when), lambda n: frame[n], target, None)
            hit = open_ & pd.Series(res, index=frame.index).fillna(False).astype(bool)
        out = out.where(~hit, p.name)
        open_ &= ~hit
    return out


def score_frame(frame: pd.DataFrame, model: HealthModel, *, as_of: date,
                profile: str | None = None, currency: str = "USD") -> HealthScores:
    """Score every account of ``frame`` (one row per account with ``account_id``,
    ``lifecycle``, the dimensions, a ``pulse`` column and the metrics the model reads)."""
    frame = frame.reset_index(drop=True)
    profiles = assign_profiles(frame, model, profile)
    scored = profiles.notna()
    # Percentiles rank an account among the accounts scored with it on the day.
    peers = frame[scored]
    measure_score: dict[str, pd.Series] = {}
    for name in {m for p in model.profiles for m in p.measure_names()}:
        m = model.measures[name]
        values = frame["pulse"] if m.scoring == "pulse" else frame[m.metric]
        s = pd.Series(np.nan, index=frame.index)
        s[scored] = measure_scores(m, values[scored], peers)
        measure_score[name] = s

    score = pd.Series(np.nan, index=frame.index)
    group_parts: list[pd.DataFrame] = []
    measure_parts: list[pd.DataFrame] = []
    for p in model.profiles:
        rows = np.flatnonzero((profiles == p.name).to_numpy())
        if len(rows) == 0:
            continue
        total, gparts, mparts = _score_profile(p, model, frame, rows, measure_score)
        score.iloc[rows] = total
        group_parts += gparts
        measure_parts += mparts
    groups = (pd.concat(group_parts, ignore_index=True) if group_parts else
              pd.DataFrame(columns=["account_id", "group", "label", "score", "weight"]))
    measures = (pd.concat(measure_parts, ignore_index=True) if measure_parts else
                pd.DataFrame(columns=["account_id", "group", *_MEASURE_KEYS]))

    accounts = frame.copy()
    accounts["profile"] = profiles.where(score.notna(), None)
    accounts["score"] = score
    accounts["band"] = [model.band_of(s) for s in score]
    accounts["drags"] = _drags(accounts, measures, model, currency)
    return HealthScores(as_of=as_of, accounts=accounts, groups=groups, measures=measures)


def _score_profile(p: Profile, model: HealthModel, frame: pd.DataFrame, rows: np.ndarray,
                   measure_score: dict[str, pd.Series]
                   ) -> tuple[np.ndarray, list[pd.DataFrame], list[pd.DataFrame]]:
    ids = frame["account_id"].to_numpy()[rows]
    g_scores, g_weights = [], []
    shares: list[list[np.ndarray]] = []
    for g in p.groups:
        s = np.column_stack([measure_score[m].to_numpy()[rows] for m, _ in g.measures])
        w = np.array([w for _, w in g.measures], dtype="float64")
        present = ~np.isnan(s)
        wp = np.where(present, w, 0.0)  # a missing measure's weight goes to the others
        total = wp.sum(axis=1)
        share = np.divide(wp, total[:, None], out=np.zeros_like(wp), where=total[:, None] > 0)
        gs = np.where(total > 0, (share * np.nan_to_num(s)).sum(axis=1), np.nan)
        g_scores.append(gs)
        g_weights.append(np.where(total > 0, g.weight, 0.0))
        shares.append([share[:, j] for j in range(len(g.measures))])
    gw = np.column_stack(g_weights)
    gtotal = gw.sum(axis=1)
    gshare = np.divide(gw, gtotal[:, None], out=np.zeros_like(gw), where=gtotal[:, None] > 0)
    gsc = np.column_stack(g_scores)
    overall = np.where(gtotal > 0, (gshare * np.nan_to_num(gsc)).sum(axis=1), np.nan)

    gparts, mparts = [], []
    for k, g in enumerate(p.groups):
        gparts.append(pd.DataFrame({
            "account_id": ids, "group": g.name, "label": g.label,
            "score": g_scores[k], "weight": gshare[:, k]}))
        for j, (mname, _) in enumerate(g.measures):
            m = model.measures[mname]
            s = measure_score[mname].to_numpy()[rows]
            eff = gshare[:, k] * shares[k][j]
            raw = frame["pulse" if m.scoring == "pulse" else m.metric].to_numpy()[rows]
            mparts.append(pd.DataFrame({
                "account_id": ids, "group": g.name, "measure": mname, "label": m.label,
                "metric": m.metric, "value": pd.to_numeric(pd.Series(raw), errors="coerce"),
                "score": s, "weight": eff, "contribution": eff * np.nan_to_num(s),
                "cost": np.where(np.isnan(s), 0.0, eff * (100 - np.nan_to_num(s)))}))
    return overall, gparts, mparts


def _drags(accounts: pd.DataFrame, measures: pd.DataFrame, model: HealthModel,
           currency: str) -> list[list[str]]:
    """The measures that cost each account most, in words (at most DRAGS_SHOWN)."""
    out: dict[str, list[str]] = {}
    if not measures.empty:
        # A percentile measure's words compare the account with its peers ("many for the
        # segment"), which is only true below the median: at or above it (ties at the best
        # value, such as no tickets at all, score the mid-rank) it is no drag to name.
        relative = measures["measure"].map(
            lambda m: model.measures[m].scoring == "percentile").astype(bool)
        named = (measures["cost"] >= MIN_DRAG_POINTS) & ~(relative & (measures["score"] >= 50))
        costly = measures[named].sort_values(
            ["account_id", "cost"], ascending=[True, False], kind="stable")
        costly = costly.groupby("account_id", sort=False).head(DRAGS_SHOWN)
        for r in costly.itertuples(index=False):
            text = drag_text(model.measures[r.measure], r.value, r.score, currency)
            out.setdefault(r.account_id, []).append(text)
    return [out.get(a, []) for a in accounts["account_id"]]
