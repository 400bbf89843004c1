"""Health commands: `tenure score`, `tenure accounts` and `tenure health ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..app import build_app
from ..errors import HealthError
from . import (
    FormatOpt,
    HomeOpt,
    OutputFormat,
    ProgressReporter,
    cli,
    emit_rows,
    err,
    now,
    open_workspace,
    out,
    parse_date,
    to_json,
    today,
)

health_cli = typer.Typer(help="Health scores: backtest, explain, pulse, model.",
                         no_args_is_help=True)
cli.add_typer(health_cli, name="health")

AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="Score as of the end of this day, from data up to it (default: today).",
    show_default=False)]


def _score_text(v: float | None) -> str:
    return "" if v is None else f"{v:.0f}"


@cli.command()
def score(
    as_of: AsOfOpt = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Also replay every day from this date (rebuilds history).",
        show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The scoring run: every account's health as of a date, written to the app database."""
    from ..score import run_scoring

    day = parse_date(as_of, "--as-of") or today()
    start = parse_date(since, "--since")
    if start is not None and start > day:
        raise typer.BadParameter("must not be after --as-of", param_hint="--since")
    progress = ProgressReporter(err)
    with open_workspace(home) as app, progress.running():
        run = run_scoring(app, as_of=day, since=start, progress=progress, now=now())
    if fmt is OutputFormat.json:
        print(to_json(run.as_dict()))
        return
    if fmt is OutputFormat.csv:  # one flat row: bands and trends as columns
        emit_rows([{"as_of": run.as_of, "accounts": run.accounts, "scored": run.scored,
                    **run.bands, **{f"trend_{k}": v for k, v in run.trends.items()},
                    "snapshot": run.snapshot,
                    "replayed": ";".join(d.isoformat() for d in run.replayed)}], fmt)
        return
    bands = " · ".join(f"{k} {v:,}" for k, v in run.bands.items())
    trends = " · ".join(f"{k} {v:,}" for k, v in run.trends.items())
    if run.erasures:
        failed = sum(r["status"] == "failed" for r in run.erasures)
        out.print(f"Erasure requests carried out first: {len(run.erasures) - failed}"
                  + (f" ({failed} failed: tenure privacy requests)" if failed else ""))
    out.print(f"Scored {run.scored:,} of {run.accounts:,} accounts as of {run.as_of}: {bands}")
    out.print(f"Trend against {run.trend_days} days before: {trends}")
    if run.replayed:
        out.print(f"Replayed from the warehouse: {len(run.replayed)} earlier day(s)")
    if run.churn_model:
        out.print(f"Churn risk, drivers and lifetime value from churn model {run.churn_model}")
    else:
        out.print("No churn model yet: `tenure churn train` adds churn risk and lifetime value")
    if not run.snapshot:
        out.print("A past day: history updated, the current snapshot kept.")
    print_work(run.work)
    out.print("Worklist: tenure tasks · accounts: tenure accounts · one account: "
              "tenure health explain ACCOUNT")


# The day's work in one line per step: counts only, the step's name first.
WORK_STEPS = (("onboarding", "Onboarding"), ("goals", "Success goals"),
              ("playbooks", "Playbooks"), ("outbox", "Outbox"),
              ("retention", "Retention (rows deleted or blanked)"),
              ("portfolio", "Portfolio series"))


def print_work(work: dict[str, Any] | None) -> None:
    """Say what the day's work after the scores did (tenure.daily), one line per step; a
    step that failed says why (the scores stand without it)."""
    if not work:
        return
    for key, label in WORK_STEPS:
        step = work.get(key) or {}
        if step.get("error"):
            err.print(f"[yellow]{label}:[/yellow] {step['error']}", highlight=False)
            continue
        counts = {k: v for k, v in step.items()
                  if isinstance(v, int) and not isinstance(v, bool)}
        if any(counts.values()):
            out.print(f"{label}: " + " · ".join(
                f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()))


