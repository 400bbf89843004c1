"""The register of privacy requests on the command line: an erasure filed for later (as the
dashboard files one) is carried out by the next scoring run before anything is scored, or by
`tenure privacy process`; requests carried out at once are recorded as done."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.privacy.test_erase import AS_OF, _files_naming, _query, sample  # noqa: F401
from tests.test_cli import run
from tests.workspaces import Workspace, copy_workspace


def _requests(home: str) -> list[dict[str, object]]:
    return json.loads(run("privacy", "requests", "--home", home, "--format",
                          "json").stdout)["requests"]


def test_a_filed_erasure_is_carried_out_by_the_next_scoring_run(
        sample: Workspace, tmp_path: Path) -> None:  # noqa: F811
    ws = copy_workspace(sample, tmp_path / "ws")
    home = str(ws)
    (cid, email, name), (_, email2, name2) = _query(
        ws, "SELECT contact_id, email, name FROM contacts WHERE name IS NOT NULL AND "
            "EXISTS (SELECT 1 FROM events e WHERE e.user_id = contact_id) "
            "ORDER BY contact_id LIMIT 2")
    filed = json.loads(run("privacy", "request", "--email", email, "--by",
                           "dpo@brightloop.example", "--home", home, "--format", "json").stdout)
    assert filed["status"] == "pending"
    assert [(r["id"], r["status"], r["email"]) for r in _requests(home)] == [
        (filed["id"], "pending", email)]
    assert _query(ws, f"SELECT count(*) FROM contacts WHERE contact_id = '{cid}'")[0][0] == 1

    scored = json.loads(run("score", "--as-of", AS_OF, "--home", home, "--format",
                            "json").stdout)
    [carried] = scored["erasures"]
    assert (carried["id"], carried["status"]) == (filed["id"], "done")
    assert carried["outcome"]["found"] and carried["outcome"]["rows"] > 0
    assert carried["email"].endswith("@erased.invalid")
    assert _query(ws, f"SELECT count(*) FROM events WHERE user_id = '{cid}'")[0][0] == 0
    assert _files_naming(ws, [email, name]) == {}
    with sqlite3.connect(ws / "data" / "app.db") as db:
        by = db.execute("SELECT user_email FROM audit_log WHERE action = 'privacy.erase'"
                        ).fetchall()
    assert by == [("dpo@brightloop.example",)]

    # Nothing pending: the next run and `tenure privacy process` carry out nothing.
    assert "No pending erasure request" in run("privacy", "process", "--home", home).stdout
    # Carried out at once on the command line: recorded as done, newest after pending.
    run("privacy", "erase", "--email", email2, "--yes", "--home", home)
    register = _requests(home)
    assert [(r["kind"], r["status"], r["via"]) for r in register] == [
        ("erasure", "done", "cli"), ("erasure", "done", "cli")]
    assert not any(r["email"] in (email, email2) for r in register)
    assert _files_naming(ws, [email2, name2]) == {}
