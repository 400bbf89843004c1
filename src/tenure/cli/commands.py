"""Commands of the foundation: init, import, status, demo."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from ..app import App, build_app, init_workspace, resolve_home
from ..errors import WorkspaceError
from ..health.history import snapshots
from ..ingest import TABLE_ORDER, import_file
from ..ingest.load import ImportReport
from ..ingest.status import recent_imports, table_status
from ..playbooks.tasks import worklist
from ..portfolio import Portfolio, portfolio
from ..score import ScoringRun, run_scoring
from . import (
    FormatOpt,
    HomeOpt,
    OutputFormat,
    ProgressReporter,
    cli,
    emit_rows,
    err,
    now,
    out,
    parse_date,
    to_json,
    today,
)
from .health import print_work


@cli.command()
def init(home: HomeOpt = None) -> None:
    """Create a workspace: tenure.toml, the data folder, the warehouse and the app database."""
    with init_workspace(home) as app:
        out.print(f"Workspace ready at {app.home}")
        out.print(f"  settings:  {app.home / 'tenure.toml'}")
        out.print(f"  warehouse: {app.warehouse.path}")
        out.print(f"  app db:    {app.store.engine.url.render_as_string(hide_password=True)}")


def _print_report(report: ImportReport, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        print(to_json(report.as_dict()))
        return
    if fmt is OutputFormat.csv:
        emit_rows([report.as_dict()], fmt, columns=[
            "table", "source", "file", "rows_read", "imported", "updated", "duplicate",
            "skipped", "rejected", "unknown_account_rows", "rejects_file"])
        return
    out.print(
        f"{report.table} ← {Path(report.file).name}: {report.imported:,} imported, "
        f"{report.updated:,} updated, {report.duplicate:,} duplicate, "
        f"{report.rejected:,} rejected"
        + (f", {report.skipped:,} skipped" if report.skipped else "")
    )
    for reason, n in report.skipped_reasons.items():
        out.print(f"  skipped {n:,}: {reason}")
    if report.rejected:
        out.print(f"  rejected rows, with line and reason: {report.rejects_file}")
    if report.suppressed:
        out.print(f"  {report.suppressed:,} suppressed: rows naming an erased person (not stored; "
                  f"line and erasure request in {report.rejects_file})")
    if report.unknown_account_rows:
        examples = ", ".join(report.unknown_account_examples)
        out.print(
            f"  {report.unknown_account_rows:,} rows refer to accounts not imported yet "
            f"(kept; e.g. {examples}); import those accounts to link them"
        )


@cli.command("import")
def import_cmd(
    table: Annotated[str, typer.Argument(help=f"Canonical table: {', '.join(TABLE_ORDER)}.")],
    file: Annotated[Path, typer.Argument(help="CSV, Parquet or JSON Lines file.")],
    source: Annotated[
        str,
        typer.Option(help="Source format: canonical, segment, stripe or zendesk."),
    ] = "canonical",
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Import one file; prints imported / updated / duplicate / rejected counts.

    Rejected rows go to a rejects file with their line and reason; the command fails only when
    the file itself is unusable, and then imports nothing.
    """
    with build_app(home) as app:
        progress = ProgressReporter(err)
        with progress.running():
            report = import_file(app, table, file, source=source, progress=progress)
    _print_report(report, fmt)


