"""The routes beyond accounts and tasks: metrics, playbooks, onboarding and success plans,
the timeline and logging a touchpoint, survey responses and feedback, people; and the
accounts list paged and sorted by the database, checked against a plain Python sort."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import CSM, DAY, NOW, OTHER_CSM, World

from tenure import init_workspace
from tenure.access import audit_entries
from tenure.health.history import SORTS, snapshot_page
from tenure.store import AccountSnapshot, AppStore


def _get(world: World, role: str, path: str, **params: Any) -> Any:
    resp = world.client.get(path, headers=world.auth(role), params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _actions(world: World, user: str) -> list[str]:
    return [e["action"] for e in audit_entries(world.app.store, user=user)]


# --- paging and sorting in SQL ----------------------------------------------------------------


def _many(world: World) -> list[dict[str, Any]]:
    return _seed(world.app.store)


def _seed(store: AppStore) -> list[dict[str, Any]]:
    """40 more accounts with ties, missing scores, churn probabilities, MRR and renewals,
    names that a locale's collation orders differently from code points ("a-c" < "ab"),
    half of them in the CSM's book; returns every account's sort fields (those already
    there included)."""
    rows = []
    with store.session() as s:
        for i in range(40):
            score = None if i % 7 == 0 else float(30 + (i * 13) % 50)  # ties: 13i mod 50
            churn = None if i % 3 else round(0.05 * (i % 10), 2)
            mrr = None if i % 11 == 0 else float(100 * (i % 6))  # ties, and zeros
            renewal = None if i % 5 == 0 else date(2027, 1, 1) + timedelta(days=i % 9)
            name = ["beta", "Alpha", "a-c", None, "ab", "a b", "Zed"][i % 7]
            s.add(AccountSnapshot(
                account_id=f"b-{i:02d}", as_of=DAY, name=name, segment="smb",
                owner=CSM if i % 2 else OTHER_CSM, lifecycle="active", mrr=mrr,
                currency="USD", renewal_date=renewal, score=score,
                band=None if score is None else "yellow", churn_probability=churn,
                drags=json.dumps([]), scored_at=NOW))
    with store.session() as s:
        for x in s.query(AccountSnapshot):
            rows.append({"account_id": x.account_id, "name": x.name, "owner": x.owner,
                         "score": x.score, "p": x.churn_probability, "mrr": x.mrr,
                         "renewal": x.renewal_date})
    return rows


def _expected(rows: list[dict[str, Any]], sort: str) -> list[str]:
    """The documented order, written out independently of the code under test."""
    def arr(r: dict[str, Any]) -> float:
        return 12 * r["mrr"] if r["mrr"] is not None else 0.0

    def at_risk(r: dict[str, Any]) -> float:
        # ARR at risk: churn probability x ARR, else (100 - score)% of ARR, else nothing.
        if r["p"] is not None:
            return r["p"] * arr(r)
        return (100 - r["score"]) / 100 * arr(r) if r["score"] is not None else 0.0

    keys = {
        "score": lambda r: (r["score"] is None, r["score"] or 0, r["account_id"]),
        "risk": lambda r: (r["score"] is None and r["p"] is None, -at_risk(r),
                           r["account_id"]),
        "arr": lambda r: (-arr(r), r["account_id"]),
        "renewal": lambda r: (r["renewal"] is None, r["renewal"] or date.min,
                              r["account_id"]),
        "name": lambda r: ((r["name"] or "").lower(), r["account_id"]),
    }
    return [r["account_id"] for r in sorted(rows, key=keys[sort])]


@pytest.mark.parametrize("sort", ["score", "risk", "arr", "renewal", "name"])
def test_the_accounts_pages_follow_a_plain_python_sort(world: World, sort: str) -> None:
    rows = _many(world)
    for role, visible in (("manager", rows),
                          ("csm", [r for r in rows if (r["owner"] or "").lower() == CSM])):
        pages, page = [], 1
        while True:
            body = _get(world, role, "/api/v1/accounts", sort=sort, limit=7, page=page)
            assert body["total"] == len(visible)
            if not body["items"]:
                break
            pages += [a["account_id"] for a in body["items"]]
            page += 1

        assert pages == _expected(visible, sort), (role, sort)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                            marks=pytest.mark.postgres)])
def test_the_database_orders_text_by_code_point_on_each_backend(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENURE_APP_DB__URL", raising=False)
    home = tmp_path / "ws"
    home.mkdir()
    if backend == "postgres":
        url = request.getfixturevalue("postgres_db_url")
        (home / "tenure.toml").write_text(f'[app_db]\nurl = "{url}"\n')
    with init_workspace(home) as app:
        rows = _seed(app.store)
        for sort in SORTS:
            got = [r["account_id"] for r in snapshot_page(app.store, sort=sort,
                                                          limit=len(rows))[0]]
            assert got == _expected(rows, sort), sort


def test_a_page_past_the_end_is_empty_with_the_total(world: World) -> None:
    body = _get(world, "admin", "/api/v1/accounts", page=9, limit=2)

    assert body == {"items": [], "total": 3, "page": 9, "limit": 2}


def test_filters_apply_before_paging(world: World) -> None:
    _many(world)
    body = _get(world, "manager", "/api/v1/accounts", health="YELLOW", segment="smb",
                owner=CSM, limit=5)

    # b-01..b-39 odd (the CSM's) with a score, and a-1 is red: counted by hand.
    expected = [f"b-{i:02d}" for i in range(1, 40, 2) if i % 7]
    assert body["total"] == len(expected)
    assert {a["band"] for a in body["items"]} == {"yellow"}


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_sum_the_callers_accounts(world: World) -> None:
    admin = _get(world, "admin", "/api/v1/metrics")
    csm = _get(world, "csm", "/api/v1/metrics")

    # The world: a-1 score 42 MRR 1000, a-2 score 81 MRR 5000, a-3 score 63 MRR 300, no
    # churn model, all renewing on 2027-01-31 (72 days after 2026-11-20).
    assert admin["accounts"] == admin["scored"] == 3
    assert admin["average_score"] == 62.0  # (42 + 81 + 63) / 3
    assert admin["bands"] == {"green": 1, "red": 1, "yellow": 1}
    assert admin["mrr"] == 6300.0 and admin["arr"] == 75600.0
    # 0.58 x 12,000 + 0.19 x 60,000 + 0.37 x 3,600
    assert admin["arr_at_risk"] == pytest.approx(6960 + 11400 + 1332)
    assert admin["renewals_in_window"] == 3 and admin["renewal_arr_in_window"] == 75600.0
    assert admin["source"] == "snapshots"
    assert (csm["accounts"], csm["arr"], csm["arr_at_risk"]) == (1, 12000.0, 6960.0)


# --- playbooks --------------------------------------------------------------------------------


def test_playbooks_are_described_in_words(world: World) -> None:
    books = _get(world, "viewer", "/api/v1/playbooks")
    effect = _get(world, "manager", "/api/v1/playbooks/effect")

    assert books and all(p["trigger"] and p["actions"] for p in books)
    assert {p["name"] for p in books} >= {p["playbook"] for p in effect["playbooks"]}
    assert "not randomised" in effect["caveat"]


# --- onboarding and goals ---------------------------------------------------------------------


def test_an_account_without_onboarding_says_none(world: World) -> None:
    body = _get(world, "csm", "/api/v1/accounts/a-1/onboarding")

    assert (body["status"], body["milestones"]) == ("none", [])


def test_goals_are_added_changed_and_audited(world: World) -> None:
    made = world.client.post("/api/v1/accounts/a-1/goals", headers=world.auth("csm"),
                             json={"title": "  Train support ", "due_on": "2027-02-01"})
    assert made.status_code == 201, made.text
    goal = made.json()
    changed = world.client.patch(f"/api/v1/goals/{goal['goal_id']}", headers=world.auth("csm"),
                                 json={"status": "achieved"}).json()
    listed = _get(world, "csm", "/api/v1/accounts/a-1/goals")
    viewer = _get(world, "viewer", "/api/v1/accounts/a-1/goals")

    assert (goal["title"], goal["created_by"], goal["status"]) == ("Train support", CSM, "open")
    assert (changed["status"], changed["achieved_on"]) == ("achieved", DAY.isoformat())
    assert [g["title"] for g in listed] == ["Roll out to sales", "Train support"]
    assert all(g["created_by"] is None for g in viewer)
    assert _actions(world, CSM)[:2] == ["goal.update", "goal.add"]


def test_another_books_goal_is_not_found_like_a_missing_one(world: World) -> None:
    other = world.client.patch(f"/api/v1/goals/{world.goals['a-2']}",
                               headers=world.auth("csm"), json={"status": "dropped"})
    missing = world.client.patch("/api/v1/goals/9999", headers=world.auth("csm"),
                                 json={"status": "dropped"})

    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["message"] == f"no goal {world.goals['a-2']}"


def test_a_goal_with_a_bad_status_or_metric_is_refused(world: World) -> None:
    status = world.client.patch(f"/api/v1/goals/{world.goals['a-1']}",
                                headers=world.auth("admin"), json={"status": "maybe"})
    metric = world.client.post("/api/v1/accounts/a-1/goals", headers=world.auth("admin"),
                               json={"title": "x", "metric": "no_such_metric", "target": 1})

    assert status.status_code == 422
    assert metric.status_code == 400
    assert "unknown metric" in metric.json()["error"]["message"]


# --- timeline and activities ------------------------------------------------------------------


def test_a_logged_call_is_on_the_timeline_and_audited(world: World) -> None:
    resp = world.client.post("/api/v1/accounts/a-1/activities", headers=world.auth("csm"),
                             json={"kind": "call", "summary": "Renewal is on track",
                                   "occurred_at": "2026-11-19T15:00:00"})
    assert resp.status_code == 201, resp.text

    mine = _get(world, "csm", "/api/v1/accounts/a-1/timeline", kind="activity")
    viewer = _get(world, "viewer", "/api/v1/accounts/a-1/timeline")

    assert [(e["title"], e["detail"], e["actor"]) for e in mine] == [
        ("Call", "Renewal is on track", CSM)]
    assert mine[0]["at"] == "2026-11-19T15:00:00"
    call = next(e for e in viewer if e["kind"] == "activity")
    assert (call["detail"], call["actor"]) == (None, None)
    assert all(e["actor"] is None for e in viewer)
    assert _actions(world, CSM)[:2] == ["timeline.read", "activity.log"]


def test_a_touchpoint_in_the_future_or_of_an_unknown_kind_is_refused(world: World) -> None:
    future = world.client.post("/api/v1/accounts/a-1/activities", headers=world.auth("csm"),
                               json={"kind": "call", "occurred_at": "2026-12-01T00:00:00"})
    kind = world.client.post("/api/v1/accounts/a-1/activities", headers=world.auth("csm"),
                             json={"kind": "carrier pigeon"})

    assert future.status_code == kind.status_code == 400


# --- surveys and feedback ---------------------------------------------------------------------


def _voice(world: World) -> None:
    con = world.app.warehouse.con
    con.execute("INSERT INTO survey_responses (response_id, account_id, survey, score, "
                "responded_at, contact_id, comment) VALUES "
                "('r1', 'a-1', 'nps', 4, '2026-10-01 10:00', 'c-1', 'Too slow'), "
                "('r2', 'a-1', 'csat', 5, '2026-11-01 10:00', 'c-2', 'Great help'), "
                "('r3', 'a-2', 'nps', 9, '2026-11-02 10:00', 'c-9', 'Love it')")
    con.execute("INSERT INTO feedback (feedback_id, account_id, created_at, text, contact_id, "
                "source, feature, status) VALUES "
                "('f1', 'a-1', '2026-11-03 09:00', 'Need SSO', 'c-1', 'call', 'sso', 'new')")


def test_surveys_and_feedback_are_the_accounts_newest_first(world: World) -> None:
    _voice(world)
    surveys = _get(world, "csm", "/api/v1/accounts/a-1/surveys")
    feedback = _get(world, "csm", "/api/v1/accounts/a-1/feedback")

    assert [(r["response_id"], r["score"], r["comment"]) for r in surveys] == [
        ("r2", 5, "Great help"), ("r1", 4, "Too slow")]
    assert [(f["text"], f["contact_id"], f["feature"]) for f in feedback] == [
        ("Need SSO", "c-1", "sso")]
    assert _actions(world, CSM)[:2] == ["feedback.read", "survey_responses.read"]


def test_a_viewer_gets_scores_without_who_said_what(world: World) -> None:
    _voice(world)
    surveys = _get(world, "viewer", "/api/v1/accounts/a-1/surveys")
    feedback = _get(world, "viewer", "/api/v1/accounts/a-1/feedback")

    assert [(r["score"], r["comment"], r["contact_id"]) for r in surveys] == [
        (5, None, None), (4, None, None)]
    assert [(f["text"], f["contact_id"], f["feature"]) for f in feedback] == [
        (None, None, "sso")]
    assert _actions(world, "viewer@example.com") == []


# --- people -----------------------------------------------------------------------------------


def test_an_admin_adds_a_person_who_can_then_sign_in(world: World) -> None:
    made = world.client.post("/api/v1/users", headers=world.auth("admin"),
                             json={"email": "New@Example.com", "role": "csm"})
    assert made.status_code == 201, made.text
    body = made.json()
    login = world.client.post("/api/v1/auth/login",
                              json={"email": "new@example.com", "password": body["password"]})
    again = world.client.post("/api/v1/users", headers=world.auth("admin"),
                              json={"email": "new@example.com", "role": "csm"})
    listed = _get(world, "admin", "/api/v1/users")

    assert (body["email"], body["role"], body["active"]) == ("new@example.com", "csm", True)
    assert login.status_code == 200
    assert again.status_code == 400
    assert "new@example.com" in [u["email"] for u in listed]
    assert all("password" not in u and "password_hash" not in u for u in listed)
    assert "user.add" in _actions(world, "admin@example.com")


def test_a_person_switched_off_loses_access_at_once(world: World) -> None:
    resp = world.client.patch(f"/api/v1/users/{world.users['csm']}",
                              headers=world.auth("admin"), json={"active": False})

    assert resp.status_code == 200 and resp.json()["active"] is False
    assert world.client.get("/api/v1/me", headers=world.auth("csm")).status_code == 401
    log = audit_entries(world.app.store, user="admin@example.com")
    assert (log[0]["action"], log[0]["detail"]) == ("user.update", {"active": False})


def test_the_last_admin_cannot_be_demoted_or_switched_off(world: World) -> None:
    admin = world.users["admin"]
    demote = world.client.patch(f"/api/v1/users/{admin}", headers=world.auth("admin"),
                                json={"role": "viewer"})
    off = world.client.patch(f"/api/v1/users/{admin}", headers=world.auth("admin"),
                             json={"active": False})
    missing = world.client.patch("/api/v1/users/9999", headers=world.auth("admin"),
                                 json={"role": "viewer"})

    assert demote.status_code == off.status_code == 400
    assert "last active admin" in demote.json()["error"]["message"]
    assert missing.status_code == 404


def test_a_second_admin_may_then_be_demoted(world: World) -> None:
    world.client.patch(f"/api/v1/users/{world.users['manager']}", headers=world.auth("admin"),
                       json={"role": "admin"})
    demote = world.client.patch(f"/api/v1/users/{world.users['admin']}",
                                headers=world.auth("manager"), json={"role": "viewer"})

    assert demote.status_code == 200 and demote.json()["role"] == "viewer"



def test_a_viewers_timeline_names_no_ticket_subject_or_goal_wording(world: World) -> None:
    world.app.warehouse.con.execute(
        "INSERT INTO tickets (ticket_id, account_id, created_at, subject, requester_id) "
        "VALUES ('t-1', 'a-1', '2026-11-02 10:00', 'Jane Roe cannot export invoices', 'c-7')")
    csm = _get(world, "csm", "/api/v1/accounts/a-1/timeline", kind="ticket")
    viewer = _get(world, "viewer", "/api/v1/accounts/a-1/timeline", kind="ticket")

    assert any("Jane Roe" in (e["title"] or "") + (e["detail"] or "") for e in csm)
    assert viewer and not any("Jane Roe" in str(e) for e in viewer)
