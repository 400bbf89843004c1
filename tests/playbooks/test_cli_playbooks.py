"""Playbooks on the sample company, from the command line: the demo's scoring run makes tasks
from several playbooks, a second `tenure score` on the same data makes none and queues no
message, every task belongs to its account's owner, and `tenure tasks --format json` is the
worklist scripts rely on.

The checks read the app database and the warehouse directly (sqlite3, duckdb), apart from the
playbook code.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.test_cli import run
from tests.workspaces import Workspace, copy_workspace, shared_workspace

DAY = "2026-06-29"  # the demo scores as of the day before its --as-of
PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


def cli_json(*args: str | Path) -> Any:
    return json.loads(run(*map(str, args)).stdout)


def make_demo(home: Path) -> dict[str, Any]:
    return dict(cli_json("demo", "--no-serve", "--accounts", "300", "--seed", "3",
                         "--as-of", "2026-06-30", "--home", home, "--format", "json"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return shared_workspace(tmp_path_factory, "playbooks-demo", make_demo)


def app_rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(home / "data" / "app.db")) as con:
        return con.execute(sql).fetchall()


def test_the_demo_run_made_tasks_from_several_playbooks_owned_by_the_account_owners(
        demo: Workspace) -> None:
    per_playbook = dict(app_rows(demo.home, "SELECT playbook, count(*) FROM tasks "
                                            "WHERE playbook IS NOT NULL GROUP BY playbook"))
    assert len(per_playbook) >= 4, per_playbook
    total = sum(per_playbook.values())
    # A worklist CSMs can work: some tasks, far from one per account (300 accounts).
    assert 10 <= total <= 150, per_playbook
    with closing(duckdb.connect(str(demo.home / "data" / "warehouse.duckdb"),
                                read_only=True)) as con:
        owners = dict(con.execute("SELECT account_id, owner FROM accounts").fetchall())
    tasks = app_rows(demo.home, "SELECT account_id, owner FROM tasks")
    assert all(owner == owners[account] for account, owner in tasks)
    runs = app_rows(demo.home, "SELECT as_of, tasks_created FROM playbook_runs")
    assert runs == [(DAY, total)]


def test_a_second_scoring_run_on_the_same_data_makes_no_task_and_no_message(
        demo: Workspace, tmp_path: Path) -> None:
    home = copy_workspace(demo, tmp_path / "ws")
    count = "SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM notifications)"
    before = app_rows(home, count)
    result = cli_json("score", "--as-of", DAY, "--home", home, "--format", "json")
    work = result["work"]["playbooks"]
    assert work["tasks_created"] == 0 and work["notifications_queued"] == 0
    assert work["already_open"] == before[0][0]
    assert app_rows(home, count) == before
    # `tenure playbooks run` (no rescoring) makes nothing new either.
    again = cli_json("playbooks", "run", "--home", home, "--format", "json")
    assert (again["as_of"], again["tasks_created"]) == (DAY, 0)


def test_tasks_json_is_the_ordered_worklist(demo: Workspace, tmp_path: Path) -> None:
    home = copy_workspace(demo, tmp_path / "ws")
    rows = cli_json("tasks", "--home", home, "--format", "json")
    open_ids = {i for (i,) in app_rows(home, "SELECT id FROM tasks WHERE status = 'open'")}
    assert {r["id"] for r in rows} == open_ids
    for r in rows:
        assert {"account_id", "playbook", "reason", "owner", "priority", "due",
                "status"} <= set(r)
        assert r["status"] == "open" and r["reason"]
    ranks = [(PRIORITY_RANK[r["priority"]], -r["arr_at_risk"]) for r in rows]
    assert ranks == sorted(ranks)
    # One CSM's book, then closing one of its tasks takes it off the worklist.
    owner = rows[0]["owner"]
    mine = cli_json("tasks", "--owner", owner, "--home", home, "--format", "json")
    assert mine and all(r["owner"] == owner for r in mine)
    first = mine[0]["id"]
    run("task", "close", str(first), "--outcome", "saved", "--note", "called", "--home",
        str(home), "--by", "csm@example.com")
    assert first not in {r["id"] for r in cli_json("tasks", "--owner", owner, "--home", home,
                                                   "--format", "json")}
    shown = cli_json("task", "show", str(first), "--home", home, "--format", "json")
    assert (shown["status"], shown["outcome"], shown["closed_by"]) == (
        "closed", "saved", "csm@example.com")
    bad = run("task", "close", str(first), "--outcome", "saved", "--home", str(home),
              check=False)
    assert bad.returncode == 9 and bad.stderr.strip().splitlines() == [
        f"error: task {first} is already closed (saved)"]
