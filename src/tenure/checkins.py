"""Check-ins: how often a CSM should be in touch with each paying account, and who is overdue.

The cadence is per segment (``checkins.cadence_days``; ``default_days`` for any other
segment; 0 = the segment is served by automated touches only and never becomes overdue). A
touchpoint is what the metric ``last_touchpoint_day`` counts (an activity whose kind is in
``adoption.touchpoint_kinds`` and whose actor is not one of ``adoption.automated_actors``),
plus the touchpoints logged in Tenure that the scoring run has not copied to the warehouse
yet, judged by the same rule. The next check-in is due ``cadence`` days after the last
touchpoint, or after the account's start (its first paid day, else its creation) when it
never had one; it is overdue from the day after.

The playbook engine's ``checkin_overdue`` trigger calls :func:`checkins`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from .store import LoggedActivity

if TYPE_CHECKING:
    from .app import App
    from .settings import Settings

COLUMNS = ["account_id", "name", "segment", "owner", "cadence_days", "last_touchpoint_day",
           "days_since", "due_on", "overdue", "days_overdue"]


def cadence_for(settings: Settings, segment: str | None) -> int:
    """Days between check-ins for an account of ``segment`` (0: never overdue)."""
    cfg = settings.checkins
    if segment is not None and segment in cfg.cadence_days:
        return int(cfg.cadence_days[segment])
    return int(cfg.default_days)


def is_touchpoint(settings: Settings, kind: str, actor: str | None) -> bool:
    """The rule of the metric ``last_touchpoint_day`` (metrics/definitions.toml): a person's
    touchpoint of a counted kind; no actor counts as a person."""
    adoption = settings.adoption
    return kind in adoption.touchpoint_kinds and actor not in adoption.automated_actors


def logged_touchpoint_days(app: App, *, as_of: date) -> dict[str, date]:
    """Per account, the latest day of a touchpoint logged in Tenure and not yet copied to the
    warehouse, up to the end of ``as_of``."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    q = (select(LoggedActivity.account_id, LoggedActivity.kind, LoggedActivity.actor,
                LoggedActivity.occurred_at)
         .where(LoggedActivity.synced_at.is_(None), LoggedActivity.occurred_at < end))
    latest: dict[str, date] = {}
    with app.store.session() as s:
        for account_id, kind, actor, at in s.execute(q):
            if is_touchpoint(app.settings, kind, actor):
                day = at.date()
                if account_id not in latest or day > latest[account_id]:
                    latest[account_id] = day
    return latest


def _names(app: App) -> dict[str, Any]:
    rows = app.warehouse.con.execute("SELECT account_id, name FROM accounts").fetchall()
    return dict(rows)


def day_of(value: Any) -> date | None:
    """A day from a metric's value (a date, a timestamp, or missing)."""
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    return value if isinstance(value, date) else pd.Timestamp(value).date()


def next_checkin(last: date | None, first_paid: date | None, created: date | None,
                 cadence: int) -> date | None:
    """When the next check-in is due: ``cadence`` days after the last touchpoint, else after
    the first paid day, else after the account's creation; None for a segment with cadence 0
    (automated touch only) or without any of those days."""
    start = last or first_paid or created
    return start + timedelta(days=cadence) if cadence > 0 and start is not None else None


def checkins(app: App, *, as_of: date, owner: str | None = None) -> pd.DataFrame:
    """One row per paying account as of ``as_of`` (optionally one CSM's book): its cadence,
    last touchpoint, when the next check-in is due and by how many days it is overdue;
    ordered most overdue first. Columns: see ``COLUMNS``."""
    from .metrics import account_metrics

    frame = account_metrics(app, as_of=as_of, metrics=[
        "mrr", "first_paid_day", "created_day", "last_touchpoint_day"])
    paying = pd.to_numeric(frame["mrr"], errors="coerce").fillna(0) > 0
    frame = frame[paying]
    if owner is not None:
        frame = frame[frame["owner"] == owner]
    logged = logged_touchpoint_days(app, as_of=as_of)
    names = _names(app)
    rows: list[dict[str, Any]] = []
    for r in frame.itertuples(index=False):
        account_id = str(r.account_id)
        segment = None if pd.isna(r.segment) else str(r.segment)
        cadence = cadence_for(app.settings, segment)
        days = [d for d in (day_of(r.last_touchpoint_day), logged.get(account_id)) if d]
        last = max(days) if days else None
        due = next_checkin(last, day_of(r.first_paid_day), day_of(r.created_day), cadence)
        late = (as_of - due).days if due is not None else 0
        rows.append({
            "account_id": account_id, "name": names.get(account_id),
            "segment": segment, "owner": None if pd.isna(r.owner) else str(r.owner),
            "cadence_days": cadence, "last_touchpoint_day": last,
            "days_since": (as_of - last).days if last else None,
            "due_on": due, "overdue": late > 0, "days_overdue": max(late, 0)})
    # Whole days stay integers; where there is none (no touchpoint, no due date) the value is
    # None, as for the dates, so that rows read as plain Python values.
    out = pd.DataFrame(rows, columns=COLUMNS).astype(
        {"cadence_days": "int64", "overdue": "bool", "days_overdue": "int64"})
    out["days_since"] = pd.Series([r["days_since"] for r in rows], dtype=object)
    if out.empty:
        return out
    out["_due"] = out["due_on"].map(lambda d: d or date.max)
    out = out.sort_values(["days_overdue", "_due", "account_id"],
                          ascending=[False, True, True], kind="stable")
    return out.drop(columns="_due").reset_index(drop=True)


__all__ = ["COLUMNS", "cadence_for", "checkins", "day_of", "is_touchpoint",
           "logged_touchpoint_days", "next_checkin"]
