"""Import one file into one canonical table: stage, validate, report rejects, merge, commit.

The whole import is one warehouse transaction: an import that fails or is killed at any point
leaves the warehouse as it was. The file is streamed into the warehouse in batches (never held
in Python memory); validation and merging run as SQL inside the warehouse.

Counts, per file:
- ``imported``: new records stored;
- ``updated``: stored records whose values changed (tables where a later row replaces the
  stored record: all but events);
- ``duplicate``: rows that changed nothing: the same record again, an event id already stored,
  or an earlier row superseded by a later one with the same key in the same file;
- ``skipped``: rows of a source file that are not for this table (e.g. a Segment ``identify``
  call when importing events), counted by reason;
- ``rejected``: rows with a problem, each written to the rejects file with its line and reason;
- ``suppressed``: rows naming a person erased by `tenure privacy erase` (a keyed-hash
  tombstone matches their email or contact id): not stored, and listed in the rejects file
  with their line and the erasure request, without their content.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import update

from ..errors import ImportFileError
from ..privacy.tombstones import SUPPRESSED_REASON, suppress_erased
from ..store import ImportRun
from .project import Staged
from .readers import FileFormat, Stream, detect_format, open_stream
from .schema import TABLES, Table
from .sources import get_source
from .validate import lit, q, typed_select

if TYPE_CHECKING:
    from ..app import App

Progress = Callable[[str, int, int | None], None]


@dataclass
class ImportReport:
    """What one import did."""

    table: str
    source: str
    file: str
    file_format: str
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    duplicate: int = 0
    skipped: int = 0
    rejected: int = 0
    suppressed: int = 0
    unknown_account_rows: int = 0
    unknown_account_examples: list[str] = field(default_factory=list)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None
    run_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class _Batches:
    """The file's batches as one Arrow stream, counting rows and reporting progress."""

    def __init__(self, stream: Stream, progress: Progress | None) -> None:
        self.read = 0
        self._stream = stream
        self._progress = progress

    def _gen(self) -> Iterator[pa.RecordBatch]:
        for batch in self._stream.batches:
            self.read += batch.num_rows
            if self._progress:
                self._progress("reading", self.read, self._stream.total_rows)
            yield batch

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self._stream.schema, self._gen())


_ARROW_TYPES = {"int64": "BIGINT", "string": "VARCHAR"}


# The staging objects live in the import's transaction: a rollback removes them, and the end
# of a successful import drops them. CREATE OR REPLACE guards against leftovers all the same.


def _stage_parquet(con: Any, stream: Stream) -> int:
    """Parquet is read by the warehouse in place: a view over the file, row number as line."""
    con.execute(
        "CREATE OR REPLACE TEMP VIEW stage_raw AS SELECT "
        "CAST(file_row_number + 1 AS BIGINT) AS _line, * EXCLUDE (file_row_number) FROM "
        f"read_parquet({lit(str(stream.path))}, file_row_number = true)"
    )
    return int(stream.total_rows or 0)


def _stage_batches(con: Any, stream: Stream, progress: Progress | None) -> int:
    """CSV and JSON Lines batches from Python into the temp table stage_raw."""
    batches = _Batches(stream, progress)
    con.register("_tenure_batches", batches.reader())
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE stage_raw AS SELECT * FROM _tenure_batches")
    finally:
        con.unregister("_tenure_batches")
    return batches.read


