"""The voice of the customer for one account: its survey responses (NPS, CSAT, CES) and its
feedback, read from the warehouse, newest first.

``contact_id``, ``comment`` and the feedback ``text`` are personal data (flagged so in
:mod:`tenure.ingest.schema`): callers blank them for people who may not see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .ingest.schema import TABLES

if TYPE_CHECKING:
    from .app import App

SURVEY_COLUMNS = ("response_id", "survey", "score", "responded_at", "contact_id", "comment")
FEEDBACK_COLUMNS = ("feedback_id", "created_at", "text", "contact_id", "source", "feature",
                    "status")


def personal_columns(table: str) -> frozenset[str]:
    """The columns of a warehouse table that hold personal data."""
    return frozenset(c.name for c in TABLES[table].columns if c.personal)


def _read(app: App, table: str, columns: tuple[str, ...], order: str, account_id: str,
          limit: int) -> list[dict[str, Any]]:
    # The table and column names are this module's constants; the values are parameters.
    with app.warehouse.reading() as con:
        rows = con.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE account_id = ? "
            f"ORDER BY {order} DESC, {columns[0]} LIMIT ?", [account_id, limit]).fetchall()
    return [dict(zip(columns, r, strict=True)) for r in rows]


def survey_responses(app: App, account_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The account's survey responses, newest first."""
    return _read(app, "survey_responses", SURVEY_COLUMNS, "responded_at", account_id, limit)


def feedback(app: App, account_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The account's feedback, newest first."""
    return _read(app, "feedback", FEEDBACK_COLUMNS, "created_at", account_id, limit)
