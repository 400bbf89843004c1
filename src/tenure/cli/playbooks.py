"""Playbooks and tasks on the command line: `tenure tasks`, `tenure task ...`,
`tenure playbooks ...` (SKELETON: the playbook work fills it)."""

from __future__ import annotations

import typer

from . import cli

playbooks_app = typer.Typer(help="Playbooks: what they are, what they did, their effect.",
                            no_args_is_help=True)
task_app = typer.Typer(help="One task: show, add, snooze, close, reopen.", no_args_is_help=True)
cli.add_typer(playbooks_app, name="playbooks")
cli.add_typer(task_app, name="task")
