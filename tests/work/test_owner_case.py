"""Owners' emails are stored trimmed and lower case, so that a CSM's book and tasks are found
by an indexed equality whatever case the source or the person typed."""

from __future__ import annotations

from datetime import date, datetime

from tenure import App
from tenure.access import AccountScope, Principal
from tenure.playbooks.engine import resolve_owner
from tenure.playbooks.tasks import worklist
from tenure.store import Task
from tenure.store.models import owner_key

NOW = datetime(2026, 11, 20, 9, 0)


def test_owner_key() -> None:
    assert owner_key(" Lee@Example.COM ") == "lee@example.com"
    assert owner_key("") is None and owner_key("  ") is None and owner_key(None) is None


def test_playbook_owners_are_stored_lower_case() -> None:
    assert resolve_owner("account", {"owner": "Lee@Example.com"}, "") == "lee@example.com"
    assert resolve_owner("account", {"owner": None}, "Desk@Example.com") == "desk@example.com"
    assert resolve_owner("Boss@Example.com", {"owner": "x@example.com"}, "") == \
        "boss@example.com"


def test_the_worklist_finds_an_owner_typed_in_any_case(app: App) -> None:
    with app.store.session() as s:
        s.add(Task(account_id="a-1", title="Call", type="risk", priority="high",
                   owner=owner_key("Lee@Example.com"), status="open",
                   created_on=date(2026, 11, 1), created_at=NOW, updated_at=NOW))
    found = worklist(app.store, as_of=date(2026, 11, 20), owner=" LEE@example.COM")
    assert [t["title"] for t in found] == ["Call"]
    # A CSM signed in with any case sees the task of their book only through the snapshot;
    # the scope compares the normalised sign-in email with the stored owner.
    scope = AccountScope.of(Principal(id=1, email="lee@example.com", name=None, role="csm"))
    assert scope.owner_email == "lee@example.com"
