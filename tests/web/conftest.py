"""The API tests' workspace (three accounts in two books, a user per role, tasks), served
with the dashboard, and a browser-like sign-in through the login form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.api.conftest import (  # noqa: F401  (fixtures, used by name)
    CSM,
    NOW,
    OTHER_CSM,
    PASSWORD,
    cheap_hashes,
    world,
)

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login page, as a browser does (form, CSRF token, cookie)."""
    form = client.get("/login")
    r = client.post("/login", data={"email": email, "password": password,
                                    "csrf_token": csrf_token(form.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