def _drop_staging(con: Any) -> None:
    for name in ("stage_typed", "stage_latest", "stage_changed"):
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def _scalar(con: Any, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


def _key_match(table: Table, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{q(k)} = {right}.{q(k)}" for k in table.key)


def _content_hash(table: Table) -> str:
    parts = []
    for name in table.hash_key_from:
        col = table.column(name)
        if col.storage_type == "TIMESTAMP":
            parts.append(f"coalesce(strftime({q(name)}, '%Y-%m-%dT%H:%M:%S.%f'), '')")
        else:
            parts.append(f"coalesce(CAST({q(name)} AS VARCHAR), '')")
    return f"'h:' || md5(concat_ws(chr(31), {', '.join(parts)}))"


def import_file(
    app: App,
    table_name: str,
    path: Path | str,
    *,
    source: str = "canonical",
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` into ``table_name``; see the module docstring for the counts."""
    if table_name not in TABLES:
        raise ImportFileError(
            f"unknown table {table_name!r}; choose one of {', '.join(TABLES)}"
        )
    table = TABLES[table_name]
    src = get_source(source)
    path = Path(path)
    fmt = detect_format(path)
    src.check(table_name, fmt, path.name)
    stream = open_stream(path, fmt, app.settings.imports.batch_rows)

    report = ImportReport(table=table.name, source=src.name, file=str(path), file_format=fmt)
    con = app.warehouse.con
    app.warehouse.ensure_tables()
    run_id = _start_run(app, report)
    report.run_id = run_id
    rejects_tmp: Path | None = None
    try:
        con.execute("BEGIN TRANSACTION")
        rejects_tmp = _validate_and_merge(app, con, table, src.project, stream, report,
                                          progress)
        con.execute("COMMIT")
    except BaseException as exc:
        with contextlib.suppress(Exception):  # the transaction may already be gone
            con.execute("ROLLBACK")
        if rejects_tmp is not None:
            rejects_tmp.unlink(missing_ok=True)
        _finish_run(app, run_id, report, status="failed", message=str(exc) or type(exc).__name__)
        raise
    finally:
        stream.close()
    _drop_staging(con)
    if rejects_tmp is not None:
        final = rejects_tmp.with_suffix("")
        os.replace(rejects_tmp, final)
        report.rejects_file = str(final)
    _finish_run(app, run_id, report, status="committed")
    return report


def _validate_and_merge(
    app: App,
    con: Any,
    table: Table,
    project: Any,
    stream: Stream,
    report: ImportReport,
    progress: Progress | None,
) -> Path | None:
    path = stream.path
    if stream.fmt is FileFormat.PARQUET:
        report.rows_read = _stage_parquet(con, stream)
        types = {r[0]: r[1] for r in con.execute("DESCRIBE stage_raw").fetchall()}
    else:
        types = {f.name: _ARROW_TYPES[str(f.type)] for f in stream.schema}
    projection = project(table, Staged(fmt=stream.fmt, file_name=path.name, columns=types))
    # A projection that reads its input once, and carries the raw record for the rejects
    # file, is fed straight from the file: no staging copy of the raw rows.
    single_pass = projection.record_column is not None and stream.fmt is not FileFormat.PARQUET
    batches: _Batches | None = None
    if single_pass:
        batches = _Batches(stream, progress)
        con.register("stage_raw", batches.reader())
    elif stream.fmt is not FileFormat.PARQUET:
        report.rows_read = _stage_batches(con, stream, progress)

    if progress:
        progress("validating", 0, None)
    select = typed_select(
        table,
        f"({projection.sql})",
        projection.types,
        app.settings.company.reporting_currency,
        record_column=projection.record_column if single_pass else None,
    )
    if table.hash_key_from:
        key = table.key[0]
        select = (
            f"SELECT * REPLACE (coalesce({q(key)}, {_content_hash(table)}) AS {q(key)}) "
            f"FROM ({select})"
        )
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE stage_typed AS {select}")
    finally:
        if batches is not None:
            con.unregister("stage_raw")
            report.rows_read = batches.read
    if projection.required_json_keys:
        _check_required_keys(con, projection.required_json_keys, path.name, table)

    report.suppressed = suppress_erased(app, con, table)
    report.rejected = _scalar(con, "SELECT count(*) FROM stage_typed WHERE _reason IS NOT NULL"
                              ) - report.suppressed
    skipped = con.execute(
        "SELECT _skip, count(*) FROM stage_typed WHERE _skip IS NOT NULL AND _reason IS NULL "
        "GROUP BY _skip ORDER BY 2 DESC"
    ).fetchall()
    report.skipped_reasons = {r[0]: int(r[1]) for r in skipped}
    report.skipped = sum(report.skipped_reasons.values())

    rejects_tmp: Path | None = None
    if report.rejected or report.suppressed:
        app.rejects_dir.mkdir(parents=True, exist_ok=True)
        stamp = _now().strftime("%Y%m%dT%H%M%S")
        rejects_tmp = app.rejects_dir / f"{table.name}-{stamp}-run{report.run_id}.csv.part"
        if single_pass:
            rejected = "SELECT _line, _reason, _record AS record FROM stage_typed"
        else:
            rejected = (
                f"SELECT t._line, t._reason, {projection.record_sql} AS record FROM (SELECT "
                "_line, _reason FROM stage_typed WHERE _reason IS NOT NULL) t "
                "JOIN stage_raw USING (_line)"
            )
        # A suppressed row's content is the erased person's: only its line and reason are kept.
        record = f"CASE WHEN NOT starts_with(_reason, {lit(SUPPRESSED_REASON)}) THEN record END"
        con.execute(
            f"COPY (SELECT {lit(path.name)} AS file, _line AS line, _reason AS reason, "
            f"{record} AS record FROM ({rejected}) WHERE _reason IS NOT NULL ORDER BY _line) "
            f"TO {lit(str(rejects_tmp))} (FORMAT csv, HEADER true)"
        )
    if stream.fmt is FileFormat.PARQUET:
        con.execute("DROP VIEW stage_raw")
    elif not single_pass:
        con.execute("DROP TABLE stage_raw")

    if progress:
        progress("merging", 0, None)
    accepted = report.rows_read - report.rejected - report.suppressed - report.skipped
    if table.on_conflict == "insert":
        inserted = _merge_insert(con, table)
    else:
        inserted = _merge_upsert(con, table, report)
    report.imported = inserted - report.updated
    report.duplicate = accepted - inserted

    if table.account_column is not None:
        ref = q(table.account_column)
        rows = con.execute(
            f"SELECT {ref}, count(*) FROM stage_typed s "
            "WHERE _reason IS NULL AND _skip IS NULL AND NOT EXISTS "
            f"(SELECT 1 FROM accounts a WHERE a.account_id = s.{ref}) "
            f"GROUP BY {ref} ORDER BY 2 DESC, 1"
        ).fetchall()
        report.unknown_account_rows = int(sum(r[1] for r in rows))
        report.unknown_account_examples = [r[0] for r in rows[:5]]
    return rejects_tmp


def _stored_columns(table: Table) -> str:
    """The columns a canonical table stores, quoted and comma-separated."""
    return ", ".join(q(c) for c in (*table.column_names, "attributes"))


def _insert_count(con: Any, sql: str) -> int:
    """Run an INSERT and return how many rows it stored (DuckDB returns the count)."""
    return int(con.execute(sql).fetchall()[0][0])


def _merge_insert(con: Any, table: Table) -> int:
    """Records that never change (events): store each key not stored yet, first row wins.

    One statement, no intermediate copy: the file's own repeats are removed by QUALIFY and
    keys already stored by NOT EXISTS.
    """
    cols = _stored_columns(table)
    return _insert_count(
        con,
        f"INSERT INTO {q(table.name)} ({cols}) SELECT {cols} FROM stage_typed s "
        "WHERE _reason IS NULL AND _skip IS NULL AND NOT EXISTS (SELECT 1 FROM "
        f"{q(table.name)} t WHERE {_key_match(table, 's', 't')}) "
        f"{_first_per_key(con, table, 'ORDER BY _line')}",
    )


def _first_per_key(con: Any, table: Table, order: str) -> str:
    """A QUALIFY clause keeping one row per key, or nothing when the file repeats no key.

    Most files repeat no key; a distinct count (a hash aggregate) is much cheaper than the
    window sort that would otherwise run over every row.
    """
    key = ", ".join(q(k) for k in table.key)
    distinct = f"count(DISTINCT ({key}))" if len(table.key) > 1 else f"count(DISTINCT {key})"
    repeats = _scalar(
        con,
        f"SELECT count(*) - {distinct} FROM stage_typed WHERE _reason IS NULL AND _skip IS NULL",
    )
    if not repeats:
        return ""
    return f"QUALIFY row_number() OVER (PARTITION BY {key} {order}) = 1"


def _merge_upsert(con: Any, table: Table, report: ImportReport) -> int:
    """Records a later row replaces: the file's last row per key replaces a differing record.

    Sets ``report.updated``; returns the rows inserted (new records plus replacements).
    """
    cols = _stored_columns(table)
    target = q(table.name)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE stage_latest AS SELECT {cols} FROM stage_typed "
        "WHERE _reason IS NULL AND _skip IS NULL "
        f"{_first_per_key(con, table, 'ORDER BY _line DESC')}"
    )
    differs = " OR ".join(
        f"s.{q(c)} IS DISTINCT FROM t.{q(c)}" for c in table.column_names if c not in table.key
    ) + " OR CAST(s.attributes AS VARCHAR) IS DISTINCT FROM CAST(t.attributes AS VARCHAR)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_changed AS SELECT "
        f"{', '.join('s.' + q(k) for k in table.key)} "
        f"FROM stage_latest s JOIN {target} t ON {_key_match(table, 's', 't')} WHERE {differs}"
    )
    report.updated = _scalar(con, "SELECT count(*) FROM stage_changed")
    if report.updated:
        con.execute(
            f"DELETE FROM {target} t WHERE EXISTS (SELECT 1 FROM stage_changed s "
            f"WHERE {_key_match(table, 's', 't')})"
        )
    return _insert_count(
        con,
        f"INSERT INTO {target} ({cols}) SELECT {cols} FROM stage_latest s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE {_key_match(table, 's', 't')})",
    )


def _check_required_keys(
    con: Any, required: tuple[str, ...], file_name: str, table: Table
) -> None:
    """A JSON Lines file none of whose records has a required key is unusable as a whole.

    Read off the validated rows: a record lacks a key when its reasons include "missing
    required value: KEY"; records that are not JSON objects at all do not count.
    """
    good = "(_reason IS NULL OR _reason NOT IN ('malformed JSON', 'not a JSON object'))"
    counts = ", ".join(
        f"count(*) FILTER (WHERE {good} AND (_reason IS NULL OR NOT list_contains("
        f"string_split(_reason, '; '), {lit('missing required value: ' + c)})))"
        for c in required
    )
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE {good}), {counts} FROM stage_typed"
    ).fetchall()[0]
    n_good, found = row[0], row[1:]
    missing = [c for c, n in zip(required, found, strict=True) if n == 0]
    if n_good and missing:
        raise ImportFileError(
            f"{file_name}: no record has the required field{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} for table {table.name}"
        )


# The counts an import run records, named alike in ImportReport and ImportRun.
_RUN_COUNTS = (
    "rows_read", "imported", "updated", "duplicate", "skipped", "rejected", "suppressed",
    "unknown_account_rows",
)


def _start_run(app: App, report: ImportReport) -> int:
    with app.store.session() as s:
        # The warehouse is open for writing by this process alone, so any run still marked
        # running was interrupted (its transaction never committed).
        s.execute(
            update(ImportRun)
            .where(ImportRun.status == "running")
            .values(status="interrupted", message="the import was stopped before it finished")
        )
        # Likewise any unfinished rejects file: its rows were never imported or rejected.
        if app.rejects_dir.is_dir():
            for leftover in app.rejects_dir.glob("*.csv.part"):
                leftover.unlink(missing_ok=True)
        run = ImportRun(
            table_name=report.table,
            source=report.source,
            file_path=report.file,
            file_format=report.file_format,
            status="running",
            started_at=_now(),
            **{name: 0 for name in _RUN_COUNTS},
        )
        s.add(run)
        s.flush()
        return int(run.id)


def _finish_run(
    app: App, run_id: int, report: ImportReport, *, status: str, message: str | None = None
) -> None:
    with app.store.session() as s:
        s.execute(
            update(ImportRun)
            .where(ImportRun.id == run_id)
            .values(
                status=status,
                finished_at=_now(),
                rejects_file=report.rejects_file,
                **{name: getattr(report, name) for name in _RUN_COUNTS},
                message=message[:2000] if message else None,
            )
        )
