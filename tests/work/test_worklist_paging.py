"""The worklist ordered and paged by the database: every page, put together, is the order
written out in plain Python over all tasks (priority, ARR at risk, due date, id), with ties,
tasks of accounts without a snapshot, snoozes that ended and a CSM's scope; on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tenure import init_workspace
from tenure.access import AccountScope, Principal
from tenure.playbooks.tasks import worklist, worklist_page
from tenure.store import AccountSnapshot, AppStore, Task

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0)
CSM = "csm@example.com"
PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


def _seed(store: AppStore) -> list[dict[str, Any]]:
    """30 accounts (3 without a snapshot) and 90 tasks with ties in priority, ARR at risk
    and due date; returns each task's sort fields, worked out here from the raw columns."""
    snaps: dict[str, dict[str, Any]] = {}
    with store.session() as s:
        for i in range(27):
            mrr = None if i % 9 == 0 else float(100 * (i % 4))  # ties, zeros, none
            p = None if i % 2 else round(0.1 * (i % 5), 2)
            score = None if i % 10 == 0 else float(40 + (i * 7) % 30)
            owner = CSM if i % 3 == 0 else "other@example.com"  # stored lower case
            snaps[f"a-{i:02d}"] = {"mrr": mrr, "p": p, "score": score, "owner": owner}
            s.add(AccountSnapshot(
                account_id=f"a-{i:02d}", as_of=DAY, name=f"Account {i}", segment="smb",
                owner=owner, lifecycle="active", mrr=mrr, currency="USD", score=score,
                band=None if score is None else "yellow", churn_probability=p,
                drags="[]", scored_at=NOW))
        for j in range(90):
            account = f"a-{j % 30:02d}"  # a-27..a-29 have no snapshot
            status, snoozed = "open", None
            if j % 13 == 0:
                status, snoozed = "snoozed", DAY - timedelta(days=1)  # ended: open
            elif j % 17 == 0:
                status, snoozed = "snoozed", DAY + timedelta(days=3)  # still snoozed
            elif j % 19 == 0:
                status = "closed"
            s.add(Task(
                account_id=account, playbook="p", reason_key=f"k{j}", title=f"Task {j}",
                type="risk", priority=("urgent", "high", "medium", "low", "weird")[j % 5],
                owner=CSM, status=status, snoozed_until=snoozed,
                due_on=None if j % 4 == 0 else DAY + timedelta(days=j % 3),
                steps=json.dumps([]), created_on=DAY, created_at=NOW, updated_at=NOW,
                arr=float(1200 * (j % 3)), score=float(50 + j % 2), band="yellow"))
    rows = []
    with store.session() as s:
        for t in s.query(Task):
            snap = snaps.get(t.account_id)
            if snap is not None:  # the account's latest snapshot, as the worklist says
                arr = 12 * snap["mrr"] if snap["mrr"] is not None else t.arr
                p, score = snap["p"], snap["score"]
            else:  # no snapshot: the task's own figures
                arr, p, score = t.arr, None, t.score
            if p is None:
                p = (100 - score) / 100 if score is not None else 0.0
            status = t.status
            if status == "snoozed" and t.snoozed_until <= DAY:
                status = "open"
            rows.append({"id": t.id, "priority": t.priority, "risk": p * (arr or 0.0),
                         "due": t.due_on, "status": status, "account_id": t.account_id,
                         "owner": None if snap is None else snap["owner"]})
    return rows


def _expected(rows: list[dict[str, Any]], status: str = "open") -> list[int]:
    chosen = [r for r in rows if status == "all" or r["status"] == status]
    chosen.sort(key=lambda r: (PRIORITY_RANK.get(r["priority"], 4), -r["risk"],
                               r["due"] is None, r["due"] or date.min, r["id"]))
    return [r["id"] for r in chosen]


def _paged(store: AppStore, limit: int, **kw: Any) -> tuple[list[int], set[int]]:
    ids, totals, page = [], set(), 1
    while True:
        rows, total = worklist_page(store, as_of=DAY, page=page, limit=limit, **kw)
        totals.add(total)
        if not rows:
            return ids, totals
        ids += [r["id"] for r in rows]
        page += 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> AppStore:
    monkeypatch.delenv("TENURE_APP_DB__URL", raising=False)
    home = tmp_path / "ws"
    home.mkdir()
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_db_url")
        (home / "tenure.toml").write_text(f'[app_db]\nurl = "{url}"\n')
    app = init_workspace(home)
    request.addfinalizer(app.close)
    return app.store


@pytest.mark.parametrize("status", ["open", "snoozed", "closed", "all"])
def test_pages_put_together_are_the_plain_python_order(store: AppStore, status: str) -> None:
    rows = _seed(store)
    expected = _expected(rows, status)
    assert expected  # each status has tasks in the sample
    ids, totals = _paged(store, 7, status=status)
    assert ids == expected
    assert totals == {len(expected)}
    assert [r["id"] for r in worklist(store, as_of=DAY, status=status)] == expected


def test_a_csms_pages_hold_only_their_book(store: AppStore) -> None:
    rows = _seed(store)
    scope = AccountScope.of(Principal(id=1, email=CSM, name=None, role="csm"))
    book = [r for r in rows if (r["owner"] or "").lower() == CSM]
    ids, totals = _paged(store, 5, scope=scope)
    assert ids == _expected(book)
    assert totals == {len(_expected(book))}


def test_a_page_past_the_end_is_empty_with_the_total(store: AppStore) -> None:
    rows = _seed(store)
    assert worklist_page(store, as_of=DAY, page=99, limit=10) == ([], len(_expected(rows)))
