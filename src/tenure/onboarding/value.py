"""Time to value: days from an onboarding plan's start to its first value milestone.

The summary per template or segment gives the median over the plans that reached value and
the share that reached it within N days. That share counts only plans started at least N days
before the as-of day (younger plans have not had N days yet, and counting them would make
every new cohort look slow); cancelled plans are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select

from ..errors import WorkError
from ..store import AccountSnapshot, AppStore, OnboardingPlan
from .plans import CANCELLED

PLAN_COLUMNS = ["account_id", "plan_id", "template", "segment", "started_on", "value_on",
                "days"]


@dataclass(frozen=True)
class TimeToValue:
    """Per plan (``plans``) and per group (``summary``: plans, reached, median_days,
    eligible, within, share_within)."""

    as_of: date
    by: str
    within_days: int
    plans: pd.DataFrame
    summary: pd.DataFrame

    def as_dict(self) -> dict[str, Any]:
        rows = self.summary.astype(object).where(self.summary.notna(), None)
        return {"as_of": self.as_of.isoformat(), "by": self.by,
                "within_days": self.within_days, "groups": rows.to_dict("records")}


def time_to_value(store: AppStore, *, as_of: date, by: str = "template",
                  within_days: int = 30) -> TimeToValue:
    """Time to value of the plans started by ``as_of``, per plan and per ``by`` (template or
    segment, the account's segment in its latest snapshot)."""
    if by not in ("template", "segment"):
        raise WorkError(f"--by must be template or segment, not {by!r}")
    if within_days < 1:
        raise WorkError("within_days must be at least 1")
    q = (select(OnboardingPlan.account_id, OnboardingPlan.id, OnboardingPlan.template,
                AccountSnapshot.segment, OnboardingPlan.started_on, OnboardingPlan.value_on)
         .outerjoin(AccountSnapshot, AccountSnapshot.account_id == OnboardingPlan.account_id)
         .where(OnboardingPlan.status != CANCELLED, OnboardingPlan.started_on <= as_of)
         .order_by(OnboardingPlan.started_on, OnboardingPlan.id))
    with store.session() as s:
        rows = [tuple(r) for r in s.execute(q).all()]
    plans = pd.DataFrame(rows, columns=PLAN_COLUMNS[:-1])
    # A value reached after as_of is not known yet on that day.
    known = [v if v is not None and v <= as_of else None for v in plans["value_on"]]
    plans["value_on"] = pd.Series(known, dtype=object)
    plans["days"] = pd.Series([None if v is None else float((v - s).days)
                               for s, v in zip(plans["started_on"], known, strict=True)],
                              dtype="float64")
    old_enough = as_of - timedelta(days=within_days)
    groups: list[dict[str, Any]] = []
    for key, g in plans.groupby(plans[by].fillna("(none)"), sort=True):
        eligible = g[g["started_on"] <= old_enough]
        within = int((eligible["days"] <= within_days).sum())
        reached = g["days"].dropna()
        groups.append({
            by: key, "plans": len(g), "reached": len(reached),
            "median_days": float(reached.median()) if len(reached) else None,
            "eligible": len(eligible), "within": within,
            "share_within": within / len(eligible) if len(eligible) else None,
        })
    summary = pd.DataFrame(groups, columns=[by, "plans", "reached", "median_days",
                                            "eligible", "within", "share_within"])
    return TimeToValue(as_of=as_of, by=by, within_days=within_days, plans=plans,
                       summary=summary)
