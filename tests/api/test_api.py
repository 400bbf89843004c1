"""The REST API: the role x endpoint matrix, scoping (a CSM's own book; another book's
account is a 404), the error shape, the security headers, token and cookie auth."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.api.conftest import CSM, NOW, PASSWORD, ROLES, World

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
COMPLETE = {"outcome": "saved", "note": "renewed after the call"}
SNOOZE = {"until": "2026-11-27"}
GOAL = {"title": "Train the support team", "due_on": "2027-01-15"}
GOAL_CHANGE = {"status": "achieved"}
ACTIVITY = {"kind": "call", "summary": "Talked renewal"}
NEW_USER = {"email": "new@example.com", "role": "viewer"}
USER_CHANGE = {"role": "manager"}
WRITERS = ("admin", "manager", "csm")
OTHER_BOOK = {"admin": 200, "manager": 200, "csm": 404, "viewer": 200}
WRITE_OWN = {"admin": 200, "manager": 200, "csm": 200, "viewer": 403}
WRITE_OTHER = {"admin": 200, "manager": 200, "csm": 404, "viewer": 403}
ADMIN_ONLY = {"admin": 200, "manager": 403, "csm": 403, "viewer": 403}

# (method, path ("{own}" / "{other}": the task of the CSM's account / of another book's;
#  "{own_goal}" / "{other_goal}" likewise for goals; "{user}": the viewer's user id),
#  body, status per role). Unauthenticated is always 401.
MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
    ("GET", "/api/v1/me", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/accounts", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/accounts/a-1", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/accounts/a-2", None,
     {"admin": 200, "manager": 200, "csm": 404, "viewer": 200}),
    ("GET", "/api/v1/tasks", None, dict.fromkeys(ROLES, 200)),
    ("POST", "/api/v1/tasks/{own}/complete", COMPLETE,
     {"admin": 200, "manager": 200, "csm": 200, "viewer": 403}),
    ("POST", "/api/v1/tasks/{other}/complete", COMPLETE,
     {"admin": 200, "manager": 200, "csm": 404, "viewer": 403}),
    ("POST", "/api/v1/tasks/{own}/snooze", SNOOZE,
     {"admin": 200, "manager": 200, "csm": 200, "viewer": 403}),
    ("POST", "/api/v1/tasks/{other}/snooze", SNOOZE,
     {"admin": 200, "manager": 200, "csm": 404, "viewer": 403}),
    ("GET", "/api/v1/metrics", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/portfolio", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/playbooks", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/playbooks/effect", None,
     {"admin": 200, "manager": 200, "csm": 403, "viewer": 403}),
    ("GET", "/api/v1/accounts/a-1/onboarding", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/accounts/a-2/onboarding", None, OTHER_BOOK),
    ("GET", "/api/v1/accounts/a-1/goals", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/accounts/a-2/goals", None, OTHER_BOOK),
    ("POST", "/api/v1/accounts/a-1/goals", GOAL, WRITE_OWN | dict.fromkeys(WRITERS, 201)),
    ("POST", "/api/v1/accounts/a-2/goals", GOAL,
     {"admin": 201, "manager": 201, "csm": 404, "viewer": 403}),
    ("PATCH", "/api/v1/goals/{own_goal}", GOAL_CHANGE, WRITE_OWN),
    ("PATCH", "/api/v1/goals/{other_goal}", GOAL_CHANGE, WRITE_OTHER),
    ("GET", "/api/v1/accounts/a-1/timeline", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/accounts/a-2/timeline", None, OTHER_BOOK),
    ("POST", "/api/v1/accounts/a-1/activities", ACTIVITY, WRITE_OWN | dict.fromkeys(
        WRITERS, 201)),
    ("POST", "/api/v1/accounts/a-2/activities", ACTIVITY,
     {"admin": 201, "manager": 201, "csm": 404, "viewer": 403}),
    ("GET", "/api/v1/accounts/a-1/surveys", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/accounts/a-2/surveys", None, OTHER_BOOK),
    ("GET", "/api/v1/accounts/a-1/feedback", None, dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/accounts/a-2/feedback", None, OTHER_BOOK),
    ("GET", "/api/v1/users", None, ADMIN_ONLY),
    ("POST", "/api/v1/users", NEW_USER, ADMIN_ONLY | {"admin": 201}),
    ("PATCH", "/api/v1/users/{user}", USER_CHANGE, ADMIN_ONLY),
    ("GET", "/api/v1/privacy/requests", None, ADMIN_ONLY),
    ("POST", "/api/v1/privacy/access", {"email": CSM}, ADMIN_ONLY),
    ("POST", "/api/v1/privacy/erasures", {"email": "someone@example.com"},
     ADMIN_ONLY | {"admin": 202}),
    ("POST", "/api/v1/privacy/requests/{request}/cancel", None, ADMIN_ONLY),
]
PUBLIC = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/logout")}


def _path(world: World, template: str) -> str:
    return template.format(own=world.tasks["a-1"], other=world.tasks["a-2"],
                           own_goal=world.goals["a-1"], other_goal=world.goals["a-2"],
                           user=world.users["viewer"], request=world.privacy_request)


def assert_error(resp: Any, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert_security_headers(resp)


def assert_security_headers(resp: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert value in resp.headers.get(name, ""), name
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
@pytest.mark.parametrize(("method", "template", "body", "expected"), MATRIX,
                         ids=[f"{m} {t}" for m, t, _, _ in MATRIX])
def test_role_endpoint_matrix(world: World, role: str | None, method: str, template: str,
                              body: dict[str, Any] | None, expected: dict[str, int]) -> None:
    headers = world.auth(role) if role else {}
    resp = world.client.request(method, _path(world, template), json=body, headers=headers)

    want = expected[role] if role else 401
    assert resp.status_code == want, resp.text
    assert_security_headers(resp)
    if want >= 400:
        assert_error(resp, want, {401: "unauthenticated", 403: "forbidden",
                                  404: "not_found"}[want])
    if want == 401:
        assert resp.headers["www-authenticate"] == "Bearer"


def test_the_matrix_covers_every_route(world: World) -> None:
    spec = world.client.get("/api/v1/openapi.json").json()
    routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    names = {"{own}": "{task_id}", "{other}": "{task_id}", "{own_goal}": "{goal_id}",
             "{other_goal}": "{goal_id}", "{user}": "{user_id}", "{request}": "{request_id}",
             "a-1": "{account_id}",
             "a-2": "{account_id}"}
    covered = {(m, re.sub("|".join(map(re.escape, names)), lambda x: names[x[0]], t))
               for m, t, _, _ in MATRIX}
    assert routes == covered | PUBLIC


def test_a_csm_sees_only_their_own_book(world: World) -> None:
    accounts = world.client.get("/api/v1/accounts", headers=world.auth("csm")).json()
    tasks = world.client.get("/api/v1/tasks", headers=world.auth("csm")).json()

    assert [a["account_id"] for a in accounts["items"]] == ["a-1"]
    assert accounts["total"] == 1
    assert [t["account_id"] for t in tasks["items"]] == ["a-1"]


def test_another_books_account_is_not_found_not_forbidden(world: World) -> None:
    resp = world.client.get("/api/v1/accounts/a-2", headers=world.auth("csm"))
    missing = world.client.get("/api/v1/accounts/nope", headers=world.auth("csm"))

    assert_error(resp, 404, "not_found")
    assert_error(missing, 404, "not_found")
    assert resp.json()["error"]["message"] == "no account 'a-2'"


def test_managers_see_every_account_sorted_and_paged(world: World) -> None:
    first = world.client.get("/api/v1/accounts?sort=score&limit=2",
                             headers=world.auth("manager")).json()
    second = world.client.get("/api/v1/accounts?sort=score&limit=2&page=2",
                              headers=world.auth("manager")).json()
    by_arr = world.client.get("/api/v1/accounts?sort=arr", headers=world.auth("manager")).json()
    red = world.client.get("/api/v1/accounts?health=red", headers=world.auth("manager")).json()

    assert [a["account_id"] for a in first["items"]] == ["a-1", "a-3"]
    assert [a["account_id"] for a in second["items"]] == ["a-2"]
    assert first["total"] == second["total"] == 3
    assert [a["account_id"] for a in by_arr["items"]] == ["a-2", "a-1", "a-3"]
    assert [a["account_id"] for a in red["items"]] == ["a-1"]


def test_a_viewer_gets_no_personal_data(world: World) -> None:
    accounts = world.client.get("/api/v1/accounts", headers=world.auth("viewer")).json()
    detail = world.client.get("/api/v1/accounts/a-1", headers=world.auth("viewer")).json()
    tasks = world.client.get("/api/v1/tasks", headers=world.auth("viewer")).json()

    assert len(accounts["items"]) == 3
    assert all(a["owner"] is None for a in accounts["items"])
    assert detail["owner"] is None
    assert all(t["owner"] is None for t in tasks["items"])


def test_account_detail_has_explanation_and_history(world: World) -> None:
    detail = world.client.get("/api/v1/accounts/a-1", headers=world.auth("csm")).json()

    assert detail["owner"] == CSM
    assert detail["explanation"][0]["group"] == "adoption"
    assert [p["score"] for p in detail["history"]] == [50.0, 42.0]
    assert detail["arr"] == 12000.0


def test_completing_a_task_closes_it_and_is_audited(world: World) -> None:
    from tenure.access import audit_entries

    task_id = world.tasks["a-1"]
    resp = world.client.post(f"/api/v1/tasks/{task_id}/complete", json=COMPLETE,
                             headers=world.auth("csm"))

    assert resp.json()["status"] == "closed"
    assert resp.json()["closed_by"] == CSM
    again = world.client.post(f"/api/v1/tasks/{task_id}/complete", json=COMPLETE,
                              headers=world.auth("csm"))
    assert_error(again, 400, "bad_request")
    log = audit_entries(world.app.store, user=CSM)
    assert [(e["action"], e["object_id"], e["via"]) for e in log][:1] == [
        ("task.complete", str(task_id), "api")]


def test_validation_errors_have_the_one_shape(world: World) -> None:
    task_id = world.tasks["a-1"]
    resp = world.client.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "maybe"},
                             headers=world.auth("csm"))
    bad_date = world.client.post(f"/api/v1/tasks/{task_id}/snooze", json={"until": "soon"},
                                 headers=world.auth("csm"))
    past = world.client.post(f"/api/v1/tasks/{task_id}/snooze", json={"until": "2026-01-01"},
                             headers=world.auth("csm"))
    bad_sort = world.client.get("/api/v1/accounts?sort=nope", headers=world.auth("admin"))

    assert_error(resp, 422, "validation_error")
    assert resp.json()["error"]["fields"][0]["field"] == "body.outcome"
    assert_error(bad_date, 422, "validation_error")
    assert_error(past, 400, "bad_request")
    assert_error(bad_sort, 422, "validation_error")


def test_unknown_routes_and_methods_have_the_shape_and_headers(world: World) -> None:
    assert_error(world.client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(world.client.delete("/api/v1/me", headers=world.auth("admin")), 405,
                 "method_not_allowed")
    assert_security_headers(world.client.get("/api/v1/openapi.json"))


def test_a_bad_or_revoked_token_is_401(world: World) -> None:
    from sqlalchemy import update

    from tenure.store import ApiToken

    wrong = world.client.get("/api/v1/me", headers={"Authorization": "Bearer tnr_nope"})
    basic = world.client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"})
    with world.app.store.session() as s:
        s.execute(update(ApiToken).values(revoked_at=NOW))
    revoked = world.client.get("/api/v1/me", headers=world.auth("admin"))

    assert_error(wrong, 401, "unauthenticated")
    assert_error(basic, 401, "unauthenticated")
    assert_error(revoked, 401, "unauthenticated")


def test_token_auth_says_who_i_am(world: World) -> None:
    me = world.client.get("/api/v1/me", headers=world.auth("csm")).json()

    assert me == {"id": me["id"], "email": CSM, "name": None, "role": "csm"}


def test_login_sets_a_safe_session_cookie_and_logout_clears_it(world: World) -> None:
    resp = world.client.post("/api/v1/auth/login",
                             json={"email": "CSM@example.com ", "password": PASSWORD})

    assert resp.status_code == 200, resp.text
    cookie = resp.headers["set-cookie"].lower()
    assert "tenure_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on 127.0.0.1
    assert world.client.get("/api/v1/me").json()["email"] == CSM
    assert [a["account_id"] for a in world.client.get("/api/v1/accounts").json()["items"]] == [
        "a-1"]

    out = world.client.post("/api/v1/auth/logout")
    assert out.status_code == 204
    assert_security_headers(out)
    assert_error(world.client.get("/api/v1/me"), 401, "unauthenticated")


def test_the_cookie_is_secure_off_this_machine(world: World) -> None:
    resp = world.client.post("https://tenure.example.com/api/v1/auth/login",
                             json={"email": CSM, "password": PASSWORD})

    assert "secure" in resp.headers["set-cookie"].lower()


def test_a_forged_session_cookie_is_401(world: World) -> None:
    world.client.cookies.set("tenure_session", "eyJ1aWQiOjF9.forged.sig")

    assert_error(world.client.get("/api/v1/me"), 401, "unauthenticated")


def test_logins_are_throttled_per_email(world: World) -> None:
    for _ in range(5):
        bad = world.client.post("/api/v1/auth/login", json={"email": CSM, "password": "nope"})
        assert_error(bad, 401, "unauthenticated")

    locked = world.client.post("/api/v1/auth/login", json={"email": CSM, "password": PASSWORD})
    other = world.client.post("/api/v1/auth/login",
                              json={"email": "admin@example.com", "password": PASSWORD})

    assert_error(locked, 429, "too_many_requests")
    assert int(locked.headers["retry-after"]) == 15 * 60
    assert "too many failed logins" in locked.json()["error"]["message"]
    assert other.status_code == 200


def test_a_cross_site_change_with_the_cookie_is_refused(world: World) -> None:
    world.client.post("/api/v1/auth/login", json={"email": CSM, "password": PASSWORD})
    task_id = world.tasks["a-1"]

    cross = world.client.post(f"/api/v1/tasks/{task_id}/snooze", json=SNOOZE,
                              headers={"Origin": "https://evil.example"})
    same = world.client.post(f"/api/v1/tasks/{task_id}/snooze", json=SNOOZE,
                             headers={"Origin": "http://127.0.0.1"})

    assert_error(cross, 403, "forbidden")
    assert same.status_code == 200, same.text
