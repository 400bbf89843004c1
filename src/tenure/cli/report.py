"""`tenure report qbr`: an account's quarterly business review as HTML and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import FormatOpt, HomeOpt, OutputFormat, cli, open_workspace, out, parse_date, to_json, today

report_cli = typer.Typer(help="Reports as files: the quarterly business review (QBR).",
                         no_args_is_help=True)
cli.add_typer(report_cli, name="report")


@report_cli.command()
def qbr(
    account: Annotated[str, typer.Argument(help="The account id.", show_default=False)],
    quarter: Annotated[str, typer.Option(
        "--quarter", help="The quarter, e.g. 2026Q3 (a running quarter is reported up to "
        "today).", show_default=False)],
    out_file: Annotated[Path, typer.Option(
        "--out", help="Where to write: FILE gives FILE.html and FILE.pdf (a name ending in "
        ".html or .pdf stands for its stem).", show_default=False)],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Report data up to this day at most (default: today).",
        show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Write the quarterly business review of ACCOUNT (HTML and PDF, with charts): usage and
    adoption, goals, support, NPS/CSAT, health and risk with their drivers, value delivered."""
    from ..reports import qbr_report, write_qbr

    if fmt is OutputFormat.csv:
        raise typer.BadParameter("the report is files; use table or json", param_hint="--format")
    day = parse_date(as_of, "--as-of") or today()
    with open_workspace(home) as app:
        report = qbr_report(app, account_id=account, quarter=quarter, today=day)
    html_path, pdf_path = write_qbr(report, out_file)
    if fmt is OutputFormat.json:
        print(to_json({"html": str(html_path), "pdf": str(pdf_path), **report.as_dict()}))
        return
    running = f", up to {report.through}" if report.running else ""
    out.print(f"QBR of {report.account.name} ({report.account.account_id}) for "
              f"{report.quarter.label}{running}:")
    out.print(f"  {html_path}")
    out.print(f"  {pdf_path}")
