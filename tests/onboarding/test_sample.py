"""Onboarding on the sample company (`tenure demo --accounts 300 --seed 3`, shared with the
health tests): its scoring run enrols the accounts in their onboarding stage and completes
milestones from the sample's own events, checked against the events table queried directly;
and the `tenure onboarding` / `tenure plan` commands on it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.health.test_cli_health import Demo, error_line, make_demo
from tests.test_cli import run
from tests.workspaces import Workspace, copy_workspace, shared_workspace

from tenure.app import build_app
from tenure.onboarding import update_onboarding
from tenure.store import AccountSnapshot, OnboardingMilestone, OnboardingPlan

DAY = date(2026, 6, 29)  # the demo scores as of the day before its as-of date
EVENT_MILESTONES = {"integration_live": "integration_connected",
                    "first_report": "first_report_created",
                    "teammate_invited": "invited_teammate"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return shared_workspace(tmp_path_factory, "health-demo", make_demo)


@pytest.fixture
def writable(demo: Demo, tmp_path: Path) -> Workspace:
    """A private copy for a test that writes (the module's copy stays as the demo left it)."""
    return Workspace(home=copy_workspace(demo, tmp_path / "home"), summary=demo.summary)


def cli_json(*args: Any) -> Any:
    return json.loads(run(*map(str, args)).stdout)


def test_the_scoring_run_enrols_onboarding_accounts_and_completes_milestones_from_events(
        demo: Demo) -> None:
    with build_app(demo.home) as app:
        with app.store.session() as s:
            onboarding = dict(s.execute(select(AccountSnapshot.account_id,
                                               AccountSnapshot.segment)
                                        .where(AccountSnapshot.lifecycle == "onboarding")).all())
            plans = {p.account_id: p for p in s.scalars(select(OnboardingPlan))}
            milestones = list(s.scalars(select(OnboardingMilestone)))
        assert len(onboarding) > 20
        assert set(plans) == set(onboarding)
        # The template of each account's segment (the sample has the three built-in ones).
        assert all(plans[a].template == seg for a, seg in onboarding.items())
        # Onboarding means paying for under health.onboarding_days (90) days: the plans start
        # on the first paid day, inside that window.
        assert all(DAY - timedelta(days=90) < p.started_on <= DAY for p in plans.values())

        # Independently: each event milestone's first event on or after the plan's start up
        # to the end of DAY, straight from the warehouse.
        starts = [(p.account_id, p.started_on) for p in plans.values()]
        con = app.warehouse.con
        first = {}
        for account_id, start in starts:
            for key, event in EVENT_MILESTONES.items():
                got = con.execute(
                    "SELECT min(timestamp)::DATE FROM events WHERE account_id = ? AND event = ? "
                    "AND timestamp >= ? AND timestamp < ?",
                    [account_id, event, start, DAY + timedelta(days=1)]).fetchall()
                first[(account_id, key)] = got[0][0]
        checked = Counter[str]()
        for m in milestones:
            if m.key in EVENT_MILESTONES:
                assert m.completed_on == first[(m.account_id, m.key)], (m.account_id, m.key)
                if m.completed_on is not None:
                    checked[m.key] += 1
                    assert m.completed_by == "auto"
                    assert m.evidence == (f"event {EVENT_MILESTONES[m.key]} on "
                                          f"{m.completed_on.isoformat()}")
        # Some of each event milestone completed from the sample's own events.
        assert set(checked) == set(EVENT_MILESTONES) and min(checked.values()) >= 3

        # The day's work again on the same data changes nothing.
        again = update_onboarding(app, as_of=DAY)
        assert (again.enrolled, again.milestones_completed, again.plans_completed) == (0, 0, 0)


def test_onboarding_commands_on_the_sample(writable: Workspace) -> None:
    home = writable.home
    rows = cli_json("onboarding", "--status", "all", "--as-of", DAY, "--home", home,
                    "--format", "json")
    assert rows and {r["status"] for r in rows} <= {"active", "completed"}
    for r in rows:
        assert r["percent_complete"] == round(100 * r["milestones_done"]
                                              / r["milestones_total"], 1)
    stalled = cli_json("onboarding", "--stalled", "--as-of", DAY, "--home", home,
                       "--format", "json")
    assert all(r["overdue"] >= 1 and r["status"] == "active" for r in stalled)
    account = stalled[0]["account_id"]
    show = cli_json("onboarding", "show", account, "--as-of", DAY, "--home", home,
                    "--format", "json")
    late = [m for m in show["milestones"] if m["overdue"]]
    assert len(late) == stalled[0]["overdue"]
    assert all(m["days_overdue"] == (DAY - date.fromisoformat(m["due_on"])).days for m in late)
    ttv = cli_json("onboarding", "ttv", "--by", "segment", "--as-of", DAY, "--home", home,
                   "--format", "json")
    assert {g["segment"] for g in ttv["groups"]} <= {"enterprise", "mid_market", "smb"}
    templates = cli_json("onboarding", "templates", "--home", home, "--format", "json")
    assert [t["name"] for t in templates] == ["enterprise", "mid_market", "smb", "standard"]

    # Completing by hand, then the one-line errors.
    key = late[0]["key"]
    run("onboarding", "complete", account, key, "--on", str(DAY), "--home", str(home))
    again = cli_json("onboarding", "show", account, "--as-of", DAY, "--home", home,
                     "--format", "json")
    done = next(m for m in again["milestones"] if m["key"] == key)
    assert (done["completed_on"], done["completed_by"]) == (str(DAY), "hand")
    assert "already completed" in error_line(run(
        "onboarding", "complete", account, key, "--home", str(home), check=False))
    assert "unknown metric 'nosuch'" in error_line(run(
        "plan", "add", account, "--goal", "x", "--metric", "nosuch", "--target", "1",
        "--home", str(home), check=False))
    assert "no account 'nope'" in error_line(run(
        "plan", "add", "nope", "--goal", "x", "--home", str(home), check=False))


def test_plan_commands_on_the_sample(writable: Workspace) -> None:
    home = str(writable.home)
    account = "acct_000261"
    # The baseline is the metric as of the account's latest scoring (DAY), read apart.
    expected = cli_json("accounts", "--home", home, "--format", "json")
    assert any(r["account_id"] == account for r in expected)
    added = cli_json("plan", "add", account, "--goal", "Grow usage", "--metric",
                     "events_30d", "--target", "100000", "--due", "2026-12-31", "--home", home,
                     "--format", "json")[0]
    with build_app(home) as app:
        got = app.warehouse.con.execute(
            "SELECT count(*) FROM events WHERE account_id = ? AND timestamp >= ? "
            "AND timestamp < ?", [account, DAY - timedelta(days=29),
                                  DAY + timedelta(days=1)]).fetchall()[0][0]
    assert added["baseline"] == got  # events in the 30 days up to DAY
    assert added["status"] == "open"
    gid = added["goal_id"]
    changed = cli_json("plan", "set", str(gid), "--status", "dropped", "--home", home,
                       "--format", "json")[0]
    assert changed["status"] == "dropped"
    shown = cli_json("plan", "show", account, "--home", home, "--format", "json")
    assert [(g["goal_id"], g["status"]) for g in shown] == [(gid, "dropped")]
