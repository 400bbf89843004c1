"""Privacy on the command line: `tenure privacy inventory` (where personal data lives) and
`tenure privacy export` (a person's access request). Other privacy commands add themselves to
`privacy_app` from their own modules."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from . import ByOpt, FormatOpt, HomeOpt, OutputFormat, acting_person, cli, emit_rows, now, out

privacy_app = typer.Typer(help="Personal data: inventory, access requests, erasure, "
                          "retention.", no_args_is_help=True)
cli.add_typer(privacy_app, name="privacy")

INVENTORY_COLUMNS = ["store", "table", "column", "category", "key"]


@privacy_app.command("inventory")
def inventory(home: HomeOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """Every column and file that can hold a person's data: its category and how a row is
    matched to a person (key)."""
    from ..app import build_app
    from ..privacy import KEYS, personal_columns, personal_files

    try:  # inside a workspace, its own rejects folder; the defaults elsewhere
        rejects = build_app(home).settings.imports.rejects_dir
    except Exception:
        rejects = "data/rejects"
    columns = [asdict(c) for c in personal_columns()]
    files = [asdict(f) for f in personal_files(rejects)]
    if fmt is OutputFormat.json:
        from .output import to_json

        print(to_json({"columns": columns, "files": files, "keys": KEYS}))
        return
    emit_rows(columns, fmt, columns=INVENTORY_COLUMNS,
              title=f"Personal data in columns ({len(columns)})", console=out)
    if fmt is OutputFormat.table:
        emit_rows(files, fmt, columns=["pattern", "category", "doc"],
                  title=f"Personal data in files ({len(files)})", console=out)
        emit_rows([{"key": k, "meaning": v} for k, v in KEYS.items()], fmt,
                  title="Keys", console=out)


@privacy_app.command("export")
def export(
    email: Annotated[str, typer.Option("--email", help="The person's email.",
                                       show_default=False)],
    out_file: Annotated[Path, typer.Option("--out", help="The ZIP file to write.",
                                           show_default=False)],
    by: ByOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Access request: write everything held about the person with EMAIL to a ZIP of JSON
    files with a readable summary.txt; the request is written to the audit log."""
    from ..privacy.requests import export_registered
    from . import open_workspace

    at = now()
    with open_workspace(home) as app:
        _, result = export_registered(app, email=email, out=out_file, now=at,
                                      acting_email=acting_person(by), via="cli")
    rows = [{"store": t.store, "table": t.table, "records": t.records, "file": t.path}
            for t in result.tables]
    if fmt is OutputFormat.json:
        from .output import to_json

        print(to_json({"email": result.person.email, "out": str(out_file),
                       "records": result.records, "tables": rows}))
        return
    if not rows:
        out.print(f"Nothing is held about {result.person.email}; {out_file} says so.",
                  highlight=False)
        return
    emit_rows(rows, fmt, columns=["store", "table", "records", "file"],
              title=f"{result.records} records about {result.person.email}", console=out)
    if fmt is OutputFormat.table:
        out.print(f"Written to {out_file}.", highlight=False)
