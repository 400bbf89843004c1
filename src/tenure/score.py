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
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

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

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "accounts": self.accounts, "scored": self.scored,
                "bands": self.bands, "trends": self.trends, "snapshot": self.snapshot,
                "trend_days": self.trend_days, "replayed": self.replayed}


def run_scoring(app: App, *, as_of: date, since: date | None = None,
                progress: Callable[[str, int, int], None] | None = None) -> ScoringRun:
    """Score as of ``as_of`` (and, with ``since``, every day from ``since`` first)."""
    settings = app.settings
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
    scores = compute_health(app, as_of=as_of, model=model)
    save_history(app.store, scores)
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
                       currency=settings.company.reporting_currency)
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
        snapshot=snapshot, trend_days=cfg.trend_days, replayed=sorted(replayed))
