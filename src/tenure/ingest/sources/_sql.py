"""SQL building blocks shared by the source mappings (Segment, Stripe, Zendesk).

Every mapping turns the staged file into one row per staged row (the load step counts rows, so
a mapping never drops or multiplies them). JSON Lines records are parsed by the warehouse with
one multi-path extraction per record; CSV columns are found by name, case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...errors import ImportFileError
from ..project import Staged
from ..validate import lit, q

UTC_TEXT = "'%Y-%m-%dT%H:%M:%S.%f'"  # strftime format; 'Z' is appended to mark UTC


def json_record_sql(
    text: Mapping[str, Sequence[str]],
    json: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """A subquery over ``stage_raw`` (JSON Lines): ``_line``, ``_raw``, ``_error`` and fields.

    ``text`` maps a field to JSON paths tried in order (the first present, non-empty value
    wins) and yields VARCHAR; ``json`` does the same for JSON values (objects, lists).
    Malformed lines get ``_error`` and NULL fields.
    """
    text_paths, text_cols = pick_text("_v", text)
    extract = [f"CASE WHEN _ok THEN json_extract_string(_raw, {text_paths}) END AS _v"]
    cols = [f"{expr} AS {q(name)}" for name, expr in text_cols.items()]
    if json:
        json_paths, json_cols = pick_json("_j", json)
        extract.append(f"CASE WHEN _ok THEN json_extract(_raw, {json_paths}) END AS _j")
        cols += [f"{expr} AS {q(name)}" for name, expr in json_cols.items()]
    # DuckDB does not short-circuit AND, so json_type must sit behind a CASE on json_valid.
    return (
        f"(SELECT _line, _raw, _error, {', '.join(cols)} FROM ("
        "SELECT _line, _raw, CASE WHEN NOT _valid THEN 'malformed JSON' "
        "WHEN NOT _ok THEN 'not a JSON object' END AS _error, "
        f"{', '.join(extract)} FROM (SELECT _line, _raw, json_valid(_raw) AS _valid, "
        "CASE WHEN json_valid(_raw) THEN json_type(_raw) = 'OBJECT' ELSE false END AS _ok "
        "FROM stage_raw)))"
    )


def pick_text(
    alias: str, fields: Mapping[str, Sequence[str]]
) -> tuple[str, dict[str, str]]:
    """Paths for one ``json_extract_string(x, [paths])`` named ``alias``, and per field the
    expression taking its first present, non-empty value (one JSON parse for all fields)."""
    paths: list[str] = []
    exprs: dict[str, str] = {}
    for name, alternatives in fields.items():
        picks = [f"NULLIF({alias}[{len(paths) + k + 1}], '')" for k in range(len(alternatives))]
        paths += alternatives
        exprs[name] = _coalesce(picks)
    return _path_list(paths), exprs


def pick_json(
    alias: str, fields: Mapping[str, Sequence[str]]
) -> tuple[str, dict[str, str]]:
    """As :func:`pick_text` for ``json_extract`` (JSON values; a JSON null counts as absent)."""
    paths: list[str] = []
    exprs: dict[str, str] = {}
    for name, alternatives in fields.items():
        picks = []
        for k in range(len(alternatives)):
            v = f"{alias}[{len(paths) + k + 1}]"
            picks.append(f"CASE WHEN json_type({v}) <> 'NULL' THEN {v} END")
        paths += alternatives
        exprs[name] = _coalesce(picks)
    return _path_list(paths), exprs


def _coalesce(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def _path_list(paths: Sequence[str]) -> str:
    return "[" + ", ".join(lit(p) for p in paths) + "]"


class CsvColumns:
    """A CSV header looked up by name, case- and space-insensitively."""

    def __init__(self, staged: Staged) -> None:
        self.staged = staged
        self.by_key: dict[str, str] = {}
        for c in staged.data_columns:
            self.by_key.setdefault(_key(c), c)
        self.used: set[str] = set()

    def find(self, *names: str) -> str | None:
        """The first header column matching one of ``names``."""
        for n in names:
            found = self.by_key.get(_key(n))
            if found is not None:
                self.used.add(found)
                return found
        return None

    def text(self, *names: str) -> str:
        """The column as trimmed text, or NULL when it is not in the file."""
        col = self.find(*names)
        if col is None:
            return "NULL::VARCHAR"
        return f"NULLIF(TRIM(CAST({q(col)} AS VARCHAR)), '')"

    def require(self, what: str, needs: Mapping[str, Sequence[str]]) -> None:
        """Raise when, for any need, none of its alternative columns is in the header."""
        missing = [
            " or ".join(repr(n) for n in names)
            for names in needs.values()
            if not any(_key(n) in self.by_key for n in names)
        ]
        if missing:
            raise ImportFileError(
                f"{self.staged.file_name}: not {what}: missing column"
                f"{'s' if len(missing) > 1 else ''} {'; '.join(missing)} (found: "
                f"{', '.join(self.staged.data_columns) or 'none'})"
            )

    def extras(self, *, exclude_prefixes: Sequence[str] = ()) -> list[str]:
        """Columns not used by the mapping, less those that hold a person's data."""
        out = []
        for c in self.staged.data_columns:
            if c in self.used or any(_key(c).startswith(_key(p)) for p in exclude_prefixes):
                continue
            out.append(c)
        return out


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def epoch_or_text(expr: str) -> str:
    """Unix seconds (Stripe) as ISO 8601 UTC text; any other text is passed on to validation."""
    return (
        f"CASE WHEN regexp_full_match({expr}, '-?\\d+') "
        f"THEN strftime(make_timestamp(CAST({expr} AS BIGINT) * 1000000), "
        f"'%Y-%m-%dT%H:%M:%SZ') ELSE {expr} END"
    )


