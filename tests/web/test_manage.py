"""The Playbooks page (playbooks in force, their tasks over one's book, effectiveness for
managers) and the admins' audit log page."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tenure.playbooks import load_playbooks
from tenure.store import Task

from .conftest import CSM, NOW, OTHER_CSM, sign_in


def _task(account_id: str, playbook: str, owner: str, status: str,
          outcome: str | None = None) -> Task:
    return Task(account_id=account_id, playbook=playbook, reason_key=f"{playbook}-{status}",
                title=f"{playbook} {account_id}", type="risk", priority="high", owner=owner,
                status=status, outcome=outcome, created_on=date(2026, 11, 1), created_at=NOW,
                created_by="playbook", updated_at=NOW)


@pytest.fixture
def playbook_tasks(world):
    # a-1 is the CSM's book, a-2 the other CSM's: 3 + 2 health-red tasks, 1 usage-drop.
    with world.app.store.session() as s:
        s.add_all([
            _task("a-1", "health-red", CSM, "open"),
            _task("a-1", "health-red", CSM, "closed", "saved"),
            _task("a-1", "usage-drop", CSM, "snoozed"),
            _task("a-2", "health-red", OTHER_CSM, "closed", "churned"),
            _task("a-2", "health-red", OTHER_CSM, "open"),
        ])
    return world


def _row(html: str, playbook: str) -> list[str]:
    """The cells of a playbook's row, as text."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    row = next(r for r in rows if f'<div class="muted">{playbook}' in r)
    return [re.sub(r"<[^>]+>", " ", c).split()[0] if re.sub(r"<[^>]+>", " ", c).split()
            else "" for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]


def test_every_playbook_in_force_is_listed(playbook_tasks) -> None:
    sign_in(playbook_tasks.client, CSM)
    html = playbook_tasks.client.get("/playbooks").text

    for p in load_playbooks(playbook_tasks.app.settings):
        assert f'<div class="muted">{p.name}' in html


def test_a_csm_counts_only_their_books_tasks(playbook_tasks) -> None:
    sign_in(playbook_tasks.client, CSM)
    html = playbook_tasks.client.get("/playbooks").text

    # tasks, open, snoozed, saved, churned, expanded, no_action_needed
    assert _row(html, "health-red")[3:10] == ["2", "1", "0", "1", "0", "0", "0"]
    assert _row(html, "usage-drop")[3:6] == ["1", "0", "1"]
    assert "Churn after" not in html  # the company-wide comparison is for managers


def test_a_manager_sees_every_task_and_the_effectiveness(playbook_tasks) -> None:
    sign_in(playbook_tasks.client, "manager@example.com")
    html = playbook_tasks.client.get("/playbooks").text

    assert _row(html, "health-red")[3:8] == ["4", "2", "0", "1", "1"]
    assert "Churn after" in html
    assert "observational" in html.lower()


def test_the_audit_page_is_for_admins_only(world) -> None:
    for email in (CSM, "manager@example.com", "viewer@example.com"):
        world.client.cookies.clear()
        sign_in(world.client, email)
        assert world.client.get("/admin/audit").status_code == 403
    world.client.cookies.clear()
    assert world.client.get("/admin/audit", follow_redirects=False).status_code == 303


def test_the_audit_page_shows_who_read_and_changed_what(world) -> None:
    sign_in(world.client, CSM)
    world.client.get("/accounts/a-1")  # a read of personal data, audited
    world.client.cookies.clear()
    sign_in(world.client, "admin@example.com")

    everything = world.client.get("/admin/audit").text
    reads = world.client.get("/admin/audit", params={"who": CSM.upper(),
                                                     "action": "account"}).text
    logins = world.client.get("/admin/audit", params={"action": "auth"}).text

    assert "<td>account.read</td>" in everything and "<td>auth.login</td>" in everything
    assert re.search(r"<td>csm@example.com</td>\s*<td>account.read</td>", reads)
    assert "<td>auth.login</td>" not in reads
    assert "a-1" in reads
    assert "<td>account.read</td>" not in logins
    assert logins.count("<td>auth.login</td>") == 2  # the CSM's and the admin's


def test_the_audit_page_pages(world) -> None:
    from tenure.access import record_audit

    for i in range(130):
        record_audit(world.app.store, who=None, action="test.entry", via="cli", now=NOW,
                     object_type="thing", object_id=str(i))
    sign_in(world.client, "admin@example.com")

    first = world.client.get("/admin/audit", params={"action": "test"}).text
    second = world.client.get("/admin/audit", params={"action": "test", "page": 2}).text

    assert "page 1 of 2" in first and "page 2 of 2" in second
    assert first.count("<td>test.entry</td>") == 100
    assert second.count("<td>test.entry</td>") == 30
