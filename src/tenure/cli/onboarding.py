"""Onboarding and success plans on the command line: `tenure onboarding ...` and
`tenure plan show | add | set`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import WorkError
from . import (
    FormatOpt,
    HomeOpt,
    OutputFormat,
    cli,
    emit_rows,
    open_workspace,
    out,
    parse_date,
    to_json,
    today,
)

if TYPE_CHECKING:
    from ..app import App

onboarding_app = typer.Typer(
    help="Onboarding plans: list them (default), show, enrol, complete, cancel; templates and "
    "time to value.", invoke_without_command=True)
cli.add_typer(onboarding_app, name="onboarding")
plan_app = typer.Typer(help="Success plans: an account's goals (show, add, set).",
                       no_args_is_help=True)
cli.add_typer(plan_app, name="plan")

AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="Count overdue milestones as of this day (default: today).",
    show_default=False)]
AccountArg = Annotated[str, typer.Argument(help="The account id.")]
STATUS_CHOICES = ("active", "completed", "cancelled", "all")
LIST_COLUMNS = ["account_id", "name", "segment", "owner", "template", "started_on", "status",
                "milestones_done", "milestones_total", "percent_complete", "next_milestone",
                "next_title", "next_due", "overdue", "value_on", "time_to_value_days",
                "completed_on"]


def _account_known(app: App, account_id: str) -> None:
    rows = app.warehouse.con.execute(
        "SELECT count(*) FROM accounts WHERE account_id = ?", [account_id]).fetchall()
    if not rows or not rows[0][0]:
        raise WorkError(f"no account {account_id!r} in the warehouse")


def _scored_day(app: App, account_id: str) -> date | None:
    from sqlalchemy import select

    from ..store import AccountSnapshot

    with app.store.session() as s:
        return s.scalar(select(AccountSnapshot.as_of).where(
            AccountSnapshot.account_id == account_id))


@onboarding_app.callback()
def onboarding(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(
        "--owner", help="Only this CSM's accounts (email).", show_default=False)] = None,
    status: Annotated[str, typer.Option(
        "--status", help="active, completed, cancelled or all.")] = "active",
    stalled: Annotated[bool, typer.Option(
        "--stalled", help="Only plans with a milestone overdue by more than "
        "onboarding.stalled_after_days.")] = False,
    as_of: AsOfOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Onboarding plans with percent done, the next milestone and overdue milestones."""
    if ctx.invoked_subcommand is not None:
        return
    from ..onboarding import list_plans

    if status not in STATUS_CHOICES:
        raise typer.BadParameter(f"{status!r} is not one of {', '.join(STATUS_CHOICES)}",
                                 param_hint="--status")
    day = parse_date(as_of, "--as-of") or today()
    with open_workspace(home) as app:
        stalled_after = app.settings.onboarding.stalled_after_days if stalled else None
        rows = list_plans(app.store, as_of=day, status=status, owner=owner,
                          stalled_after_days=stalled_after)
    if fmt is not OutputFormat.table:
        emit_rows(rows, fmt, columns=LIST_COLUMNS)
        return
    if not rows:
        out.print("No onboarding plans" + (" stalled" if stalled else "") + ".")
        return
    shown = [{"account": r["account_id"], "name": r["name"], "segment": r["segment"],
              "owner": r["owner"], "template": r["template"], "started": r["started_on"],
              "done": f"{r['milestones_done']}/{r['milestones_total']}",
              "%": f"{r['percent_complete']:.0f}", "next": r["next_title"] or "",
              "due": r["next_due"], "overdue": r["overdue"],
              "ttv days": r["time_to_value_days"]} for r in rows]
    emit_rows(shown, fmt, title=f"Onboarding plans ({len(rows):,}, {status}) as of {day}",
              console=out)


