"""An account's timeline: one record of each kind on e1 of the hand-made company, merged
newest first, with no duplicates before or after the logged touchpoint is copied."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from tests.helpers import write_text

from tenure import App, import_file
from tenure.activities import log_activity, sync_to_warehouse
from tenure.errors import WorkError
from tenure.store import HealthHistory, OnboardingMilestone, SuccessGoal, Task
from tenure.timeline import timeline

NOW = datetime(2026, 6, 30, 18, 0)


def add_records(app: App) -> int:
    """One of each kind for e1 (besides its call a-e1 of 2026-05-20 10:00); returns the id of
    the logged meeting."""
    home = app.home
    import_file(app, "tickets", write_text(home / "tickets.csv", (
        "ticket_id,account_id,created_at,resolved_at,priority,channel,subject\n"
        "t1,e1,2026-06-01T08:00:00Z,2026-06-02T08:00:00Z,high,email,Export broken\n")))
    import_file(app, "survey_responses", write_text(home / "surveys.csv", (
        "response_id,account_id,survey,score,responded_at,contact_id,comment\n"
        "r1,e1,nps,3,2026-06-05T12:00:00Z,c1,Too slow\n")))
    import_file(app, "feedback", write_text(home / "feedback.csv", (
        "feedback_id,account_id,created_at,text,feature,source\n"
        "f1,e1,2026-06-06T12:00:00Z,Need SSO,sso,portal\n")))
    with app.store.session() as s:
        s.add(Task(id=7, account_id="e1", playbook="detractor", reason_key="nps:r1",
                   title="Call back the detractor", reason="NPS 3 from c1", type="risk",
                   priority="high", owner="anna@csm.io", status="closed",
                   created_on=date(2026, 6, 10), created_at=datetime(2026, 6, 10, 6, 0),
                   closed_at=datetime(2026, 6, 25, 17, 0), closed_by="anna@csm.io",
                   outcome="saved", outcome_note="Fixed their export",
                   updated_at=datetime(2026, 6, 25, 17, 0)))
        s.add(OnboardingMilestone(id=3, plan_id=1, account_id="e1", key="kickoff",
                                  title="Kickoff held", position=1, due_on=date(2026, 6, 5),
                                  completed_on=date(2026, 6, 8), evidence="meeting"))
        s.add(SuccessGoal(id=4, account_id="e1", title="Five active users", metric="mau",
                          baseline=1, target=5, current=6, progress=1, status="achieved",
                          achieved_on=date(2026, 6, 15), created_at=NOW, updated_at=NOW))
        # Recorded days: 06-07 green 80 -> 06-08 yellow 50 (band change) -> 06-09 49 (a
        # 1-point move, under trend_tolerance 5: nothing) -> 06-12 40 (down 9) -> 06-14 45
        # (up exactly 5: counts).
        for day, score, band in ((7, 80, "green"), (8, 50, "yellow"), (9, 49, "yellow"),
                                 (12, 40, "yellow"), (14, 45, "yellow")):
            s.add(HealthHistory(account_id="e1", day=date(2026, 6, day), score=score,
                                band=band))
        # Another account's records never show.
        s.add(HealthHistory(account_id="e2", day=date(2026, 6, 20), score=10, band="red"))
    return log_activity(app.store, account_id="e1", kind="meeting", summary="Exec sync",
                        occurred_at=datetime(2026, 6, 20, 9, 0), actor="anna@csm.io",
                        now=NOW)


def expected(meeting: int) -> list[tuple[str, str, str | None, str]]:
    """(at, kind, subkind, ref), newest first; on one instant the score change comes first."""
    return [
        ("2026-06-25T17:00:00", "task", "closed", "7"),
        ("2026-06-20T09:00:00", "activity", "meeting", f"tenure-{meeting}"),
        ("2026-06-15T00:00:00", "goal", "achieved", "4"),
        ("2026-06-14T00:00:00", "score", "score_up", "2026-06-14"),
        ("2026-06-12T00:00:00", "score", "score_down", "2026-06-12"),
        ("2026-06-10T06:00:00", "task", "created", "7"),
        ("2026-06-08T00:00:00", "score", "band_change", "2026-06-08"),
        ("2026-06-08T00:00:00", "milestone", "completed", "3"),
        ("2026-06-06T12:00:00", "feedback", "portal", "f1"),
        ("2026-06-05T12:00:00", "survey", "nps", "r1"),
        ("2026-06-02T08:00:00", "ticket", "resolved", "t1"),
        ("2026-06-01T08:00:00", "ticket", "opened", "t1"),
        ("2026-05-20T10:00:00", "activity", "call", "a-e1"),
    ]


def keys(entries: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(e["at"], e["kind"], e["subkind"], e["ref"]) for e in entries]


def test_merges_every_kind_newest_first_without_duplicates(company: App) -> None:
    meeting = add_records(company)
    before = timeline(company, "e1")
    assert keys(before) == expected(meeting)
    sync_to_warehouse(company, now=NOW)
    after = timeline(company, "e1")
    assert after == before  # the copied meeting now comes from the warehouse, once

    by = {(e["kind"], e["subkind"]): e for e in after}
    assert set(by[("activity", "meeting")]) == {"at", "kind", "subkind", "title", "detail",
                                                "actor", "ref"}
    assert (by[("activity", "meeting")]["title"], by[("activity", "meeting")]["detail"],
            by[("activity", "meeting")]["actor"]) == ("Meeting", "Exec sync", "anna@csm.io")
    assert by[("survey", "nps")]["title"] == "NPS 3 (detractor)"  # 0-6: detractor
    assert by[("survey", "nps")]["detail"] == "Too slow"
    assert by[("ticket", "resolved")]["detail"] == "resolved after 24.0 hours"
    assert by[("task", "closed")]["title"] == "Task closed (saved): Call back the detractor"
    assert by[("task", "closed")]["detail"] == "Fixed their export"
    assert by[("score", "band_change")]["title"] == "Health green → yellow"
    assert by[("score", "band_change")]["detail"] == "score 80 → 50"
    assert by[("score", "score_down")]["title"] == "Health score down 9 points"
    assert by[("milestone", "completed")]["title"] == "Onboarding milestone reached: Kickoff held"
    assert by[("goal", "achieved")]["detail"] == "6 against a target of 5"


def test_filters_by_days_kinds_and_limit(company: App) -> None:
    meeting = add_records(company)
    rows = expected(meeting)
    window = timeline(company, "e1", since=date(2026, 6, 8), until=date(2026, 6, 14))
    assert keys(window) == rows[3:8]  # 06-14 down to 06-08, both days included
    assert keys(timeline(company, "e1", kinds=["ticket", "call"])) == [
        rows[10], rows[11], rows[12]]
    assert keys(timeline(company, "e1", kinds=["score"], limit=2)) == [rows[3], rows[4]]


def test_unknown_account_and_kind_are_refused(company: App) -> None:
    with pytest.raises(WorkError, match="unknown account 'zz'"):
        timeline(company, "zz")
    with pytest.raises(WorkError, match="unknown timeline kind 'phone'"):
        timeline(company, "e1", kinds=["phone"])
