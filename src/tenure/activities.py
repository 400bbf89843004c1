"""Touchpoints logged in Tenure (`tenure log`, later the dashboard).

They are written to the app database (``logged_activities``) because the web app never writes
to the warehouse; each scoring run first copies the ones not yet copied into the warehouse's
``activities`` table (:func:`sync_to_warehouse`), with activity_id ``tenure-<id>``, so that the
touchpoint metrics (``last_touchpoint_day``, ``days_since_last_touchpoint``) see them.

The copy goes through the import (``tenure import activities``): the same validation, and
the same merge by activity_id, so copying a row twice stores it once. A row is marked copied
only after the warehouse committed it; a crash in between makes the next run copy it again,
which changes nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select, update

from .errors import WorkError
from .ingest.schema import ACTIVITY_KINDS
from .store import AccountSnapshot, AppStore, LoggedActivity

if TYPE_CHECKING:
    from .app import App

# The warehouse id of a logged touchpoint: its app-database id behind a prefix that source
# systems do not use, so the two never collide.
ID_PREFIX = "tenure-"


def warehouse_id(logged_id: int) -> str:
    """The activity_id a logged touchpoint has in the warehouse."""
    return f"{ID_PREFIX}{logged_id}"


def _utc_naive(at: datetime) -> datetime:
    """Stored as the warehouse stores timestamps: UTC without an offset."""
    return at if at.tzinfo is None else at.astimezone(UTC).replace(tzinfo=None)


def require_known_account(app: App, account_id: str) -> None:
    """Refuse an account the warehouse does not know, once it knows any account (a workspace
    without imported accounts yet accepts any id)."""
    # A scored account is known from the app database alone: logging then works while a
    # batch job holds the warehouse.
    with app.store.session() as s:
        if s.get(AccountSnapshot, account_id) is not None:
            return
    con = app.warehouse.con
    known = con.execute("SELECT count(*) FROM accounts WHERE account_id = ?",
                        [account_id]).fetchall()[0][0]
    if known:
        return
    if con.execute("SELECT count(*) FROM accounts").fetchall()[0][0]:
        raise WorkError(f"unknown account {account_id!r}: it is not in the accounts table "
                        "(see `tenure accounts`)")


def log_activity(
    store: AppStore,
    *,
    account_id: str,
    kind: str,
    summary: str | None,
    occurred_at: datetime,
    actor: str | None = None,
    contact_id: str | None = None,
    now: datetime,
) -> int:
    """Log a touchpoint with an account; returns its id. ``kind`` is one of the canonical
    activity kinds; ``occurred_at`` (naive = UTC) must not be after ``now``."""
    account_id = (account_id or "").strip()
    if not account_id:
        raise WorkError("an account id is required")
    if kind not in ACTIVITY_KINDS:
        raise WorkError(f"unknown activity kind {kind!r}; choose one of "
                        f"{', '.join(ACTIVITY_KINDS)}")
    occurred = _utc_naive(occurred_at)
    now = _utc_naive(now)
    if occurred > now:
        raise WorkError(f"a touchpoint is logged once it happened: {occurred.isoformat()} "
                        f"is after now ({now.isoformat(timespec='seconds')} UTC)")
    actor = (actor or "").strip() or None
    if actor is not None and len(actor) > 320:
        raise WorkError("the actor is longer than 320 characters")
    row = LoggedActivity(account_id=account_id, kind=kind, occurred_at=occurred, actor=actor,
                         summary=(summary or "").strip() or None,
                         contact_id=(contact_id or "").strip() or None, created_at=now)
    with store.session() as s:
        s.add(row)
        s.flush()
        return int(row.id)


def unsynced(store: AppStore, *, account_id: str | None = None) -> list[LoggedActivity]:
    """Logged touchpoints not yet marked as copied to the warehouse, oldest id first."""
    q = select(LoggedActivity).where(LoggedActivity.synced_at.is_(None))
    if account_id is not None:
        q = q.where(LoggedActivity.account_id == account_id)
    with store.session() as s:
        rows = list(s.scalars(q.order_by(LoggedActivity.id)))
        s.expunge_all()
    return rows


def _write_parquet(path: Path, rows: Sequence[LoggedActivity]) -> None:
    table = pa.table(
        {"activity_id": [warehouse_id(r.id) for r in rows],
         "account_id": [r.account_id for r in rows],
         "kind": [r.kind for r in rows],
         "occurred_at": [r.occurred_at for r in rows],
         "actor": [r.actor for r in rows],
         "summary": [r.summary for r in rows]},
        schema=pa.schema([("activity_id", pa.string()), ("account_id", pa.string()),
                          ("kind", pa.string()), ("occurred_at", pa.timestamp("us")),
                          ("actor", pa.string()), ("summary", pa.string())]))
    pq.write_table(table, path)


def sync_to_warehouse(app: App, *, now: datetime | None = None) -> int:
    """Copy the logged touchpoints not yet copied into the warehouse's activities table and
    mark them copied; returns how many were marked. Safe to repeat and to interrupt."""
    pending = unsynced(app.store)
    if not pending:
        return 0
    from .ingest import import_file

    # The import reads files; the copy lives only for the import, in the workspace's data
    # folder (it holds personal data: actors and summaries), and is removed whatever happens.
    folder = app.home / "data"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".logged-activities-", suffix=".parquet", dir=folder)
    os.close(fd)
    path = Path(name)
    try:
        _write_parquet(path, pending)
        import_file(app, "activities", path)
    finally:
        path.unlink(missing_ok=True)
    # Mark only what the warehouse now holds: a row the import rejected stays pending.
    ids = [warehouse_id(r.id) for r in pending]
    held = {r[0] for r in app.warehouse.con.execute(
        "SELECT activity_id FROM activities WHERE activity_id IN (SELECT unnest(?))",
        [ids]).fetchall()}
    done = [r.id for r in pending if warehouse_id(r.id) in held]
    if done:
        stamp = _utc_naive(now) if now is not None else datetime.now(UTC).replace(tzinfo=None)
        with app.store.session() as s:
            s.execute(update(LoggedActivity).where(LoggedActivity.id.in_(done))
                      .values(synced_at=stamp))
    return len(done)


__all__ = ["ID_PREFIX", "log_activity", "require_known_account", "sync_to_warehouse",
           "unsynced", "warehouse_id"]
