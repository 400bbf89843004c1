"""Touchpoints logged in Tenure: validation, the copy to the warehouse, and what sees them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update
from tests.helpers import rows
from tests.work.company import AS_OF, build_company

from tenure import App
from tenure.activities import log_activity, require_known_account, sync_to_warehouse
from tenure.checkins import checkins
from tenure.errors import WorkError
from tenure.metrics import account_metrics
from tenure.score import run_scoring
from tenure.store import LoggedActivity
from tenure.timeline import timeline

NOW = datetime(2026, 6, 30, 18, 0)


def logged(app: App) -> list[LoggedActivity]:
    with app.store.session() as s:
        return list(s.scalars(select(LoggedActivity).order_by(LoggedActivity.id)))


def tenure_rows(app: App) -> list[tuple[object, ...]]:
    return rows(app, "SELECT activity_id, account_id, kind, occurred_at, actor, summary "
                "FROM activities WHERE activity_id LIKE 'tenure-%' ORDER BY activity_id")


def test_log_validates_kind_time_and_account(app: App) -> None:
    with pytest.raises(WorkError, match="unknown activity kind 'lunch'; choose one of call, "
                       "email, meeting, qbr, note, webinar, training, community"):
        log_activity(app.store, account_id="a1", kind="lunch", summary="x", occurred_at=NOW,
                     now=NOW)
    with pytest.raises(WorkError, match="is after now"):
        log_activity(app.store, account_id="a1", kind="call", summary="x",
                     occurred_at=NOW + timedelta(hours=1), now=NOW)
    with pytest.raises(WorkError, match="account id is required"):
        log_activity(app.store, account_id=" ", kind="call", summary="x", occurred_at=NOW,
                     now=NOW)
    assert logged(app) == []  # nothing half-written
    # A workspace without accounts yet takes any account id.
    require_known_account(app, "a1")


def test_log_stores_utc_and_the_given_fields(app: App) -> None:
    paris = timezone(timedelta(hours=2))
    new_id = log_activity(app.store, account_id="a1", kind="qbr", summary="  Q2 review ",
                          occurred_at=datetime(2026, 6, 30, 11, 30, tzinfo=paris),
                          actor="anna@csm.io", contact_id="c9",
                          now=datetime(2026, 6, 30, 16, 0, tzinfo=UTC))
    [row] = logged(app)
    assert row.id == new_id
    # 11:30 at +02:00 is 09:30 UTC; the summary is trimmed; not copied yet.
    assert (row.account_id, row.kind, row.occurred_at, row.actor, row.summary, row.contact_id,
            row.synced_at) == ("a1", "qbr", datetime(2026, 6, 30, 9, 30), "anna@csm.io",
                               "Q2 review", "c9", None)


def test_unknown_account_refused_once_accounts_are_known(company: App) -> None:
    require_known_account(company, "e1")
    with pytest.raises(WorkError, match="unknown account 'zz'"):
        require_known_account(company, "zz")


def test_sync_copies_each_touchpoint_once(company: App) -> None:
    first = log_activity(company.store, account_id="e1", kind="call", summary="Renewal",
                         occurred_at=datetime(2026, 6, 28, 9, 0), actor="anna@csm.io",
                         now=NOW)
    second = log_activity(company.store, account_id="m1", kind="note", summary="Budget cut",
                          occurred_at=datetime(2026, 6, 29, 14, 0), now=NOW)
    assert sync_to_warehouse(company, now=NOW) == 2
    expected = [
        (f"tenure-{first}", "e1", "call", datetime(2026, 6, 28, 9, 0), "anna@csm.io",
         "Renewal"),
        (f"tenure-{second}", "m1", "note", datetime(2026, 6, 29, 14, 0), None, "Budget cut"),
    ]
    assert tenure_rows(company) == expected
    assert [r.synced_at for r in logged(company)] == [NOW, NOW]
    assert sync_to_warehouse(company, now=NOW) == 0  # nothing pending
    assert tenure_rows(company) == expected
    # The temporary copy for the import is gone from the data folder.
    assert not list((company.home / "data").glob(".logged-*"))


def test_a_stop_between_copy_and_marking_duplicates_nothing(company: App) -> None:
    new_id = log_activity(company.store, account_id="e1", kind="call", summary="Renewal",
                          occurred_at=datetime(2026, 6, 28, 9, 0), now=NOW)
    sync_to_warehouse(company, now=NOW)
    # As if the run had stopped after the warehouse committed and before the marking.
    with company.store.session() as s:
        s.execute(update(LoggedActivity).values(synced_at=None))
    later = NOW + timedelta(days=1)
    assert sync_to_warehouse(company, now=later) == 1
    assert [r[0] for r in tenure_rows(company)] == [f"tenure-{new_id}"]
    assert [r.synced_at for r in logged(company)] == [later]
    # The timeline shows it once too, whether marked or not.
    entries = timeline(company, "e1", kinds=["call"])
    assert [e["ref"] for e in entries] == [f"tenure-{new_id}", "a-e1"]


def test_scoring_runs_copy_once_and_touchpoint_rules_hold(company: App) -> None:
    # m1 was never contacted (59 days overdue, see company.py); a call on 06-28 resets it.
    call = log_activity(company.store, account_id="m1", kind="call", summary="Intro",
                        occurred_at=datetime(2026, 6, 28, 9, 0), actor="bob@csm.io", now=NOW)
    # e1's last touchpoint is the call of 05-20; an automated email and a note (not in
    # adoption.touchpoint_kinds) after it do not move it.
    robot = log_activity(company.store, account_id="e1", kind="email", summary="Digest",
                         occurred_at=datetime(2026, 6, 29, 9, 0), actor="automation", now=NOW)
    note = log_activity(company.store, account_id="e1", kind="note", summary="Thinking",
                        occurred_at=datetime(2026, 6, 29, 10, 0), actor="anna@csm.io", now=NOW)
    for _ in range(2):
        run_scoring(company, as_of=AS_OF, now=NOW, deliver=False)
    assert [r[0] for r in tenure_rows(company)] == [f"tenure-{i}" for i in (call, robot, note)]

    days = account_metrics(company, as_of=AS_OF, metrics=["days_since_last_touchpoint"])
    since = dict(zip(days["account_id"], days["days_since_last_touchpoint"], strict=True))
    # m1: 06-28 to 06-30 = 2 days; e1: 05-20 to 06-30 = 11 + 30 = 41 days.
    assert (since["m1"], since["e1"]) == (2, 41)
    table = checkins(company, as_of=AS_OF).set_index("account_id")
    assert table.loc["m1", "last_touchpoint_day"] == date(2026, 6, 28)
    assert not table.loc["m1", "overdue"]
    assert (table.loc["e1", "last_touchpoint_day"], table.loc["e1", "days_overdue"]) == (
        date(2026, 5, 20), 11)
    # The note is in e1's timeline all the same, once.
    notes = timeline(company, "e1", kinds=["note"])
    assert [(e["ref"], e["title"], e["detail"]) for e in notes] == [
        (f"tenure-{note}", "Note", "Thinking")]


@pytest.mark.postgres
def test_logging_with_the_app_database_on_postgres(
    tmp_path: Path, postgres_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TENURE_APP_DB__URL", raising=False)
    toml = f'[app_db]\nurl = "{postgres_db_url}"\n'
    with build_company(tmp_path / "ws", toml=toml) as app:
        assert app.store.dialect == "postgresql"
        new_id = log_activity(app.store, account_id="m1", kind="meeting", summary="Kickoff",
                              occurred_at=datetime(2026, 6, 27, 15, 0), actor="bob@csm.io",
                              now=NOW)
        # Seen by check-ins before the copy: 06-27 + 90 days = 2026-09-25.
        row = checkins(app, as_of=AS_OF).set_index("account_id").loc["m1"]
        assert (row["last_touchpoint_day"], row["due_on"]) == (date(2026, 6, 27),
                                                              date(2026, 9, 25))
        assert sync_to_warehouse(app, now=NOW) == 1
        assert sync_to_warehouse(app, now=NOW) == 0
        assert [r[0] for r in tenure_rows(app)] == [f"tenure-{new_id}"]
        [stored] = logged(app)
        assert (stored.occurred_at, stored.synced_at) == (datetime(2026, 6, 27, 15, 0), NOW)
    assert not (tmp_path / "ws" / "data" / "app.db").exists()