@cli.command()
def accounts(
    health: Annotated[str | None, typer.Option(
        "--health", help="Only accounts in this band (red, yellow, green).",
        show_default=False)] = None,
    owner: Annotated[str | None, typer.Option(
        "--owner", help="Only this CSM's book (email).", show_default=False)] = None,
    segment: Annotated[str | None, typer.Option(
        "--segment", help="Only this segment.", show_default=False)] = None,
    sort: Annotated[str, typer.Option(
        "--sort", help="score (lowest first), risk (ARR at risk: low score x ARR), arr, "
        "renewal or name.")] = "score",
    limit: Annotated[int | None, typer.Option(
        "--limit", help="At most this many rows.", min=1, show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The portfolio from the latest scoring run: score, band, trend and top drag."""
    from ..health.history import snapshots

    with open_workspace(home) as app:
        rows = snapshots(app.store, band=health, owner=owner, segment=segment, sort=sort,
                         limit=limit)
    if fmt is OutputFormat.json:
        print(to_json(rows))
        return
    columns = ["account_id", "name", "segment", "owner", "lifecycle", "score", "band",
               "trend", "score_before", "churn_probability", "arr", "clv", "renewal_date",
               "top_drag"]
    if fmt is OutputFormat.csv:
        emit_rows(rows, fmt, columns=columns)
        return
    risk = any(r["churn_probability"] is not None for r in rows)
    shown = [{"account": r["account_id"], "name": r["name"], "segment": r["segment"],
              "owner": r["owner"], "score": _score_text(r["score"]), "band": r["band"] or "",
              "trend": r["trend"] or "",
              **({"churn risk": "" if r["churn_probability"] is None
                  else f"{100 * r['churn_probability']:.0f}%"} if risk else {}),
              "arr": r["arr"], "top drag": r["top_drag"] or ""}
             for r in rows]
    as_of = rows[0]["as_of"] if rows else None
    emit_rows(shown, fmt, title=f"Accounts ({len(rows):,}) scored as of {as_of}", console=out)


@health_cli.command("explain")
def explain(
    account: Annotated[str, typer.Argument(help="The account id.")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Compute as of this day from the warehouse instead of showing the "
        "latest scoring run.", show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """How one account's score was worked out: every measure's value, score, weight and
    contribution (the contributions add up to the score), and the biggest drags."""
    from ..health import compute_health
    from ..health.history import snapshot
    from ..health.words import say_pulse, say_value
    from ..metrics import catalog

    day = parse_date(as_of, "--as-of")
    with open_workspace(home) as app:
        currency = app.settings.company.reporting_currency
        if day is None:
            data = snapshot(app.store, account)
        else:
            scores = compute_health(app, as_of=day)
            try:
                ex = scores.explanation(account)
            except KeyError:
                raise HealthError(f"no account {account!r} in the warehouse") from None
            data = {**ex, "explanation": ex.pop("groups")}
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = [{"group": g["label"], "measure": m["label"], "value": m["value"],
             "score": m["score"], "weight": None if m["weight"] is None else 100 * m["weight"],
             "contribution": m["contribution"]}
            for g in data["explanation"] for m in g["measures"]]
    if fmt is OutputFormat.csv:
        emit_rows(rows, fmt)
        return
    units = {m["measure"]: catalog()[m["metric"]].unit if m["metric"] else "pulse"
             for g in data["explanation"] for m in g["measures"]}
    for row, m in zip(rows, (m for g in data["explanation"] for m in g["measures"]),
                      strict=True):
        unit = units[m["measure"]]
        row["value"] = ("" if m["value"] is None else say_pulse(m["value"]) if unit == "pulse"
                        else say_value(m["value"], unit, currency))
    title = (f"{account}: {_score_text(data['score'])} ({data['band'] or 'no score'}), "
             f"profile {data['profile']}, as of {data['as_of']}")
    emit_rows(rows, fmt, title=title, console=out)
    total = sum(r["contribution"] or 0 for r in rows)
    out.print(f"Contributions add up to {total:.1f}; weights are % of the score.")
    for d in data.get("drags") or []:
        out.print(f"  drag: {d}")


@health_cli.command("pulse")
def pulse(
    account: Annotated[str, typer.Argument(help="The account id.")],
    value: Annotated[str, typer.Argument(help="green, yellow, red or a score 0-100.")],
    note: Annotated[str | None, typer.Option("--note", help="Why.", show_default=False)] = None,
    author: Annotated[str | None, typer.Option(
        "--author", help="Who gives it (CSM email).", show_default=False)] = None,
    day: Annotated[str | None, typer.Option(
        "--day", help="The day it applies from (default: today).", show_default=False)] = None,
    home: HomeOpt = None,
) -> None:
    """Record a CSM's pulse for an account (read by measures with scoring = "pulse")."""
    from ..health.history import add_pulse, parse_pulse

    score_value = parse_pulse(value)
    when = parse_date(day, "--day") or today()
    with open_workspace(home) as app:
        if not app.warehouse.con.execute(
                "SELECT 1 FROM accounts WHERE account_id = ?", [account]).fetchall():
            raise HealthError(f"no account {account!r} in the warehouse")
        add_pulse(app.store, account, score_value, day=when, note=note, author=author)
    out.print(f"Pulse {score_value:g} recorded for {account} from {when}; "
              "it counts at the next `tenure score`.")


@health_cli.command("history")
def history_cmd(
    account: Annotated[str, typer.Argument(help="The account id.")],
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """An account's recorded daily scores."""
    from ..health.history import history, snapshot

    with open_workspace(home) as app:
        frame = history(app.store, account)
        if frame.empty:
            snapshot(app.store, account)  # says whether the account or any score is unknown
    rows = frame.to_dict("records")
    emit_rows(rows, fmt, title=f"Health history of {account}",
              columns=["day", "score", "band", "profile"])


@health_cli.command("model")
def model_cmd(
    home: HomeOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="toml or json.")] = "toml",
) -> None:
    """Check the health model in force and print it (the built-in parts included)."""
    from ..health import load_model
    from ..health.backtest import profile_toml

    with build_app(home) as app:
        model = load_model(app.settings)
    if fmt == "json":
        print(to_json(model.source))
        return
    if fmt != "toml":
        raise typer.BadParameter("use toml or json", param_hint="--format")
    print(profile_toml(model.profiles, "The health model's profiles in force (valid). "
                       "Measures and bands: docs/health.md, or --format json."), end="")


@health_cli.command("backtest")
def backtest(
    start: Annotated[str | None, typer.Option(
        "--from", help="First month end to score (default: twelve months before --to; "
        "with --suggest, twenty-four, for more history to learn from).",
        show_default=False)] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="Last month end (default: the last one with a whole horizon of data "
        "after it).", show_default=False)] = None,
    horizon: Annotated[int | None, typer.Option(
        "--horizon", help="Days after each month end in which churn counts "
        "(default: health.horizon_days).", min=1, show_default=False)] = None,
    suggest_: Annotated[bool, typer.Option(
        "--suggest", help="Fit measure weights from history and write them as new profiles.")
    ] = False,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="Score every account with this profile.", show_default=False)] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the chart (PNG, HTML) and suggestions (default: "
        "WORKSPACE/reports).", show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """How well the health score foretold churn, month end by month end."""
    from ..health import load_model
    from ..health.backtest import collect, default_range, profile_toml, suggest, summarise
    from ..health.chart import render_backtest

    progress = ProgressReporter(err)
    stamp = today()
    with open_workspace(home) as app, progress.running():
        settings = app.settings
        model = load_model(settings)
        if profile is not None:
            model.profile(profile)
        days = horizon or settings.health.horizon_days
        months = default_range(app, settings, days, parse_date(start, "--from"),
                               parse_date(end, "--to"), months_back=24 if suggest_ else 12)
        data = collect(app, settings=settings, model=model, months=months, horizon_days=days,
                       store=app.store, profile=profile,
                       progress=lambda d, t: progress("scoring month ends", d, t))
        report: dict[str, Any] = {
            "model": profile or ", ".join(p.name for p in model.profiles),
            "from": months[0], "to": months[-1], "horizon_days": days,
            **summarise(data.rows, model), "suggestion": None}
        folder = out_dir or app.home / "reports"
        if suggest_:
            label = f"suggested-{stamp}"
            sg = suggest(data, model, horizon_days=days, label=label)
            proposal = sg.pop("proposal")
            path = None
            if proposal:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"health-{label}.toml"
                header = (
                    f"Health profiles fitted by `tenure health backtest --suggest` on {stamp}.\n"
                    f"Trained on {len(sg['train_months'])} month ends "
                    f"({sg['train_months'][0]} to {sg['train_months'][-1]}), judged on "
                    f"{len(sg['test_months'])} later ones: AUC {_auc(sg['auc_current'])} now, "
                    f"{_auc(sg['auc_suggested'])} with these weights.\n"
                    "To adopt: copy these [[health.profiles]] into tenure.toml in place of the "
                    "profiles they were fitted from\n(see `tenure health model`), then run "
                    "`tenure health backtest` again.")
                path.write_text(profile_toml(proposal, header), encoding="utf-8")
            report["suggestion"] = {**sg, "profile": ", ".join(p.name for p in proposal),
                                    "file": str(path) if path else None}
        png, html = render_backtest(report, folder, f"health-backtest-{months[-1]}")
        report["chart"] = {"png": str(png), "html": str(html)}
    if fmt is OutputFormat.json:
        print(to_json(report))
        return
    if fmt is OutputFormat.csv:
        emit_rows(report["bands"], fmt,
                  columns=["band", "from", "to", "account_months", "churned", "churn_rate"])
        return
    _print_backtest(report)


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _auc(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _print_backtest(r: dict[str, Any]) -> None:
    auc = _auc(r["auc"])
    lift = "n/a" if r["lift_red_vs_green"] is None else f"{r['lift_red_vs_green']:.1f}x"
    out.print(f"[bold]Health backtest[/bold] {r['from']} to {r['to']} (month ends), churn within "
              f"{r['horizon_days']} days")
    out.print(f"  {r['account_months']:,} account-months, {r['churned']:,} churned "
              f"({_pct(r['churn_rate'])}) · AUC {auc} · {r['lift_bands'][0]} vs "
              f"{r['lift_bands'][1]} churn {lift}")
    emit_rows([{"band": b["band"], "scores": f"{b['from']:g}-{b['to']:g}",
                "account-months": b["account_months"], "churned": b["churned"],
                "churn rate": _pct(b["churn_rate"])} for b in r["bands"]],
              OutputFormat.table, title="Churn by band", console=out)
    emit_rows([{"score": f"{c['from']:g}-{c['to']:g}", "account-months": c["account_months"],
                "churned": c["churned"], "churn rate": _pct(c["churn_rate"])}
               for c in r["calibration"]], OutputFormat.table, title="Calibration", console=out)
    sg = r.get("suggestion")
    if sg:
        fitted = [p["profile"] for p in sg["profiles"] if p["fitted"]]
        kept = [f"{p['profile']} ({p['reason']})" for p in sg["profiles"] if not p["fitted"]]
        if not fitted:
            out.print(f"Suggested weights: none. {'; '.join(kept)}")
        else:
            gain = "n/a" if sg["gain"] is None else f"{sg['gain']:+.3f}"
            out.print(f"Suggested weights for {', '.join(fitted)}: AUC on "
                      f"{len(sg['test_months'])} later month ends {_auc(sg['auc_current'])} -> "
                      f"{_auc(sg['auc_suggested'])} ({gain})")
            if kept:
                out.print(f"  kept as they are: {'; '.join(kept)}")
            if sg.get("file"):
                out.print(f"  written to {sg['file']} (copy into tenure.toml to adopt)")
    out.print(f"Chart: {r['chart']['png']} · {r['chart']['html']}")

