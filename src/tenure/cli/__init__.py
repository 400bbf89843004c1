"""The `tenure` command line (a contract: scripts and checks rely on it; see DESIGN.md).

Every command takes ``--home``; commands that print results take ``--format
table|json|csv``. Exit code 0 on success; on a user mistake, one line on stderr saying what to
do, and a non-zero code (see ``tenure.errors``). Only this layer reads the clock.
"""

from __future__ import annotations

import getpass
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ..errors import TenureError
from .output import OutputFormat, ProgressReporter, emit_rows, to_json

if TYPE_CHECKING:
    from ..app import App

cli = typer.Typer(
    name="tenure",
    help="Tenure: customer success from your own data — health, churn risk, lifetime value, "
    "KPIs and the CSM's worklist.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# In a pipe Rich would cut lines at 80 columns; scripts get whole lines instead.
out = Console(width=None if sys.stdout.isatty() else 200, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar="TENURE_HOME",
        help="Workspace folder (default: $TENURE_HOME, else the current folder).",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", help="Output: table for people, json or csv for scripts."),
]
# Who acts, for the record and the audit log (see acting_person).
ByOpt = Annotated[str | None, typer.Option(
    "--by", help="Who does it (default: $TENURE_USER, else the OS user name).",
    show_default=False)]


def today() -> date:
    """The CLI's clock: today's date in UTC."""
    return datetime.now(UTC).date()


USER_ENV = "TENURE_USER"


def acting_person(given: str | None = None) -> str | None:
    """Who acts (a task closed, a touchpoint logged): the option given, else $TENURE_USER (a
    CSM's email), else the operating system's user name; None when there is none."""
    if given:
        return given
    if os.environ.get(USER_ENV):
        return os.environ[USER_ENV]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (containers)
        return None


def now() -> datetime:
    """The CLI's clock: the time in UTC, naive (as the app database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def open_workspace(home: Path | None) -> App:
    """The workspace for a command that reads or writes the app database: migrated first, so
    that a workspace made by an older Tenure gains the newer tables."""
    from ..app import build_app

    app = build_app(home)
    app.store.migrate()
    return app


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


from . import (  # noqa: E402,F401  (registers the commands)
    access,
    churn,
    clv,
    commands,
    effect,
    health,
    metrics,
    onboarding,
    outbox,
    playbooks,
    privacy,
    privacy_erase,
    privacy_more,
    renewals,
    report,
    work,
)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning Tenure errors into one line and an exit code."""
    # Standalone mode handles usage errors, --help and Ctrl-C; Tenure's own errors come
    # through and become one line.
    try:
        cli(args=argv, prog_name="tenure")
    except TenureError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


__all__ = [
    "ByOpt",
    "FormatOpt",
    "HomeOpt",
    "OutputFormat",
    "ProgressReporter",
    "acting_person",
    "cli",
    "emit_rows",
    "err",
    "main",
    "now",
    "open_workspace",
    "out",
    "parse_date",
    "to_json",
    "today",
]
