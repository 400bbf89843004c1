"""Playbooks and tasks on the command line: `tenure tasks` (the worklist), `tenure task ...`
(one task: show, add, snooze, close, reopen) and `tenure playbooks ...` (list, run)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import (
    ByOpt,
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

playbooks_app = typer.Typer(help="Playbooks: what they are, what they did, their effect.",
                            no_args_is_help=True)
task_app = typer.Typer(help="One task: show, add, snooze, close, reopen.", no_args_is_help=True)
cli.add_typer(playbooks_app, name="playbooks")
cli.add_typer(task_app, name="task")

TaskId = Annotated[int, typer.Argument(help="The task id (tenure tasks shows it).")]
# The worklist's JSON and CSV: the contract scripts rely on.
TASK_COLUMNS = ["id", "account_id", "account", "playbook", "reason", "title", "type",
                "priority", "owner", "due", "status", "snoozed_until", "created_on", "arr",
                "arr_at_risk", "band", "score"]


def _show(task: dict[str, Any], fmt: OutputFormat, verb: str | None = None) -> None:
    if fmt is OutputFormat.json:
        print(to_json(task))
        return
    if fmt is OutputFormat.csv:
        emit_rows([task], fmt, columns=[*TASK_COLUMNS, "outcome", "closed_at"])
        return
    if verb:
        out.print(f"Task {task['id']} {verb}.")
    out.print(f"Task {task['id']}: {task['title']}", highlight=False)
    account = f"{task['account']} ({task['account_id']})" if task["account"] else task[
        "account_id"]
    out.print(f"  account: {account}", highlight=False)
    for key in ("status", "priority", "type", "owner", "due", "snoozed_until", "playbook",
                "reason", "created_on", "outcome", "outcome_note"):
        if task.get(key):
            out.print(f"  {key.replace('_', ' ')}: {task[key]}", highlight=False)
    if task["arr"] is not None:
        out.print(f"  ARR {task['arr']:,.0f}, at risk {task['arr_at_risk']:,.0f}")
    for i, step in enumerate(task["steps"], 1):
        out.print(f"  {i}. {step}", highlight=False)


@cli.command()
def tasks(
    owner: Annotated[str | None, typer.Option(
        "--owner", help="Only this person's tasks (email).", show_default=False)] = None,
    account: Annotated[str | None, typer.Option(
        "--account", help="Only this account's tasks.", show_default=False)] = None,
    status: Annotated[str, typer.Option(
        "--status", help="open (snoozes that ended included), snoozed, closed or all.")
    ] = "open",
    limit: Annotated[int | None, typer.Option(
        "--limit", help="At most this many tasks.", min=1, show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The worklist: tasks by priority, then ARR at risk, then due date."""
    from ..playbooks import worklist

    with open_workspace(home) as app:
        rows = worklist(app.store, as_of=today(), owner=owner, status=status,
                        account_id=account, limit=limit)
    if fmt is not OutputFormat.table:
        emit_rows(rows, fmt, columns=TASK_COLUMNS)
        return
    shown = [{"id": r["id"], "priority": r["priority"], "account": r["account"] or
              r["account_id"], "title": r["title"], "owner": r["owner"] or "", "due": r["due"],
              "arr at risk": r["arr_at_risk"], "playbook": r["playbook"] or "by hand",
              **({"status": r["status"]} if status != "open" else {})}
             for r in rows]
    emit_rows(shown, fmt, title=f"Tasks ({len(rows):,}, {status})", console=out)
    if rows:
        out.print("One task: tenure task show ID · done: tenure task close ID --outcome saved")