@onboarding_app.command("show")
def show(account: AccountArg, as_of: AsOfOpt = None, home: HomeOpt = None,
         fmt: FormatOpt = OutputFormat.table) -> None:
    """One account's onboarding: every milestone, due, completed (and by what) or overdue."""
    from ..onboarding import plan_status

    day = parse_date(as_of, "--as-of") or today()
    with open_workspace(home) as app:
        status = plan_status(app.store, account, as_of=day)
    if status["status"] == "none":
        raise WorkError(f"account {account!r} has no onboarding plan; start one with "
                        "`tenure onboarding enrol`")
    if fmt is OutputFormat.json:
        print(to_json(status))
        return
    ms = status["milestones"]
    if fmt is OutputFormat.csv:
        emit_rows(ms, fmt)
        return
    emit_rows([{"milestone": m["key"], "title": m["title"], "due": m["due_on"],
                "completed": m["completed_on"],
                "state": ("done" if m["completed_on"] else
                          f"{m['days_overdue']} d overdue" if m["overdue"] else "open"),
                "evidence": m["evidence"] or ""} for m in ms], fmt,
              title=(f"{account}: {status['template']} onboarding from "
                     f"{status['started_on']}, {status['status']}, "
                     f"{status['percent_complete']:.0f}% done"), console=out)
    ttv = status["time_to_value_days"]
    out.print(f"First value on {status['value_on']} ({ttv} days)" if ttv is not None
              else "First value not reached yet")


@onboarding_app.command("enrol")
def enrol_cmd(
    account: AccountArg,
    template: Annotated[str | None, typer.Option(
        "--template", help="The template (default: the one of the account's segment).",
        show_default=False)] = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="The plan's start (default: the account's first paid day, else "
        "today).", show_default=False)] = None,
    home: HomeOpt = None,
) -> None:
    """Start an onboarding plan for an account."""
    from ..onboarding import enrol

    day = today()
    with open_workspace(home) as app:
        plan_id = enrol(app, account_id=account, as_of=_scored_day(app, account) or day,
                        template=template, started_on=parse_date(start, "--start"))
    if plan_id is None:
        raise WorkError(f"account {account!r} already has an active onboarding plan")
    out.print(f"Enrolled {account} (plan {plan_id}); see `tenure onboarding show {account}`")


@onboarding_app.command("complete")
def complete(
    account: AccountArg,
    milestone: Annotated[str, typer.Argument(help="The milestone's key.")],
    on: Annotated[str | None, typer.Option(
        "--on", help="The day it was reached (default: today).", show_default=False)] = None,
    by: Annotated[str | None, typer.Option(
        "--by", help="Who completed it (e.g. your email).", show_default=False)] = None,
    home: HomeOpt = None,
) -> None:
    """Complete a milestone of the account's active plan by hand."""
    from ..onboarding import complete_milestone, load_templates

    day = parse_date(on, "--on") or today()
    with open_workspace(home) as app:
        m = complete_milestone(app.store, account_id=account, key=milestone, day=day, by=by,
                               templates=load_templates(app.settings.onboarding.plans))
    out.print(f"{account}: {m['title']} completed on {m['completed_on']}")


@onboarding_app.command("cancel")
def cancel(account: AccountArg, home: HomeOpt = None) -> None:
    """Cancel the account's active plan (auto-enrolment will not start it again)."""
    from ..onboarding import cancel_plan

    with open_workspace(home) as app:
        plan_id = cancel_plan(app.store, account_id=account)
    out.print(f"Cancelled the onboarding plan {plan_id} of {account}")


