"""The day's work after the scores (the end of `tenure score` for the current day).

In this order: onboarding plans are enrolled and their milestones completed from the data;
success goals linked to a metric take their new values; the playbooks turn the day's scores,
records and overdue work into tasks and messages; the outbox sends what is due; the
retention rules delete or blank personal data past its age (:mod:`tenure.privacy.retention`);
and the
portfolio's figures over time are computed for the dashboard (:mod:`tenure.portfolio_series`),
last because they take the longest and nothing else waits on them. Each step owns its
module; this one only puts them in order, so that the CLI, the scheduler and the tests run
the same day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import duckdb
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from .errors import TenureError

if TYPE_CHECKING:
    from .app import App
    from .health import HealthScores


@dataclass
class DailyWork:
    """What the day's work did, for the scoring run's report."""

    onboarding: dict[str, Any] = field(default_factory=dict)
    goals: dict[str, Any] = field(default_factory=dict)
    playbooks: dict[str, Any] = field(default_factory=dict)
    outbox: dict[str, Any] = field(default_factory=dict)
    portfolio: dict[str, Any] = field(default_factory=dict)
    retention: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"onboarding": self.onboarding, "goals": self.goals,
                "playbooks": self.playbooks, "outbox": self.outbox,
                "portfolio": self.portfolio, "retention": self.retention}


def pending_erasures(app: App, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Carry out the erasure requests filed from the dashboard or the API
    (``privacy.process_on_score``), before anything is scored, so that no score, task or
    message of the day is made from an erased person's data; their register rows as they
    ended."""
    if not app.settings.privacy.process_on_score:
        return []
    from .privacy.requests import process_pending

    return process_pending(app, now=now or datetime.now(UTC).replace(tzinfo=None), via="cli")


def before_scoring(app: App) -> int:
    """Copy touchpoints logged in Tenure into the warehouse, so that the day's metrics see
    them; returns how many were copied."""
    from .activities import sync_to_warehouse

    return sync_to_warehouse(app)


def after_scoring(app: App, *, as_of: date, scores: HealthScores,
                  now: datetime | None = None, deliver: bool = True) -> DailyWork:
    """Run the day's work for ``as_of`` after its scores were saved as the current snapshot.
    ``now`` is the wall clock of the outbox (the CLI passes it; tests set it)."""
    from .notify import deliver_due
    from .onboarding import update_onboarding
    from .plans import track_goals
    from .playbooks import evaluate_playbooks
    from .portfolio_series import refresh_series

    now = now or datetime.now(UTC).replace(tzinfo=None)
    work = DailyWork()
    work.onboarding = update_onboarding(app, as_of=as_of, accounts=scores.accounts).as_dict()
    work.goals = track_goals(app, as_of=as_of).as_dict()
    if app.settings.playbooks.enabled:
        work.playbooks = evaluate_playbooks(app, as_of=as_of, scores=scores, now=now).as_dict()
    if deliver:
        # The scores, tasks and queued messages are committed by now; a database too busy to
        # claim messages must not fail the run: they stay queued for `tenure outbox send`.
        try:
            work.outbox = deliver_due(app, now=now).as_dict()
        except OperationalError as exc:
            work.outbox = {"error": f"messages left queued: {exc.orig}"}
    if app.settings.privacy.retention_on_score:
        # The day's scores stand without it: a failure (a bad rule) is reported, and the
        # next run or `tenure privacy enforce` applies the rules.
        from .privacy.retention import enforce_retention

        try:
            work.retention = enforce_retention(app, as_of=as_of, now=now).as_dict()
        except (TenureError, SQLAlchemyError, duckdb.Error) as exc:
            work.retention = {"error": f"retention not applied: {exc}"}
    # The day's scores and work stand without the dashboard's series: a failure here is
    # reported, and the pages keep the previous day's figures until the next run.
    try:
        work.portfolio = refresh_series(app, as_of=as_of, now=now)
    except (TenureError, SQLAlchemyError) as exc:
        work.portfolio = {"error": f"portfolio series not computed: {exc}"}
    return work
