"""Row validation compiled to SQL: each column parsed to its kind, each row given its reasons.

The input is a projection (see ``project``) with one column per canonical column, either as
text or already typed (Parquet). The output has the typed canonical columns and ``_reason``:
NULL for a good row, else every problem found in the row, joined by "; ".
"""

from __future__ import annotations

from .countries import COUNTRY_CODES
from .schema import Column, Kind, Ordered, Table

_TEXTUAL = ("VARCHAR", "JSON")
_MAX_SHOWN = 40  # characters of a bad value quoted in a reason


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _shown(expr: str) -> str:
    # The offending value, quoted and cut short, so a reason stays one readable line.
    return (
        f"'''' || CASE WHEN length({expr}) > {_MAX_SHOWN} "
        f"THEN left({expr}, {_MAX_SHOWN}) || '…' ELSE {expr} END || ''''"
    )


_COUNTRY_LIST = "[" + ", ".join(lit(c) for c in sorted(COUNTRY_CODES)) + "]"


def column_sql(col: Column, src_type: str, reporting_currency: str) -> tuple[str, list[str]]:
    """(typed expression, [reason expressions that are NULL when fine]) for one column."""
    raw = q(col.name)
    text = f"NULLIF(TRIM(CAST({raw} AS VARCHAR)), '')"
    textual = src_type.upper() in _TEXTUAL
    reasons: list[str] = []
    name = col.name
    kind = col.kind

    if kind in (Kind.ID, Kind.TEXT):
        # Free text keeps its spacing; ids, and anything that was not text, are trimmed.
        typed = f"NULLIF(CAST({raw} AS VARCHAR), '')" if kind is Kind.TEXT and textual else text
    elif kind is Kind.EMAIL:
        typed = f"lower({text})"
        reasons.append(
            f"CASE WHEN {text} IS NOT NULL AND NOT regexp_full_match({text}, "
            f"'[^@\\s]+@[^@\\s]+\\.[^@\\s]+') THEN 'bad email in {name}: ' || {_shown(text)} END"
        )
    elif kind in (Kind.MONEY, Kind.INT):
        num = f"TRY_CAST({text} AS DOUBLE)"
        bad_number = f"{text} IS NOT NULL AND ({num} IS NULL OR NOT isfinite({num}))"
        reasons.append(
            f"CASE WHEN {bad_number} THEN 'bad number in {name}: ' || {_shown(text)} END"
        )
        if kind is Kind.INT:
            typed = f"CAST({num} AS BIGINT)"
            reasons.append(
                f"CASE WHEN NOT ({bad_number}) AND {num} <> floor({num}) "
                f"THEN 'not a whole number in {name}: ' || {_shown(text)} END"
            )
        else:
            typed = num
        if col.minimum == 0 and kind is Kind.MONEY and not col.exclusive_minimum:
            reasons.append(
                f"CASE WHEN {num} < 0 THEN 'negative money in {name}: ' || {_shown(text)} END"
            )
        elif col.exclusive_minimum and col.minimum is not None and col.maximum is None:
            reasons.append(
                f"CASE WHEN {num} <= {col.minimum!r} THEN '{name} not greater than "
                f"{col.minimum:g}: ' || {_shown(text)} END"
            )
        elif col.minimum is not None or col.maximum is not None:
            lo = "-1e308" if col.minimum is None else repr(col.minimum)
            hi = "1e308" if col.maximum is None else repr(col.maximum)
            below = "<=" if col.exclusive_minimum else "<"
            reasons.append(
                f"CASE WHEN {num} {below} {lo} OR {num} > {hi} THEN '{name} out of range "
                f"{col.range_text}: ' || {_shown(text)} END"
            )
        if not textual:  # already numeric: no parsing needed
            typed = f"CAST({raw} AS {'BIGINT' if kind is Kind.INT else 'DOUBLE'})"
    elif kind is Kind.TIMESTAMP:
        if textual:
            typed = f"(TRY_CAST({text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
            reasons.append(
                f"CASE WHEN {text} IS NOT NULL AND TRY_CAST({text} AS TIMESTAMPTZ) IS NULL "
                f"THEN 'bad timestamp in {name}: ' || {_shown(text)} END"
            )
        elif "TIME ZONE" in src_type.upper() or src_type.upper().startswith("TIMESTAMPTZ"):
            typed = f"(CAST({raw} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
        else:  # naive timestamps and dates are taken to be UTC
            typed = f"CAST({raw} AS TIMESTAMP)"
    elif kind is Kind.DATE:
        if textual:
            as_ts = f"TRY_CAST({text} AS TIMESTAMPTZ)"
            typed = (
                f"CASE WHEN regexp_full_match({text}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') "
                f"THEN TRY_CAST({text} AS DATE) "
                f"ELSE CAST(({as_ts} AT TIME ZONE 'UTC') AS DATE) END"
            )
            reasons.append(
                f"CASE WHEN {text} IS NOT NULL AND ({typed}) IS NULL "
                f"THEN 'bad date in {name}: ' || {_shown(text)} END"
            )
        elif "TIME ZONE" in src_type.upper() or src_type.upper().startswith("TIMESTAMPTZ"):
            typed = f"CAST((CAST({raw} AS TIMESTAMPTZ) AT TIME ZONE 'UTC') AS DATE)"
        else:
            typed = f"CAST({raw} AS DATE)"
    elif kind is Kind.ENUM:
        typed = f"lower({text})"
        choices = "[" + ", ".join(lit(c) for c in col.choices) + "]"
        reasons.append(
            f"CASE WHEN {text} IS NOT NULL AND NOT list_contains({choices}, lower({text})) "
            f"THEN 'unknown {name} ' || {_shown(text)} || ' (expected one of "
            f"{', '.join(col.choices)})' END"
        )
    elif kind is Kind.BOOL:
        if src_type.upper() == "BOOLEAN":
            typed = raw
        else:
            low = f"lower({text})"
            typed = (
                f"CASE WHEN {low} IN ('true', 't', 'yes', 'y', '1') THEN true "
                f"WHEN {low} IN ('false', 'f', 'no', 'n', '0') THEN false END"
            )
            reasons.append(
                f"CASE WHEN {text} IS NOT NULL AND ({typed}) IS NULL "
                f"THEN 'not true/false in {name}: ' || {_shown(text)} END"
            )
    elif kind is Kind.JSON:
        # A JSON value, or text holding JSON (CSV); it must be an object.
        as_json = (
            f"CASE WHEN json_type(TRY_CAST({raw} AS JSON)) = 'VARCHAR' "
            f"THEN TRY_CAST(json_extract_string(TRY_CAST({raw} AS JSON), '$') AS JSON) "
            f"ELSE TRY_CAST({raw} AS JSON) END"
            if src_type.upper() == "JSON"
            else f"TRY_CAST({text} AS JSON)"
        )
        typed = f"CASE WHEN json_type({as_json}) = 'OBJECT' THEN {as_json} END"
        reasons.append(
            f"CASE WHEN {text} IS NOT NULL AND json_type({as_json}) IS DISTINCT FROM 'OBJECT' "
            f"THEN '{name} is not a JSON object' END"
        )
    elif kind is Kind.CURRENCY:
        typed = f"upper(coalesce({text}, {lit(reporting_currency)}))"
        reasons.append(
            f"CASE WHEN {text} IS NOT NULL AND NOT regexp_full_match({text}, '[A-Za-z]{{3}}') "
            f"THEN 'bad currency in {name}: ' || {_shown(text)} || ' (ISO 4217, e.g. USD)' END"
        )
    elif kind is Kind.COUNTRY:
        typed = f"upper({text})"
        reasons.append(
            f"CASE WHEN {text} IS NOT NULL AND NOT list_contains({_COUNTRY_LIST}, upper({text})) "
            f"THEN 'unknown country in {name}: ' || {_shown(text)} || "
            f"' (ISO 3166 alpha-2, e.g. DE)' END"
        )
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(kind)

    if col.required:
        missing = f"{text} IS NULL" if kind is not Kind.JSON else f"{raw} IS NULL"
        reasons.insert(0, f"CASE WHEN {missing} THEN 'missing required value: {name}' END")
    return typed, reasons


