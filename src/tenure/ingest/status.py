"""What a workspace holds: rows and date ranges per table, and the import log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ..store import ImportRun
from .schema import TABLES
from .validate import q

if TYPE_CHECKING:
    from ..app import App


@dataclass
class TableStatus:
    table: str
    rows: int
    first: datetime | None
    last: datetime | None
    imports: int
    rejected: int
    suppressed: int
    last_import: datetime | None


def table_status(app: App) -> list[TableStatus]:
    """One line per canonical table, in import order; an optional table (fx_rates) once it
    holds rows or was imported into."""
    con = app.warehouse.con
    app.warehouse.ensure_tables()
    with app.store.session() as s:
        runs = {
            r.table_name: r
            for r in s.execute(
                select(
                    ImportRun.table_name,
                    func.count().label("n"),
                    func.coalesce(func.sum(ImportRun.rejected), 0).label("rejected"),
                    func.coalesce(func.sum(ImportRun.suppressed), 0).label("suppressed"),
                    func.max(ImportRun.finished_at).label("last"),
                )
                .where(ImportRun.status == "committed")
                .group_by(ImportRun.table_name)
            )
        }
    out = []
    for name, table in TABLES.items():
        date_col = q(table.date_column) if table.date_column else "NULL"
        rows, first, last = con.execute(
            f"SELECT count(*), min({date_col}), max({date_col}) FROM {q(name)}"
        ).fetchall()[0]
        run = runs.get(name)
        if table.optional and not rows and run is None:
            continue
        out.append(
            TableStatus(
                table=name,
                rows=int(rows),
                first=first,
                last=last,
                imports=int(run.n) if run else 0,
                rejected=int(run.rejected) if run else 0,
                suppressed=int(run.suppressed) if run else 0,
                last_import=run.last if run else None,
            )
        )
    return out


def recent_imports(app: App, limit: int = 20) -> list[dict[str, Any]]:
    """The latest import runs, newest first, including failed and interrupted ones."""
    with app.store.session() as s:
        rows = s.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)).all()
        return [
            {
                "id": r.id,
                "table": r.table_name,
                "source": r.source,
                "file": r.file_path,
                "status": r.status,
                "started_at": r.started_at,
                "rows_read": r.rows_read,
                "imported": r.imported,
                "updated": r.updated,
                "duplicate": r.duplicate,
                "skipped": r.skipped,
                "rejected": r.rejected,
                "suppressed": r.suppressed,
                "rejects_file": r.rejects_file,
                "message": r.message,
            }
            for r in rows
        ]
