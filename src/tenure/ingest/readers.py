"""Read a file as a stream of Arrow record batches, each row tagged with its line number.

Three file formats: CSV, Parquet and JSON Lines. Nothing here holds a whole file: each reader
yields batches of at most ``batch_rows`` rows. Every batch has an ``_line`` column (the line on
which the record starts for CSV and JSON Lines, the 1-based row for Parquet) so that a
rejected row can be named. CSV batches hold strings (plus ``_error`` for a malformed record);
JSON Lines batches hold the raw line in ``_raw`` and are parsed by the warehouse in SQL, which is
much faster than parsing in Python; Parquet batches keep their own types.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ImportFileError

# csv's default limit (128 KiB) is too small for long ticket descriptions.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class FileFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    JSONL = "jsonl"


_EXTENSIONS = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".parquet": FileFormat.PARQUET,
    ".pq": FileFormat.PARQUET,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".json": FileFormat.JSONL,
}


def detect_format(path: Path) -> FileFormat:
    """The format from the file name (.csv, .tsv, .parquet, .jsonl, .ndjson, .json)."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz",)]
    for suffix in reversed(suffixes):
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix]
    raise ImportFileError(
        f"{path.name}: cannot tell the format from the name; use .csv, .parquet or .jsonl"
    )


@dataclass
class Stream:
    """An open file: its columns (as written in the file) and its batches."""

    path: Path
    fmt: FileFormat
    columns: list[str]  # source column names (CSV header / Parquet schema); [] for JSONL
    schema: pa.Schema  # the schema of every batch
    batches: Iterator[pa.RecordBatch]
    total_rows: int | None = None  # known up front for Parquet only
    handle: io.IOBase | None = None  # an open file to close when the import ends

    def close(self) -> None:
        """Release the file, whether or not its batches were read."""
        close = getattr(self.batches, "close", None)
        if close is not None:
            close()
        if self.handle is not None:
            self.handle.close()


def open_stream(path: Path, fmt: FileFormat, batch_rows: int) -> Stream:
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    if not path.is_file():
        raise ImportFileError(f"{path}: not a file")
    if fmt is FileFormat.CSV:
        return _open_csv(path, batch_rows)
    if fmt is FileFormat.PARQUET:
        return _open_parquet(path, batch_rows)
    return _open_jsonl(path, batch_rows)


# --- CSV -------------------------------------------------------------------------------------


_TEXT_ENCODING = "utf-8-sig"  # UTF-8, with or without a byte-order mark


def _sniff_text(path: Path) -> bytes:
    """The file's first 64 KiB, after checking that it is UTF-8 text."""
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if not head.strip():
        raise ImportFileError(f"{path.name}: the file is empty")
    if b"\x00" in head:
        raise ImportFileError(
            f"{path.name}: not a text file (binary content); is it a Parquet file with the "
            "wrong name?"
        )
    if head.startswith(b"PAR1"):
        raise ImportFileError(f"{path.name}: this is a Parquet file; name it .parquet")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: not UTF-8 text (byte {exc.start}); re-save the file as UTF-8"
        ) from exc
    return head


class _LineCountingFile:
    """Wraps a text file to turn a decoding error into a one-line error with the line."""

    def __init__(self, fh: io.TextIOWrapper, name: str) -> None:
        self._fh = fh
        self._name = name
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                text = self._fh.readline()
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"{self._name}: not UTF-8 text after line {self.line}; re-save the file "
                    "as UTF-8"
                ) from exc
            if not text:
                return
            self.line += 1
            yield text


def _read_header(reader: Iterator[list[str]], name: str) -> list[str]:
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ImportFileError(f"{name}: the file is empty") from exc
    except csv.Error as exc:
        raise ImportFileError(f"{name}: not a CSV file ({exc})") from exc
    header = [h.strip() for h in header]
    if len(header) < 2 and not (header and header[0]):
        raise ImportFileError(f"{name}: no header row")
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ImportFileError(f"{name}: repeated column names in the header: {dupes}")
    return header


def _open_csv(path: Path, batch_rows: int) -> Stream:
    head = _sniff_text(path)
    first_line = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    delimiter = "\t" if path.suffix.lower() == ".tsv" or (
        "\t" in first_line and "," not in first_line
    ) else ","
    fh = path.open("r", encoding=_TEXT_ENCODING, newline="")
    lines = _LineCountingFile(fh, path.name)
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    try:
        header = _read_header(reader, path.name)
    except ImportFileError:
        fh.close()
        raise
    schema = pa.schema(
        [("_line", pa.int64()), ("_error", pa.string()), ("_record", pa.string())]
        + [(h, pa.string()) for h in header]
    )
    batches = _csv_batches(fh, lines, reader, schema, batch_rows, path.name)
    return Stream(path, FileFormat.CSV, header, schema, batches, handle=fh)


