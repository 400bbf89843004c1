"""Retention: rows older than their table's period are deleted, or their personal columns
blanked, and nothing else.

The day is D = 2026-06-30. With the built-in rules the first kept day is, by hand:
events (25 months) 2024-05-30; tickets, survey comments, activities, feedback (24 months)
2024-06-30; audit log (24 months) 2024-06-30; login attempts (90 days) 2026-04-01;
notifications (30 days after sending) 2026-05-31. Every expected row below is listed from the
rows as written here, never from the code's output.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.helpers import rows, write_text
from tests.test_cli import run

import tenure
from tenure import App
from tenure.errors import ConfigError
from tenure.privacy.retention import (
    enforce_retention,
    history_kept_from,
    load_rules,
    parse_period,
)
from tenure.store import AuditEntry
from tenure.store.models import LoginAttempt, Notification

D = date(2026, 6, 30)
NOW = datetime(2026, 7, 1, 6, 0)

ACCOUNTS = "account_id,name,owner\na1,Alpha,ann@example.com\n"
SUBSCRIPTIONS = "subscription_id,account_id,mrr,valid_from\ns1,a1,100,2023-01-01\n"
EVENTS = """event_id,account_id,event,timestamp,user_id
e_old,a1,login,2020-01-01T00:00:00Z,c1
e_last_gone,a1,login,2024-05-29T23:59:59Z,c1
e_first_kept,a1,login,2024-05-30T00:00:00Z,c1
e_new,a1,login,2026-06-01T10:00:00Z,c1
e_offset,a1,login,2024-05-30T01:00:00+02:00,c1
"""
# e_offset is 2024-05-29T23:00 UTC: before the cutoff once its offset is honoured.
TICKETS = """ticket_id,account_id,created_at,subject,requester_id
t_old,a1,2024-06-29T12:00:00Z,My password is hunter2,c1
t_kept,a1,2024-06-30T00:00:00Z,Invoice question,c1
t_new,a1,2026-06-01T00:00:00Z,Export broken,c1
t_empty,a1,2023-01-01T00:00:00Z,,c1
"""
SURVEYS = """response_id,account_id,survey,score,responded_at,contact_id,comment
r_old,a1,nps,3,2023-06-01T00:00:00Z,c1,Terrible support from Jane
r_new,a1,nps,9,2026-06-01T00:00:00Z,c1,Love it
"""
FEEDBACK = """feedback_id,account_id,created_at,text,feature
f_old,a1,2024-01-01T00:00:00Z,Please add SSO - Jane Roe,sso
f_new,a1,2026-01-01T00:00:00Z,Dark mode please,ui
"""


def seed(app: App, tmp: Path) -> None:
    for table, text in (("accounts", ACCOUNTS), ("subscriptions", SUBSCRIPTIONS),
                        ("events", EVENTS), ("tickets", TICKETS),
                        ("survey_responses", SURVEYS), ("feedback", FEEDBACK)):
        tenure.import_file(app, table, write_text(tmp / f"{table}.csv", text))
    with app.store.session() as s:
        for i, at in enumerate([datetime(2026, 3, 31, 23, 59), datetime(2026, 4, 1, 0, 0),
                                datetime(2026, 6, 29, 8, 0)]):
            s.add(LoginAttempt(email=f"x{i}@example.com", ip="10.0.0.1", at=at, success=False))
        s.add(AuditEntry(at=datetime(2024, 6, 29, 9, 0), action="task.close", via="cli",
                         user_email="old@example.com"))
        s.add(AuditEntry(at=datetime(2024, 6, 30, 9, 0), action="task.close", via="cli",
                         user_email="kept@example.com"))
        for key, status, sent in (("n_old", "sent", datetime(2026, 5, 30, 12, 0)),
                                  ("n_kept", "sent", datetime(2026, 5, 31, 0, 0)),
                                  ("n_queued", "failed", None)):
            created = datetime(2026, 1, 1)
            s.add(Notification(dedup_key=key, channel="email", recipient="ann@example.com",
                               subject=f"About {key}", body=f"Body {key}",
                               payload='{"html": "x"}', status=status, attempts=1,
                               next_attempt_at=created, created_at=created, sent_at=sent))


@pytest.fixture
def company(app: App, tmp_path: Path) -> App:
    seed(app, tmp_path)
    return app


def notifications(app: App) -> dict[str, tuple[str | None, str, str | None]]:
    with app.store.session() as s:
        return {n.dedup_key: (n.subject, n.body, n.payload)
                for n in s.execute(select(Notification)).scalars()}


def by_table(report: dict) -> dict[str, int]:
    return {r["table"]: r["rows"] for r in report["rules"]}


def test_enforce_deletes_and_redacts_exactly_the_rows_past_their_period(company: App) -> None:
    report = enforce_retention(company, as_of=D, now=NOW).as_dict()
    assert sorted(r[0] for r in rows(company, "SELECT event_id FROM events")) == [
        "e_first_kept", "e_new"]
    assert rows(company, "SELECT ticket_id, subject FROM tickets ORDER BY ticket_id") == [
        ("t_empty", None), ("t_kept", "Invoice question"), ("t_new", "Export broken"),
        ("t_old", None)]  # the row stays: ticket counts do not change
    assert rows(company, "SELECT response_id, score, comment FROM survey_responses "
                "ORDER BY 1") == [("r_new", 9, "Love it"), ("r_old", 3, None)]
    # feedback.text is required by the import contract: blanked to '', not NULL.
    assert rows(company, "SELECT feedback_id, text, feature FROM feedback ORDER BY 1") == [
        ("f_new", "Dark mode please", "ui"), ("f_old", "", "sso")]
    with company.store.session() as s:
        attempts = sorted(a.at for a in s.execute(select(LoginAttempt)).scalars())
        audit = [(a.user_email, a.action) for a in s.execute(
            select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert attempts == [datetime(2026, 4, 1, 0, 0), datetime(2026, 6, 29, 8, 0)]
    assert audit[0] == ("kept@example.com", "task.close")  # the 2024-06-29 entry went
    assert notifications(company) == {
        "n_old": (None, "", None),  # sent 2026-05-30: text gone, the row kept
        "n_kept": ("About n_kept", "Body n_kept", '{"html": "x"}'),
        "n_queued": ("About n_queued", "Body n_queued", '{"html": "x"}'),  # never sent
    }
    counts = by_table(report)
    assert counts == {"events": 3, "tickets": 1, "survey_responses": 1, "activities": 0,
                      "feedback": 1, "logged_activities": 0, "audit_log": 1,
                      "login_attempts": 1, "notifications": 1, "privacy_requests": 0,
                      "rejects": 0, "reports": 0}
    # t_empty had no subject: nothing to redact, not counted.
    assert report["rows"] == 9


def test_a_dry_run_counts_the_same_and_changes_nothing(company: App) -> None:
    dry = enforce_retention(company, as_of=D, now=NOW, dry_run=True).as_dict()
    assert rows(company, "SELECT count(*) FROM events") == [(5,)]
    assert rows(company, "SELECT count(*) FROM tickets WHERE subject IS NOT NULL") == [(3,)]
    with company.store.session() as s:
        assert s.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "privacy.retention")) is None
    real = enforce_retention(company, as_of=D, now=NOW).as_dict()
    assert by_table(dry) == by_table(real)
    # A second run finds nothing left to do.
    again = enforce_retention(company, as_of=D, now=NOW).as_dict()
    assert again["rows"] == 0


def test_each_run_is_audited_with_its_counts(company: App) -> None:
    enforce_retention(company, as_of=D, now=NOW, actor="dpo@example.com")
    with company.store.session() as s:
        entry = s.execute(select(AuditEntry).where(
            AuditEntry.action == "privacy.retention")).scalar_one()
    assert entry.user_email == "dpo@example.com" and entry.at == NOW
    detail = json.loads(entry.detail or "{}")
    assert detail["as_of"] == "2026-06-30" and detail["rows"] == 9
    events = next(r for r in detail["rules"] if r["table"] == "events")
    assert events == {"table": "events", "store": "warehouse", "action": "delete",
                      "columns": [], "after": "25 months", "date_column": "timestamp",
                      "before": "2024-05-30", "rows": 3}


def test_declared_rules_replace_the_built_in_ones_of_their_table(company: App) -> None:
    company.settings.privacy.retention = [
        {"table": "events", "after": "1 year", "action": "delete"},
        {"table": "tickets", "action": "keep"},
        {"table": "login_attempts", "after": "2 days", "action": "delete"},
    ]
    rules = {r.table: r for r in load_rules(company.settings)}
    assert "tickets" not in rules
    assert str(rules["events"].period) == "1 year"
    enforce_retention(company, as_of=D, now=NOW)
    # One year before 2026-06-30: 2025-06-30 -> only e_new (2026-06-01) is kept.
    assert rows(company, "SELECT event_id FROM events") == [("e_new",)]
    assert rows(company, "SELECT count(*) FROM tickets WHERE subject IS NOT NULL") == [(3,)]
    with company.store.session() as s:  # 2 days: from 2026-06-28 on
        assert [a.at for a in s.execute(select(LoginAttempt)).scalars()] == [
            datetime(2026, 6, 29, 8, 0)]


def test_bad_rules_are_all_reported_at_once(app: App) -> None:
    app.settings.privacy.retention = [
        {"table": "evnets", "after": "25 months"},
        {"table": "tickets", "after": "soon", "action": "redact", "columns": ["subject"]},
        {"table": "tickets", "after": "2 years", "action": "redact"},
        {"table": "tickets", "after": "2 years", "action": "redact",
         "columns": ["ticket_id", "satisfaction", "nope"]},
        {"table": "events", "after": "2 years", "action": "delete", "columns": ["user_id"]},
        {"table": "events", "after": "2 years", "action": "archive", "colour": "red"},
        {"table": "accounts", "after": "2 years", "date_column": "name"},
    ]
    with pytest.raises(ConfigError) as e:
        load_rules(app.settings)
    text = str(e.value)
    for part in ("[0].table: 'evnets' is neither", "[1].after: write an age",
                 "[2].columns: a redact rule names the columns",
                 "tickets.ticket_id is the table's key", "tickets.satisfaction is a int",
                 "tickets.nope is not a column", "[4].columns: a delete rule removes",
                 "[5].action: must be one of", "unknown key(s) colour",
                 "[6].date_column: accounts has no date or timestamp column 'name'"):
        assert part in text, part


@pytest.mark.parametrize(("text", "as_of", "first_kept"), [
    ("25 months", date(2026, 6, 30), date(2024, 5, 30)),
    ("1 month", date(2026, 3, 31), date(2026, 2, 28)),  # no 31 February: the month's end
    ("1 month", date(2024, 3, 31), date(2024, 2, 29)),  # a leap year
    ("1 year", date(2024, 2, 29), date(2023, 2, 28)),
    ("90 days", date(2026, 6, 30), date(2026, 4, 1)),
    ("2 weeks", date(2026, 1, 10), date(2025, 12, 27)),
    ("13 months", date(2026, 1, 15), date(2024, 12, 15)),
])
def test_periods_count_calendar_months_and_days(text: str, as_of: date,
                                                first_kept: date) -> None:
    period = parse_period(text)
    assert period is not None and period.cutoff(as_of) == first_kept


@pytest.mark.parametrize("text", ["", "0 days", "25", "months", "1.5 years", "-3 days"])
def test_periods_that_are_not_ages(text: str) -> None:
    assert parse_period(text) is None


def test_the_scoring_run_applies_retention_for_its_day(company: App) -> None:
    from tenure.score import run_scoring

    run = run_scoring(company, as_of=D, now=NOW, deliver=False)
    assert run.work is not None and run.work["retention"]["rows"] == 9
    assert sorted(r[0] for r in rows(company, "SELECT event_id FROM events")) == [
        "e_first_kept", "e_new"]
    # Switched off, a run leaves old rows alone.
    tenure.import_file(company, "events", write_text(
        company.home / "more.csv", "event_id,account_id,event,timestamp\n"
        "e_again,a1,login,2020-01-01T00:00:00Z\n"))
    company.settings.privacy.retention_on_score = False
    run = run_scoring(company, as_of=D, now=NOW, deliver=False)
    assert run.work is not None and run.work["retention"] == {}
    assert ("e_again",) in rows(company, "SELECT event_id FROM events")


def test_a_bad_rule_does_not_fail_the_scoring_run(company: App) -> None:
    from tenure.score import run_scoring

    company.settings.privacy.retention = [{"table": "events", "after": "forever"}]
    run = run_scoring(company, as_of=D, now=NOW, deliver=False)
    assert run.snapshot
    assert run.work is not None and "retention not applied" in run.work["retention"]["error"]


def test_cli_enforce_prints_per_table_counts(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    with tenure.init_workspace(home) as app:
        seed(app, tmp_path)
    dry = json.loads(run("privacy", "enforce", "--as-of", "2026-06-30", "--dry-run",
                         "--home", str(home), "--format", "json").stdout)
    assert dry["dry_run"] is True and by_table(dry)["events"] == 3
    table = run("privacy", "enforce", "--as-of", "2026-06-30", "--home", str(home)).stdout
    assert "events" in table and "9 rows changed." in table
    again = json.loads(run("privacy", "enforce", "--as-of", "2026-06-30", "--home", str(home),
                           "--format", "json").stdout)
    assert again["rows"] == 0
    bad = run("privacy", "enforce", "--as-of", "30/06/2026", "--home", str(home), check=False)
    assert bad.returncode != 0 and "not a date" in bad.stderr


def _touch(path: Path, at: datetime) -> Path:
    """Set a file's last-modified time to ``at`` (UTC)."""
    stamp = at.replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_rejects_and_reports_files_go_by_their_age_on_the_wall_clock(
        app: App, tmp_path: Path) -> None:
    """Rejects files keep raw rejected rows: deleted 90 days after they were written;
    reports 24 months after. NOW is 2026-07-01 06:00, so the first kept instants are
    2026-04-02 00:00 and 2024-07-01 00:00 (UTC)."""
    bad = write_text(tmp_path / "contacts.csv", "contact_id,account_id,email\n"
                     "c1,a1,not-an-email\n")
    report = tenure.import_file(app, "contacts", bad)
    rejects = Path(report.rejects_file)
    assert rejects.is_file() and rejects.parent == app.rejects_dir
    old_rejects = _touch(rejects, datetime(2026, 4, 1, 23, 59, 59))
    kept_rejects = _touch(write_text(app.rejects_dir / "later.csv", "line,reason\n"),
                          datetime(2026, 4, 2, 0, 0, 0))
    reports = app.home / "reports"
    reports.mkdir()
    old_report = _touch(write_text(reports / "qbr-2024Q1.html", "<p>Jane</p>"),
                        datetime(2024, 6, 30, 23, 0))
    kept_report = _touch(write_text(reports / "qbr-2024Q2.html", "<p>Joe</p>"),
                         datetime(2024, 7, 1, 0, 0))
    # The data's day does not age files: as_of far ahead deletes nothing more.
    dry = by_table(enforce_retention(app, as_of=date(2030, 1, 1), now=NOW,
                                     dry_run=True).as_dict())
    assert (dry["rejects"], dry["reports"]) == (1, 1)
    assert old_rejects.exists() and old_report.exists()
    done = by_table(enforce_retention(app, as_of=date(2030, 1, 1), now=NOW).as_dict())
    assert (done["rejects"], done["reports"]) == (1, 1)
    assert not old_rejects.exists() and not old_report.exists()
    assert kept_rejects.exists() and kept_report.exists()


