"""Check-ins on the hand-made company of conftest.py (expected values worked there)."""

from __future__ import annotations

from datetime import date, datetime

from tests.work.company import AS_OF

from tenure import App
from tenure.activities import log_activity
from tenure.checkins import COLUMNS, checkins

NOW = datetime(2026, 6, 30, 18, 0)


def table(app: App, **kw: object) -> dict[str, dict[str, object]]:
    frame = checkins(app, as_of=AS_OF, **kw)  # type: ignore[arg-type]
    assert list(frame.columns) == COLUMNS
    return {r["account_id"]: r for r in frame.to_dict("records")}


def test_cadence_per_segment_and_overdue_days_worked_by_hand(company: App) -> None:
    frame = checkins(company, as_of=AS_OF)
    # Most overdue first, then the ones not overdue by due date (never due last).
    assert list(frame["account_id"]) == ["m1", "e3", "e1", "p1", "e2", "s1"]
    rows = {r["account_id"]: r for r in frame.to_dict("records")}
    expected = {
        # account: (cadence, last touchpoint, days since, due, overdue, days overdue)
        "e1": (30, date(2026, 5, 20), 41, date(2026, 6, 19), True, 11),
        "e2": (30, None, None, date(2026, 7, 15), False, 0),  # from its first paid day
        "e3": (30, date(2026, 5, 1), 60, date(2026, 5, 31), True, 30),  # automated ignored
        "m1": (90, None, None, date(2026, 5, 2), True, 59),  # 2026-02-01 + 90 days
        "s1": (0, None, None, None, False, 0),  # smb: automated only, never overdue
        "p1": (45, date(2026, 5, 10), 51, date(2026, 6, 24), True, 6),  # default_days
    }
    for account, (cadence, last, since, due, overdue, late) in expected.items():
        r = rows[account]
        got = (r["cadence_days"], r["last_touchpoint_day"], r["days_since"], r["due_on"],
               r["overdue"], r["days_overdue"])
        assert got == (cadence, last, since, due, overdue, late), account
    assert rows["e1"]["name"] == "Ent One"
    assert rows["e1"]["owner"] == "anna@csm.io"
    assert "x1" not in rows  # churned in April: no check-in owed


def test_owner_filter_is_one_book(company: App) -> None:
    assert set(table(company, owner="bob@csm.io")) == {"e3", "m1", "s1"}
    assert table(company, owner="nobody@csm.io") == {}


def test_due_day_itself_is_not_overdue(company: App) -> None:
    # e1 is due 2026-06-19: on that day it is due, the day after it is one day overdue.
    on_due = checkins(company, as_of=date(2026, 6, 19)).set_index("account_id")
    after = checkins(company, as_of=date(2026, 6, 20)).set_index("account_id")
    assert (bool(on_due.loc["e1", "overdue"]), int(on_due.loc["e1", "days_overdue"])) == (
        False, 0)
    assert (bool(after.loc["e1", "overdue"]), int(after.loc["e1", "days_overdue"])) == (
        True, 1)


def test_logged_touchpoint_counts_before_it_is_copied(company: App) -> None:
    log_activity(company.store, account_id="m1", kind="call", summary="Intro call",
                 occurred_at=datetime(2026, 6, 28, 9, 0), actor="bob@csm.io", now=NOW)
    # An automated one and a note do not count, however recent.
    log_activity(company.store, account_id="e1", kind="email", summary="Digest",
                 occurred_at=datetime(2026, 6, 29, 9, 0), actor="automation", now=NOW)
    log_activity(company.store, account_id="e1", kind="note", summary="Thinks about it",
                 occurred_at=datetime(2026, 6, 29, 9, 0), actor="anna@csm.io", now=NOW)
    rows = table(company)
    # m1: 2026-06-28 + 90 days = 2026-09-26, two days since.
    assert (rows["m1"]["last_touchpoint_day"], rows["m1"]["due_on"], rows["m1"]["overdue"],
            rows["m1"]["days_since"]) == (date(2026, 6, 28), date(2026, 9, 26), False, 2)
    assert (rows["e1"]["last_touchpoint_day"], rows["e1"]["days_overdue"]) == (
        date(2026, 5, 20), 11)


def test_a_touchpoint_after_as_of_is_not_seen(company: App) -> None:
    log_activity(company.store, account_id="e1", kind="call", summary="Later",
                 occurred_at=datetime(2026, 7, 2, 9, 0), actor="anna@csm.io",
                 now=datetime(2026, 7, 3))
    assert table(company)["e1"]["last_touchpoint_day"] == date(2026, 5, 20)


def test_cadence_comes_from_settings(company: App) -> None:
    company.settings.checkins.cadence_days = {"enterprise": 7}
    rows = table(company)
    # enterprise every 7 days: e1 due 2026-05-27, 34 days overdue; mid_market not declared
    # any more, so m1 takes default_days (45): 2026-02-01 + 45 = 2026-03-18, 104 overdue.
    assert (rows["e1"]["due_on"], rows["e1"]["days_overdue"]) == (date(2026, 5, 27), 34)
    assert (rows["m1"]["cadence_days"], rows["m1"]["due_on"], rows["m1"]["days_overdue"]) == (
        45, date(2026, 3, 18), 104)
    assert rows["s1"]["cadence_days"] == 45  # smb not declared either
