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
import numpy.typing as npt
import pyarrow as pa
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
        # Closed by close(): the file stays open across chunks.
        self._file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(self.columns)

    def append(self, columns: Mapping[str, Any]) -> None:
        lists = [_cells(columns[name]) for name in self.columns]
        self._csv.writerows(zip(*lists, strict=True))
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
    """events.parquet, one row group per block of events.

    Account, user, event and properties are written dictionary-encoded (few distinct values
    per block) without the Arrow schema, so every reader sees plain strings.
    """

    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        # Ids are unique (no dictionary); timestamps ascend within an account, so delta
        # encoding shrinks them to a few bits each.
        self._writer = pq.ParquetWriter(
            path, _EVENTS_CODED, compression="zstd", store_schema=False,
            use_dictionary=["account_id", "event", "user_id", "properties"],
            column_encoding={"timestamp": "DELTA_BINARY_PACKED", "event_id": "PLAIN"})

    def append(self, *, account: np.ndarray, account_ids: pa.Array, event: np.ndarray,
               event_names: pa.Array, properties: np.ndarray, property_values: pa.Array,
               at_us: np.ndarray, user: np.ndarray, user_ids: pa.Array, first_id: int) -> None:
        """Write one block; each index array points into its array of distinct values."""
        n = len(at_us)
        if n == 0:
            return

        def coded(indices: np.ndarray, values: pa.Array) -> pa.Array:
            return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), values)

        table = pa.Table.from_arrays([
            coded(account, account_ids), coded(event, event_names),
            pa.array(at_us, type=pa.timestamp("us", tz="UTC")),
            numbered("evt_", first_id, n, 10), coded(user, user_ids),
            coded(properties, property_values),
        ], schema=_EVENTS_CODED)
        self._writer.write_table(table)
        self.rows += n

    def close(self) -> None:
        self._writer.close()


_EVENTS_CODED = pa.schema([
    pa.field(f.name, pa.dictionary(pa.int32(), pa.string()) if f.name in
             ("account_id", "event", "user_id", "properties") else f.type)
    for f in EVENTS_SCHEMA
])


# "00".."99" as two ASCII bytes read as one little-endian uint16: ids are written two digits
# at a time.
_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8).view(
    "<u2").ravel()


def numbered(prefix: str, first: int, n: int, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers first..first+n-1 as an Arrow string array, built from
    bytes directly (millions of ids without a Python loop). ``prefix`` and ``width`` must have
    even lengths."""
    if first + n > 10**width:
        raise ValueError(f"more than {10**width} ids for {prefix!r}")
    head = np.frombuffer(prefix.encode(), dtype="<u2")
    cells = len(head) + width // 2
    data = np.empty((n, cells), dtype="<u2")
    data[:, : len(head)] = head
    # 32-bit arithmetic is twice as fast, and enough below four billion.
    kind = np.uint32 if first + n < 2**32 else np.uint64
    rest: npt.NDArray[np.unsignedinteger[Any]] = np.arange(first, first + n, dtype=kind)
    for k in range(width // 2):  # from the right
        quotient = rest // 100
        data[:, cells - 1 - k] = _PAIRS[rest - quotient * 100]
        rest = quotient
    size = 2 * cells
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(data)])


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
