"""A small hand-made workspace for onboarding and success plans: three accounts, a few
subscriptions, events, activities and tickets, imported as CSV through the real importer."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tenure import App, import_file
from tenure.store import AccountSnapshot

# Templates declared for the tests (the built-in ones are checked apart): an enterprise
# template with every kind of rule, and a fallback for any other segment.
TEMPLATES: list[dict[str, Any]] = [
    {"name": "ent", "segments": ["enterprise"], "milestones": [
        {"key": "kickoff", "title": "Kickoff held", "due_days": 7, "activity": "meeting",
         "activity_summary_contains": "kickoff"},
        {"key": "integration", "title": "Integration live", "due_days": 30,
         "event": "integration_connected", "value": True},
        {"key": "users", "title": "Two active users", "due_days": 60, "metric": "mau >= 2"},
        {"key": "signoff", "title": "Success plan signed off", "due_days": 90},
    ]},
    {"name": "std", "segments": [], "milestones": [
        {"key": "integration", "title": "Integration live", "due_days": 14,
         "event": "integration_connected", "value": True},
        {"key": "report", "title": "First report", "due_days": 30,
         "event": "first_report_created", "value": True},
    ]},
]


def load(app: App, tmp_path: Path, table: str, header: str,
         rows: Iterable[Sequence[Any]]) -> None:
    """Import ``rows`` as a CSV file; every row must be imported."""
    data = [["" if v is None else v for v in r] for r in rows]
    path = tmp_path / f"{table}-{len(list(tmp_path.glob(f'{table}-*.csv')))}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header.split(","))
        w.writerows(data)
    report = import_file(app, table, path)
    assert (report.rejected, report.unknown_account_rows) == (0, 0), report
    assert report.imported == len(data), report


@pytest.fixture
def small(app: App, tmp_path: Path) -> App:
    load_small(app, tmp_path)
    return app


def load_small(app: App, tmp_path: Path) -> None:
    """A1 (enterprise) pays from 2026-04-01, A2 (smb) from 2026-05-01, A3 (smb) never pays.

    A1: a meeting before the start (ignored), a meeting without "kickoff" (ignored), the
    kickoff meeting on 04-10; integration_connected before the start (ignored) and on
    04-20 late in the day UTC (it counts on 04-20) and 04-25; users u1 and u2 active on
    06-01 (mau = 2 as of 06-15).
    A2: first_report_created on 05-10; integration_connected only on 06-20 (after 06-15).
    """
    app.settings.onboarding.plans = TEMPLATES
    load(app, tmp_path, "accounts", "account_id,name,segment,owner", [
        ("A1", "Acme", "enterprise", "ana@csm.example"),
        ("A2", "Bolt", "smb", "ben@csm.example"),
        ("A3", "Cove", "smb", "ben@csm.example")])
    load(app, tmp_path, "subscriptions", "subscription_id,account_id,mrr,valid_from", [
        ("s1", "A1", "1000", "2026-04-01"), ("s2", "A2", "50", "2026-05-01")])
    load(app, tmp_path, "events", "account_id,event,timestamp,user_id", [
        ("A1", "integration_connected", "2026-03-20T10:00:00Z", "u1"),
        ("A1", "integration_connected", "2026-04-20T23:30:00Z", "u1"),
        ("A1", "integration_connected", "2026-04-25T09:00:00Z", "u1"),
        ("A1", "report_viewed", "2026-06-01T09:00:00Z", "u1"),
        ("A1", "report_viewed", "2026-06-01T10:00:00Z", "u2"),
        ("A2", "first_report_created", "2026-05-10T08:00:00Z", "u9"),
        ("A2", "integration_connected", "2026-06-20T08:00:00Z", "u9"),
    ])
    load(app, tmp_path, "activities", "activity_id,account_id,kind,occurred_at,actor,summary", [
        ("v1", "A1", "meeting", "2026-03-25T15:00:00Z", "ana@csm.example", "Kickoff (trial)"),
        ("v2", "A1", "meeting", "2026-04-03T15:00:00Z", "ana@csm.example", "Weekly sync"),
        ("v3", "A1", "meeting", "2026-04-10T15:00:00Z", "ana@csm.example", "KICKOFF with IT"),
        ("v4", "A1", "call", "2026-04-05T15:00:00Z", "ana@csm.example", "kickoff call"),
    ])
    # A1's tickets: open at the end of 06-01: t1..t4 (4); 06-15: t1, t3, t4 (3); 06-25: t1,
    # t3 (2).
    load(app, tmp_path, "tickets", "ticket_id,account_id,created_at,resolved_at,status", [
        ("t1", "A1", "2026-05-01T09:00:00Z", None, "open"),
        ("t2", "A1", "2026-05-02T09:00:00Z", "2026-06-10T09:00:00Z", "solved"),
        ("t3", "A1", "2026-05-03T09:00:00Z", None, "open"),
        ("t4", "A1", "2026-05-04T09:00:00Z", "2026-06-20T09:00:00Z", "solved"),
    ])


def snapshots(app: App, rows: list[tuple[str, str, str]], as_of: date) -> None:
    """Latest-snapshot rows (account, segment, lifecycle) as a scoring run leaves them."""
    with app.store.session() as s:
        for account_id, segment, lifecycle in rows:
            s.merge(AccountSnapshot(
                account_id=account_id, as_of=as_of, name=account_id, segment=segment,
                owner=f"{account_id.lower()}@csm.example", lifecycle=lifecycle, mrr=1.0,
                currency="USD", scored_at=datetime.combine(as_of, datetime.min.time())))
