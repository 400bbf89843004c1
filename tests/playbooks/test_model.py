"""Playbook declarations: merged by name with the built-in ones, every problem listed."""

from __future__ import annotations

from typing import Any

import pytest

from tenure.errors import WorkError
from tenure.playbooks import build_playbooks, load_playbooks
from tenure.settings import PlaybookSettings, Settings


def settings(playbooks: list[dict[str, Any]]) -> Settings:
    return Settings(playbooks=PlaybookSettings(playbook=playbooks))


def test_the_built_in_playbooks_are_valid_and_cover_the_issue_s_triggers() -> None:
    books = load_playbooks(Settings())
    kinds = {p.trigger.kind for p in books}
    assert kinds >= {"health_band", "health_drop", "churn_risk", "nps_detractor", "csat_low",
                     "renewal_at_risk", "onboarding_overdue", "usage_drop", "ticket_spike",
                     "seat_utilization", "champion_left", "checkin_overdue"}
    assert all(p.builtin and p.task_action() is not None for p in books)


def test_workspace_playbooks_merge_by_name() -> None:
    books = build_playbooks(settings([
        {"name": "health-red", "enabled": False},  # switches the built-in one off
        {"name": "nps-detractor", "trigger": {"kind": "nps_detractor", "max_score": 4},
         "actions": [{"kind": "task", "priority": "urgent"}]},  # replaces it whole
        {"name": "vip-red", "trigger": {"kind": "health_band", "band": "red"},
         "when": "segment == 'enterprise' and arr >= 100000",
         "actions": [{"kind": "slack", "text": "{account} entered red"}]},
    ]))
    by = {p.name: p for p in books}
    assert by["health-red"].enabled is False
    assert by["health-red"].trigger.params == {"band": "red"}  # the rest kept
    assert by["nps-detractor"].trigger.params == {"max_score": 4}
    assert [a.kind for a in by["nps-detractor"].actions] == ["task"]  # no email any more
    assert not by["nps-detractor"].builtin
    assert books[-1].name == "vip-red"  # new ones come after the built-in ones
    assert by["vip-red"].metrics() == {"arr"}
    assert "health-red" not in {p.name for p in load_playbooks(settings([
        {"name": "health-red", "enabled": False}]))}


def test_validation_lists_every_problem_with_its_place() -> None:
    with pytest.raises(WorkError) as info:
        build_playbooks(settings([
            {"name": "renewal-risk", "trigger": {"kind": "renewal_at_risk", "within_days": 0},
             "actions": [{"kind": "task"}]},
            {"name": "x", "trigger": {"kind": "nope"},
             "actions": [{"kind": "task", "priority": "asap", "owner": "someone"}]},
            {"name": "y", "trigger": {"kind": "health_band", "band": "purple"},
             "when": "no_such_metric > 1",
             "actions": [{"kind": "slack", "text": "{owner}: {account}"}, {"kind": "fax"}]},
            {"name": "z", "trigger": {"kind": "ticket_spike", "days": 7}, "actions": []},
        ]))
    problems = info.value.problems
    expected = [
        "playbooks.playbook[0] renewal-risk.trigger.within_days: must be above 0",
        "playbooks.playbook[0] renewal-risk.trigger: say what 'at risk' means",
        "playbooks.playbook[1] x.trigger.kind: must be one of",
        "playbooks.playbook[1] x.actions[0].priority: must be one of urgent, high, medium, "
        "low, not 'asap'",
        "playbooks.playbook[1] x.actions[0].owner: must be \"account\"",
        "playbooks.playbook[2] y.trigger.band: 'purple' is not a health band (red, yellow, "
        "green)",
        "playbooks.playbook[2] y.when reads 'no_such_metric'",
        "playbooks.playbook[2] y.actions[0].text: unknown placeholder {owner} (a message that "
        "leaves the company carries no one's email)",
        "playbooks.playbook[2] y.actions[1].kind: must be one of",
        "playbooks.playbook[3] z.trigger.min_tickets: is missing",
        "playbooks.playbook[3] z.actions: declare at least one action",
    ]
    for text in expected:
        assert sum(p.startswith(text) for p in problems) == 1, (text, problems)
    assert len(problems) == len(expected), problems
    assert str(info.value).startswith(f"the playbooks have {len(expected)} problem(s): ")
