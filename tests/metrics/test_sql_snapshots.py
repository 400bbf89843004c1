"""The SQL each dataset's measures compile to, kept in files so that a change in a query shows
up in review. After an intended change: TENURE_UPDATE_SNAPSHOTS=1 pytest this file."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import ibis

from tenure import App
from tenure.metrics import context
from tenure.metrics.catalog import builtin
from tenure.metrics.engine import measure_queries
from tenure.metrics.periods import periods_ending

SNAPSHOTS = Path(__file__).parent / "sql"


def _normalise(sql: str) -> str:
    # Ibis names in-memory tables at random.
    return re.sub(r"ibis_pandas_memtable_\w+", "periods", sql).strip() + "\n"


def test_compiled_sql_matches_the_snapshots(app: App) -> None:
    ctx = context(app, as_of=date(2026, 6, 30))
    measures = [m for m in builtin().values() if m.is_measure]
    spans = periods_ending(date(2026, 6, 30), "month", 2)
    update = os.environ.get("TENURE_UPDATE_SNAPSHOTS") == "1"
    changed = []
    for grain, keys in (("company", ()), ("account", ("account_id",)),
                        ("segment", ("segment",))):
        for name, query in measure_queries(ctx, measures, spans, keys).items():
            sql = _normalise(ibis.to_sql(query, dialect="duckdb"))
            path = SNAPSHOTS / f"{name}.{grain}.sql"
            if update:
                path.write_text(sql, encoding="utf-8")
            elif not path.exists() or path.read_text(encoding="utf-8") != sql:
                changed.append(path.name)
    assert not changed, f"compiled SQL changed: {changed}; review and update the snapshots"
