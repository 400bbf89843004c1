"""Did a playbook's tasks help? Churn after its tasks against comparable accounts without one.

For each playbook, the *treated* accounts are those that got one of its tasks: each account
counts once, from its first task of the playbook whose whole horizon lies within the data
(``created_on + horizon <= `` the last day of data, capped at ``as_of``), and only when it was
paying at the end of that day. Its *controls* are, for the same day d, the accounts paying at
the end of d with the same segment and the same health band on d (``health_history``) that got
no task from that playbook within [d - horizon, d + horizon]. A control is an (account, day)
pair: an account can serve the treated of several days.

Churn is what the health backtest and the churn model call churn
(:mod:`tenure.metrics.outcomes`): the first day without MRR falls within ``horizon_days`` after
d, under the workspace's churn recognition (``metrics.churn_recognition``).

The estimate is stratified by (segment, band) and weighted by the treated counts, so the
control rate is the one the treated group would show with the controls' churn in each stratum
(direct standardisation to the treated group's mix; the "effect of treatment on the treated").
Strata without controls are skipped and their treated accounts left out of both rates.

Intervals (95%): a Wilson score interval for each stratum's rate, combined for the weighted
rates and their difference by MOVER (Zou & Donner 2008, "Construction of confidence limits
about effect measures: a general approach", Stat Med 27:1693-1702). With one stratum the
difference interval is Newcombe's hybrid score interval (Newcombe 1998, Stat Med 17:873-890,
method 10). Unlike the plain normal approximation it keeps a width when a rate is 0 or 1.

This is an observational comparison: tasks are not randomised, and the matching controls for
segment and band only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import WorkError

if TYPE_CHECKING:
    from ..app import App

# The 97.5th percentile of the standard normal: a two-sided 95% interval.
Z95 = 1.959963984540054
OUTCOMES = ("saved", "churned", "expanded", "no_action_needed")
CAVEAT = ("Observational comparison: tasks are not randomised, and the matching controls for "
          "segment and health band only.")


# ---------------------------------------------------------------------- intervals
def wilson(k: int, n: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (Wilson 1927)."""
    if n <= 0:
        raise ValueError("a rate needs at least one trial")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # Clamp rounding noise at 0 and 1 (the exact limits there are 0 and 1).
    return max(0.0, centre - half), min(1.0, centre + half)


def mover(terms: Sequence[tuple[float, float, float, float]]) -> tuple[float, float]:
    """Limits of a linear combination sum(c * theta) from each theta's estimate and limits:
    ``terms`` are (c, estimate, low, high). Zou & Donner (2008), MOVER."""
    est = sum(c * e for c, e, _, _ in terms)
    low_sq = high_sq = 0.0
    for c, e, lo, hi in terms:
        a, b = sorted((c * lo, c * hi))
        low_sq += (c * e - a) ** 2
        high_sq += (b - c * e) ** 2
    return est - math.sqrt(low_sq), est + math.sqrt(high_sq)


# ---------------------------------------------------------------------- report
@dataclass(frozen=True)
class Stratum:
    """One (segment, band): treated accounts and control account-days, each with churners."""

    segment: str | None
    band: str | None
    treated: int
    treated_churned: int
    controls: int
    controls_churned: int

    @property
    def skipped(self) -> bool:
        return self.controls == 0

    def as_dict(self) -> dict[str, Any]:
        return {"segment": self.segment, "band": self.band, "treated": self.treated,
                "treated_churned": self.treated_churned, "controls": self.controls,
                "controls_churned": self.controls_churned,
                "treated_churn": self.treated_churned / self.treated if self.treated else None,
                "control_churn": (self.controls_churned / self.controls
                                  if self.controls else None),
                "skipped": self.skipped}


@dataclass
class PlaybookEffect:
    """The comparison for one playbook. Rates are fractions (0-1); ``difference`` and its
    interval too (``*_pp`` in :meth:`as_dict` are percentage points)."""

    playbook: str
    tasks: int
    tasks_judged: int
    outcomes: dict[str, int]
    horizon_days: int
    strata: list[Stratum] = field(default_factory=list)
    treated_not_paying: int = 0
    treated_churn: float | None = None
    treated_ci: tuple[float, float] | None = None
    control_churn: float | None = None
    control_ci: tuple[float, float] | None = None
    difference: float | None = None
    difference_ci: tuple[float, float] | None = None
    control_accounts: int = 0
    note: str | None = None

    @property
    def used(self) -> list[Stratum]:
        return [s for s in self.strata if not s.skipped]

    @property
    def treated_accounts(self) -> int:
        """Treated accounts in the estimate (strata with controls)."""
        return sum(s.treated for s in self.used)

    @property
    def treated_skipped(self) -> int:
        return sum(s.treated for s in self.strata if s.skipped)

    @property
    def control_observations(self) -> int:
        return sum(s.controls for s in self.used)

    @property
    def relative_change(self) -> float | None:
        if self.difference is None or not self.control_churn:
            return None
        return self.difference / self.control_churn

    def as_dict(self) -> dict[str, Any]:
        def pp(v: float | None) -> float | None:
            return None if v is None else 100 * v

        return {
            "playbook": self.playbook, "horizon_days": self.horizon_days,
            "tasks": self.tasks, "tasks_judged": self.tasks_judged,
            "treated_accounts": self.treated_accounts,
            "treated_churned": sum(s.treated_churned for s in self.used),
            "treated_churn": self.treated_churn,
            "treated_ci": list(self.treated_ci) if self.treated_ci else None,
            "control_accounts": self.control_accounts,
            "control_observations": self.control_observations,
            "control_churn": self.control_churn,
            "control_ci": list(self.control_ci) if self.control_ci else None,
            "difference_pp": pp(self.difference),
            "ci_low_pp": pp(self.difference_ci[0]) if self.difference_ci else None,
            "ci_high_pp": pp(self.difference_ci[1]) if self.difference_ci else None,
            "relative_change": self.relative_change,
            "strata_used": len(self.used),
            "strata_skipped": len(self.strata) - len(self.used),
            "treated_skipped": self.treated_skipped,
            "treated_not_paying": self.treated_not_paying,
            **{k: self.outcomes.get(k, 0) for k in OUTCOMES},
            "note": self.note,
            "strata": [s.as_dict() for s in self.strata],
        }


