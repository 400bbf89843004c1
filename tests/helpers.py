"""Small helpers for tests: file writers and a query shortcut."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tenure import App


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_jsonl(path: Path, records: list[Any]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


def write_parquet(
    path: Path, columns: dict[str, list[Any]], schema: pa.Schema | None = None
) -> Path:
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def rows(app: App, sql: str) -> list[tuple[Any, ...]]:
    return app.warehouse.con.execute(sql).fetchall()