def _csv_batches(
    fh: io.TextIOWrapper,
    lines: _LineCountingFile,
    reader: Iterator[list[str]],
    schema: pa.Schema,
    batch_rows: int,
    name: str,
) -> Iterator[pa.RecordBatch]:
    width = len(schema) - 3  # the file's columns, after _line, _error and _record

    def flush(cols: list[list[object]]) -> pa.RecordBatch:
        return pa.RecordBatch.from_arrays(
            [pa.array(c, f.type) for c, f in zip(cols, schema, strict=True)], schema=schema
        )

    cols: list[list[object]] = [[] for _ in schema]
    with fh:
        start = lines.line + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise ImportFileError(f"{name}: not a CSV file at line {start} ({exc})") from exc
            line, start = start, lines.line + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line: nothing to import, nothing lost
            error = None
            if len(row) != width:
                error = f"expected {width} fields, found {len(row)}"
                record = json.dumps(row, ensure_ascii=False)
                row = (row + [""] * width)[:width]
            else:
                record = None
            cols[0].append(line)
            cols[1].append(error)
            cols[2].append(record)
            for i, value in enumerate(row):
                cols[3 + i].append(value)
            if len(cols[0]) >= batch_rows:
                yield flush(cols)
                cols = [[] for _ in schema]
    if cols[0]:
        yield flush(cols)


# --- Parquet ---------------------------------------------------------------------------------


def _open_parquet(path: Path, batch_rows: int) -> Stream:
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ImportFileError(f"{path.name}: not a Parquet file ({exc})") from exc
    columns = [f.name for f in pf.schema_arrow]
    if "_line" in columns:
        raise ImportFileError(f"{path.name}: the column name _line is reserved")
    schema = pa.schema([("_line", pa.int64()), *pf.schema_arrow])

    def batches() -> Iterator[pa.RecordBatch]:
        first = 1
        for batch in pf.iter_batches(batch_size=batch_rows):
            n = batch.num_rows
            line = pa.array(range(first, first + n), pa.int64())
            first += n
            yield pa.RecordBatch.from_arrays([line, *batch.columns], schema=schema)

    return Stream(path, FileFormat.PARQUET, columns, schema, batches(),
                  total_rows=pf.metadata.num_rows)


# --- JSON Lines ------------------------------------------------------------------------------

_JSONL_SCHEMA = pa.schema([("_line", pa.int64()), ("_raw", pa.string())])
_BLOCK = 2 * 1024 * 1024  # bytes read at a time; bounds the reader's own memory


def _open_jsonl(path: Path, batch_rows: int) -> Stream:
    head = _sniff_text(path)
    stripped = head.lstrip()
    if stripped[:1] not in (b"{", b"["):
        raise ImportFileError(
            f"{path.name}: not JSON Lines (the first line does not start with '{{')"
        )
    return Stream(path, FileFormat.JSONL, [], _JSONL_SCHEMA, _jsonl_batches(path, batch_rows))


def _jsonl_batches(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Split into lines in Python (cheap) and leave the JSON parsing to the warehouse."""
    line_no = 0
    lines_out: list[int] = []
    raw_out: list[str] = []
    decoder = codecs.getincrementaldecoder(_TEXT_ENCODING)()
    rest = ""
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            final = not block
            try:
                text = rest + decoder.decode(block, final=final)
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"{path.name}: not UTF-8 text after line {line_no}; re-save it as UTF-8"
                ) from exc
            parts = text.split("\n")
            rest = "" if final else parts.pop()
            for part in parts:
                line_no += 1
                if part.endswith("\r"):
                    part = part[:-1]
                if not part.strip():
                    continue
                lines_out.append(line_no)
                raw_out.append(part)
                if len(raw_out) >= batch_rows:
                    yield _raw_batch(lines_out, raw_out)
                    lines_out, raw_out = [], []
            if final:
                break
    if raw_out:
        yield _raw_batch(lines_out, raw_out)


def _raw_batch(lines: list[int], raw: list[str]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(lines, pa.int64()), pa.array(raw, pa.string())], schema=_JSONL_SCHEMA
    )