def as_utc(expr: str) -> str:
    """Text holding a timestamp (ISO 8601 or Unix seconds) as a UTC TIMESTAMP, NULL if bad."""
    return f"(TRY_CAST({epoch_or_text(expr)} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"


def utc_text(ts: str) -> str:
    """A UTC TIMESTAMP as text validation reads back unchanged."""
    return f"(strftime({ts}, {UTC_TEXT}) || 'Z')"


def minutes_after(ts_text: str, minutes_text: str) -> str:
    """``ts_text`` plus a number of minutes, as UTC text (NULL when either is missing)."""
    minutes = f"TRY_CAST({minutes_text} AS DOUBLE)"
    micros = f"CAST(round({minutes} * 60000000) AS BIGINT)"
    return utc_text(f"({as_utc(ts_text)} + to_microseconds({micros}))")


def json_object_sql(pairs: Sequence[tuple[str, str]]) -> str:
    """A JSON object from (key, JSON expression) pairs, NULL values left out; NULL when empty."""
    if not pairs:
        return "NULL::JSON"
    entries = ", ".join(f"struct_pack(k := {lit(k)}, v := CAST({v} AS JSON))" for k, v in pairs)
    obj = f"to_json(map_from_entries(list_filter([{entries}], lambda x: x.v IS NOT NULL)))"
    return f"NULLIF(CAST({obj} AS VARCHAR), '{{}}')::JSON"


def merge_json_sql(*objects: str) -> str:
    """RFC 7396 merge of JSON objects left to right (NULLs ignored); NULL when empty."""
    merged = "'{}'::JSON"
    for o in objects:
        merged = f"json_merge_patch({merged}, coalesce({o}, '{{}}'::JSON))"
    return f"NULLIF(CAST({merged} AS VARCHAR), '{{}}')::JSON"


def without_keys(obj: str, keys: Sequence[str]) -> str:
    """A JSON object without ``keys`` (a merge patch setting them to null)."""
    patch = "{" + ", ".join(f'"{k}": null' for k in keys) + "}"
    # json_merge_patch(NULL, patch) would return the patch itself.
    return f"CASE WHEN {obj} IS NOT NULL THEN json_merge_patch({obj}, {lit(patch)}) END"


def case_map(expr: str, mapping: Mapping[str, str], default: str = "NULL") -> str:
    """CASE expr WHEN key THEN value ... (values are SQL expressions)."""
    whens = " ".join(f"WHEN {lit(k)} THEN {v}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {default} END"


def skip_by_type(type_expr: str, reasons: Mapping[str, str]) -> str:
    """A ``_skip`` expression: the reason for record types that belong to another table."""
    return case_map(type_expr, {k: lit(v) for k, v in reasons.items()}, "NULL::VARCHAR")


def in_list(expr: str, values: Sequence[str]) -> str:
    """SQL: ``expr IN (values)`` with the values quoted."""
    return f"{expr} IN ({', '.join(lit(v) for v in values)})"