@cli.command()
def status(home: HomeOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """What the workspace holds: rows and date range per table, imports and rejects."""
    with build_app(home) as app:
        tables = table_status(app)
        imports = recent_imports(app)
    rows = [t.__dict__ for t in tables]
    if fmt is OutputFormat.json:
        print(to_json({"home": str(app.home), "tables": rows, "imports": imports}))
        return
    if fmt is OutputFormat.csv:
        emit_rows(rows, fmt)
        return
    shown = [
        {**r, "first": _day(r["first"]), "last": _day(r["last"]),
         "last_import": _day(r["last_import"], minutes=True)}
        for r in rows
    ]
    emit_rows(shown, fmt, title=f"Workspace {app.home}")
    problems = [i for i in imports if i["status"] in ("failed", "interrupted")]
    for i in problems[:5]:
        out.print(f"[yellow]import {i['id']} of {i['file']} {i['status']}:[/yellow] {i['message']}")


def _day(value: object, *, minutes: bool = False) -> str:
    """A date (or date and minute) for a table cell."""
    if value is None:
        return ""
    text = str(value).replace("T", " ")
    return text[:16] if minutes else text[:10]


def _print_portfolio(p: Portfolio, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.csv:
        emit_rows(p.segments, fmt)
        return
    k = p.kpis

    def num(name: str, spec: str = ",.0f", suffix: str = "") -> str:
        v = k.get(name)
        return "n/a" if v is None else f"{v:{spec}}{suffix}"

    cur = p.currency
    out.print(f"\n[bold]Portfolio as of {p.as_of}[/bold] (month to date from {p.period_start})")
    out.print(f"  {num('paying_accounts')} paying of {p.accounts:,} accounts · MRR {cur} "
              f"{num('mrr')} · ARR {cur} {num('arr')}")
    out.print(f"  new MRR {cur} {num('new_mrr')} · churned MRR {cur} {num('churned_mrr')} · "
              f"NRR {num('nrr', '.1%')} · GRR {num('grr', '.1%')} · logo churn "
              f"{num('logo_churn_rate', '.1%')}")
    out.print(f"  NPS {num('nps', '+.1f')} ({num('nps_responses')} answers, 180 days) · CSAT "
              f"{num('csat', '.0%')} · {num('open_tickets')} open tickets · first response "
              f"{num('first_response_hours_median', '.1f', ' h')} (median)")
    out.print(f"  {num('mau')} monthly active users · {num('events_30d')} events in 30 days")
    def cell(v: float | None, spec: str) -> str:
        return "n/a" if v is None else f"{v:{spec}}"

    emit_rows(
        [{"segment": s["segment"], "paying_accounts": cell(s.get("paying_accounts"), ",.0f"),
          f"mrr ({cur})": cell(s.get("mrr"), ",.0f"), "nrr": cell(s.get("nrr"), ".1%"),
          "nps": cell(s.get("nps"), "+.1f"), "open_tickets": cell(s.get("open_tickets"), ",.0f")}
         for s in p.segments],
        fmt,
        title="By segment (month to date)",
    )
    out.print("All metrics: tenure metrics · definitions: docs/metrics.md")


def _print_health(run: ScoringRun, at_risk: list[dict[str, Any]]) -> None:
    bands = " · ".join(f"{k} {v:,}" for k, v in run.bands.items())
    out.print(f"\n[bold]Health as of {run.as_of}[/bold] ({run.scored:,} paying accounts "
              f"scored): {bands}")
    emit_rows([{"account": r["account_id"], "name": r["name"], "segment": r["segment"],
                "score": f"{r['score']:.0f}" if r["score"] is not None else "",
                "trend": r["trend"] or "", "top drag": r["top_drag"] or ""} for r in at_risk],
              OutputFormat.table, title="Most ARR at risk", console=out)
    out.print("Worklist: tenure accounts · why: tenure health explain ACCOUNT · track record: "
              "tenure health backtest")


def _print_work(run: ScoringRun, todo: list[dict[str, Any]]) -> None:
    out.print(f"\n[bold]The day's work as of {run.as_of}[/bold]")
    print_work(run.work)
    emit_rows([{"priority": t["priority"], "account": t["account"] or t["account_id"],
                "task": t["title"], "owner": t["owner"] or "", "due": t["due"] or ""}
               for t in todo], OutputFormat.table, title="Top of the worklist", console=out)
    out.print("All tasks: tenure tasks [--owner EMAIL] · playbooks: tenure playbooks list · "
              "onboarding: tenure onboarding · check-ins: tenure checkins")


@cli.command()
def demo(
    accounts: Annotated[int, typer.Option(help="Accounts in the sample company.", min=10)] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed, the same company.")] = 1,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The sample's as-of date (YYYY-MM-DD): its history ends the day before "
            "(default: today).",
        ),
    ] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after the summary instead of serving "
                           "the dashboard (and make no demo logins).")
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535,
                                      help="Port to serve on.")] = 8000,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Generate a realistic sample SaaS company, import it, score it, print the portfolio
    summary, and serve the dashboard with two demo logins (a CSM and an admin)."""
    from ..sample import generate_company

    end = parse_date(as_of, "--as-of") or today()
    root = resolve_home(home)
    with init_workspace(root) as app:
        if app.warehouse.con.execute("SELECT count(*) FROM accounts").fetchall()[0][0]:
            raise WorkspaceError(
                f"{root} already holds data; the demo needs a new or empty workspace "
                "(use --home NEW_FOLDER)"
            )
        sample_dir = root / "data" / "sample"
        if sample_dir.exists():
            shutil.rmtree(sample_dir)
        progress = ProgressReporter(err)
        with progress.running():
            result = generate_company(
                sample_dir,
                accounts=accounts,
                seed=seed,
                as_of=end,
                progress=lambda done, total: progress("generating", done, total),
            )
            reports = []
            for table, path in result.files.items():
                reports.append(import_file(app, table, path, progress=progress))
        if fmt is OutputFormat.table:
            emit_rows(
                [{"table": r.table, "imported": r.imported, "rejected": r.rejected,
                  "duplicate": r.duplicate} for r in reports],
                fmt,
                title=f"Sample company ({accounts:,} accounts, seed {seed}) imported",
            )
        # The sample's history ends the day before its as-of date.
        summary = portfolio(app, as_of=end - timedelta(days=1))
        with progress.running():
            run = run_scoring(app, as_of=end - timedelta(days=1), progress=progress, now=now())
        at_risk = snapshots(app.store, sort="risk", limit=5)
        todo = worklist(app.store, as_of=run.as_of, limit=5)
        logins = [] if no_serve else demo_logins(app)
    if fmt is OutputFormat.json:
        print(to_json({**summary.as_dict(), "health": run.as_dict(), "at_risk": at_risk,
                       "worklist": todo, "logins": logins}), flush=True)
    else:
        _print_portfolio(summary, fmt)
    if fmt is OutputFormat.table:
        _print_health(run, at_risk)
        _print_work(run, todo)
    if fmt is OutputFormat.table:
        out.print(f"\nGround truth for evaluation (never imported): {sample_dir / 'ground_truth'}")
    if no_serve:
        return
    if fmt is OutputFormat.table:
        out.print(f"\nThe dashboard: http://{host}:{port}/  Sign in as", highlight=False)
        for login in logins:
            out.print(f"  {login['email']}  password {login['password']}  ({login['about']})",
                      highlight=False)
        out.print("The passwords are shown once; `tenure user add` makes more logins.",
                  highlight=False)
    from .access import serve

    serve(host=host, port=port, home=root)


def demo_logins(app: App) -> list[dict[str, str]]:
    """Two people for the demo's dashboard, with fresh passwords: the CSM with the most open
    tasks (their book, My day) and an admin (everything, the audit log)."""
    from sqlalchemy import func, select

    from ..access import add_user
    from ..sample.profiles import VENDOR_DOMAIN
    from ..store import Task

    with app.store.session() as s:
        busiest = s.execute(select(Task.owner).where(Task.status == "open",
                                                     Task.owner.is_not(None))
                            .group_by(Task.owner)
                            .order_by(func.count().desc(), Task.owner).limit(1)).scalar()
    logins = []
    if busiest:
        _, password = add_user(app.store, email=busiest, role="csm", now=now())
        logins.append({"email": busiest.lower(), "password": password or "",
                       "about": "a CSM: their own book"})
    admin = f"admin@{VENDOR_DOMAIN}"
    _, password = add_user(app.store, email=admin, role="admin", now=now())
    logins.append({"email": admin, "password": password or "",
                   "about": "an admin: every account, people, the audit log"})
    return logins
