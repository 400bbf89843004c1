"""The dashboard's role x page matrix, over every page route (GET and POST): each role gets
exactly what it may, the anonymous are redirected to the login page, a CSM asking for another
book's account (or its task) gets a 404 page, and every answer carries the security
headers."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute
from tests.api.conftest import ROLES, World
from tests.api.test_api import assert_security_headers

from .conftest import CSM, csrf_token, sign_in

PANELS = ("usage", "mrr", "contacts", "tickets", "voice", "timeline")
ALL = dict.fromkeys(ROLES, 200)
ADMIN = {"admin": 200, "manager": 403, "csm": 403, "viewer": 403}
OTHER_BOOK = {"admin": 200, "manager": 200, "csm": 404, "viewer": 200}
CHANGE_OWN = {"admin": 303, "manager": 303, "csm": 303, "viewer": 403}
CHANGE_OTHER = {"admin": 303, "manager": 303, "csm": 404, "viewer": 403}
COMPLETE = {"outcome": "saved", "note": "done"}
SNOOZE = {"until": "2026-11-27"}
NOTE = {"kind": "note", "summary": "spoke to them"}

# (method, path ("{own}" / "{other}": the task of the CSM's account / of another book's),
#  form, status per role).
MATRIX: list[tuple[str, str, dict[str, str] | None, dict[str, int]]] = [
    ("GET", "/", None, ALL),
    ("GET", "/portfolio", None, ALL),
    ("GET", "/accounts", None, ALL),
    ("GET", "/accounts/a-1", None, ALL),
    ("GET", "/accounts/a-2", None, OTHER_BOOK),
    *(("GET", f"/accounts/a-1/panels/{p}", None, ALL) for p in PANELS),
    *(("GET", f"/accounts/a-2/panels/{p}", None, OTHER_BOOK) for p in PANELS),
    ("GET", "/metrics", None, ALL),
    ("GET", "/playbooks", None, ALL),
    ("GET", "/admin/audit", None, ADMIN),
    ("GET", "/admin/privacy", None, ADMIN),
    ("POST", "/admin/privacy/access", {"email": CSM}, ADMIN),
    ("POST", "/admin/privacy/erasures", {"email": "x@example.com", "confirm": "x@example.com"},
     ADMIN | {"admin": 303}),
    ("POST", "/admin/privacy/requests/{request}/cancel", {}, ADMIN | {"admin": 303}),
    ("POST", "/accounts/a-1/tasks/{own}/complete", COMPLETE, CHANGE_OWN),
    ("POST", "/accounts/a-2/tasks/{other}/complete", COMPLETE, CHANGE_OTHER),
    ("POST", "/accounts/a-1/tasks/{own}/snooze", SNOOZE, CHANGE_OWN),
    ("POST", "/accounts/a-2/tasks/{other}/snooze", SNOOZE, CHANGE_OTHER),
    ("POST", "/accounts/a-1/activities", NOTE, CHANGE_OWN),
    ("POST", "/accounts/a-2/activities", NOTE, CHANGE_OTHER),
    ("POST", "/logout", {}, dict.fromkeys(ROLES, 303)),
]
# Open to everyone: the login form, and the static files the login page itself uses.
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/static/plotly.min.js")}
EMAILS = {"admin": "admin@example.com", "manager": "manager@example.com", "csm": CSM,
          "viewer": "viewer@example.com"}


def _path(world: World, template: str) -> str:
    return template.format(own=world.tasks["a-1"], other=world.tasks["a-2"],
                           request=world.privacy_request)


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
@pytest.mark.parametrize(("method", "template", "form", "expected"), MATRIX,
                         ids=[f"{m} {t}" for m, t, _, _ in MATRIX])
def test_role_page_matrix(world: World, role: str | None, method: str, template: str,
                          form: dict[str, str] | None, expected: dict[str, int]) -> None:
    data: dict[str, Any] | None = None
    if role:
        sign_in(world.client, EMAILS[role])
    if method == "POST":
        token = csrf_token(world.client.get("/accounts/a-1").text) if role else "x"
        data = {**(form or {}), "csrf_token": token}
    resp = world.client.request(method, _path(world, template), data=data,
                                follow_redirects=False)

    assert_security_headers(resp)
    if role is None:
        assert resp.status_code == 303, resp.text
        assert urlsplit(resp.headers["location"]).path == "/login"
        return
    assert resp.status_code == expected[role], resp.text
    if resp.status_code in (403, 404):  # an error page, never the data
        assert resp.headers["content-type"].startswith("text/html")
        assert "Acme" not in resp.text and "Globex" not in resp.text


def test_the_matrix_covers_every_page_route(world: World) -> None:
    from tenure.api.routes import ROUTERS

    # The application's own routes, and those of the routers it includes (the API's
    # routers, under /api/v1, are the API matrix's).
    found = []
    for r in world.client.app.routes:  # type: ignore[attr-defined]
        router = getattr(r, "original_router", None)
        if router is None:
            found.append(r)
        elif router not in ROUTERS:
            found.extend(router.routes)
    routes = {(m, r.path) for r in found if isinstance(r, APIRoute) for m in r.methods}
    names = {"{own}": "{task_id}", "{other}": "{task_id}", "{request}": "{request_id}",
             "a-1": "{account_id}",
             "a-2": "{account_id}", **{f"/panels/{p}": "/panels/{name}" for p in PANELS}}
    covered = {(m, re.sub("|".join(map(re.escape, names)), lambda x: names[x[0]], t))
               for m, t, _, _ in MATRIX}
    assert routes - {("HEAD", p) for _, p in routes} == covered | PUBLIC
