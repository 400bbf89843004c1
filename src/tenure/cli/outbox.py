"""The notification outbox on the command line: `tenure outbox`, `tenure outbox send`,
`tenure outbox retry`."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import NotificationError
from . import FormatOpt, HomeOpt, OutputFormat, cli, emit_rows, now, open_workspace, out, to_json

outbox_app = typer.Typer(
    help="The notification outbox: list messages (default), send what is due, retry failed.",
    invoke_without_command=True)
cli.add_typer(outbox_app, name="outbox")

STATUS_CHOICES = ("queued", "sending", "sent", "failed", "all")


@outbox_app.callback()
def outbox(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(
        "--status", help="queued, sending, sent, failed or all.")] = "all",
    limit: Annotated[int | None, typer.Option(
        "--limit", help="At most this many rows (newest first).", min=1,
        show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List the outbox, newest first (without message bodies)."""
    if ctx.invoked_subcommand is not None:
        return
    from ..notify import list_notifications

    if status not in STATUS_CHOICES:
        raise typer.BadParameter(f"{status!r} is not one of {', '.join(STATUS_CHOICES)}",
                                 param_hint="--status")
    with open_workspace(home) as app:
        rows = list_notifications(app.store, status=status, limit=limit)
    if fmt is not OutputFormat.table:
        emit_rows(rows, fmt, columns=_columns())
        return
    if not rows:
        out.print("The outbox is empty." if status == "all" else f"No {status} messages.")
        return
    # A terminal gets the columns a person reads; json and csv carry them all.
    emit_rows([{**r, "next_attempt_at": _minute(r.get("next_attempt_at")),
                "sent_at": _minute(r.get("sent_at"))} for r in rows], fmt,
              columns=TABLE_COLUMNS, title="Outbox", console=out)


TABLE_COLUMNS = ("id", "status", "channel", "recipient", "subject", "account_id", "attempts",
                 "next_attempt_at", "sent_at", "last_error")


def _minute(value: object) -> str:
    """An ISO time to the minute: '2026-11-23T00:50:43.1' -> '2026-11-23 00:50'."""
    return "" if value is None else str(value).replace("T", " ")[:16]


def _columns() -> list[str]:
    from ..notify.outbox import LIST_COLUMNS

    return list(LIST_COLUMNS)


@outbox_app.command()
def send(
    limit: Annotated[int | None, typer.Option(
        "--limit", help="Send at most this many messages.", min=1,
        show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Send every message that is due now (for cron; scoring runs also do it)."""
    from ..notify import deliver_due

    with open_workspace(home) as app:
        report = deliver_due(app, now=now(), limit=limit)
    counts = report.as_dict()
    if fmt is OutputFormat.json:
        print(to_json(counts))
    elif fmt is OutputFormat.csv:
        emit_rows([counts], fmt)
    else:
        out.print("Outbox: " + " · ".join(
            f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()))


@outbox_app.command()
def retry(
    message_id: Annotated[int | None, typer.Argument(
        help="The failed message to queue again (see `tenure outbox --status failed`).",
        show_default=False)] = None,
    all_failed: Annotated[bool, typer.Option(
        "--all-failed", help="Queue every failed message again.")] = False,
    home: HomeOpt = None,
) -> None:
    """Queue failed messages again, their attempts reset; `tenure outbox send` sends them."""
    from ..notify import retry_failed

    if (message_id is None) == (not all_failed):
        raise NotificationError("say which messages to retry: an ID, or --all-failed")
    with open_workspace(home) as app:
        ids = None if message_id is None else [message_id]
        n = retry_failed(app.store, now=now(), ids=ids)
    out.print(f"Queued again: {n:,} message(s); `tenure outbox send` sends them.")
