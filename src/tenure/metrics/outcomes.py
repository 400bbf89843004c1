"""What happened after a date: which paying accounts churned within a horizon.

An account *churns* when its MRR goes to zero (ChartMogul: churn is when the last active
subscription ends; under cancellation recognition, on the cancellation day). An account paying
at the end of day ``as_of`` churned within ``horizon_days`` when the first day after as_of on
which it has no MRR falls within the horizon. Non-renewal is the same event: a subscription
that is not renewed ends and takes the MRR to zero. Backtests (and churn-model labels) use it;
it reads the same subscription rows as the KPI engine, so it follows the same conventions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd

from .datasets import Context, subscription_rows

FAR = pd.Timestamp("2262-01-01")  # an open-ended subscription: "never ends"


def paying_runs(ctx: Context) -> pd.DataFrame:
    """Each account's unbroken runs of paid days: account_id, start, end (first unpaid day;
    FAR when still running). Rows that touch (one ends the day the next starts) are one run."""
    s = subscription_rows(ctx)
    rows = s.filter(s.mrr > 0).select("account_id", "valid_from", "valid_until").to_pandas()
    if rows.empty:
        return pd.DataFrame({"account_id": pd.Series(dtype=object),
                             "start": pd.Series(dtype="datetime64[ns]"),
                             "end": pd.Series(dtype="datetime64[ns]")})
    rows["valid_from"] = pd.to_datetime(rows["valid_from"])
    rows["valid_until"] = pd.to_datetime(rows["valid_until"]).fillna(FAR)
    rows = rows[rows["valid_until"] > rows["valid_from"]].sort_values(
        ["account_id", "valid_from"], kind="stable")
    reach = rows.groupby("account_id")["valid_until"].cummax()
    before = reach.groupby(rows["account_id"]).shift(1)
    new_run = before.isna() | (rows["valid_from"] > before)
    rows["run"] = new_run.cumsum()
    return (rows.groupby("run")
            .agg(account_id=("account_id", "first"), start=("valid_from", "min"),
                 end=("valid_until", "max"))
            .reset_index(drop=True))


def churn_within(runs: pd.DataFrame, as_ofs: Sequence[date], horizon_days: int) -> pd.DataFrame:
    """For each as-of date, the accounts paying at the end of that day: as_of, account_id,
    churn_day (first day without MRR, None when beyond the horizon) and churned (bool)."""
    out = []
    for d in as_ofs:
        day = pd.Timestamp(d)
        live = runs[(runs["start"] <= day) & (runs["end"] > day)]
        limit = day + pd.Timedelta(days=horizon_days)
        churned = live["end"] <= limit
        out.append(pd.DataFrame({
            "as_of": d, "account_id": live["account_id"].to_numpy(),
            "churn_day": live["end"].dt.date.where(churned, None).to_numpy(),
            "churned": churned.to_numpy()}))
    if not out:
        return pd.DataFrame(columns=["as_of", "account_id", "churn_day", "churned"])
    return pd.concat(out, ignore_index=True)


def data_span(ctx: Context) -> tuple[date, date] | None:
    """The first and last days the warehouse has data for: the earliest and latest dated
    records among the activity tables (events, subscriptions started, invoices, tickets,
    surveys, activities); None when it holds none."""
    stamps = (("events", "timestamp"), ("subscriptions", "valid_from"),
              ("invoices", "issued_at"), ("tickets", "created_at"),
              ("survey_responses", "responded_at"), ("activities", "occurred_at"))
    firsts: list[date] = []
    lasts: list[date] = []
    for table, col in stamps:
        if not ctx.has_table(table):
            continue
        t = ctx.table(table)
        found = t.aggregate(first=t[col].min(), last=t[col].max()).to_pandas()
        lo, hi = found["first"].iloc[0], found["last"].iloc[0]
        if lo is None or pd.isna(lo):
            continue
        firsts.append(pd.Timestamp(lo).date())
        lasts.append(pd.Timestamp(hi).date())
    if not firsts:
        return None
    return min(firsts), max(lasts)


def last_observable(through: date, horizon_days: int) -> date:
    """The latest day whose whole horizon lies within the data."""
    return through - timedelta(days=horizon_days)
