"""Canonical files, appended chunk by chunk: CSV for the tables, Parquet for events.

Column order comes from ``ingest.schema``; values arrive as arrays already in their text
form for ids, text, dates and instants (see ``timeline.dates_text``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tenure.ingest.schema import TABLES

EVENTS_SCHEMA = pa.schema([
    ("account_id", pa.string()),
    ("event", pa.string()),
    ("timestamp", pa.timestamp("us", tz="UTC")),
    ("event_id", pa.string()),
    ("user_id", pa.string()),
    ("properties", pa.string()),
])


class CsvTable:
    """A canonical CSV file written in pieces: the header once, then rows as they come.

    Values are quoted only where needed, empty means missing, booleans are true/false.
    """

    def __init__(self, path: Path, table: str, extra: Sequence[str] = ()):
        self.path = path
        self.rows = 0
        self.columns = TABLES[table].column_names + tuple(extra)
        self._file = open(path, "w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(self.columns)

    def append(self, columns: Mapping[str, Any]) -> None:
        lists = [_cells(columns[name]) for name in self.columns]
        self._csv.writerows(zip(*lists))
        self.rows += len(lists[0])

    def close(self) -> None:
        self._file.close()


def _cells(values: Any) -> list[Any]:
    """Plain Python values for the csv module: None stays empty, booleans become true/false."""
    if isinstance(values, np.ndarray):
        if values.dtype == np.bool_:
            return ["true" if v else "false" for v in values.tolist()]
        return values.tolist()  # type: ignore[no-any-return]
    return list(values)


class EventsFile:
    """events.parquet, one row group per block of events."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        self._writer = pq.ParquetWriter(path, EVENTS_SCHEMA, compression="zstd")

    def append(self, *, account_id: pa.Array, event: pa.Array, at_us: np.ndarray,
               first_id: int, user_id: pa.Array, properties: pa.Array) -> None:
        n = len(at_us)
        if n == 0:
            return
        seq = pa.array(np.arange(first_id, first_id + n, dtype=np.int64)).cast(pa.string())
        event_id = pc.binary_join_element_wise("evt_", pc.utf8_lpad(seq, width=10, padding="0"), "")
        table = pa.table([account_id, event, pa.array(at_us, type=pa.timestamp("us", tz="UTC")),
                          event_id, user_id, properties], schema=EVENTS_SCHEMA)
        self._writer.write_table(table)
        self.rows += n

    def close(self) -> None:
        self._writer.close()


def optional(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Values where ``present``, None elsewhere (ints stay ints, for nullable int columns)."""
    out = np.full(len(values), None, dtype=object)
    out[present] = values[present].tolist()
    return out


class Mint:
    """Ids per table, numbered in the order records are written, so runs are reproducible."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, prefix: str, n: int, width: int = 8) -> np.ndarray:
        first = self._next.get(prefix, 1)
        self._next[prefix] = first + n
        return np.array([f"{prefix}{k:0{width}d}" for k in range(first, first + n)], dtype=object)

    def reserve(self, prefix: str, n: int) -> int:
        """Reserve ``n`` numbers without formatting them (events); returns the first."""
        first = self._next.get(prefix, 1)
        self._next[prefix] = first + n
        return first