def test_a_files_rule_is_checked_like_the_others(app: App) -> None:
    app.settings.privacy.retention = [
        {"files": "rejects", "after": "30 days"},
        {"files": "uploads", "after": "soon", "action": "redact", "columns": ["x"]},
    ]
    with pytest.raises(ConfigError) as err:
        load_rules(app.settings)
    message = str(err.value)
    assert ("privacy.retention[1].files: must be one of rejects, reports, not 'uploads'"
            in message)
    assert "privacy.retention[1].after" in message
    assert "privacy.retention[1]: a files rule" in message
    app.settings.privacy.retention = [{"files": "rejects", "after": "30 days"}]
    rejects = [r for r in load_rules(app.settings) if r.store == "files"]
    assert sorted((r.table, str(r.period)) for r in rejects) == [("rejects", "30 days"),
                                                                ("reports", "24 months")]


def test_history_is_learnt_from_only_as_far_back_as_the_rules_keep_it(app: App) -> None:
    """Churn training and backtests start at the latest cutoff of the rules that delete
    warehouse rows: 25 months of events by default (2026-06-29 minus 25 calendar months)."""
    day = date(2026, 6, 29)
    assert history_kept_from(app.settings, day) == date(2024, 5, 29)
    app.settings.privacy.retention = [{"table": "events", "action": "keep"}]
    assert history_kept_from(app.settings, day) is None
    app.settings.privacy.retention = [
        {"table": "events", "after": "36 months"},
        {"table": "tickets", "after": "2 years", "action": "delete"},
        {"table": "survey_responses", "after": "1 year", "action": "redact",
         "columns": ["comment"]},  # blanks text: the rows stay, history is whole
    ]
    assert history_kept_from(app.settings, day) == date(2024, 6, 29)


def test_month_ends_are_learnt_from_only_after_the_kept_events_look_back() -> None:
    """180 days after the first data (2022-01-01 + 180 = 2022-06-30), and 120 days after the
    first kept day (2024-05-29 + 120 = 2024-09-26), whichever is later."""
    from tenure.health.backtest import first_labelled_day

    assert first_labelled_day(date(2022, 1, 1), None) == date(2022, 6, 30)
    assert first_labelled_day(date(2022, 1, 1), date(2024, 5, 29)) == date(2024, 9, 26)
    assert first_labelled_day(date(2024, 5, 1), date(2024, 5, 29)) == date(2024, 10, 28)
