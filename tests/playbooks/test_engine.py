"""The playbook engine and tasks on one small hand-made company.

The scoring day is D = 2026-06-29; health.trend_days = 30 and playbooks.lookback_days = 7, so
"new" records are those of 2026-06-23 .. 2026-06-29 and the health history a trigger reads
starts on 2026-05-30. Snapshots and history rows are written straight into the app database;
survey answers and contacts are imported into the warehouse. Every expected task below is
worked out by hand from these rows (see the comments), never copied from the code's output.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.helpers import write_text

import tenure
from tenure import App
from tenure.errors import WorkError
from tenure.playbooks import close, evaluate_playbooks, snooze, worklist
from tenure.playbooks.model import _default_source
from tenure.store import AccountSnapshot, HealthHistory, Task

D = date(2026, 6, 29)
NOW = datetime(2026, 6, 30, 6, 0)  # the wall clock of the scoring run (the next morning)

ACCOUNTS = """account_id,name,segment,owner
a1,Alpha,mid_market,ann@example.com
a2,Beta,smb,
a3,Gamma,enterprise,bob@example.com
a4,Delta,smb,ann@example.com
a5,Epsilon,smb,ann@example.com
a6,Zeta,smb,bob@example.com
"""
# (account, owner, lifecycle, score, band, mrr, churn probability)
SNAPSHOTS = [
    ("a1", "ann@example.com", "active", 40.0, "red", 1000.0, None),
    ("a2", None, "active", 35.0, "red", 500.0, 0.9),
    ("a3", "bob@example.com", "active", 55.0, "yellow", 2000.0, None),
    ("a4", "ann@example.com", "active", 90.0, "green", 100.0, None),
    ("a5", "ann@example.com", "onboarding", 30.0, "red", 50.0, None),
    ("a6", "bob@example.com", "churned", 20.0, "red", 0.0, None),
]
# (account, day, score, band)
HISTORY = [
    ("a1", date(2026, 6, 1), 58.0, "yellow"),  # earliest in the 30 days: fall 18 < 20
    ("a1", date(2026, 6, 28), 55.0, "yellow"),  # latest day before D: yellow -> entered red
    ("a2", date(2026, 6, 1), 50.0, "yellow"),
    ("a2", date(2026, 6, 28), 45.0, "red"),  # latest day before D already red: stayed red
    ("a3", date(2026, 6, 1), 80.0, "green"),  # earliest in the 30 days: 80 -> 55 = fall 25
    ("a3", date(2026, 6, 20), 70.0, "yellow"),
    ("a4", date(2026, 5, 20), 100.0, "green"),  # before 2026-05-30: outside the window
    ("a6", date(2026, 6, 28), 60.0, "yellow"),  # churned: playbooks leave it alone
    # a5 has no history: a new account did not "enter" red.
]
SURVEYS = """response_id,account_id,survey,score,responded_at
r1,a1,nps,3,2026-06-25T10:00:00Z
r2,a3,nps,6,2026-06-23T00:30:00Z
r3,a4,nps,2,2026-06-22T23:00:00Z
r4,a4,nps,7,2026-06-28T09:00:00Z
r5,a2,nps,1,2026-06-30T01:00:00Z
"""
CONTACTS = """contact_id,account_id,email,role,deleted_at
c1,a2,c1@beta.example,champion,2026-06-27T12:00:00Z
c2,a3,c2@gamma.example,champion,2026-06-10T12:00:00Z
c3,a4,c3@delta.example,admin,2026-06-28T12:00:00Z
c4,a1,c4@alpha.example,champion,
"""
PLAYBOOKS = [
    {"name": "red", "title": "Health red", "trigger": {"kind": "health_band", "band": "red"},
     "actions": [{"kind": "task", "priority": "high", "due_days": 7,
                  "title": "Red: {account}", "steps": ["Call {account} ({score})"]}]},
    {"name": "drop", "trigger": {"kind": "health_drop", "points": 20, "days": 30},
     "actions": [{"kind": "task", "priority": "medium"}]},
    {"name": "detractor", "trigger": {"kind": "nps_detractor"},
     "actions": [{"kind": "task", "priority": "high", "due_days": 2}]},
    {"name": "champ", "trigger": {"kind": "champion_left"},
     "actions": [{"kind": "task", "priority": "high"}]},
]


def only(app: App, playbooks: list[dict[str, Any]]) -> None:
    """Switch every built-in playbook off and declare ``playbooks``."""
    off = [{"name": d["name"], "enabled": False} for d in _default_source()]
    app.settings.playbooks.playbook = off + playbooks
    app.settings.playbooks.default_owner = "lead@example.com"


def seed(app: App, tmp: Path) -> None:
    tenure.import_file(app, "accounts", write_text(tmp / "accounts.csv", ACCOUNTS))
    tenure.import_file(app, "survey_responses", write_text(tmp / "surveys.csv", SURVEYS))
    tenure.import_file(app, "contacts", write_text(tmp / "contacts.csv", CONTACTS))
    names = {line.split(",")[0]: line.split(",")[1] for line in ACCOUNTS.splitlines()[1:]}
    with app.store.session() as s:
        for acc, owner, stage, score, band, mrr, prob in SNAPSHOTS:
            s.add(AccountSnapshot(account_id=acc, as_of=D, name=names[acc], segment="smb",
                                  owner=owner, lifecycle=stage, mrr=mrr, currency="USD",
                                  score=score, band=band, churn_probability=prob,
                                  scored_at=NOW))
        for acc, day, score, band in HISTORY:
            s.add(HealthHistory(account_id=acc, day=day, score=score, band=band))


@pytest.fixture
def company(app: App, tmp_path: Path) -> App:
    seed(app, tmp_path)
    only(app, PLAYBOOKS)
    return app


def tasks(app: App) -> list[Task]:
    with app.store.session() as s:
        return list(s.execute(select(Task).order_by(Task.id)).scalars())


def keyed(app: App) -> set[tuple[str, str | None, str | None]]:
    return {(t.account_id, t.playbook, t.reason_key) for t in tasks(app)}


def test_one_run_makes_the_tasks_worked_out_by_hand(company: App) -> None:
    run = evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    assert keyed(company) == {
        ("a1", "red", "band:red"),  # yellow on 06-28, red now; a2 stayed red, a5 is new
        ("a3", "drop", "drop"),  # 80 on 06-01 -> 55: 25 >= 20; a1 fell 18, a2 15
        ("a1", "detractor", "nps:r1"),  # 3 on 06-25; r3 is a day early, r5 after D
        ("a3", "detractor", "nps:r2"),  # 6 on 06-23, the first day of the window
        ("a2", "champ", "champion:c1"),  # c2 left before the window, c3 is an admin
    }
    assert run.tasks_created == 5 and run.matched == 5
    by_key = {(t.account_id, t.playbook): t for t in tasks(company)}
    red = by_key["a1", "red"]
    assert red.reason == "health entered red (40, was 55 on 2026-06-28)"
    assert red.title == "Red: Alpha"
    assert json.loads(red.steps or "[]") == ["Call Alpha (40)"]
    assert (red.priority, red.type, red.due_on) == ("high", "risk", D + timedelta(days=7))
    assert (red.band, red.score, red.arr) == ("red", 40.0, 12000.0)  # ARR = 12 x MRR
    assert by_key["a3", "drop"].reason == "health fell 25 points (80 on 2026-06-01 to 55)"
    assert by_key["a1", "detractor"].reason == "NPS 3 from a detractor on 2026-06-25"
    assert by_key["a2", "champ"].reason == "champion contact c1 left on 2026-06-27"
    # Owners: the account's owner; a2 has none, so playbooks.default_owner.
    assert by_key["a3", "drop"].owner == "bob@example.com"
    assert by_key["a2", "champ"].owner == "lead@example.com"


def test_a_second_run_on_the_same_data_makes_nothing(company: App) -> None:
    evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    again = evaluate_playbooks(company, as_of=D, scores=None, now=NOW + timedelta(hours=1))
    assert (again.tasks_created, again.already_open, again.matched) == (0, 5, 5)
    assert len(tasks(company)) == 5


def test_closed_task_cools_down_before_the_same_reason_opens_again(company: App) -> None:
    evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    red = next(t for t in tasks(company) if t.playbook == "red")
    close(company.store, red.id, outcome="no_action_needed", by="ann", now=NOW)
    # 29 days later the cooldown (30 days) still holds: nothing new.
    later = evaluate_playbooks(company, as_of=D, scores=None, now=NOW + timedelta(days=29))
    assert later.tasks_created == 0
    # After 31 days the account, still "entered red" on the same data, gets a new task; the
    # other four keys still have open tasks.
    after = evaluate_playbooks(company, as_of=D, scores=None, now=NOW + timedelta(days=31))
    assert after.tasks_created == 1
    assert [(t.account_id, t.playbook, t.status) for t in tasks(company)][-1] == (
        "a1", "red", "open")


def test_snoozed_task_blocks_a_duplicate_and_is_open_again_when_the_snooze_ends(
        company: App) -> None:
    evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    red = next(t for t in tasks(company) if t.playbook == "red")
    snooze(company.store, red.id, until=date(2026, 7, 5), by="ann", now=NOW)
    assert evaluate_playbooks(company, as_of=D, scores=None, now=NOW).tasks_created == 0
    ids = lambda **kw: [r["id"] for r in worklist(company.store, **kw)]  # noqa: E731
    assert red.id not in ids(as_of=date(2026, 7, 4))
    assert red.id in ids(as_of=date(2026, 7, 4), status="snoozed")
    # On the snooze's last day it is open again (and no longer "snoozed").
    assert red.id in ids(as_of=date(2026, 7, 5))
    assert red.id not in ids(as_of=date(2026, 7, 5), status="snoozed")
    row = next(r for r in worklist(company.store, as_of=date(2026, 7, 5)) if r["id"] == red.id)
    assert row["status"] == "open"


def test_invalid_transitions_are_one_line_errors(company: App) -> None:
    evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    first = tasks(company)[0].id
    with pytest.raises(WorkError, match="outcome 'won'"):
        close(company.store, first, outcome="won", by="ann", now=NOW)
    close(company.store, first, outcome="saved", by="ann", now=NOW)
    with pytest.raises(WorkError, match="already closed"):
        close(company.store, first, outcome="saved", by="ann", now=NOW)
    with pytest.raises(WorkError, match="no task 999"):
        close(company.store, 999, outcome="saved", by="ann", now=NOW)
    with pytest.raises(WorkError, match="is closed"):
        snooze(company.store, first, until=date(2026, 8, 1), by="ann", now=NOW)


def test_worklist_orders_by_priority_then_arr_at_risk_then_due(company: App) -> None:
    from tenure.playbooks import add_task

    def add(account: str, priority: str, due: date) -> int:
        return int(add_task(company, account_id=account, title=f"{account} {priority}",
                            priority=priority, due_on=due, as_of=D, now=NOW, by="ann")["id"])

    # ARR at risk from the snapshots (ARR = 12 x MRR):
    #   a1: no churn model, score 40 -> (100 - 40)/100 x 12,000 = 7,200
    #   a3: score 55 -> 0.45 x 24,000 = 10,800
    #   a4: score 90 -> 0.10 x 1,200 = 120
    #   a2: churn probability 0.9 (it wins over the score) -> 0.9 x 6,000 = 5,400
    t1 = add("a1", "high", date(2026, 7, 10))
    t2 = add("a3", "high", date(2026, 7, 20))
    t3 = add("a4", "urgent", date(2026, 7, 30))
    t4 = add("a2", "high", date(2026, 7, 1))
    t5 = add("a1", "high", date(2026, 7, 1))  # same ARR at risk as t1, due sooner
    t6 = add("a4", "low", date(2026, 7, 1))
    rows = worklist(company.store, as_of=D)
    assert [r["id"] for r in rows] == [t3, t2, t5, t1, t4, t6]
    assert [r["arr_at_risk"] for r in rows] == [120.0, 10800.0, 7200.0, 7200.0, 5400.0, 120.0]
    # Owners of hand-made tasks: the account's owner from the accounts table.
    assert {r["id"]: r["owner"] for r in rows}[t2] == "bob@example.com"
    assert [r["id"] for r in worklist(company.store, as_of=D, owner="ANN@example.com",
                                      limit=2)] == [t3, t5]


def test_messages_are_queued_once_with_the_task(company: App) -> None:
    from tenure.store import Notification

    only(company, [
        {"name": "detractor", "trigger": {"kind": "nps_detractor"},
         "actions": [{"kind": "task", "priority": "high"},
                     {"kind": "email", "to": "owner"},
                     {"kind": "slack", "text": "{account} ({account_id}): {reason}"}]}])
    first = evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    # Two detractors (r1 at a1, r2 at a3), each an email to its owner and a Slack message.
    assert (first.tasks_created, first.notifications_queued) == (2, 4)
    again = evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    assert (again.tasks_created, again.notifications_queued) == (0, 0)
    with company.store.session() as s:
        rows = s.execute(select(Notification.channel, Notification.recipient,
                                Notification.body, Notification.task_id)).all()
        assert s.execute(select(func.count()).select_from(Notification)).scalar() == 4
    emails = sorted(r.recipient for r in rows if r.channel == "email")
    assert emails == ["ann@example.com", "bob@example.com"]
    slack = sorted(r.body for r in rows if r.channel == "slack")
    assert slack == ["Alpha (a1): NPS 3 from a detractor on 2026-06-25",
                     "Gamma (a3): NPS 6 from a detractor on 2026-06-23"]
    assert all("@" not in r.body for r in rows if r.channel == "slack")
    assert all(r.task_id is not None for r in rows)


@pytest.mark.postgres
def test_tasks_on_a_postgresql_app_database(tmp_path: Path, postgres_db_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENURE_APP_DB__URL", postgres_db_url)
    with tenure.init_workspace(tmp_path / "ws") as app:
        assert app.store.dialect == "postgresql"
        seed(app, tmp_path)
        only(app, PLAYBOOKS)
        assert evaluate_playbooks(app, as_of=D, scores=None, now=NOW).tasks_created == 5
        assert evaluate_playbooks(app, as_of=D, scores=None, now=NOW).tasks_created == 0
        # The same five tasks as on SQLite (worked out in the first test above).
        assert keyed(app) == {("a1", "red", "band:red"), ("a3", "drop", "drop"),
                              ("a1", "detractor", "nps:r1"), ("a3", "detractor", "nps:r2"),
                              ("a2", "champ", "champion:c1")}
        first = worklist(app.store, as_of=D)[0]
        close(app.store, first["id"], outcome="saved", by="ann", now=NOW)
        assert first["id"] not in {r["id"] for r in worklist(app.store, as_of=D)}


def test_an_enrol_action_starts_the_segments_onboarding_plan_once(company: App) -> None:
    import tomllib

    from tenure.store import OnboardingMilestone, OnboardingPlan

    only(company, [{"name": "enrol-red", "trigger": {"kind": "health_band", "band": "red"},
                    "actions": [{"kind": "enrol"}]}])
    # Only a1 entered red (yellow on 2026-06-28, red on D); the warehouse has its segment,
    # mid_market, and no subscription: the plan starts on the scoring day itself.
    first = evaluate_playbooks(company, as_of=D, now=NOW)
    assert first.as_dict()["enrolled"] == 1
    declared = tomllib.loads((Path(tenure.__file__).parent / "onboarding" / "default.toml")
                             .read_text(encoding="utf-8"))["onboarding"]["plans"]
    mid_market = next(p for p in declared if p["name"] == "mid_market")
    with company.store.session() as s:
        plans = s.execute(select(OnboardingPlan.account_id, OnboardingPlan.template,
                                 OnboardingPlan.started_on)).all()
        milestones = s.execute(select(func.count()).select_from(OnboardingMilestone)).scalar()
    assert [tuple(p) for p in plans] == [("a1", "mid_market", D)]
    assert milestones == len(mid_market["milestones"])
    # The same day again: the account already has an active plan; nothing new.
    assert evaluate_playbooks(company, as_of=D, now=NOW).as_dict()["enrolled"] == 0
