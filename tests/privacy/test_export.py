"""Access requests: `tenure privacy export --email X` holds a record from every table where
the person appears, and nothing of anyone else."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from pathlib import Path

from tests.helpers import write_text
from tests.test_cli import run

from tenure import import_file, init_workspace
from tenure.access import add_user, record_audit
from tenure.notify.outbox import enqueue_message
from tenure.store.models import LoggedActivity, SuccessGoal, Task

ANN = "ann.lee@acme.example"  # a contact (c-1) and, as it happens, a Tenure user too
BOB = "bob.stone@acme.example"  # another contact of the same account (c-10)
NOW = datetime(2026, 3, 1, 9, 0)

CSV = {
    "accounts": "account_id,name,owner\nA1,Acme,csm@vendor.example\n",
    "contacts": "contact_id,account_id,email,name,role\n"
                f"c-1,A1,{ANN.upper()},Ann Lee,champion\nc-10,A1,{BOB},Bob Stone,admin\n",
    "events": "account_id,event,timestamp,user_id\n"
              "A1,login,2026-01-05T10:00:00Z,c-1\nA1,report_created,2026-01-06T10:00:00Z,c-1\n"
              "A1,login,2026-01-05T11:00:00Z,c-10\n",
    "tickets": "ticket_id,account_id,created_at,requester_id,subject\n"
               "T1,A1,2026-01-07T09:00:00Z,c-1,Export broken\n"
               "T2,A1,2026-01-08T09:00:00Z,c-10,SSO question\n",
    "survey_responses": "response_id,account_id,survey,score,responded_at,contact_id,comment\n"
                        "R1,A1,nps,4,2026-01-09T09:00:00Z,c-1,Too slow\n"
                        "R2,A1,nps,9,2026-01-09T09:00:00Z,c-10,Great\n",
    "activities": "activity_id,account_id,kind,occurred_at,actor,summary\n"
                  "X1,A1,call,2026-01-10T09:00:00Z,csm@vendor.example,"
                  "Call with ANN LEE about the renewal\n"
                  "X2,A1,call,2026-01-11T09:00:00Z,csm@vendor.example,Call with Bob Stone\n"
                  "X3,A1,note,2026-01-12T09:00:00Z,csm@vendor.example,Joann Leeds joined\n",
    "feedback": "feedback_id,account_id,created_at,text,contact_id\n"
                "F1,A1,2026-01-13T09:00:00Z,Wants dark mode,c-1\n"
                "F2,A1,2026-01-13T09:00:00Z,Wants SSO,c-10\n",
}

# Independent reference: the rows inserted above and below that are Ann's.
ANN_RECORDS = {
    "warehouse/contacts.json": 1, "warehouse/events.jsonl": 2, "warehouse/tickets.json": 1,
    "warehouse/survey_responses.json": 1, "warehouse/activities.json": 1,
    "warehouse/feedback.json": 1, "app/tasks.json": 1, "app/logged_activities.json": 1,
    "app/notifications.json": 1, "app/audit_log.json": 1, "app/users.json": 1,
    "app/success_goals.json": 1,
}


def _workspace(home: Path, tmp: Path) -> None:
    with init_workspace(home) as app:
        for table, text in CSV.items():
            report = import_file(app, table, write_text(tmp / f"{table}.csv", text))
            assert report.rejected == 0, table
        add_user(app.store, email=ANN, role="viewer", name="Ann Lee", now=NOW)
        with app.store.session() as s:
            for who in ("Ann Lee", "Bob Stone"):
                s.add(Task(account_id="A1", title=f"Champion left: Acme ({who})", type="risk",
                           priority="high", status="open", created_on=date(2026, 2, 1),
                           created_at=NOW, updated_at=NOW))
            for cid in ("c-1", "c-10"):
                s.add(LoggedActivity(account_id="A1", kind="call", occurred_at=NOW,
                                     actor="csm@vendor.example", summary="Quick call",
                                     contact_id=cid, created_at=NOW))
            s.add(SuccessGoal(account_id="A1", title="Train ann.lee@acme.example's team",
                              status="open", created_at=NOW, updated_at=NOW))
            s.commit()
        for to in (ANN, BOB):
            enqueue_message(app.store, channel="email", recipient=to, subject="Survey",
                            body="Thanks", dedup_key=f"survey:{to}", now=NOW)
        record_audit(app.store, who=None, email="csm@vendor.example", action="contact.read",
                     via="cli", now=NOW, object_type="contact", object_id="c-1",
                     account_id="A1")


def _export(home: Path, email: str, out: Path) -> dict[str, list[dict[str, object]]]:
    run("privacy", "export", "--email", email, "--out", str(out), "--home", str(home))
    with zipfile.ZipFile(out) as zf:
        files = {}
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8")
            if name.endswith(".jsonl"):
                files[name] = [json.loads(line) for line in text.splitlines()]
            elif name.endswith(".json") and name != "manifest.json":
                files[name] = json.loads(text)
        files["summary.txt"] = [{"text": zf.read("summary.txt").decode("utf-8")}]
        files["manifest.json"] = [json.loads(zf.read("manifest.json"))]
        return files


def test_export_holds_a_record_from_each_table_where_the_person_appears(tmp_path: Path
                                                                         ) -> None:
    home = tmp_path / "ws"
    _workspace(home, tmp_path)
    files = _export(home, "Ann.Lee@Acme.example", tmp_path / "ann.zip")
    counts = {name: len(rows) for name, rows in files.items()
              if name not in ("summary.txt", "manifest.json")}
    assert counts == ANN_RECORDS
    # Nothing of Bob (contact c-10, whose id contains Ann's c-1) nor of Joann Leeds.
    dump = json.dumps({k: v for k, v in files.items() if k != "manifest.json"})
    for other in ("c-10", "Bob Stone", BOB, "Joann", "T2", "R2", "F2"):
        assert other not in dump, other
    assert "argon2" not in dump  # credentials withheld
    assert files["app/users.json"][0]["password_hash"].startswith("(withheld")
    summary = files["summary.txt"][0]["text"]
    assert "ann.lee@acme.example" in summary and "warehouse/events.jsonl: 2 record" in summary
    manifest = files["manifest.json"][0]
    assert manifest["contact_ids"] == ["c-1"] and manifest["records"] == sum(ANN_RECORDS.values())
    audit = [e for e in json.loads(run("audit", "--home", str(home), "--format", "json").stdout)
             if e["action"] == "privacy.export"]
    assert len(audit) == 1 and audit[0]["detail"]["email"] == ANN


def test_an_unknown_email_gets_a_zip_saying_nothing_is_held(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    _workspace(home, tmp_path)
    files = _export(home, "nobody@else.example", tmp_path / "none.zip")
    assert set(files) == {"summary.txt", "manifest.json"}
    assert "We hold no data" in files["summary.txt"][0]["text"]