def _row_checks(table: Table) -> list[str]:
    """The table's checks across columns, on the typed values (aliases t_<name>)."""
    out: list[str] = []
    for check in table.checks:
        if isinstance(check, Ordered):
            col, ref = check.column, check.reference
            if check.strict:
                out.append(
                    f"CASE WHEN t_{col} IS NOT NULL AND t_{col} <= t_{ref} "
                    f"THEN '{col} is not after {ref}' END"
                )
            else:
                out.append(f"CASE WHEN t_{col} < t_{ref} THEN '{col} is before {ref}' END")
        else:
            col, by = check.column, check.by
            cases = " ".join(
                f"WHEN t_{by} = {lit(value)} AND (t_{col} < {lo} OR t_{col} > {hi}) "
                f"THEN '{col} ' || t_{col} || ' outside {value} range {lo}–{hi}'"
                for value, (lo, hi) in check.ranges.items()
            )
            out.append(f"CASE {cases} END")
    return out


def typed_select(
    table: Table,
    source: str,
    types: dict[str, str],
    reporting_currency: str,
    record_column: str | None = None,
) -> str:
    """SELECT over ``source`` giving _line, the typed columns, attributes, _skip and _reason.

    With ``record_column`` (a column of ``source`` holding the raw record), the result also has
    ``_record``: that raw record for rejected rows, NULL for the others.
    """
    typed_cols: list[str] = []
    reasons: list[str] = []
    for col in table.columns:
        typed, col_reasons = column_sql(col, types.get(col.name, "VARCHAR"), reporting_currency)
        typed_cols.append(f"{typed} AS t_{col.name}")
        reasons += col_reasons
    carried = f"{q(record_column)} AS _record_src, " if record_column else ""
    inner = (
        f"SELECT _line, _error, _skip, attributes, {carried}{', '.join(typed_cols)}, "
        f"concat_ws('; ', {', '.join(reasons)}) AS _col_reasons FROM {source}"
    )
    row_checks = _row_checks(table)
    row_reason = f"concat_ws('; ', {', '.join(row_checks)})" if row_checks else "''"
    outs = ", ".join(f"t_{c.name} AS {q(c.name)}" for c in table.columns)
    select = (
        f"SELECT _line, _skip, {outs}, attributes, "
        f"{'_record_src, ' if record_column else ''}"
        "CASE WHEN _error IS NOT NULL THEN _error "
        # A skipped row is not for this table: its columns are not checked.
        "WHEN _skip IS NOT NULL THEN NULL "
        f"ELSE NULLIF(concat_ws('; ', NULLIF(_col_reasons, ''), NULLIF({row_reason}, '')), '') "
        f"END AS _reason FROM ({inner})"
    )
    if not record_column:
        return select
    return (
        "SELECT * EXCLUDE (_record_src), CASE WHEN _reason IS NOT NULL THEN _record_src END "
        f"AS _record FROM ({select})"
    )
