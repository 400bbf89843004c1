"""`tenure privacy erase`: an erasure request (GDPR art. 17, CCPA "right to delete")."""

from __future__ import annotations

from typing import Annotated

import typer

from . import (
    ByOpt,
    FormatOpt,
    HomeOpt,
    OutputFormat,
    acting_person,
    emit_rows,
    err,
    now,
    out,
)
from .privacy import privacy_app


@privacy_app.command("erase")
def erase(
    email: Annotated[str, typer.Option("--email", help="The person's email.",
                                       show_default=False)],
    name: Annotated[list[str] | None, typer.Option(
        "--name", help="A full name to erase from free text (repeatable; default: the names "
        "of their contacts and user).", show_default=False)] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    by: ByOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Erasure request: remove or irreversibly redact the person with EMAIL everywhere in the
    workspace (warehouse, app database, rejects, sample and report files), keep the
    account figures, and keep a keyed-hash tombstone so a later import of them is
    suppressed. Compacts both databases. Written to the audit log."""
    from ..privacy.requests import erase_registered
    from . import open_workspace

    if not yes:
        typer.confirm(f"Erase {email} from this workspace? This cannot be undone.",
                      abort=True, err=True)
    with open_workspace(home) as app:
        _, report = erase_registered(app, email=email, names=name or [], now=now(),
                                     acting_email=acting_person(by), via="cli")
    if fmt is OutputFormat.json:
        from .output import to_json

        print(to_json(report.as_dict()))
        return
    if not report.found:
        out.print(f"No data about {email} in this workspace: nothing was changed.",
                  highlight=False)
        return
    rows = [{"store": store, "what": what, "rows": n}
            for store, done in (("warehouse", report.warehouse), ("app", report.app))
            for what, n in done.items()]
    rows += [{"store": "file", "what": f["path"], "rows": f["done"]} for f in report.files]
    if report.already_erased:
        out.print(f"Already erased by request {', '.join(report.already_erased)}; "
                  "looked again for anything left.", highlight=False)
    emit_rows(rows, fmt, columns=["store", "what", "rows"],
              title=f"Erasure request {report.request_id}", console=out)
    if fmt is not OutputFormat.table:
        return
    stones = ", ".join(f"#{t['id']} {t['kind']} {t['digest']}…" for t in report.tombstones)
    out.print(f"Tombstones (keyed hashes; a later import of this person is suppressed): "
              f"{stones}", highlight=False)
    if report.namesakes:
        out.print(f"{report.namesakes:,} other contact(s) or user(s) bear a name of theirs and "
                  "keep it (only free text naming this person was redacted).", highlight=False)
    for what, c in report.compaction.items():
        out.print(f"Compacted the {what.replace('_', ' ')}: {c['bytes_before']:,} → "
                  f"{c['bytes_after']:,} bytes in {c['seconds']} s", highlight=False)
    if report.remaining:
        err.print("[red]error:[/red] these files still name them: "
                  + ", ".join(report.remaining), highlight=False)
        raise typer.Exit(1)


REQUEST_COLUMNS = ["id", "kind", "email", "status", "received", "due", "completed", "via",
                   "outcome"]


def _request_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    def outcome(r: dict[str, object]) -> str:
        o = r["outcome"]
        if not isinstance(o, dict):
            return ""
        if "error" in o:
            return str(o["error"])
        if r["kind"] == "access":
            return f"{o.get('records', 0)} records"
        if "erasure_request" in o:
            return (f"{o['erasure_request'] or 'nothing held'}: {o.get('rows', 0)} rows, "
                    f"{o.get('files', 0)} files")
        return ""

    return [{**r, "received": f"{r['received_at']:%Y-%m-%d %H:%M}",
             "due": f"{r['due_on']}{' OVERDUE' if r['overdue'] else ''}",
             "completed": f"{r['completed_at']:%Y-%m-%d %H:%M}" if r["completed_at"] else "",
             "outcome": outcome(r)} for r in rows]  # type: ignore[str-format]


@privacy_app.command("requests")
def requests(
    status: Annotated[str | None, typer.Option(
        "--status", help="pending, done, cancelled or failed.", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The register of access and erasure requests: pending ones first (oldest due first,
    overdue flagged), then the others, newest first."""
    from ..privacy.requests import list_requests
    from . import open_workspace

    with open_workspace(home) as app:
        rows, total = list_requests(app.store, today=now().date(), status=status, limit=limit)
    if fmt is OutputFormat.json:
        from .output import to_json

        print(to_json({"total": total, "requests": rows}))
        return
    emit_rows(_request_rows(rows) if fmt is OutputFormat.table else rows, fmt,
              columns=REQUEST_COLUMNS if fmt is OutputFormat.table else None,
              title=f"Privacy requests ({total})", console=out)


@privacy_app.command("request")
def request(
    email: Annotated[str, typer.Option("--email", help="The person's email.",
                                       show_default=False)],
    by: ByOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """File an erasure request to be carried out later (by `tenure privacy process` or the
    next scoring run), as the dashboard does; `tenure privacy erase` carries one out now."""
    from ..access import record_audit
    from ..privacy.requests import file_request
    from . import open_workspace

    at = now()
    with open_workspace(home) as app:
        row = file_request(app, kind="erasure", email=email, now=at,
                           requested_by=acting_person(by), via="cli")
        record_audit(app.store, who=None, email=acting_person(by), action="privacy.request",
                     via="cli", now=at, object_type="privacy_request", object_id=str(row["id"]))
    if fmt is OutputFormat.json:
        from .output import to_json

        print(to_json(row))
        return
    out.print(f"Erasure request {row['id']} filed, due {row['due_on']}; `tenure privacy "
              "process` carries it out.", highlight=False)


@privacy_app.command("process")
def process(
    by: ByOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Carry out the pending erasure requests (filed from the dashboard, the API or `tenure
    privacy request`), oldest first. For cron, beside `tenure outbox send`."""
    from ..privacy.requests import process_pending
    from . import open_workspace

    with open_workspace(home) as app:
        rows = process_pending(app, now=now(), acting_email=by, via="cli")
    if fmt is OutputFormat.json:
        from .output import to_json

        print(to_json(rows))
        return
    if not rows:
        out.print("No pending erasure request.", highlight=False)
        return
    emit_rows(_request_rows(rows) if fmt is OutputFormat.table else rows, fmt,
              columns=REQUEST_COLUMNS if fmt is OutputFormat.table else None,
              title=f"Erasure requests carried out ({len(rows)})", console=out)
    if any(r["status"] == "failed" for r in rows):
        raise typer.Exit(1)


@privacy_app.command("cancel")
def cancel(
    request_id: Annotated[int, typer.Argument(help="The request's id.", show_default=False)],
    by: ByOpt = None,
    home: HomeOpt = None,
) -> None:
    """Cancel a pending request (filed in error)."""
    from ..privacy.requests import cancel_request
    from . import open_workspace

    with open_workspace(home) as app:
        cancel_request(app, request_id, now=now(), who=None, acting_email=acting_person(by),
                       via="cli")
    out.print(f"Privacy request {request_id} cancelled.", highlight=False)
