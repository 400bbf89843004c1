"""Browser sessions live on the server: signing out, switching a user off or letting the
session expire ends it, even for someone who kept a copy of the cookie; API tokens are
revoked by id."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from tenure.access import list_tokens, revoke_token, update_user
from tenure.store import WebSession

from .conftest import CSM, NOW, PASSWORD, World


def _login(world: World, email: str = CSM) -> str:
    resp = world.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    token = world.client.cookies.get("tenure_session")
    assert token
    return token


def test_the_cookie_is_random_and_only_its_hash_is_kept(world: World) -> None:
    first, second = _login(world), _login(world)

    with world.app.store.session() as s:
        kept = set(s.execute(select(WebSession.token_hash)).scalars())
    assert first != second
    assert kept == {hashlib.sha256(t.encode()).hexdigest() for t in (first, second)}
    assert not any(t in h for h in kept for t in (first, second))


def test_a_kept_cookie_opens_nothing_after_sign_out(world: World) -> None:
    token = _login(world)
    assert world.client.post("/api/v1/auth/logout").status_code == 204

    world.client.cookies.set("tenure_session", token)  # the copy an attacker kept
    resp = world.client.get("/api/v1/me")

    assert resp.status_code == 401
    with world.app.store.session() as s:
        assert s.execute(select(WebSession)).first() is None


def test_switching_a_user_off_ends_their_sessions(world: World) -> None:
    token = _login(world)
    update_user(world.app.store, world.users["csm"], active=False)

    world.client.cookies.set("tenure_session", token)
    assert world.client.get("/api/v1/me").status_code == 401
    # Switched on again, the old session does not come back: they sign in anew.
    update_user(world.app.store, world.users["csm"], active=True)
    assert world.client.get("/api/v1/me").status_code == 401


def test_a_session_expires_after_session_hours(world: World) -> None:
    _login(world)
    hours = world.app.settings.api.session_hours
    with world.app.store.session() as s:
        row = s.execute(select(WebSession)).scalar_one()
        assert row.expires_at == NOW + timedelta(hours=hours)
        row.expires_at = NOW  # the clock is fixed at NOW: the session ends now

    resp = world.client.get("/api/v1/me")
    assert resp.status_code == 401
    assert "expired" in resp.json()["error"]["message"]


def test_a_revoked_token_is_401_and_the_others_still_work(world: World) -> None:
    mine = [t for t in list_tokens(world.app.store, email=CSM)]
    assert len(mine) == 1 and mine[0]["revoked_at"] is None
    assert world.client.get("/api/v1/me", headers=world.auth("csm")).status_code == 200

    out = revoke_token(world.app.store, mine[0]["id"], now=NOW)

    assert out["revoked_at"] == NOW
    assert world.client.get("/api/v1/me", headers=world.auth("csm")).status_code == 401
    assert world.client.get("/api/v1/me", headers=world.auth("manager")).status_code == 200
    assert list_tokens(world.app.store, email=CSM)[0]["revoked_at"] == NOW
