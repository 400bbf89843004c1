"""What a health score reads for each account as of a date, from data up to that date only.

One row per account of the warehouse: its name, dimensions and the per-account metrics the
model's measures and rules read (from the KPI engine), its lifecycle stage, days as a paying
customer, next renewal date, and the CSM's latest pulse (from the app database).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select

from ..metrics import account_metrics, catalog, context
from ..metrics.datasets import Context, subscription_rows
from ..metrics.formula import parse
from ..settings import Settings
from ..store import AppStore, HealthPulse
from .model import HealthModel

# Metrics every scoring needs besides the model's: lifecycle comes from them.
LIFECYCLE_METRICS = ("mrr", "first_paid_day")


def needed_metrics(model: HealthModel) -> list[str]:
    names = set(model.metrics()) | set(LIFECYCLE_METRICS)
    per_account = {n for n, m in catalog().items() if m.grain != "group"}
    for p in model.profiles:
        if p.when:
            names |= set(parse(p.when).names) & per_account
    return sorted(names)


def lifecycle(frame: pd.DataFrame, as_of: date, onboarding_days: int) -> pd.DataFrame:
    """Add ``tenure_days`` (days since the first payment) and ``lifecycle``: prospect (never
    paid), churned (paid once, not now), onboarding (paying for under onboarding_days), active."""
    first = pd.to_datetime(frame["first_paid_day"])
    tenure = (pd.Timestamp(as_of) - first).dt.days
    paying = pd.to_numeric(frame["mrr"], errors="coerce").fillna(0) > 0
    stage = pd.Series("active", index=frame.index, dtype=object)
    stage[paying & (tenure < onboarding_days)] = "onboarding"
    stage[~paying & first.notna()] = "churned"
    stage[~paying & first.isna()] = "prospect"
    out = frame.copy()
    out["tenure_days"] = tenure.astype("float64")
    out["lifecycle"] = stage
    return out


def latest_pulses(store: AppStore | None, as_of: date, max_age_days: int) -> pd.DataFrame:
    """Each account's latest pulse given on or before as_of and at most max_age_days old."""
    empty = pd.DataFrame({"account_id": pd.Series(dtype=object),
                          "pulse": pd.Series(dtype="float64")})
    if store is None:
        return empty
    oldest = as_of - timedelta(days=max_age_days)
    q = (select(HealthPulse.account_id, HealthPulse.score, HealthPulse.day, HealthPulse.id)
         .where(HealthPulse.day <= as_of, HealthPulse.day >= oldest))
    with store.session() as s:
        rows = s.execute(q).all()
    if not rows:
        return empty
    df = pd.DataFrame(rows, columns=["account_id", "pulse", "day", "id"])
    df = df.sort_values(["account_id", "day", "id"]).groupby("account_id").tail(1)
    return df[["account_id", "pulse"]]


def next_renewals(ctx: Context) -> pd.DataFrame:
    """The next renewal date on or after as_of among each account's live subscription rows."""
    s = subscription_rows(ctx)
    day = ctx.as_of
    live = s.filter((s.valid_from <= day) & (s.valid_until.isnull() | (s.valid_until > day))
                    & s.renewal_date.notnull() & (s.renewal_date >= day))
    out = live.group_by("account_id").aggregate(renewal_date=live.renewal_date.min())
    df = out.to_pandas()
    df["renewal_date"] = pd.to_datetime(df["renewal_date"]).dt.date
    return df


def account_inputs(source: Any, *, as_of: date, model: HealthModel,
                   settings: Settings | None = None, store: AppStore | None = None,
                   extra_metrics: Sequence[str] = ()) -> pd.DataFrame:
    """The frame :func:`tenure.health.scoring.score_frame` scores (see the module doc), with
    ``extra_metrics`` computed in the same pass for what follows the scores (playbooks)."""
    ctx = source if isinstance(source, Context) else None
    if ctx is None:
        ctx = context(source, as_of=as_of, settings=settings)
    cfg = ctx.settings.health
    names = sorted(set(needed_metrics(model)) | set(extra_metrics))
    frame = account_metrics(ctx, as_of=as_of, metrics=names)
    accounts = ctx.table("accounts")
    names = accounts.select("account_id", "name").to_pandas()
    frame = frame.merge(names, on="account_id", how="left")
    frame = frame.merge(next_renewals(ctx), on="account_id", how="left")
    frame = lifecycle(frame, as_of, cfg.onboarding_days)
    pulses = latest_pulses(store, as_of, cfg.pulse_max_age_days) if model.uses_pulse() else None
    if pulses is not None and not pulses.empty:
        frame = frame.merge(pulses, on="account_id", how="left")
    else:
        frame["pulse"] = float("nan")
    return frame