@onboarding_app.command("templates")
def templates(home: HomeOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """The onboarding templates in force and how each milestone completes."""
    from ..onboarding import load_templates

    with open_workspace(home) as app:
        tpl = load_templates(app.settings.onboarding.plans)
    if fmt is OutputFormat.json:
        print(to_json([p.as_dict() for p in tpl.plans]))
        return
    rows = [{"template": p.name, "segments": ", ".join(p.segments) or "(any other)",
             "milestone": m.key, "title": m.title, "due_days": m.due_days,
             "completes_by": m.completes_by, "value": "yes" if m.value else ""}
            for p in tpl.plans for m in p.milestones]
    emit_rows(rows, fmt, title="Onboarding templates", console=out)


@onboarding_app.command("ttv")
def ttv(
    by: Annotated[str, typer.Option("--by", help="template or segment.")] = "template",
    within: Annotated[int, typer.Option(
        "--within", help="Share of plans reaching first value within this many days.",
        min=1)] = 30,
    as_of: AsOfOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Time to value: days from a plan's start to first value, per template or segment."""
    from ..onboarding import time_to_value

    day = parse_date(as_of, "--as-of") or today()
    with open_workspace(home) as app:
        result = time_to_value(app.store, as_of=day, by=by, within_days=within)
    data = result.as_dict()
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows: list[dict[str, Any]] = data["groups"]
    if fmt is OutputFormat.csv:
        emit_rows(rows, fmt)
        return
    shown = [{by: r[by], "plans": r["plans"], "reached value": r["reached"],
              "median days": r["median_days"],
              f"within {within} d": ("" if r["share_within"] is None else
                                     f"{100 * r['share_within']:.0f}% of {r['eligible']}")}
             for r in rows]
    emit_rows(shown, fmt, title=f"Time to value as of {day}", console=out)


GOAL_COLUMNS = ["goal_id", "account_id", "title", "metric", "baseline", "target", "current",
                "progress", "due_on", "status", "achieved_on", "created_on"]


@plan_app.command("show")
def plan_show(account: AccountArg, home: HomeOpt = None,
              fmt: FormatOpt = OutputFormat.table) -> None:
    """The account's success plan: its goals, their progress and status."""
    from ..plans import goals

    with open_workspace(home) as app:
        rows = goals(app.store, account)
    if fmt is not OutputFormat.table:
        emit_rows(rows, fmt, columns=GOAL_COLUMNS)
        return
    if not rows:
        out.print(f"{account} has no goals yet: `tenure plan add {account} --goal TEXT`")
        return
    emit_rows([{"goal": r["goal_id"], "what": r["title"], "metric": r["metric"] or "",
                "baseline": r["baseline"], "target": r["target"], "current": r["current"],
                "progress": "" if r["progress"] is None else f"{100 * r['progress']:.0f}%",
                "due": r["due_on"], "status": r["status"]} for r in rows], fmt,
              title=f"Success plan of {account}", console=out)


@plan_app.command("add")
def plan_add(
    account: AccountArg,
    goal: Annotated[str, typer.Option("--goal", help="What the customer wants to achieve.")],
    metric: Annotated[str | None, typer.Option(
        "--metric", help="A per-account metric that tracks it (tenure metrics --list).",
        show_default=False)] = None,
    target: Annotated[float | None, typer.Option(
        "--target", help="The metric's target value (below the baseline: lower is better).",
        show_default=False)] = None,
    baseline: Annotated[float | None, typer.Option(
        "--baseline", help="The metric's value to count progress from (default: its value "
        "as of the latest scoring).", show_default=False)] = None,
    due: Annotated[str | None, typer.Option(
        "--due", help="The date to reach it by.", show_default=False)] = None,
    by: Annotated[str | None, typer.Option(
        "--by", help="Who agreed it (e.g. your email).", show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Add a goal to an account's success plan."""
    from ..plans import add_goal, check_metric, goals, metric_values

    due_on = parse_date(due, "--due")
    day = today()
    with open_workspace(home) as app:
        _account_known(app, account)
        if metric is not None:
            check_metric(metric)
            if target is None:
                raise WorkError(f"a goal tracking {metric} needs a target value (--target)")
            if baseline is None:
                values = metric_values(app, metric=metric, account_ids=[account],
                                       as_of=_scored_day(app, account) or day)
                baseline = values.get(account)
        goal_id = add_goal(app.store, account_id=account, title=goal, today=day,
                           due_on=due_on, metric=metric, target=target, baseline=baseline,
                           by=by)
        row = next(g for g in goals(app.store, account) if g["goal_id"] == goal_id)
    if fmt is not OutputFormat.table:
        emit_rows([row], fmt, columns=GOAL_COLUMNS)
        return
    out.print(f"Goal {goal_id} added to the success plan of {account}"
              + (f" (baseline {row['baseline']:g})" if row["baseline"] is not None else ""))


@plan_app.command("set")
def plan_set(
    goal_id: Annotated[int, typer.Argument(help="The goal's id (tenure plan show).")],
    status: Annotated[str | None, typer.Option(
        "--status", help="open, achieved, missed or dropped.", show_default=False)] = None,
    target: Annotated[float | None, typer.Option(
        "--target", help="A new target value.", show_default=False)] = None,
    due: Annotated[str | None, typer.Option(
        "--due", help="A new due date.", show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Change a goal's status, target or due date."""
    from ..plans import update_goal

    if status is None and target is None and due is None:
        raise typer.BadParameter("give --status, --target or --due")
    with open_workspace(home) as app:
        row = update_goal(app.store, goal_id=goal_id, today=today(), status=status,
                          target=target, due_on=parse_date(due, "--due"))
    if fmt is not OutputFormat.table:
        emit_rows([row], fmt, columns=GOAL_COLUMNS)
        return
    out.print(f"Goal {goal_id}: {row['status']}, target {row['target']}, due {row['due_on']}")