@dataclass
class EffectReport:
    """Every playbook's comparison as of a day. ``judged_through``: the last task day whose
    horizon lies within the data (None when the warehouse holds no dated records)."""

    as_of: date
    horizon_days: int
    data_through: date | None
    judged_through: date | None
    playbooks: list[PlaybookEffect]
    caveat: str = CAVEAT

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "horizon_days": self.horizon_days,
                "data_through": self.data_through, "judged_through": self.judged_through,
                "caveat": self.caveat, "playbooks": [p.as_dict() for p in self.playbooks]}


# ---------------------------------------------------------------------- estimate
def estimate(effect: PlaybookEffect) -> None:
    """Fill the weighted rates, difference and intervals from ``effect.strata``."""
    used = effect.used
    total = sum(s.treated for s in used)
    if not total:
        return
    t_terms, c_terms = [], []
    for s in used:
        w = s.treated / total  # the treated group's mix
        pt, pc = s.treated_churned / s.treated, s.controls_churned / s.controls
        t_terms.append((w, pt, *wilson(s.treated_churned, s.treated)))
        c_terms.append((w, pc, *wilson(s.controls_churned, s.controls)))
    effect.treated_churn = sum(w * p for w, p, _, _ in t_terms)
    effect.control_churn = sum(w * p for w, p, _, _ in c_terms)
    effect.treated_ci = mover(t_terms)
    effect.control_ci = mover(c_terms)
    effect.difference = effect.treated_churn - effect.control_churn
    effect.difference_ci = mover(t_terms + [(-w, p, lo, hi) for w, p, lo, hi in c_terms])


# ---------------------------------------------------------------------- data
def _tasks(app: App, playbook: str | None) -> pd.DataFrame:
    from sqlalchemy import select

    from ..store.models import Task

    q = select(Task.account_id, Task.playbook, Task.created_on, Task.band, Task.segment,
               Task.status, Task.outcome).where(Task.playbook.is_not(None))
    if playbook is not None:
        q = q.where(Task.playbook == playbook)
    with app.store.session() as s:
        rows = [tuple(r) for r in s.execute(q)]
    return pd.DataFrame(rows, columns=["account_id", "playbook", "created_on", "band",
                                       "segment", "status", "outcome"])


def _bands(app: App, days: Sequence[date]) -> pd.DataFrame:
    """account_id, as_of, band of the health history on those days (rows with a band)."""
    from sqlalchemy import select

    from ..store.models import HealthHistory

    rows: list[tuple[Any, ...]] = []
    with app.store.session() as s:
        # Chunks keep the IN list within every database's parameter limit.
        for i in range(0, len(days), 500):
            q = select(HealthHistory.account_id, HealthHistory.day, HealthHistory.band).where(
                HealthHistory.day.in_(list(days[i:i + 500])), HealthHistory.band.is_not(None))
            rows.extend(tuple(r) for r in s.execute(q))
    return pd.DataFrame(rows, columns=["account_id", "as_of", "band"])


def _declared(app: App) -> list[str]:
    names = []
    for p in app.settings.playbooks.playbook or []:
        if isinstance(p, dict) and isinstance(p.get("name"), str):
            names.append(p["name"])
    return names


