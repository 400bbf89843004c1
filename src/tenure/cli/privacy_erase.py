"""`tenure privacy erase`: an erasure request (GDPR art. 17, CCPA "right to delete")."""

from __future__ import annotations

from typing import Annotated

import typer

from . import FormatOpt, HomeOpt, OutputFormat, acting_person, emit_rows, err, now, out
from .privacy import privacy_app


@privacy_app.command("erase")
def erase(
    email: Annotated[str, typer.Option("--email", help="The person's email.",
                                       show_default=False)],
    name: Annotated[list[str] | None, typer.Option(
        "--name", help="A full name to erase from free text (repeatable; default: the names "
        "of their contacts and user).", show_default=False)] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who runs the request (default: "
                                           "$TENURE_USER or your login).",
                                           show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Erasure request: remove or irreversibly redact the person with EMAIL everywhere in the
    workspace (warehouse, app database, rejects, sample and report files), keep the
    account figures, and keep a keyed-hash tombstone so a later import of them is
    suppressed. Compacts both databases. Written to the audit log."""
    from ..privacy.erase import erase_person
    from . import open_workspace

    if not yes:
        typer.confirm(f"Erase {email} from this workspace? This cannot be undone.",
                      abort=True, err=True)
    with open_workspace(home) as app:
        report = erase_person(app, email=email, names=name or [], now=now(),
                              acting_email=acting_person(by))
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
    for what, c in report.compaction.items():
        out.print(f"Compacted the {what.replace('_', ' ')}: {c['bytes_before']:,} → "
                  f"{c['bytes_after']:,} bytes in {c['seconds']} s", highlight=False)
    if report.remaining:
        err.print("[red]error:[/red] these files still name them: "
                  + ", ".join(report.remaining), highlight=False)
        raise typer.Exit(1)
