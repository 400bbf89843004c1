"""`tenure privacy erase`: the person is gone from every byte of the workspace, the account
figures are not, and a later import of them is suppressed and reported."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.helpers import write_text
from tests.test_cli import run
from tests.workspaces import Workspace, copy_workspace, shared_workspace

AS_OF = "2026-11-22"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small sample company, imported through the real path and scored."""

    def build(home: Path) -> dict[str, Any]:
        run("demo", "--no-serve", "--accounts", "60", "--seed", "7", "--as-of", AS_OF,
            "--home", str(home), "--format", "json")
        return {}

    return shared_workspace(tmp_path_factory, "privacy-erase-60", build)


def _query(home: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(home / "data" / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _files_naming(home: Path, terms: list[str]) -> dict[str, list[str]]:
    """{file: [terms]} for every file under ``home`` whose bytes hold a term as a whole word
    (UTF-8, any case; "Arjun Khan" is not in "Arjun Khanna"), ZIP members included: an
    independent scan, not the erasure's own."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        blobs = [path.read_bytes()]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                blobs += [zf.read(n) for n in zf.namelist()]
        text = "\n".join(b.decode("utf-8", errors="ignore").lower() for b in blobs)
        hits = [t for t in terms
                if re.search(rf"(?<![a-z0-9_]){re.escape(t.lower())}(?![a-z0-9_])", text)]
        if hits:
            found[str(path.relative_to(home))] = hits
    return found


def _metrics(home: str) -> dict[str, Any]:
    rows = json.loads(run("metrics", "--as-of", AS_OF, "--home", home, "--format",
                          "json").stdout)
    return {r["metric"]: r["value"] for r in rows}


def _nps_by_hand(home: Path) -> tuple[int, int, int]:
    """(responses, promoters, detractors) of every NPS answer, straight from the table."""
    row = _query(home, "SELECT count(*), count(*) FILTER (WHERE score >= 9), "
                       "count(*) FILTER (WHERE score <= 6) FROM survey_responses "
                       "WHERE survey = 'nps'")[0]
    return int(row[0]), int(row[1]), int(row[2])


def _csv(path: Path, header: str, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header.split(","))
        w.writerows(rows)
    return path


def test_three_people_erased_from_every_byte_and_the_figures_unchanged(
        sample: Workspace, tmp_path: Path) -> None:
    ws = copy_workspace(sample, tmp_path / "ws")
    home = str(ws)
    people = _query(ws, "SELECT c.contact_id, c.account_id, c.email, c.name FROM contacts c "
                        "WHERE c.deleted_at IS NULL AND c.name IS NOT NULL AND EXISTS (SELECT 1 "
                        "FROM events e WHERE e.user_id = c.contact_id) AND EXISTS (SELECT 1 "
                        "FROM tickets t WHERE t.requester_id = c.contact_id) "
                        "ORDER BY c.contact_id LIMIT 3")
    assert len(people) == 3
    # Each appears in every table: the rows the sample lacks come in through `tenure import`.
    src = tmp_path / "in"
    src.mkdir()
    n = range(3)
    imports = {
        "survey_responses": _csv(src / "s.csv", "response_id,account_id,survey,score,"
                                 "responded_at,contact_id,comment", [
            [f"erase-r{i}", acc, "nps", "2", "2026-11-10T10:00:00Z", cid,
             f"Awful. {name} here, write to {email}"]
            for i, (cid, acc, email, name) in zip(n, people, strict=True)]),
        "feedback": _csv(src / "f.csv", "feedback_id,account_id,created_at,text,contact_id",
                         [[f"erase-f{i}", acc, "2026-11-09T10:00:00Z",
                           f"{name} wants SSO", cid]
                          for i, (cid, acc, _, name) in zip(n, people, strict=True)]),
        "activities": _csv(src / "a.csv", "activity_id,account_id,kind,occurred_at,actor,"
                           "summary", [[f"erase-a{i}", acc, "call", "2026-11-08T10:00:00Z",
                                        cid, f"Call with {name} <{email}>"]
                                       for i, (cid, acc, email, name) in
                                       zip(n, people, strict=True)]),
        "tickets": _csv(src / "t.csv", "ticket_id,account_id,created_at,requester_id,subject",
                        [[f"erase-t{i}", acc, "2026-11-07T10:00:00Z", cid,
                          f"{name} cannot sign in"]
                         for i, (cid, acc, _, name) in zip(n, people, strict=True)]),
        "events": _csv(src / "e.csv", "account_id,event,timestamp,user_id,properties",
                       [[acc, "login", "2026-11-06T10:00:00Z", cid,
                         json.dumps({"email": email})]
                        for cid, acc, email, _ in people]),
        # A rejected row (bad country) keeps their record in the rejects file.
        "contacts": _csv(src / "c.csv", "contact_id,account_id,email,name,country",
                         [[cid, acc, email, name, "XX"] for cid, acc, email, name in people]),
    }
    for table, path in imports.items():
        run("import", table, str(path), "--home", home)
    run("score", "--as-of", AS_OF, "--home", home)
    # The app database: a logged touchpoint, a message in the outbox, a task's note, a
    # Tenure user, a login attempt, an access request (audit entry and its ZIP in the
    # workspace) and a generated report (HTML and its PDF).
    for i, (cid, acc, email, name) in enumerate(people):
        run("log", acc, "--kind", "call", "--summary", f"Spoke to {name} ({email})",
            "--contact", cid, "--home", home)
        run("privacy", "export", "--email", email, "--out", str(ws / "exports" / f"{i}.zip"),
            "--home", home)
    run("user", "add", people[2][2], "--role", "viewer", "--home", home)
    with sqlite3.connect(ws / "data" / "app.db") as db:
        for i, (_, acc, email, name) in enumerate(people):
            db.execute(
                "INSERT INTO notifications (dedup_key, channel, recipient, subject, body, payload,"
                " account_id, status, attempts, next_attempt_at, created_at) VALUES (?, 'email', "
                "?, ?, ?, ?, ?, 'queued', 0, '2026-11-22', '2026-11-22')",
                (f"erase-{i}-{email}", email, f"Hello {name}", f"Dear {name},",
                 json.dumps({"to": email}), acc))
            db.execute("INSERT INTO login_attempts (email, ip, at, success) VALUES "
                       "(?, '10.0.0.1', '2026-11-22', 0)", (email,))
        (task_id,) = db.execute("SELECT min(id) FROM tasks").fetchone()
        db.execute("UPDATE tasks SET outcome_note = ? WHERE id = ?",
                   (f"{people[0][3]} said no", task_id))
    reports = ws / "reports"
    reports.mkdir()
    write_text(reports / "qbr.html", f"<p>Champion: {people[1][3]}</p>")
    (reports / "qbr.pdf").write_bytes(b"%PDF-1.4 compressed")

    terms = [t for _, _, email, name in people for t in (email, name)]
    before = _files_naming(ws, terms)
    # The scan can fail: before the erasure both databases name every one of them.
    for db in ("data/warehouse.duckdb", "data/app.db"):
        assert sorted(before[db]) == sorted(terms), db
    metrics_before, nps_before = _metrics(home), _nps_by_hand(ws)
    tickets_before = _query(ws, "SELECT count(*) FROM tickets")[0][0]
    users_before = _query(ws, "SELECT count(DISTINCT user_id) FROM events")[0][0]
    assert metrics_before["nps_responses"] > 0

    for cid, _, email, _ in people:
        report = json.loads(run("privacy", "erase", "--email", email.upper(), "--yes",
                                "--home", home, "--format", "json").stdout)
        assert report["found"] and report["remaining"] == []
        assert {t["kind"] for t in report["tombstones"]} == {"email", "contact_id"}
        assert cid not in json.dumps(report) and email not in json.dumps(report)

    assert _files_naming(ws, terms) == {}
    assert not (reports / "qbr.html").exists() and not (reports / "qbr.pdf").exists()
    # The figures: every KPI of the month (NPS, tickets, MAU, ...) as before, and the same
    # counts read straight from the tables.
    assert _metrics(home) == metrics_before
    assert _nps_by_hand(ws) == nps_before
    assert _query(ws, "SELECT count(*) FROM tickets")[0][0] == tickets_before
    assert _query(ws, "SELECT count(DISTINCT user_id) FROM events")[0][0] == users_before
    ids = [p[0] for p in people]
    for table, col in (("contacts", "contact_id"), ("events", "user_id"),
                       ("tickets", "requester_id"), ("survey_responses", "contact_id"),
                       ("feedback", "contact_id")):
        assert _query(ws, f"SELECT count(*) FROM {table} WHERE list_contains(?, {col})".replace(
            "?", "['" + "','".join(ids) + "']"))[0][0] == 0, table
    # The detractors' scores still count, without a comment; the person is not a user.
    assert _query(ws, "SELECT count(*), count(comment) FROM survey_responses "
                      "WHERE response_id LIKE 'erase-r%'")[0] == (3, 0)
    with sqlite3.connect(ws / "data" / "app.db") as db:
        assert db.execute("SELECT active, name FROM users WHERE email LIKE "
                          "'erased-%@erased.invalid'").fetchall() == [(0, None)]
        assert {r[0] for r in db.execute("SELECT status FROM notifications WHERE dedup_key "
                                         "LIKE 'erase-%'")} == {"failed"}
        audit = db.execute("SELECT object_id, detail FROM audit_log WHERE action = "
                           "'privacy.erase' ORDER BY id").fetchall()
    assert len(audit) == 3 and all(json.loads(d)["tombstones"] for _, d in audit)
    assert not (ws / "data" / "warehouse.duckdb.wal").exists()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A workspace with one account, two contacts and their events."""
    home = tmp_path / "ws"
    run("init", "--home", str(home))
    files = {
        "accounts": "account_id,name\nA1,Acme\n",
        "contacts": "contact_id,account_id,email,name\nC1,A1,ann.lee@acme.example,Ann Lee\n"
                    "C2,A1,bob.ray@acme.example,Bob Ray\n",
        "events": "account_id,event,timestamp,user_id\nA1,login,2026-01-02T10:00:00Z,C1\n"
                  "A1,login,2026-01-02T11:00:00Z,C2\n",
    }
    for table, text in files.items():
        run("import", table, str(write_text(tmp_path / f"{table}.csv", text)),
            "--home", str(home))
    return home


def test_a_reimport_of_an_erased_person_is_suppressed_and_reported(
        small: Path, tmp_path: Path) -> None:
    home = str(small)
    erased = json.loads(run("privacy", "erase", "--email", "ann.lee@acme.example", "--yes",
                            "--home", home, "--format", "json").stdout)
    request = erased["request_id"]
    again = write_text(tmp_path / "again.csv",
                       "contact_id,account_id,email,name\nC9,A1,Ann.Lee@acme.example,Ann Lee\n"
                       "C3,A1,cy.fox@acme.example,Cy Fox\n")
    report = json.loads(run("import", "contacts", str(again), "--home", home, "--format",
                            "json").stdout)
    assert (report["imported"], report["suppressed"], report["rejected"]) == (1, 1, 0)
    with open(report["rejects_file"], newline="", encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [(r["line"], r["reason"], r["record"]) for r in rejected] == [
        ("2", f"erased person (erasure request {request})", "")]
    assert _query(small, "SELECT count(*) FROM contacts WHERE email = 'ann.lee@acme.example'"
                  )[0][0] == 0
    # Their events come back by contact id alone: suppressed too; the table output says so.
    events = write_text(tmp_path / "ev.csv", "account_id,event,timestamp,user_id\n"
                        "A1,export,2026-01-03T10:00:00Z,C1\nA1,export,2026-01-03T10:00:00Z,C2\n")
    shown = run("import", "events", str(events), "--home", home).stdout
    assert "1 imported" in shown and "1 suppressed" in shown
    assert _query(small, "SELECT count(*) FROM events WHERE user_id = 'C1'")[0][0] == 0
    assert _files_naming(small, ["ann.lee@acme.example", "ann lee"]) == {}
    # `tenure status` keeps the count per import run and per table.
    status = json.loads(run("status", "--home", home, "--format", "json").stdout)
    per_table = {t["table"]: t["suppressed"] for t in status["tables"]}
    assert (per_table["contacts"], per_table["events"], per_table["accounts"]) == (1, 1, 0)
    assert [(i["table"], i["suppressed"]) for i in status["imports"][:2]] == [
        ("events", 1), ("contacts", 1)]


def test_unknown_person_changes_nothing_and_a_second_erasure_is_safe(small: Path) -> None:
    home = str(small)
    unknown = run("privacy", "erase", "--email", "nobody@acme.example", "--yes", "--home", home)
    assert "nothing was changed" in unknown.stdout
    with sqlite3.connect(small / "data" / "app.db") as db:
        assert db.execute("SELECT count(*) FROM erasure_tombstones").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'privacy.erase'"
                          ).fetchone() == (0,)
    first = json.loads(run("privacy", "erase", "--email", "bob.ray@acme.example", "--yes",
                           "--home", home, "--format", "json").stdout)
    second = json.loads(run("privacy", "erase", "--email", "bob.ray@acme.example", "--yes",
                            "--home", home, "--format", "json").stdout)
    assert second["already_erased"] == [first["request_id"]]
    assert second["warehouse"] == {} and second["remaining"] == []
    assert [t["id"] for t in second["tombstones"]] == [t["id"] for t in first["tombstones"]]
    assert _query(small, "SELECT count(*), count(DISTINCT user_id) FROM events")[0] == (2, 2)


def test_names_are_erased_as_whole_words_and_first_names_only_in_their_accounts(
        tmp_path: Path) -> None:
    """Arjun Khan is erased; Arjun Khanna, another customer's contact, is not touched. A note
    about Arjun Khan's own account that names him by first name loses it; the same words
    about the other account keep theirs."""
    home = tmp_path / "ws"
    run("init", "--home", str(home))
    session = "Working session with Arjun on reporting."
    files = {
        "accounts": "account_id,name\nA1,Acme\nA2,Birch\n",
        "contacts": "contact_id,account_id,email,name\n"
                    "C1,A1,arjun.khan@acme.example,Arjun Khan\n"
                    "C2,A2,arjun.khanna@birch.example,Arjun Khanna\n"
                    "C3,A2,a.khan@birch.example,Arjun Khan\n",  # a namesake
        "activities": "activity_id,account_id,kind,occurred_at,summary\n"
                      f"X1,A1,meeting,2026-01-02T10:00:00Z,{session}\n"
                      f"X2,A2,meeting,2026-01-02T10:00:00Z,{session}\n"
                      "X3,A2,call,2026-01-03T10:00:00Z,Call with Arjun Khanna about SSO.\n"
                      "X4,A1,call,2026-01-03T10:00:00Z,ARJUN KHAN asked about SSO.\n",
    }
    for table, text in files.items():
        run("import", table, str(write_text(tmp_path / f"{table}.csv", text)),
            "--home", str(home))
    run("log", "A1", "--kind", "note", "--summary", "Met Arjun and his team", "--home",
        str(home))
    run("log", "A2", "--kind", "note", "--summary", "Met Arjun Khanna and Arjun", "--home",
        str(home))
    # A file in the workspace that a data engineer left there, one record per account.
    (home / "exports").mkdir()
    write_text(home / "exports" / "calls.csv", f"account_id,summary\nA1,{session}\n"
               f"A2,{session}\nA2,Arjun Khanna renewed\n")
    write_text(home / "exports" / "people.csv", "contact_id,name\nC1,Arjun Khan\n"
               "C3,Arjun Khan\n")
    # A colleague at the vendor who bears the same name.
    run("user", "add", "arjun@vendor.example", "--role", "csm", "--name", "Arjun Khan",
        "--home", str(home))

    report = json.loads(run("privacy", "erase", "--email", "arjun.khan@acme.example", "--yes",
                            "--home", str(home), "--format", "json").stdout)
    assert report["found"] and report["remaining"] == []
    assert report["namesakes"] == 2  # C3 and the colleague keep their name

    summaries = dict(_query(home, "SELECT activity_id, summary FROM activities "
                                  "WHERE activity_id LIKE 'X%'"))
    assert summaries == {"X1": "Working session with [erased] on reporting.",
                         "X2": session,
                         "X3": "Call with Arjun Khanna about SSO.",
                         "X4": "[erased] asked about SSO."}
    with sqlite3.connect(home / "data" / "app.db") as db:
        logged = dict(db.execute("SELECT account_id, summary FROM logged_activities"))
    assert logged == {"A1": "Met [erased] and his team", "A2": "Met Arjun Khanna and Arjun"}
    assert (home / "exports" / "calls.csv").read_text(encoding="utf-8").splitlines() == [
        "account_id,summary", "A1,Working session with [erased] on reporting.",
        f"A2,{session}", "A2,Arjun Khanna renewed"]
    assert _query(home, "SELECT contact_id, name FROM contacts ORDER BY 1") == [
        ("C2", "Arjun Khanna"), ("C3", "Arjun Khan")]
    people = (home / "exports" / "people.csv").read_text(encoding="utf-8").splitlines()
    assert people[0] == "contact_id,name" and people[2] == "C3,Arjun Khan"
    assert re.fullmatch(r"erased-[0-9a-f]{16},\[erased\]", people[1]), people[1]
    with sqlite3.connect(home / "data" / "app.db") as db:
        assert db.execute("SELECT name FROM users WHERE email = 'arjun@vendor.example'"
                          ).fetchall() == [("Arjun Khan",)]
