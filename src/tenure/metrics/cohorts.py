"""Cohort retention matrices: accounts grouped by the month they first paid.

For cohort month c and k = 0, 1, ... the matrix reports, on the last day of month c + k (or
the as-of date for the month that contains it), how many of the cohort's accounts pay and the
cohort's MRR, against the cohort's size and its MRR at the end of month 0.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from .datasets import MRR_DECIMALS, start_cohorts, subscription_rows
from .periods import month_end

if TYPE_CHECKING:
    from ..settings import Settings


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def cohort_retention(source: Any, *, as_of: date, settings: Settings | None = None
                     ) -> pd.DataFrame:
    """One row per (cohort, months_since_start) with accounts, retained_accounts,
    logo_retention, starting_mrr, mrr and revenue_retention."""
    import ibis

    from . import context

    ctx = context(source, as_of=as_of, settings=settings)
    cohorts = start_cohorts(ctx).to_pyarrow().to_pandas()
    columns = ["cohort", "months_since_start", "period_end", "accounts", "retained_accounts",
               "logo_retention", "starting_mrr", "mrr", "revenue_retention"]
    if cohorts.empty:
        return pd.DataFrame(columns=columns)
    cohorts["cohort"] = [pd.Timestamp(c).date() for c in cohorts["cohort"]]
    first = _month_index(min(cohorts["cohort"]))
    last = _month_index(as_of)
    ends = [min(month_end(date(i // 12, i % 12 + 1, 1)), as_of) for i in range(first, last + 1)]
    # One query for every month end: rows joined to the month ends they are live on.
    s = subscription_rows(ctx)
    calendar = ibis.memtable({"_end": list(range(len(ends))), "_day": ends},
                             schema={"_end": "int64", "_day": "date"})
    live = s.cross_join(calendar)
    live = live.filter((live.valid_from <= live._day)
                       & (live.valid_until.isnull() | (live.valid_until > live._day)))
    state = live.group_by(["_end", "account_id"]).aggregate(mrr=live.mrr.sum()).to_pandas()
    rows = []
    for c, members in cohorts.groupby("cohort"):
        start = _month_index(c) - first
        ids = set(members["account_id"])
        size = len(ids)
        in_cohort = state[state["account_id"].isin(ids)]
        base = None
        for k in range(0, len(ends) - start):
            at = in_cohort[in_cohort["_end"] == start + k]
            paying = at[at["mrr"].round(MRR_DECIMALS) > 0]
            total = float(paying["mrr"].sum())
            if k == 0:
                base = total
            rows.append({
                "cohort": c.strftime("%Y-%m"),
                "months_since_start": k,
                "period_end": ends[start + k],
                "accounts": size,
                "retained_accounts": len(paying),
                "logo_retention": len(paying) / size,
                "starting_mrr": base,
                "mrr": total,
                "revenue_retention": total / base if base else float("nan"),
            })
    return pd.DataFrame(rows, columns=columns)
