"""Playbooks and tasks: where scores become the CSM's work.

Playbooks are declared as data (``[[playbooks.playbook]]`` in tenure.toml over the built-in
ones in ``default.toml``; :mod:`.model`), evaluated at the end of each scoring run
(:mod:`.engine`, with the triggers in :mod:`.triggers`) into tasks and outbox messages, and
the tasks are worked from the worklist (:mod:`.tasks`). See docs/playbooks.md.
"""

from __future__ import annotations

from .engine import PlaybookRunResult, evaluate_playbooks
from .model import Playbook, build_playbooks, describe_action, describe_trigger, load_playbooks
from .tasks import (
    OUTCOMES,
    add_task,
    arr_at_risk,
    close,
    get_task,
    reopen,
    snooze,
    worklist,
)

__all__ = [
    "OUTCOMES",
    "Playbook",
    "PlaybookRunResult",
    "add_task",
    "arr_at_risk",
    "build_playbooks",
    "close",
    "describe_action",
    "describe_trigger",
    "evaluate_playbooks",
    "get_task",
    "load_playbooks",
    "reopen",
    "snooze",
    "worklist",
]
