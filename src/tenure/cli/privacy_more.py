"""Retention, consent and pseudonymised exports on the command line: `tenure privacy enforce`,
`tenure privacy consent` and `tenure export TABLE --out FILE [--pseudonymize]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import (
    ByOpt,
    FormatOpt,
    HomeOpt,
    OutputFormat,
    acting_person,
    cli,
    emit_rows,
    now,
    open_workspace,
    out,
    parse_date,
    to_json,
    today,
)
from .privacy import privacy_app

RETENTION_COLUMNS = ["table", "store", "action", "columns", "after", "date_column", "before",
                     "rows"]


@privacy_app.command("enforce")
def enforce(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The day the ages are counted from (default: today).",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Count what would go; change nothing.")] = False,
    by: ByOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Apply the retention rules: delete rows, or blank their personal columns, once they
    are older than the table's period ([[privacy.retention]]; see docs/privacy.md). Prints
    per rule how many rows it deleted or redacted."""
    from ..privacy.retention import enforce_retention

    day = parse_date(as_of, "--as-of") or today()
    with open_workspace(home) as app:
        report = enforce_retention(app, as_of=day, now=now(), dry_run=dry_run,
                                   actor=acting_person(by))
    data = report.as_dict()
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = [{**r, "columns": ", ".join(r["columns"])} for r in data["rules"]]
    verb = "would change" if dry_run else "changed"
    emit_rows(rows, fmt, columns=RETENTION_COLUMNS, console=out,
              title=f"Retention as of {day}{' (dry run)' if dry_run else ''}")
    if fmt is OutputFormat.table:
        out.print(f"{report.rows:,} row{'s' if report.rows != 1 else ''} {verb}.",
                  highlight=False)


@privacy_app.command("consent")
def consent(home: HomeOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """Contacts per jurisdiction (GDPR, CCPA, other, unknown: from their country) and how
    many opted out of email and of surveys."""
    from ..privacy.consent import consent_summary

    with open_workspace(home) as app:
        rows = consent_summary(app)
    emit_rows(rows, fmt, columns=["jurisdiction", "contacts", "email_opt_out",
                                  "survey_opt_out"], title="Contacts by jurisdiction",
              console=out)


@cli.command("export")
def export_table_command(
    table: Annotated[str, typer.Argument(help="The warehouse table (accounts, contacts, "
                                         "events, tickets, ...).", show_default=False)],
    out_file: Annotated[Path, typer.Option("--out", help="The file to write.",
                                           show_default=False)],
    pseudonymize: Annotated[bool, typer.Option(
        "--pseudonymize", help="Replace personal identifiers with keyed hashes (key: "
        "$TENURE_PSEUDONYM_KEY) and leave names and free text out.")] = False,
    file_format: Annotated[str, typer.Option(
        "--format", help="The file's format: csv, jsonl or parquet (default: from the "
        "file's suffix, else csv).", show_default=False)] = "",
    by: ByOpt = None,
    home: HomeOpt = None,
) -> None:
    """Export a warehouse table to a file for analysts, streamed by the warehouse; with
    --pseudonymize, the same person gets the same hash in every table and export made with
    the same key. Written to the audit log."""
    from ..ingest.schema import TABLES
    from ..privacy.pseudonym import FORMATS, export_table, pseudonym_key

    if table not in TABLES:
        raise typer.BadParameter(f"{table!r} is not a warehouse table; one of "
                                 f"{', '.join(TABLES)}", param_hint="TABLE")
    chosen = file_format or {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl",
                             ".parquet": "parquet"}.get(out_file.suffix.lower(), "csv")
    if chosen not in FORMATS:
        raise typer.BadParameter(f"{chosen!r}: use one of {', '.join(FORMATS)}",
                                 param_hint="--format")
    key = pseudonym_key() if pseudonymize else None  # before opening anything
    with open_workspace(home) as app:
        result = export_table(app, table, out_file, fmt=chosen, pseudonymize=pseudonymize,
                              key=key, now=now(), actor=acting_person(by))
    # --format names the file's format here (the file is the result), so the summary is
    # always these lines.
    out.print(f"Exported {result.rows:,} rows of {table} to {result.out} ({chosen}).",
              highlight=False)
    if pseudonymize:
        out.print(f"Hashed (HMAC-SHA256): {', '.join(result.hashed) or 'none'}; left out: "
                  f"{', '.join(result.dropped) or 'none'}. See {result.manifest}.",
                  highlight=False)
