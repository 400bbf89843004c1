"""A workspace with three scored accounts in two books, their tasks and one user per role,
served by the API through fastapi's TestClient (httpx) on a fixed clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from tenure import App
from tenure.access import add_user, issue_token
from tenure.api import build_api
from tenure.privacy.requests import file_request
from tenure.store import (
    AccountExplanation,
    AccountSnapshot,
    HealthHistory,
    SuccessGoal,
    Task,
)

NOW = datetime(2026, 11, 20, 9, 0)
DAY = NOW.date()
PASSWORD = "correct horse battery"
ROLES = ("admin", "manager", "csm", "viewer")
CSM = "csm@example.com"
OTHER_CSM = "other@example.com"


def _snapshot(account_id: str, name: str, owner: str | None, score: float, band: str,
              mrr: float, segment: str) -> AccountSnapshot:
    return AccountSnapshot(
        account_id=account_id, as_of=DAY, name=name, segment=segment, owner=owner,
        lifecycle="active", mrr=mrr, currency="USD", renewal_date=date(2027, 1, 31),
        profile="default", score=score, band=band, score_before=score + 5, trend="down",
        top_drag="fewer logins", drags=json.dumps(["fewer logins"]), scored_at=NOW)


def _explanation(account_id: str, score: float) -> AccountExplanation:
    return AccountExplanation(account_id=account_id, explanation=json.dumps(
        [{"group": "adoption", "label": "Adoption", "score": score, "weight": 1.0,
          "measures": []}]))


def _task(account_id: str, title: str, owner: str | None, priority: str = "high") -> Task:
    return Task(account_id=account_id, playbook=None, reason_key=None, title=title,
                reason="low health", type="risk", priority=priority, owner=owner,
                status="open", due_on=date(2026, 11, 25), steps=json.dumps(["call them"]),
                created_on=DAY, created_at=NOW, created_by="playbook", updated_at=NOW)


def _goal(account_id: str, title: str, by: str) -> SuccessGoal:
    return SuccessGoal(account_id=account_id, title=title, status="open", created_by=by,
                       created_at=NOW, updated_at=NOW)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs, so that each test's five users do not take a second
    (test_access.py checks the real parameters)."""
    monkeypatch.setattr("tenure.access._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class World:
    app: App
    client: TestClient
    tokens: dict[str, str]
    tasks: dict[str, int]  # account_id -> its task id
    goals: dict[str, int]  # account_id -> its success-plan goal id
    users: dict[str, int]  # role -> the id of that role's user
    privacy_request: int  # a pending erasure request

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def world(app: App) -> Iterator[World]:
    with app.store.session() as s:
        # Owners are stored lower case (store.models.owner_key); sign-in emails are
        # normalised the same way, so "CSM@example.com " finds this book.
        s.add(_snapshot("a-1", "Acme", CSM, 42.0, "red", 1000.0, "smb"))
        s.add(_snapshot("a-2", "Globex", OTHER_CSM, 81.0, "green", 5000.0, "enterprise"))
        s.add(_snapshot("a-3", "Initech", None, 63.0, "yellow", 300.0, "smb"))
        s.add_all([_explanation("a-1", 42.0), _explanation("a-2", 81.0),
                   _explanation("a-3", 63.0)])
        for d, sc in ((date(2026, 11, 1), 50.0), (DAY, 42.0)):
            s.add(HealthHistory(account_id="a-1", day=d, score=sc, band="red"))
        t1, t2 = _task("a-1", "Call Acme", CSM), _task("a-2", "Call Globex", OTHER_CSM)
        s.add_all([t1, t2])
        s.flush()
        tasks = {"a-1": t1.id, "a-2": t2.id}
        g1, g2 = _goal("a-1", "Roll out to sales", CSM), _goal("a-2", "Add SSO", OTHER_CSM)
        s.add_all([g1, g2])
        s.flush()
        goals = {"a-1": g1.id, "a-2": g2.id}
    tokens, users = {}, {}
    for role in ROLES:
        email = CSM if role == "csm" else f"{role}@example.com"
        users[role] = add_user(app.store, email=email, role=role, password=PASSWORD,
                               now=NOW)[0]["id"]
        tokens[role] = issue_token(app.store, email=email, name="test", now=NOW)[1]
    add_user(app.store, email=OTHER_CSM, role="csm", password=PASSWORD, now=NOW)
    pending = file_request(app, kind="erasure", email="gone@example.com", now=NOW,
                           requested_by="admin@example.com", via="cli")
    api = build_api(app, clock=lambda: NOW)
    with TestClient(api, base_url="http://127.0.0.1") as client:
        yield World(app=app, client=client, tokens=tokens, tasks=tasks, goals=goals,
                    users=users, privacy_request=int(pending["id"]))
