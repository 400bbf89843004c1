"""The CSM's own record of the work: `tenure log`, `tenure checkins` and `tenure timeline`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import pandas as pd
import typer

from . import (
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


def _parse_at(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM, with an "
            "optional offset; without one it is UTC)", param_hint="--at") from None


@cli.command("log")
def log(
    account: Annotated[str, typer.Argument(help="The account id.")],
    kind: Annotated[str, typer.Option(
        "--kind", help="call, email, meeting, qbr, note, webinar, training or community.")],
    summary: Annotated[str, typer.Option("--summary", help="What happened, in words.")],
    at: Annotated[str | None, typer.Option(
        "--at", help="When it happened (ISO date or time; default: now).",
        show_default=False)] = None,
    actor: Annotated[str | None, typer.Option(
        "--actor", help="Who did it (default: $TENURE_USER, else your user name).",
        show_default=False)] = None,
    contact: Annotated[str | None, typer.Option(
        "--contact", help="The contact id it was with.", show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Log a touchpoint with an account; the next `tenure score` counts it. Prints its id."""
    from ..activities import log_activity, require_known_account

    clock = now()
    occurred = _parse_at(at) if at else clock
    with open_workspace(home) as app:
        require_known_account(app, account)
        new_id = log_activity(app.store, account_id=account, kind=kind, summary=summary,
                              occurred_at=occurred, actor=acting_person(actor),
                              contact_id=contact, now=clock)
    if fmt is OutputFormat.table:
        print(new_id)
    else:
        emit_rows([{"id": new_id, "account_id": account, "kind": kind}], fmt)


def _plain_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for printing: missing values as None, numpy numbers as Python ones."""
    return [{k: (None if v is pd.NA or (isinstance(v, float) and pd.isna(v))
                 else v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in frame.astype(object).to_dict("records")]


@cli.command("checkins")
def checkins_command(
    owner: Annotated[str | None, typer.Option(
        "--owner", help="Only this CSM's book (email).", show_default=False)] = None,
    overdue: Annotated[bool, typer.Option(
        "--overdue", help="Only the accounts whose check-in is overdue.")] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="As of the end of this day (default: today).",
        show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Check-ins per paying account: cadence, last touchpoint, due date; most overdue first."""
    from ..checkins import COLUMNS, checkins

    day = parse_date(as_of, "--as-of") or today()
    with open_workspace(home) as app:
        frame = checkins(app, as_of=day, owner=owner)
    total = len(frame)
    if overdue:
        frame = frame[frame["overdue"]]
    rows = _plain_rows(frame)
    if fmt is not OutputFormat.table:
        emit_rows(rows, fmt, columns=COLUMNS)
        return
    if not rows:
        out.print(f"No check-in overdue as of {day} ({total:,} paying accounts)." if overdue
                  else f"No paying accounts as of {day}.")
        return
    shown = [{"account": r["account_id"], "name": r["name"], "segment": r["segment"],
              "owner": r["owner"], "every": f"{r['cadence_days']} d" if r["cadence_days"]
              else "automated", "last touchpoint": r["last_touchpoint_day"],
              "due": r["due_on"], "overdue": f"{r['days_overdue']} d" if r["overdue"] else ""}
             for r in rows]
    late = sum(1 for r in rows if r["overdue"])
    emit_rows(shown, fmt, title=f"Check-ins as of {day}: {late:,} of {total:,} overdue",
              console=out)


def _short(text: str | None, width: int = 80) -> str | None:
    """One line of at most ``width`` characters for the table (json and csv keep it all)."""
    if text is None:
        return None
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


@cli.command("timeline")
def timeline_command(
    account: Annotated[str, typer.Argument(help="The account id.")],
    since: Annotated[str | None, typer.Option(
        "--since", help="From this day (YYYY-MM-DD).", show_default=False)] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Up to this day (YYYY-MM-DD).", show_default=False)] = None,
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", help="Only these kinds (activity, ticket, survey, feedback, task, "
        "milestone, goal, score) or sub-kinds (call, nps, ...); repeatable.",
        show_default=False)] = None,
    limit: Annotated[int | None, typer.Option(
        "--limit", help="At most this many entries.", min=1, show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Everything that happened with one account, newest first."""
    from ..timeline import timeline

    start = parse_date(since, "--since")
    end = parse_date(until, "--until")
    if start is not None and end is not None and start > end:
        raise typer.BadParameter("must not be after --until", param_hint="--since")
    with open_workspace(home) as app:
        entries = timeline(app, account, since=start, until=end, kinds=kind, limit=limit)
    if fmt is OutputFormat.json:
        print(to_json(entries))
        return
    columns = ["at", "kind", "subkind", "title", "detail", "actor", "ref"]
    if fmt is OutputFormat.csv:
        emit_rows(entries, fmt, columns=columns)
        return
    shown = [{"at": e["at"][:16].replace("T", " "), "kind": e["kind"],
              "what": e["title"], "detail": _short(e["detail"]), "by": e["actor"]} for e in entries]
    emit_rows(shown, fmt, title=f"Timeline of {account} ({len(entries):,} entries)",
              console=out)