@task_app.command("show")
def show(task_id: TaskId, home: HomeOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """One task: why it exists, its steps and where it stands."""
    from ..playbooks import get_task

    with open_workspace(home) as app:
        task = get_task(app.store, task_id, as_of=today())
    _show(task, fmt)


@task_app.command("add")
def add(
    account: Annotated[str, typer.Argument(help="The account id.")],
    title: Annotated[str, typer.Option("--title", help="What to do.")],
    type_: Annotated[str, typer.Option(
        "--type", help="risk, opportunity, lifecycle or activity.")] = "activity",
    priority: Annotated[str, typer.Option(
        "--priority", help="urgent, high, medium or low.")] = "medium",
    due: Annotated[str | None, typer.Option(
        "--due", help="Due date (YYYY-MM-DD).", show_default=False)] = None,
    owner: Annotated[str | None, typer.Option(
        "--owner", help="Whose task (default: the account's owner).", show_default=False)
    ] = None,
    by: ByOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Add a task by hand."""
    from ..playbooks import add_task

    due_on = parse_date(due, "--due")
    with open_workspace(home) as app:
        task = add_task(app, account_id=account, title=title, type=type_, priority=priority,
                        due_on=due_on, owner=owner, as_of=today(), now=now(),
                        by=acting_person(by))
    _show(task, fmt, "added")


@task_app.command("snooze")
def snooze_cmd(
    task_id: TaskId,
    until: Annotated[str, typer.Option("--until", help="Open again on this day (YYYY-MM-DD).")],
    by: ByOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Put a task aside until a day."""
    from ..playbooks import snooze

    day = parse_date(until, "--until")
    assert day is not None
    with open_workspace(home) as app:
        task = snooze(app.store, task_id, until=day, by=acting_person(by), now=now())
    _show(task, fmt, f"snoozed until {day}")


@task_app.command("close")
def close_cmd(
    task_id: TaskId,
    outcome: Annotated[str, typer.Option(
        "--outcome", help="saved, churned, expanded or no_action_needed.")],
    note: Annotated[str | None, typer.Option(
        "--note", help="What happened.", show_default=False)] = None,
    by: ByOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Close a task with its outcome."""
    from ..playbooks import close

    with open_workspace(home) as app:
        task = close(app.store, task_id, outcome=outcome, note=note, by=acting_person(by),
                     now=now())
    _show(task, fmt, f"closed ({outcome})")


@task_app.command("reopen")
def reopen_cmd(task_id: TaskId, by: ByOpt = None, home: HomeOpt = None,
               fmt: FormatOpt = OutputFormat.table) -> None:
    """Open a closed or snoozed task again."""
    from ..playbooks import reopen

    with open_workspace(home) as app:
        task = reopen(app.store, task_id, by=acting_person(by), now=now())
    _show(task, fmt, "reopened")


@playbooks_app.command("list")
def list_cmd(
    all_: Annotated[bool, typer.Option(
        "--all", help="Also the playbooks switched off.")] = False,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The playbooks in force: trigger, rule and actions in words."""
    from ..app import build_app
    from ..playbooks import build_playbooks, describe_action, describe_trigger

    with build_app(home) as app:
        books = build_playbooks(app.settings)
    rows = [{"name": p.name, "title": p.title, "enabled": p.enabled,
             "source": "built in" if p.builtin else "tenure.toml",
             "trigger": describe_trigger(p.trigger), "when": p.when or "",
             "actions": "; ".join(describe_action(a) for a in p.actions),
             "description": p.description}
            for p in books if all_ or p.enabled]
    if fmt is OutputFormat.table:
        emit_rows([{k: v for k, v in r.items() if k not in ("title", "description",
                                                            *(() if all_ else ("enabled",)))}
                   for r in rows], fmt, title=f"Playbooks ({len(rows)})", console=out)
        return
    emit_rows(rows, fmt)


@playbooks_app.command("run")
def run_cmd(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The day to evaluate (default: the latest scoring run's day).",
        show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Evaluate the playbooks against the latest scores without scoring again (after
    editing playbooks); messages are queued, `tenure outbox send` sends them."""
    from ..errors import WorkError
    from ..health.history import latest_snapshot_day
    from ..playbooks import evaluate_playbooks

    day = parse_date(as_of, "--as-of")
    with open_workspace(home) as app:
        latest = latest_snapshot_day(app.store)
        if latest is None:
            raise WorkError("no scores yet: run `tenure score` first")
        result = evaluate_playbooks(app, as_of=day or latest, scores=None, now=now())
    data = result.as_dict()
    if fmt is OutputFormat.json:
        print(to_json({"as_of": day or latest, **data}))
        return
    rows = [{"playbook": name, **counts} for name, counts in data["per_playbook"].items()]
    if fmt is OutputFormat.csv:
        emit_rows(rows, fmt)
        return
    emit_rows(rows, fmt, title=f"Playbooks as of {day or latest}", console=out)
    out.print(f"{data['tasks_created']:,} new task(s), {data['notifications_queued']:,} "
              f"message(s) queued, {data['already_open']:,} match(es) already had a task.")
