"""Onboarding templates: the built-in ones, the choice by segment, and validation that lists
every problem with its place."""

from __future__ import annotations

from typing import Any

import pytest

from tenure.errors import WorkError
from tenure.onboarding import load_templates


def test_builtin_templates_serve_every_sample_segment_and_mark_first_value() -> None:
    t = load_templates()
    assert [(p.name, p.segments) for p in t.plans] == [
        ("enterprise", ("enterprise",)), ("mid_market", ("mid_market",)), ("smb", ("smb",)),
        ("standard", ())]
    ent = t.get("enterprise")
    # The enterprise example: kickoff 7 d, integration 30 d, first report 45 d,
    # five active users 60 d, success plan agreed by hand 30 d.
    assert {m.key: (m.due_days, m.completes_by) for m in ent.milestones} == {
        "kickoff_held": (7, "activity meeting"),
        "success_plan_agreed": (30, "by hand"),
        "integration_live": (30, "event integration_connected"),
        "first_report": (45, "event first_report_created"),
        "five_active_users": (60, "metric mau >= 5")}
    # First value: the same events as adoption.value_milestones.
    assert ent.value_keys() == {"integration_live", "first_report"}
    assert t.for_segment("smb") is t.get("smb")
    assert t.for_segment("startup") is t.get("standard")
    assert t.for_segment(None) is t.get("standard")
    assert t.metrics() == ["mau"]


def test_validation_lists_every_problem_with_its_place() -> None:
    declared: list[dict[str, Any]] = [
        {"name": "a", "segments": ["smb"], "colour": "red", "milestones": [
            {"key": "k1", "title": "One", "due_days": 0, "event": "x"},
            {"key": "k1", "title": "Two", "due_days": 5, "metric": "nosuch >= 2"},
            {"key": "k3", "title": "Three", "due_days": 5, "event": "x", "metric": "mau > 1"},
            {"key": "k4", "title": "Four", "due_days": 5, "activity": "lunch"},
            {"key": "k5", "title": "Five", "due_days": 5, "metric": "mau >>> 1"},
        ]},
        {"name": "b", "segments": [], "milestones": []},
        {"name": "c", "segments": [], "milestones": [
            {"title": "No key", "due_days": "ten", "activity_summary_contains": "kickoff"}]},
        {"name": "a", "segments": ["smb"], "milestones": [
            {"key": "ok", "title": "Fine", "due_days": 3, "value": "yes"}]},
    ]
    with pytest.raises(WorkError) as exc:
        load_templates(declared)
    assert exc.value.problems == [
        "onboarding.plans[0] a: unknown key 'colour'",
        "onboarding.plans[0] a.milestones[0] k1: due_days must be a whole number of days "
        "above 0, not 0",
        "onboarding.plans[0] a.milestones[1] k1: metric rule reads 'nosuch', which is neither "
        "a per-account metric nor an account attribute (see `tenure metrics --list`)",
        "onboarding.plans[0] a.milestones[1]: duplicate key 'k1'",
        "onboarding.plans[0] a.milestones[2] k3: choose one of event, activity or metric, "
        "not event and metric",
        "onboarding.plans[0] a.milestones[3] k4: unknown activity kind 'lunch' (kinds: call, "
        "email, meeting, qbr, note, webinar, training, community)",
        "onboarding.plans[0] a.milestones[4] k5: metric: 'mau >>> 1' is not an expression: "
        "invalid syntax",
        "onboarding.plans[1] b: declare at least one milestone ([[onboarding.plans.milestones]])",
        "onboarding.plans[2] c.milestones[0]: key is missing",
        "onboarding.plans[2] c.milestones[0]: due_days must be a whole number of days above 0, "
        "not 'ten'",
        "onboarding.plans[2] c.milestones[0]: activity_summary_contains is a text and needs "
        "activity",
        "onboarding.plans[3] a.milestones[0] ok: value must be true or false",
        "onboarding.plans: two templates named 'a'",
        "onboarding.plans: segment 'smb' is in both [0] a and [3] a",
        "onboarding.plans: more than one fallback template (no segments): 'b', 'c'",
    ]
    assert str(exc.value).startswith("the onboarding templates have 15 problem(s): ")


def test_a_workspace_without_templates_is_a_problem() -> None:
    with pytest.raises(WorkError, match="declare at least one template"):
        load_templates([])