def _no_segment(v: Any) -> str:
    # Accounts without a segment are a stratum of their own; "" joins where None would not.
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def playbook_effect(app: App, *, as_of: date, horizon_days: int | None = None,
                    playbook: str | None = None) -> EffectReport:
    """Per playbook: churn within the horizon of accounts that got its task against matched
    controls (same segment and band on the same day, no such task); see the module doc."""
    from ..metrics import context
    from ..metrics.outcomes import churn_within, data_span, last_observable, paying_runs

    horizon = horizon_days if horizon_days is not None else (
        app.settings.playbooks.effect_horizon_days)
    if horizon < 1:
        raise WorkError("the horizon must be at least one day")
    tasks = _tasks(app, playbook)
    names = sorted(set(tasks["playbook"]) | set(_declared(app)))
    if playbook is not None and playbook not in names:
        known = ", ".join(names) or "none yet"
        raise WorkError(f"no playbook named {playbook!r} is declared or has tasks "
                        f"(playbooks: {known})")
    if playbook is not None:
        names = [playbook]

    ctx = context(app, as_of=as_of)
    span = data_span(ctx) if not tasks.empty else None
    through = min(as_of, span[1]) if span else None
    judged = last_observable(through, horizon) if through else None

    tasks["created_on"] = pd.to_datetime(tasks["created_on"]).dt.date
    old = tasks[tasks["created_on"] <= judged] if judged else tasks.iloc[:0]
    # Each account once per playbook: its first task old enough to judge.
    first = (old.sort_values(["playbook", "account_id", "created_on"], kind="stable")
             .drop_duplicates(["playbook", "account_id"]))
    days = sorted(set(first["created_on"]))
    pool = pd.DataFrame(columns=["as_of", "account_id", "churned", "band", "segment"])
    if days:
        outcome = churn_within(paying_runs(ctx), days, horizon)[
            ["as_of", "account_id", "churned"]]
        acc = ctx.table("accounts").select("account_id", "segment").to_pandas()
        acc["segment"] = acc["segment"].map(_no_segment)
        pool = (outcome.merge(_bands(app, days), on=["account_id", "as_of"], how="left")
                .merge(acc, on="account_id", how="left"))
        pool["segment"] = pool["segment"].map(_no_segment)

    report = EffectReport(as_of=as_of, horizon_days=horizon, data_through=through,
                          judged_through=judged, playbooks=[])
    for name in names:
        mine = tasks[tasks["playbook"] == name]
        closed = mine[mine["status"] == "closed"]
        effect = PlaybookEffect(
            playbook=name, tasks=len(mine), horizon_days=horizon,
            tasks_judged=int((mine["created_on"] <= judged).sum()) if judged else 0,
            outcomes={k: int((closed["outcome"] == k).sum()) for k in OUTCOMES})
        report.playbooks.append(effect)
        treated = first[first["playbook"] == name]
        if mine.empty:
            effect.note = "no tasks yet"
            continue
        if treated.empty:
            effect.note = f"no task older than {horizon} days yet"
            continue
        _compare(effect, treated, mine, pool, horizon)
        estimate(effect)
        if not effect.used:
            effect.note = "no comparable accounts without a task (every stratum skipped)"
    return report


def _compare(effect: PlaybookEffect, treated: pd.DataFrame, mine: pd.DataFrame,
             pool: pd.DataFrame, horizon: int) -> None:
    """Fill ``effect.strata`` (and counts) for one playbook's treated accounts."""
    t = treated[["account_id", "created_on", "band", "segment"]].rename(
        columns={"created_on": "as_of", "band": "task_band", "segment": "task_segment"})
    t = t.merge(pool, on=["account_id", "as_of"], how="left")
    paying = t["churned"].notna()
    effect.treated_not_paying = int((~paying).sum())
    t = t[paying].copy()
    # The band and segment recorded on the task; the history's when the task has none.
    t["band"] = t["task_band"].where(t["task_band"].notna(), t["band"])
    t["segment"] = [_no_segment(s if s is not None and s == s else w)
                    for s, w in zip(t["task_segment"], t["segment"], strict=True)]
    # Without a band there is nothing to match on: a stratum of its own, always skipped.
    t["band"] = t["band"].fillna("")
    t["churned"] = t["churned"].astype(bool)

    # Controls: pool pairs on a treated day of their stratum, minus any account that got a
    # task from this playbook within the horizon either side of that day.
    keys = t[["as_of", "segment", "band"]].drop_duplicates()
    c = pool[pool["band"].notna()].merge(keys, on=["as_of", "segment", "band"], how="inner")
    near = c[["account_id", "as_of"]].merge(
        mine[["account_id", "created_on"]], on="account_id", how="inner")
    gap = (pd.to_datetime(near["created_on"]) - pd.to_datetime(near["as_of"])).abs()
    near = near[gap <= timedelta(days=horizon)][["account_id", "as_of"]].drop_duplicates()
    c = c.merge(near.assign(_near=True), on=["account_id", "as_of"], how="left")
    c = c[c["_near"].isna()]
    c["churned"] = c["churned"].astype(bool)

    tg = t.groupby(["segment", "band"])["churned"].agg(["size", "sum"])
    cg = c.groupby(["segment", "band"])["churned"].agg(["size", "sum"])
    strata = []
    for (seg, band), row in tg.iterrows():  # type: ignore[misc]
        n_c, k_c = (int(cg.loc[(seg, band), "size"]), int(cg.loc[(seg, band), "sum"])) if (
            (seg, band) in cg.index) else (0, 0)
        strata.append(Stratum(segment=seg or None, band=band or None, treated=int(row["size"]),
                              treated_churned=int(row["sum"]), controls=n_c,
                              controls_churned=k_c))
    effect.strata = strata
    # Every control pair sits in a treated stratum, and such a stratum has controls: all used.
    effect.control_accounts = int(c["account_id"].nunique())
