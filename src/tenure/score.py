"""The scoring run (`tenure score`): compute every account's health as of a date from the
warehouse and write it to the app database, so the worklist, the API and the dashboard serve
it without waiting on the warehouse.

A run for a past day replays it from the data up to that day and overwrites that day's
history; only a run at or after the latest snapshot's day replaces the snapshots, so replaying
history never makes the current view go back in time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from .health import compute_health, load_model
from .health.history import (
    latest_snapshot_day,
    save_history,
    save_snapshots,
    scores_on,
    trend,
)

if TYPE_CHECKING:
    from .app import App

# What the check-in days of the snapshot (health.history.checkin_days) read besides the
# lifecycle's mrr and first_paid_day: the metrics tenure.checkins.checkins reads.
CHECKIN_METRICS = ("last_touchpoint_day", "created_day")

# Below this share of today's scored accounts with a recorded score trend_days ago, the
# earlier day is replayed from the warehouse (and recorded) so that trends exist at once.
MIN_PRIOR_COVERAGE = 0.5


@dataclass
class ScoringRun:
    as_of: date
    accounts: int
    scored: int
    bands: dict[str, int]
    trends: dict[str, int]
    snapshot: bool
    trend_days: int
    replayed: list[date] = field(default_factory=list)
    churn_model: str | None = None  # the churn model version used, None without one
    logged_copied: int = 0  # touchpoints logged in Tenure copied into the warehouse first
    # Pending erasure requests carried out first (tenure.privacy.requests), as they ended.
    erasures: list[dict[str, Any]] = field(default_factory=list)
    work: dict[str, Any] | None = None  # the day's work (tenure.daily), current day only

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "accounts": self.accounts, "scored": self.scored,
                "bands": self.bands, "trends": self.trends, "snapshot": self.snapshot,
                "trend_days": self.trend_days, "replayed": self.replayed,
                "churn_model": self.churn_model, "logged_copied": self.logged_copied,
                "erasures": self.erasures, "work": self.work}


def run_scoring(app: App, *, as_of: date, since: date | None = None,
                progress: Callable[[str, int, int], None] | None = None,
                now: datetime | None = None, deliver: bool = True) -> ScoringRun:
    """Score as of ``as_of`` (and, with ``since``, every day from ``since`` first). When the
    day becomes the current snapshot, the day's work follows (:mod:`tenure.daily`): onboarding,
    goals, playbooks and the outbox (``deliver=False`` queues messages without sending)."""
    from .checkins import cadence_for
    from .daily import after_scoring, before_scoring, pending_erasures
    from .playbooks.engine import playbook_metrics

    settings = app.settings
    erasures = pending_erasures(app, now=now)
    copied = before_scoring(app)
    model = load_model(settings)
    cfg = settings.health
    days = [as_of]
    if since is not None and since < as_of:
        days = [since + timedelta(days=i) for i in range((as_of - since).days + 1)]
    replayed: list[date] = []
    for i, day in enumerate(days[:-1]):
        save_history(app.store, compute_health(app, as_of=day, model=model))
        replayed.append(day)
        if progress:
            progress("replaying", i + 1, len(days))
    # The metrics the playbooks and the check-in days read come in the same pass as the
    # health inputs.
    scores = compute_health(app, as_of=as_of, model=model, extra_metrics=sorted(
        set(playbook_metrics(settings)) | set(CHECKIN_METRICS)))
    risk = risk_and_value(app, scores.accounts, as_of=as_of)
    save_history(app.store, scores, None if risk is None else dict(
        zip(risk["account_id"], risk["churn_probability"], strict=True)))
    scored = scores.accounts["score"].notna()
    prior_day = as_of - timedelta(days=cfg.trend_days)
    before = scores_on(app.store, prior_day)
    if sum(a in before for a in scores.accounts.loc[scored, "account_id"]) < (
            MIN_PRIOR_COVERAGE * scored.sum()):
        earlier = compute_health(app, as_of=prior_day, model=model)
        save_history(app.store, earlier)
        replayed.append(prior_day)
        before = scores_on(app.store, prior_day)
    latest = latest_snapshot_day(app.store)
    snapshot = latest is None or as_of >= latest
    if snapshot:
        save_snapshots(app.store, scores, before, tolerance=cfg.trend_tolerance,
                       currency=settings.company.reporting_currency, risk=risk,
                       cadence=lambda segment: cadence_for(settings, segment))
    work = None
    if snapshot:
        work = after_scoring(app, as_of=as_of, scores=scores, now=now,
                             deliver=deliver).as_dict()
    if progress:
        progress("scoring", len(days), len(days))
    trends = Counter(
        trend(s, before.get(a), cfg.trend_tolerance) or "new"
        for a, s in zip(scores.accounts.loc[scored, "account_id"],
                        scores.accounts.loc[scored, "score"], strict=True))
    bands = Counter(scores.accounts.loc[scored, "band"])
    return ScoringRun(
        as_of=as_of, accounts=len(scores.accounts), scored=int(scored.sum()),
        bands={b.label: bands.get(b.label, 0) for b in model.bands},
        trends={k: trends.get(k, 0) for k in ("up", "flat", "down", "new")},
        snapshot=snapshot, trend_days=cfg.trend_days, replayed=sorted(replayed),
        churn_model=None if risk is None else str(risk["churn_model"].iloc[0]),
        logged_copied=copied, erasures=erasures, work=work)


def risk_and_value(app: App, accounts: pd.DataFrame, *, as_of: date) -> pd.DataFrame | None:
    """Each paying account's churn probability and drivers from the latest churn model, and
    the subscription lifetime value that follows (None when no model has been trained)."""
    from .churn import latest_model, predict
    from .clv.subscription import subscription_clv

    card = latest_model(app)
    if card is None:
        return None
    pred = predict(app, as_of=as_of)
    if pred.empty:
        return None
    frame = pred.merge(accounts[["account_id", "mrr"]], on="account_id", how="left")
    settings = app.settings
    horizon = float(frame["horizon_days"].iloc[0])
    value = subscription_clv(frame["mrr"], frame["churn_probability"], horizon_days=horizon,
                             margin=settings.metrics.gross_margin,
                             annual_discount_rate=settings.clv.discount_rate,
                             horizon_months=settings.clv.horizon_months)
    return pd.DataFrame({
        "account_id": frame["account_id"],
        "churn_probability": frame["churn_probability"],
        "churn_horizon_days": frame["horizon_days"].astype(int),
        "churn_drivers": frame["drivers"],
        "churn_model": f"v{card.version:04d}",
        "expected_lifetime_months": value["expected_lifetime_months"].to_numpy(),
        "clv": value["clv"].to_numpy(),
    })
