"""Projections: from a staged file (``stage_raw``) to the canonical columns of one table.

A source format (canonical files, Segment, Stripe, Zendesk) is a function that, given the staged
file and the target table, returns a :class:`Projection`: a SELECT over ``stage_raw`` that yields
``_line``, ``_error`` (a problem with the record itself, e.g. malformed JSON), ``_skip`` (why a
record is not for this table, e.g. a Segment ``identify`` call when importing events), one
column per canonical column (text or typed) and ``attributes`` (the unknown columns as a JSON
object). Validation and loading are then the same for every source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ImportFileError
from .readers import FileFormat
from .schema import Kind, Table
from .validate import lit, q


@dataclass(frozen=True)
class Staged:
    """What was staged: the file's format, its name and the staged columns with their types."""

    fmt: FileFormat
    file_name: str
    columns: dict[str, str]  # stage_raw column -> DuckDB type (includes _line etc.)

    @property
    def data_columns(self) -> list[str]:
        return [c for c in self.columns if c not in ("_line", "_error", "_record", "_raw")]


@dataclass(frozen=True)
class Projection:
    sql: str  # SELECT ... FROM stage_raw
    types: dict[str, str]  # canonical column -> DuckDB type in that SELECT
    record_sql: str  # expression over stage_raw: the raw record, for the rejects file
    # Canonical required columns the JSON source must show at least once, else the file is
    # unusable (for CSV and Parquet this is checked on the header before staging).
    required_json_keys: tuple[str, ...] = field(default_factory=tuple)
    # A column of ``sql`` holding the raw record. When set, the projection reads stage_raw
    # once, so the importer may feed it straight from the file without a staging table.
    record_column: str | None = None


ProjectFn = Callable[[Table, Staged], Projection]


def record_sql(staged: Staged) -> str:
    """The raw record of a staged row, as text for the rejects file."""
    if staged.fmt is FileFormat.JSONL:
        return "_raw"
    pairs = ", ".join(f"{lit(c)}, {q(c)}" for c in staged.data_columns)
    base = f"CAST(json_object({pairs}) AS VARCHAR)" if pairs else "'{}'"
    if "_record" in staged.columns:  # CSV rows with the wrong number of fields keep their text
        return f"coalesce(_record, {base})"
    return base


def canonical_projection(table: Table, staged: Staged) -> Projection:
    """The canonical file format: columns named as in the table (any case), extras kept."""
    if staged.fmt is FileFormat.JSONL:
        return _canonical_jsonl(table, staged)
    by_lower: dict[str, str] = {}
    for c in staged.data_columns:
        by_lower.setdefault(c.strip().lower(), c)
    missing = [c for c in table.required if c not in by_lower]
    if missing:
        raise ImportFileError(
            f"{staged.file_name}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} for table {table.name} (found: "
            f"{', '.join(staged.data_columns) or 'none'})"
        )
    select = ["_line", "_error" if "_error" in staged.columns else "NULL::VARCHAR AS _error",
              "NULL::VARCHAR AS _skip"]
    types: dict[str, str] = {}
    used: set[str] = set()
    for col in table.columns:
        src = by_lower.get(col.name)
        if src is None:
            select.append(f"NULL::VARCHAR AS {q(col.name)}")
            types[col.name] = "VARCHAR"
        else:
            used.add(src)
            select.append(f"{q(src)} AS {q(col.name)}")
            types[col.name] = staged.columns[src]
    extras = [c for c in staged.data_columns if c not in used]
    select.append(attributes_sql(extras))
    return Projection(
        sql=f"SELECT {', '.join(select)} FROM stage_raw",
        types=types,
        record_sql=record_sql(staged),
    )


def attributes_sql(extras: list[str]) -> str:
    """Unknown columns as one JSON object, empty values left out; NULL when nothing is left."""
    if not extras:
        return "NULL::JSON AS attributes"
    entries = ", ".join(
        f"struct_pack(k := {lit(c)}, v := CASE WHEN {q(c)} IS NULL OR "
        f"CAST({q(c)} AS VARCHAR) = '' THEN NULL ELSE to_json({q(c)}) END)"
        for c in extras
    )
    obj = f"to_json(map_from_entries(list_filter([{entries}], lambda x: x.v IS NOT NULL)))"
    return f"NULLIF(CAST({obj} AS VARCHAR), '{{}}')::JSON AS attributes"


def _canonical_jsonl(table: Table, staged: Staged) -> Projection:
    del staged
    names = list(table.column_names)
    # CASE, not AND: DuckDB evaluates both sides of AND, and json_type fails on bad JSON.
    ok = "CASE WHEN json_valid(_raw) THEN json_type(_raw) = 'OBJECT' ELSE false END"
    paths = "[" + ", ".join(lit(f"$.{json_key(n)}") for n in names) + "]"
    types: dict[str, str] = {}
    cols: list[str] = []
    for i, col in enumerate(table.columns, start=1):
        if col.kind is Kind.JSON:
            # A JSON null is a missing value, as in the other formats.
            path = lit("$." + json_key(col.name))
            cols.append(
                f"CASE WHEN _ok THEN NULLIF(json_extract(_raw, {path}), 'null') END "
                f"AS {q(col.name)}"
            )
            types[col.name] = "JSON"
        else:
            cols.append(f"_v[{i}] AS {q(col.name)}")
            types[col.name] = "VARCHAR"
    remove = "{" + ", ".join(f'"{n}": null' for n in names) + "}"
    known = "[" + ", ".join(lit(n) for n in names) + "]"
    # Only records with keys beyond the table's columns need the (costly) merge patch.
    has_extra = (
        f"len(list_filter(json_keys(_raw), lambda k: NOT list_contains({known}, k))) > 0"
    )
    sql = (
        "SELECT _line, _raw, "
        "CASE WHEN NOT json_valid(_raw) THEN 'malformed JSON' "
        "WHEN NOT _ok THEN 'not a JSON object' END AS _error, "
        f"NULL::VARCHAR AS _skip, {', '.join(cols)}, "
        f"CASE WHEN _ok THEN CASE WHEN {has_extra} THEN NULLIF(CAST(json_merge_patch(_raw, "
        f"{lit(remove)}) AS VARCHAR), '{{}}')::JSON END END AS attributes "
        f"FROM (SELECT _line, _raw, _ok, CASE WHEN _ok THEN json_extract_string(_raw, {paths}) "
        f"END AS _v FROM (SELECT _line, _raw, {ok} AS _ok FROM stage_raw))"
    )
    return Projection(
        sql=sql,
        types=types,
        record_sql="_raw",
        required_json_keys=table.required,
        record_column="_raw",
    )


def json_key(name: str) -> str:
    """A JSON path key, quoted when needed."""
    return name if name.isidentifier() else '"' + name + '"'
