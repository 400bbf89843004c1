"""Success plans: goals tracked by a per-account metric, worked by hand for a metric that
should rise (monthly active users) and one that should fall (open tickets); by-hand changes;
errors; and the same on PostgreSQL. Data: tests/onboarding/conftest.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import tenure
from tenure import App
from tenure.errors import WorkError
from tenure.plans import add_goal, goals, progress, track_goals, update_goal

from .conftest import load_small

D = date.fromisoformat
TODAY = D("2026-06-15")


def row(app: App, goal_id: int) -> tuple[object, ...]:
    g = next(g for g in goals(app.store, "A1") if g["goal_id"] == goal_id)
    return (g["baseline"], g["current"], g["progress"], g["status"], g["achieved_on"])


def test_progress_convention() -> None:
    # Higher is better: from 10 towards 20, at 15 halfway; past the target clipped to 1.
    assert progress(15, 10, 20) == (0.5, False)
    assert progress(25, 10, 20) == (1.0, True)
    assert progress(5, 10, 20) == (0.0, False)
    # Lower is better (target below the baseline): from 8 down to 2, at 5 halfway.
    assert progress(5, 8, 2) == (0.5, False)
    assert progress(2, 8, 2) == (1.0, True)
    assert progress(None, 8, 2) == (None, False)


def test_goals_track_their_metric_and_end_achieved_or_missed(small: App) -> None:
    # Rising: mau from 1 to 3 by 06-20. u1 and u2 are active on 06-01 (mau 2 on 06-15 and
    # 06-21), so halfway, then missed once 06-20 passed.
    users = add_goal(small.store, account_id="A1", title="Three active users", metric="mau",
                     baseline=1, target=3, due_on=D("2026-06-20"), today=D("2026-05-20"))
    # Falling: open tickets from 4 to 2 by 06-30: 3 on 06-15 (halfway), 2 on 06-25 (reached).
    tickets = add_goal(small.store, account_id="A1", title="Backlog down to 2",
                       metric="open_tickets", baseline=4, target=2, due_on=D("2026-06-30"),
                       today=D("2026-06-01"))
    # No baseline given: the first value tracked (mau 2) becomes it.
    later = add_goal(small.store, account_id="A1", title="Five users", metric="mau", target=5,
                     today=TODAY)
    by_hand = add_goal(small.store, account_id="A1", title="Executive sponsor named",
                       due_on=D("2026-06-01"), today=TODAY)

    run = track_goals(small, as_of=TODAY)
    assert (run.tracked, run.achieved, run.missed) == (3, 0, 0)
    assert row(small, users) == (1.0, 2.0, 0.5, "open", None)
    assert row(small, tickets) == (4.0, 3.0, 0.5, "open", None)
    assert row(small, later) == (2.0, 2.0, 0.0, "open", None)
    # A goal without a metric is by hand only: past due, still open.
    assert row(small, by_hand) == (None, None, None, "open", None)

    run = track_goals(small, as_of=D("2026-06-25"))
    assert (run.tracked, run.achieved, run.missed) == (3, 1, 1)
    assert row(small, users) == (1.0, 2.0, 0.5, "missed", None)
    assert row(small, tickets) == (4.0, 2.0, 1.0, "achieved", D("2026-06-25"))
    # Achieved and missed goals are no longer tracked.
    assert track_goals(small, as_of=D("2026-06-26")).tracked == 1


def test_goals_change_by_hand(small: App) -> None:
    gid = add_goal(small.store, account_id="A1", title="Two active users", metric="mau",
                   baseline=0, target=4, today=TODAY)
    track_goals(small, as_of=TODAY)
    assert row(small, gid)[:3] == (0.0, 2.0, 0.5)
    # Lowering the target to 2 reaches it: progress follows at once, status at the next run.
    assert update_goal(small.store, goal_id=gid, target=2, today=TODAY)["progress"] == 1.0
    assert track_goals(small, as_of=TODAY).achieved == 1
    g = update_goal(small.store, goal_id=gid, status="open", due_on=D("2026-12-31"),
                    today=TODAY)
    assert (g["status"], g["achieved_on"], g["due_on"]) == ("open", None, D("2026-12-31"))
    g = update_goal(small.store, goal_id=gid, status="dropped", today=TODAY)
    assert track_goals(small, as_of=TODAY).tracked == 0  # dropped goals are left alone
    manual = add_goal(small.store, account_id="A1", title="Sponsor named", today=TODAY)
    assert update_goal(small.store, goal_id=manual, status="achieved", today=TODAY)[
        "achieved_on"] == TODAY


def test_goal_errors_are_one_clear_line(small: App) -> None:
    with pytest.raises(WorkError) as exc:
        add_goal(small.store, account_id="A1", title="x", metric="nosuch", target=1,
                 today=TODAY)
    assert str(exc.value) == ("unknown metric 'nosuch': a goal tracks a per-account metric "
                              "(see `tenure metrics --list`)")
    with pytest.raises(WorkError, match="company-wide"):
        add_goal(small.store, account_id="A1", title="x", metric="paying_accounts", target=1,
                 today=TODAY)
    with pytest.raises(WorkError, match="needs a target"):
        add_goal(small.store, account_id="A1", title="x", metric="mau", today=TODAY)
    with pytest.raises(WorkError, match="status must be one of"):
        update_goal(small.store, goal_id=1, status="won", today=TODAY)
    with pytest.raises(WorkError, match="no goal 42"):
        update_goal(small.store, goal_id=42, status="dropped", today=TODAY)
    assert goals(small.store, "A1") == []  # nothing was written


@pytest.mark.postgres
def test_onboarding_and_goals_on_postgresql(tmp_path: Path, postgres_db_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from tenure.onboarding import complete_milestone, enrol, plan_status, update_onboarding

    from .conftest import TEMPLATES

    monkeypatch.delenv("TENURE_APP_DB__URL", raising=False)
    home = tmp_path / "ws"
    home.mkdir()
    (home / "tenure.toml").write_text(f'[app_db]\nurl = "{postgres_db_url}"\n')
    with tenure.init_workspace(home) as app:
        assert app.store.dialect == "postgresql"
        data = tmp_path / "data"
        data.mkdir()
        load_small(app, data)
        app.settings.onboarding.plans = TEMPLATES
        enrol(app, account_id="A1", as_of=TODAY)
        assert update_onboarding(app, as_of=TODAY).milestones_completed == 3
        complete_milestone(app.store, account_id="A1", key="signoff", day=TODAY, by="ana")
        gid = add_goal(app.store, account_id="A1", title="Backlog down to 2",
                       metric="open_tickets", baseline=4, target=2, today=TODAY)
        track_goals(app, as_of=TODAY)
        assert row(app, gid)[:3] == (4.0, 3.0, 0.5)
        # Completed by hand without the templates: first value was already set by the update
        status = plan_status(app.store, "A1", as_of=TODAY)
        assert (status["status"], status["completed_on"], status["time_to_value_days"]) == (
            "completed", TODAY, 19)
