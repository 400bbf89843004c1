"""The access domain without HTTP: users, Argon2id hashes, throttling, tokens, the scope,
the audit log; and the `tenure user` commands."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from tests.api.conftest import NOW, World
from typer.testing import CliRunner

from tenure import App
from tenure.access import (
    PERSONAL_FIELDS,
    AccountScope,
    add_user,
    authenticate,
    issue_token,
    list_users,
    user_for_token,
)
from tenure.cli import cli
from tenure.errors import AccessError, AuthenticationError, LoginThrottled, NotVisible
from tenure.store import ApiToken, User


def test_passwords_are_argon2id_hashes_and_generated_when_not_given(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tenure.access._hasher", PasswordHasher())  # the real parameters
    user, password = add_user(app.store, email=" Ana@Example.COM ", role="csm", now=NOW)

    assert user["email"] == "ana@example.com"
    assert password is not None and len(password) >= 20
    with app.store.session() as s:
        stored = s.get(User, user["id"])
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert "m=65536" in stored.password_hash  # memory-hard: 64 MiB
    assert authenticate(app.store, email="ANA@example.com", password=password, ip=None,
                        now=NOW).email == "ana@example.com"


def test_bad_users_are_refused(app: App) -> None:
    add_user(app.store, email="a@example.com", role="csm", password="long enough pw", now=NOW)

    with pytest.raises(AccessError, match="already a user"):
        add_user(app.store, email="A@example.com", role="csm", now=NOW)
    with pytest.raises(AccessError, match="role 'boss'"):
        add_user(app.store, email="b@example.com", role="boss", now=NOW)
    with pytest.raises(AccessError, match="not an email"):
        add_user(app.store, email="nobody", role="csm", now=NOW)
    with pytest.raises(AccessError, match="12 characters"):
        add_user(app.store, email="c@example.com", role="csm", password="short", now=NOW)


def test_throttling_lifts_when_the_window_has_passed(app: App) -> None:
    add_user(app.store, email="a@example.com", role="csm", password="right password", now=NOW)
    for i in range(5):
        with pytest.raises(AuthenticationError, match="wrong email or password"):
            authenticate(app.store, email="a@example.com", password="wrong", ip="10.0.0.1",
                         now=NOW + timedelta(minutes=i))

    with pytest.raises(LoginThrottled) as locked:
        authenticate(app.store, email="a@example.com", password="right password", ip=None,
                     now=NOW + timedelta(minutes=5))
    assert locked.value.retry_after == 10 * 60  # the first failure leaves the window at 15'
    user = authenticate(app.store, email="a@example.com", password="right password", ip=None,
                        now=NOW + timedelta(minutes=15, seconds=1))
    assert user.email == "a@example.com"


def test_an_unknown_email_fails_like_a_wrong_password(app: App) -> None:
    with pytest.raises(AuthenticationError, match="wrong email or password"):
        authenticate(app.store, email="ghost@example.com", password="x", ip=None, now=NOW)


def test_tokens_are_stored_hashed_and_shown_once(app: App) -> None:
    add_user(app.store, email="a@example.com", role="viewer", now=NOW)
    row, token = issue_token(app.store, email="a@example.com", name="script", now=NOW)

    with app.store.session() as s:
        stored = s.get(ApiToken, row["id"])
        assert stored is not None
        assert token not in (stored.token_hash, stored.prefix)
        assert stored.prefix == token[:8]
    assert user_for_token(app.store, token, now=NOW).role == "viewer"
    with pytest.raises(AuthenticationError):
        user_for_token(app.store, token + "x", now=NOW)


def test_the_scope_hides_other_books(world: World) -> None:
    from tenure.access import Principal

    csm = AccountScope.of(Principal(id=1, email="csm@example.com", name=None, role="csm"))

    csm.check_account(world.app.store, "a-1")
    with pytest.raises(NotVisible):
        csm.check_account(world.app.store, "a-2")
    with pytest.raises(NotVisible):
        csm.check_task(world.app.store, world.tasks["a-2"])
    AccountScope.everything().check_account(world.app.store, "a-2")


def test_personal_fields_come_from_the_models() -> None:
    assert {"owner", "outcome_note", "closed_by", "created_by"} <= PERSONAL_FIELDS
    assert "account_id" not in PERSONAL_FIELDS


def test_user_commands(app: App) -> None:
    runner = CliRunner()
    home = ["--home", str(app.home)]

    added = runner.invoke(cli, ["user", "add", "Lee@Example.com", "--role", "manager",
                                "--name", "Lee", *home, "--format", "json"])
    assert added.exit_code == 0, added.output
    password = json.loads(added.output)["password"]
    assert authenticate(app.store, email="lee@example.com", password=password, ip=None,
                        now=NOW).role == "manager"

    token = runner.invoke(cli, ["user", "token", "lee@example.com", "--name", "ci", *home,
                                "--format", "json"])
    assert token.exit_code == 0, token.output
    assert user_for_token(app.store, json.loads(token.output)["token"], now=NOW).email == (
        "lee@example.com")

    listed = runner.invoke(cli, ["user", "list", *home, "--format", "json"])
    assert [u["email"] for u in json.loads(listed.output)] == ["lee@example.com"]
    assert [u["email"] for u in list_users(app.store)] == ["lee@example.com"]

    audit = runner.invoke(cli, ["audit", *home, "--format", "json"])
    assert [e["action"] for e in json.loads(audit.output)] == ["token.issue", "user.add"]
