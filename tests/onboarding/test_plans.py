"""Onboarding plans on a small hand-made workspace (tests/onboarding/conftest.py): due dates,
milestones completed from events, activities and a metric rule, overdue and stalled, time to
value, idempotent updates, completion by hand, auto-enrolment. Every expected day is worked
by hand from the rows in the fixture."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tenure import App
from tenure.errors import WorkError
from tenure.onboarding import (
    cancel_plan,
    complete_milestone,
    enrol,
    load_templates,
    overdue_milestones,
    plan_status,
    time_to_value,
    update_onboarding,
)
from tenure.store import OnboardingMilestone, OnboardingPlan

from .conftest import snapshots

D = date.fromisoformat
AS_OF = D("2026-06-15")


def plan_rows(app: App) -> list[tuple[Any, ...]]:
    with app.store.session() as s:
        return [tuple(r) for r in s.execute(select(
            OnboardingPlan.account_id, OnboardingPlan.template, OnboardingPlan.started_on,
            OnboardingPlan.status, OnboardingPlan.completed_on, OnboardingPlan.value_on)
            .order_by(OnboardingPlan.account_id)).all()]


def milestone_rows(app: App) -> list[tuple[Any, ...]]:
    with app.store.session() as s:
        return [tuple(r) for r in s.execute(select(
            OnboardingMilestone.account_id, OnboardingMilestone.key,
            OnboardingMilestone.due_on, OnboardingMilestone.completed_on,
            OnboardingMilestone.completed_by, OnboardingMilestone.evidence)
            .order_by(OnboardingMilestone.account_id, OnboardingMilestone.position)).all()]


def enrol_all(app: App) -> None:
    for a in ("A1", "A2", "A3"):
        assert enrol(app, account_id=a, as_of=AS_OF) is not None


def test_enrol_chooses_the_template_by_segment_and_counts_due_days_from_the_first_paid_day(
        small: App) -> None:
    enrol_all(small)
    assert plan_rows(small) == [
        ("A1", "ent", D("2026-04-01"), "active", None, None),  # enterprise; pays from 04-01
        ("A2", "std", D("2026-05-01"), "active", None, None),  # smb: the fallback template
        ("A3", "std", AS_OF, "active", None, None),  # never paid: starts on the day enrolled
    ]
    due = {(a, k): d for a, k, d, *_ in milestone_rows(small)}
    # 04-01 + 7 / 30 / 60 / 90 days; 05-01 + 14 / 30; 06-15 + 14 / 30.
    assert due == {("A1", "kickoff"): D("2026-04-08"), ("A1", "integration"): D("2026-05-01"),
                   ("A1", "users"): D("2026-05-31"), ("A1", "signoff"): D("2026-06-30"),
                   ("A2", "integration"): D("2026-05-15"), ("A2", "report"): D("2026-05-31"),
                   ("A3", "integration"): D("2026-06-29"), ("A3", "report"): D("2026-07-15")}
    # A second enrolment while a plan is active makes none.
    assert enrol(small, account_id="A1", as_of=AS_OF) is None
    assert len(plan_rows(small)) == 3
    with pytest.raises(WorkError, match="no account 'ZZ'"):
        enrol(small, account_id="ZZ", as_of=AS_OF)


def test_update_completes_milestones_from_activities_events_and_a_metric_rule(
        small: App) -> None:
    enrol_all(small)
    run = update_onboarding(small, as_of=AS_OF)
    assert run.as_dict() == {"as_of": "2026-06-15", "enrolled": 0,  # no snapshots: none
                             "milestones_completed": 4, "plans_completed": 0,
                             "overdue": 1, "stalled_plans": 1, "no_template": 0}
    assert milestone_rows(small) == [
        # the meeting of 03-25 is before the start and the one of 04-03 no kickoff; the
        # kickoff *call* of 04-05 is not a meeting
        ("A1", "kickoff", D("2026-04-08"), D("2026-04-10"), "auto",
         "activity meeting on 2026-04-10"),
        # 03-20 is before the start; 04-20 23:30 UTC is on 04-20
        ("A1", "integration", D("2026-05-01"), D("2026-04-20"), "auto",
         "event integration_connected on 2026-04-20"),
        # u1 and u2 active on 06-01, within the 30 days to 06-15: mau = 2
        ("A1", "users", D("2026-05-31"), AS_OF, "auto", "mau >= 2 held on 2026-06-15 (mau = 2)"),
        ("A1", "signoff", D("2026-06-30"), None, None, None),  # by hand only
        # A2 connected only on 06-20, after the as-of day
        ("A2", "integration", D("2026-05-15"), None, None, None),
        ("A2", "report", D("2026-05-31"), D("2026-05-10"), "auto",
         "event first_report_created on 2026-05-10"),
        ("A3", "integration", D("2026-06-29"), None, None, None),
        ("A3", "report", D("2026-07-15"), None, None, None),
    ]
    # First value: A1's integration on 04-20 (19 days), A2's first report on 05-10 (9 days).
    assert [(a, v) for a, *_, v in plan_rows(small)] == [
        ("A1", D("2026-04-20")), ("A2", D("2026-05-10")), ("A3", None)]

    # The same day again changes nothing.
    before = (plan_rows(small), milestone_rows(small))
    again = update_onboarding(small, as_of=AS_OF)
    assert (again.milestones_completed, again.plans_completed, again.enrolled) == (0, 0, 0)
    assert (plan_rows(small), milestone_rows(small)) == before

    # On 06-20 A2's integration arrives: its plan is complete on that day, value unchanged.
    later = update_onboarding(small, as_of=D("2026-06-20"))
    assert (later.milestones_completed, later.plans_completed) == (1, 1)
    assert plan_rows(small)[1] == ("A2", "std", D("2026-05-01"), "completed", D("2026-06-20"),
                                   D("2026-05-10"))


def test_overdue_and_stalled_milestones(small: App) -> None:
    enrol_all(small)
    update_onboarding(small, as_of=AS_OF)
    frame = overdue_milestones(small.store, as_of=AS_OF)
    assert list(frame.columns) == ["account_id", "plan_id", "template", "milestone", "title",
                                   "due_on", "days_overdue"]
    # Only A2's integration (due 05-15) is open past its due day: 31 days on 06-15.
    assert frame.drop(columns="plan_id").values.tolist() == [
        ["A2", "std", "integration", "Integration live", D("2026-05-15"), 31]]
    # On 07-05: A1 signoff due 06-30 (5 days), A2 integration (51), A3 integration due 06-29
    # (6). Stalled after 5 days: more than 5 days overdue, so A1's 5 days are not stalled.
    late = D("2026-07-05")
    assert [(r.account_id, r.milestone, r.days_overdue)
            for r in overdue_milestones(small.store, as_of=late).itertuples()] == [
        ("A1", "signoff", 5), ("A2", "integration", 51), ("A3", "integration", 6)]
    assert [(r.account_id, r.days_overdue) for r in overdue_milestones(
        small.store, as_of=late, stalled_after_days=5).itertuples()] == [("A2", 51), ("A3", 6)]
    # A cancelled plan has nothing overdue.
    cancel_plan(small.store, account_id="A3")
    assert list(overdue_milestones(small.store, as_of=late, stalled_after_days=5)
                ["account_id"]) == ["A2"]


def test_completing_by_hand_finishes_the_plan(small: App) -> None:
    enrol_all(small)
    update_onboarding(small, as_of=AS_OF)
    templates = load_templates(small.settings.onboarding.plans)
    m = complete_milestone(small.store, account_id="A1", key="signoff", day=D("2026-06-16"),
                           by="ana@csm.example", templates=templates)
    assert (m["completed_on"], m["completed_by"]) == (D("2026-06-16"), "ana@csm.example")
    # Every milestone of A1 is done: the plan completed on the last completion day.
    assert plan_rows(small)[0] == ("A1", "ent", D("2026-04-01"), "completed", D("2026-06-16"),
                                   D("2026-04-20"))
    with pytest.raises(WorkError, match="'signoff' was already completed on 2026-06-16"):
        complete_milestone(small.store, account_id="A1", key="signoff", day=AS_OF, by=None)
    with pytest.raises(WorkError, match="no active onboarding plan"):
        cancel_plan(small.store, account_id="A1")
    with pytest.raises(WorkError, match=r"no milestone 'nope'.*integration, report"):
        complete_milestone(small.store, account_id="A2", key="nope", day=AS_OF, by=None)
    with pytest.raises(WorkError, match="already completed on 2026-05-10"):
        complete_milestone(small.store, account_id="A2", key="report", day=AS_OF, by=None)
    with pytest.raises(WorkError, match="before the plan started"):
        complete_milestone(small.store, account_id="A2", key="integration",
                           day=D("2026-04-30"), by=None)


def test_plan_status_and_time_to_value(small: App) -> None:
    enrol_all(small)
    update_onboarding(small, as_of=AS_OF)
    st = plan_status(small.store, "A1", as_of=AS_OF)
    assert (st["template"], st["status"], st["milestones_done"], st["milestones_total"],
            st["percent_complete"], st["time_to_value_days"], st["next_milestone"],
            st["overdue"]) == ("ent", "active", 3, 4, 75.0, 19, "signoff", 0)
    assert [m["overdue"] for m in plan_status(small.store, "A2", as_of=AS_OF)["milestones"]
            ] == [True, False]
    assert plan_status(small.store, "A9")["status"] == "none"

    # Within 30 days: A1 19 days, A2 9 days; A3 started 06-15, too recent to count.
    ttv = time_to_value(small.store, as_of=AS_OF, within_days=30).summary
    assert ttv.to_dict("records") == [
        {"template": "ent", "plans": 1, "reached": 1, "median_days": 19.0, "eligible": 1,
         "within": 1, "share_within": 1.0},
        {"template": "std", "plans": 2, "reached": 1, "median_days": 9.0, "eligible": 1,
         "within": 1, "share_within": 1.0}]
    # Within 10 days: A1's 19 days is too slow.
    ten = time_to_value(small.store, as_of=AS_OF, within_days=10).summary
    assert list(ten["share_within"]) == [0.0, 1.0]
    # As of 05-05 no value is known yet for A2 (reached 05-10), and A3 had not started.
    early = time_to_value(small.store, as_of=D("2026-05-05"), within_days=30)
    assert early.plans[["account_id", "days"]].fillna(-1).values.tolist() == [
        ["A1", 19.0], ["A2", -1]]


def test_auto_enrolment_from_the_snapshots_lifecycle(small: App) -> None:
    snapshots(small, [("A1", "enterprise", "onboarding"), ("A2", "smb", "onboarding"),
                      ("A3", "smb", "prospect")], AS_OF)
    run = update_onboarding(small, as_of=AS_OF)
    # A1: kickoff, integration and the mau rule; A2: its first report (as in the test above)
    assert (run.enrolled, run.milestones_completed) == (2, 4)
    assert [(a, t, s) for a, t, s, *_ in plan_rows(small)] == [
        ("A1", "ent", D("2026-04-01")), ("A2", "std", D("2026-05-01"))]
    assert update_onboarding(small, as_of=AS_OF).enrolled == 0
    # A cancelled plan is not started again by the next run.
    cancel_plan(small.store, account_id="A2")
    assert update_onboarding(small, as_of=AS_OF).enrolled == 0
    by_segment = time_to_value(small.store, as_of=AS_OF, by="segment").summary
    assert list(by_segment["segment"]) == ["enterprise"]  # A2's plan is cancelled
    small.settings.onboarding.auto_enrol = False
    snapshots(small, [("A3", "smb", "onboarding")], AS_OF)
    assert update_onboarding(small, as_of=AS_OF).enrolled == 0
