"""Canonical files, appended chunk by chunk: CSV for the tables, Parquet for events.

Column order and types come from ``ingest.schema``; values arrive as numpy arrays already in
their text form for ids, text, dates and instants (see ``timeline.dates_text``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tenure.ingest.schema import TABLES, Kind

_ARROW_TYPE: dict[Kind, pa.DataType] = {Kind.MONEY: pa.float64(), Kind.INT: pa.int64(),
                                        Kind.BOOL: pa.bool_()}

EVENTS_SCHEMA = pa.schema([
    ("account_id", pa.string()),
    ("event", pa.string()),
    ("timestamp", pa.timestamp("us", tz="UTC")),
    ("event_id", pa.string()),
    ("user_id", pa.string()),
    ("properties", pa.string()),
])


class CsvTable:
    """A canonical CSV file written in pieces; the header once, then rows as they come."""

    def __init__(self, path: Path, table: str, extra: Sequence[tuple[str, pa.DataType]] = ()):
        spec = TABLES[table]
        self.path = path
        self.rows = 0
        fields = [(c.name, _ARROW_TYPE.get(c.kind, pa.string())) for c in spec.columns]
        self.schema = pa.schema(fields + list(extra))
        self._file = open(path, "wb")
        # pyarrow quotes every header name; a plain header line reads better in a spreadsheet.
        self._file.write((",".join(self.schema.names) + "\n").encode())
        self._options = pacsv.WriteOptions(include_header=False, quoting_style="needed")

    def append(self, columns: Mapping[str, Any]) -> None:
        arrays = [pa.array(columns[f.name], type=f.type, from_pandas=True) for f in self.schema]
        batch = pa.table(arrays, schema=self.schema)
        if batch.num_rows:
            pacsv.write_csv(batch, self._file, self._options)
            self.rows += batch.num_rows

    def close(self) -> None:
        self._file.close()


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
