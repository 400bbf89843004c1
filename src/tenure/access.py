"""People and access: users and roles, passwords, API tokens, login throttling, the audit log,
and **the scoping rule** (which accounts a person may see), in one place.

Roles:

- ``admin``: everything, including people;
- ``manager``: all accounts, may change tasks;
- ``csm``: only their own book, the accounts whose latest snapshot ``owner`` is their email
  (compared case-insensitively), and the tasks of those accounts; may change those tasks;
- ``viewer``: all accounts, read only, and no personal data (owner emails, notes).

Every read of accounts or tasks for a person goes through an :class:`AccountScope`: the API
builds one per request from the signed-in user and hands it to the queries
(:func:`tenure.health.history.snapshots`, :func:`tenure.playbooks.tasks.worklist`), so no
route can forget it. An object outside the scope is :class:`~tenure.errors.NotVisible`,
which callers show as "not found", never as "forbidden" (that would confirm it exists).

Passwords are hashed with Argon2id (memory-hard, argon2-cffi). API tokens are random, shown
once, and stored as their SHA-256 with their first 8 characters for listing. Time is an
argument: nothing here reads the clock.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from .errors import (
    AccessError,
    AuthenticationError,
    LoginThrottled,
    NotVisible,
    PermissionDenied,
)
from .store import (
    AccountSnapshot,
    ApiToken,
    AppStore,
    AuditEntry,
    LoginAttempt,
    Task,
    User,
    WebSession,
)
from .store.models import PERSONAL, VIEWER_SEES

ROLES = ("admin", "manager", "csm", "viewer")
Q = TypeVar("Q", bound=Select)  # type: ignore[type-arg]
VIA = ("api", "web", "cli")
TOKEN_PREFIX = "tnr_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile (64 MiB, t=3)
# Verified against when the email is unknown, so that a wrong email takes as long as a wrong
# password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("tenure-dummy-password")

# Keys of account and task rows that hold personal data: the columns flagged
# info={"personal": <category>} in the models (not False), less the wording of the work that a
# viewer still sees (VIEWER_SEES). A viewer never gets them.
PERSONAL_FIELDS = frozenset(
    c.name for model in (AccountSnapshot, Task) for c in model.__table__.columns
    if c.info.get(PERSONAL) and not c.info.get(VIEWER_SEES))


# --- passwords and users ------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password to give a new user once (about 128 bits)."""
    return secrets.token_urlsafe(16)


def normalise_email(email: str) -> str:
    e = email.strip().lower()
    if not _EMAIL.match(e):
        raise AccessError(f"{email!r} is not an email address")
    return e


@dataclass(frozen=True)
class Principal:
    """The person a request or command acts for."""

    id: int
    email: str
    name: str | None
    role: str

    @property
    def can_write(self) -> bool:
        """May change tasks, log activities (everyone but a viewer)."""
        return self.role != "viewer"

    @property
    def sees_personal(self) -> bool:
        return self.role != "viewer"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name, "role": self.role}


def _principal(u: User) -> Principal:
    return Principal(id=u.id, email=u.email, name=u.name, role=u.role)


def _user_dict(u: User) -> dict[str, Any]:
    return {"id": u.id, "email": u.email, "name": u.name, "role": u.role, "active": u.active,
            "created_at": u.created_at, "last_login_at": u.last_login_at}


def add_user(store: AppStore, *, email: str, role: str, now: datetime,
             password: str | None = None,
             name: str | None = None) -> tuple[dict[str, Any], str | None]:
    """Add a person; return the user and the password generated for them (None when
    ``password`` was given). The generated password is not kept anywhere: show it once."""
    if role not in ROLES:
        raise AccessError(f"role {role!r}: use one of {', '.join(ROLES)}")
    address = normalise_email(email)
    generated = None
    if password is None:
        password = generated = generate_password()
    elif len(password) < 12:
        raise AccessError("a password needs at least 12 characters")
    user = User(email=address, name=name, role=role, password_hash=hash_password(password),
                active=True, created_at=now)
    try:
        with store.session() as s:
            s.add(user)
            s.flush()
            out = _user_dict(user)
    except IntegrityError:
        raise AccessError(f"there is already a user {address}") from None
    return out, generated


def list_users(store: AppStore) -> list[dict[str, Any]]:
    with store.session() as s:
        return [_user_dict(u) for u in s.execute(select(User).order_by(User.email)).scalars()]


def update_user(store: AppStore, user_id: int, *, role: str | None = None,
                active: bool | None = None) -> dict[str, Any]:
    """Change a person's role or switch them off (or on again); the user as they are after.
    The last active admin cannot be demoted or switched off: nobody could then manage
    people."""
    if role is not None and role not in ROLES:
        raise AccessError(f"role {role!r}: use one of {', '.join(ROLES)}")
    with store.session() as s:
        u = s.get(User, user_id)
        if u is None:
            raise NotVisible(f"no user {user_id}")
        loses_admin = u.role == "admin" and u.active and (
            (role is not None and role != "admin") or active is False)
        if loses_admin:
            admins = s.execute(select(func.count()).select_from(User).where(
                User.role == "admin", User.active.is_(True))).scalar_one()
            if admins <= 1:
                raise AccessError(f"{u.email} is the last active admin: make another admin "
                                  "first")
        if role is not None:
            u.role = role
        if active is not None:
            u.active = active
        if active is False:
            s.execute(delete(WebSession).where(WebSession.user_id == u.id))
        return _user_dict(u)


def get_user(store: AppStore, user_id: int) -> Principal | None:
    """The active user with this id, or None."""
    with store.session() as s:
        u = s.get(User, user_id)
        return _principal(u) if u is not None and u.active else None


# --- logging in ---------------------------------------------------------------------------


def authenticate(store: AppStore, *, email: str, password: str, ip: str | None,
                 now: datetime, max_failures: int = 5,
                 window: timedelta = timedelta(minutes=15)) -> Principal:
    """The user with this email and password. After ``max_failures`` failed logins for an
    email within ``window``, every login for it is refused (:class:`LoginThrottled`, even
    with the right password) until the oldest of those failures leaves the window; refused
    attempts are not counted, so hammering does not extend the lock."""
    address = email.strip().lower()
    with store.session() as s:
        failures = s.execute(
            select(LoginAttempt.at)
            .where(LoginAttempt.email == address, LoginAttempt.success.is_(False),
                   LoginAttempt.at > now - window)
            .order_by(LoginAttempt.at.desc()).limit(max_failures)).scalars().all()
    if len(failures) >= max_failures:
        free_at = failures[-1] + window
        wait = max(1, int((free_at - now).total_seconds() + 0.999))
        raise LoginThrottled(
            f"too many failed logins for {address}: try again in {(wait + 59) // 60} "
            f"minute(s)", retry_after=wait)
    with store.session() as s:
        user = s.execute(select(User).where(User.email == address)).scalar_one_or_none()
        ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
        ok = ok and user is not None and user.active
        s.add(LoginAttempt(email=address, ip=ip, at=now, success=ok))
        if ok and user is not None:
            user.last_login_at = now
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            return _principal(user)
    raise AuthenticationError("wrong email or password")


# --- API tokens ---------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(store: AppStore, *, email: str, name: str, now: datetime
                ) -> tuple[dict[str, Any], str]:
    """A new personal API token for the user; return its record and the token itself, which
    is not kept (only its SHA-256): show it once."""
    address = email.strip().lower()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.session() as s:
        user = s.execute(select(User).where(User.email == address)).scalar_one_or_none()
        if user is None:
            raise AccessError(f"no user {address} (tenure user list shows them)")
        row = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token),
                       prefix=token[:8], created_at=now)
        s.add(row)
        s.flush()
        return {"id": row.id, "user": address, "name": name, "prefix": row.prefix,
                "created_at": now}, token


def user_for_token(store: AppStore, token: str, *, now: datetime) -> Principal:
    """The active user a token belongs to (its last use is noted)."""
    with store.session() as s:
        row = s.execute(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))
                        ).scalar_one_or_none()
        user = s.get(User, row.user_id) if row is not None and row.revoked_at is None else None
        if row is None or user is None or not user.active:
            raise AuthenticationError("unknown or revoked API token")
        # Noted at most once a minute, so that a busy program does not write on every call.
        if row.last_used_at is None or now - row.last_used_at >= timedelta(minutes=1):
            row.last_used_at = now
        return _principal(user)


def list_tokens(store: AppStore, *, email: str | None = None) -> list[dict[str, Any]]:
    """The API tokens (never the tokens themselves: prefix, name, dates), of one user or
    everyone's."""
    q = select(ApiToken, User.email).join(User, User.id == ApiToken.user_id)
    if email:
        q = q.where(User.email == normalise_email(email))
    with store.session() as s:
        return [{"id": t.id, "user": address, "name": t.name, "prefix": t.prefix,
                 "created_at": t.created_at, "last_used_at": t.last_used_at,
                 "revoked_at": t.revoked_at}
                for t, address in s.execute(q.order_by(ApiToken.id)).all()]


def revoke_token(store: AppStore, token_id: int, *, now: datetime) -> dict[str, Any]:
    """Revoke an API token by its id: every later request with it is 401."""
    with store.session() as s:
        row = s.get(ApiToken, token_id)
        if row is None:
            raise NotVisible(f"no API token {token_id} (tenure user tokens lists them)")
        if row.revoked_at is None:
            row.revoked_at = now
        user = s.get(User, row.user_id)
        return {"id": row.id, "user": user.email if user else None, "name": row.name,
                "prefix": row.prefix, "revoked_at": row.revoked_at}


# --- browser sessions ---------------------------------------------------------------------


def start_session(store: AppStore, user: Principal, *, now: datetime, hours: float,
                  ip: str | None) -> str:
    """A new signed-in browser session for ``user``; the token for its cookie (only its
    SHA-256 is kept). Expired sessions are cleared on the way."""
    token = secrets.token_urlsafe(32)
    with store.session() as s:
        s.execute(delete(WebSession).where(WebSession.expires_at <= now))
        s.add(WebSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                         expires_at=now + timedelta(hours=hours), ip=ip))
    return token


def user_for_session(store: AppStore, token: str, *, now: datetime) -> Principal:
    """The active user of a live session (AuthenticationError otherwise)."""
    with store.session() as s:
        row = s.execute(select(WebSession.expires_at, User)
                        .join(User, User.id == WebSession.user_id)
                        .where(WebSession.token_hash == _token_hash(token))).first()
        if row is None:
            raise AuthenticationError("you are signed out: sign in again")
        expires_at, user = row
        if expires_at <= now:
            raise AuthenticationError("the session has expired: sign in again")
        if not user.active:
            raise AuthenticationError("the session's user is disabled")
        return _principal(user)


def end_session(store: AppStore, token: str) -> None:
    """Sign a browser out: its session no longer opens anything, even if the cookie is
    kept."""
    with store.session() as s:
        s.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def end_sessions_of(store: AppStore, user_id: int) -> int:
    """End every session of a user (switched off, or their role changed); how many."""
    with store.session() as s:
        result = s.execute(delete(WebSession).where(WebSession.user_id == user_id))
        return int(getattr(result, "rowcount", 0))


# --- the scoping rule ---------------------------------------------------------------------


@dataclass(frozen=True)
class AccountScope:
    """Which accounts (and their tasks) a person may see, applied to queries.

    ``AccountScope.everything()`` is for the CLI and batch jobs, which act with the
    workspace owner's rights."""

    principal: Principal | None

    @classmethod
    def everything(cls) -> AccountScope:
        return cls(None)

    @classmethod
    def of(cls, principal: Principal) -> AccountScope:
        return cls(principal)

    @property
    def owner_email(self) -> str | None:
        """The email whose book this scope is limited to (None: all accounts)."""
        p = self.principal
        return p.email.lower() if p is not None and p.role == "csm" else None

    @property
    def sees_personal(self) -> bool:
        return self.principal is None or self.principal.sees_personal

    def _own_accounts(self) -> Select[Any]:
        return select(AccountSnapshot.account_id).where(
            AccountSnapshot.owner == self.owner_email)

    def accounts(self, q: Q) -> Q:
        """Limit a query over account_snapshots to the visible accounts."""
        if self.owner_email is None:
            return q
        return q.where(AccountSnapshot.owner == self.owner_email)

    def tasks(self, q: Q) -> Q:
        """Limit a query over tasks to the tasks of visible accounts."""
        if self.owner_email is None:
            return q
        return q.where(Task.account_id.in_(self._own_accounts()))

    def check_account(self, store: AppStore, account_id: str) -> None:
        """Raise NotVisible unless the account exists and is visible."""
        with store.session() as s:
            found = s.execute(self.accounts(select(AccountSnapshot.account_id).where(
                AccountSnapshot.account_id == account_id))).first()
        if found is None:
            raise NotVisible(f"no account {account_id!r}")

    def check_task(self, store: AppStore, task_id: int, *,
                   account_id: str | None = None) -> None:
        """Raise NotVisible unless the task exists and belongs to a visible account (and,
        given ``account_id``, to that account)."""
        q = select(Task.id).where(Task.id == task_id)
        if account_id is not None:
            q = q.where(Task.account_id == account_id)
        with store.session() as s:
            found = s.execute(self.tasks(q)).first()
        if found is None:
            where = f" on account {account_id!r}" if account_id is not None else ""
            raise NotVisible(f"no task {task_id}{where}")

    def require_write(self) -> None:
        if self.principal is not None and not self.principal.can_write:
            raise PermissionDenied(f"a {self.principal.role} may not change anything")

    def redact(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row without personal fields when this scope may not see them."""
        if self.sees_personal:
            return row
        return {k: (None if k in PERSONAL_FIELDS else v) for k, v in row.items()}


# --- the audit log ------------------------------------------------------------------------


def record_audit(store: AppStore, *, who: Principal | None, action: str, via: str,
                 now: datetime, object_type: str | None = None, object_id: str | None = None,
                 account_id: str | None = None, detail: dict[str, Any] | None = None,
                 email: str | None = None) -> None:
    """Note who did what (or read whose personal data), through which door."""
    if via not in VIA:
        raise ValueError(f"via {via!r}")
    with store.session() as s:
        s.add(AuditEntry(
            at=now, user_id=who.id if who else None,
            user_email=who.email if who else email, action=action, object_type=object_type,
            object_id=object_id, account_id=account_id,
            detail=json.dumps(detail, default=str, separators=(",", ":")) if detail else None,
            via=via))


def _audit_filter(q: Q, *, user: str | None, account_id: str | None,
                  action: str | None) -> Q:
    if user:
        q = q.where(func.lower(AuditEntry.user_email) == user.strip().lower())
    if account_id:
        q = q.where(AuditEntry.account_id == account_id)
    if action:  # "task" matches task.complete, task.snooze, ...
        q = q.where(or_(AuditEntry.action == action, AuditEntry.action.startswith(
            action.rstrip(".") + ".", autoescape=True)))
    return q


def audit_count(store: AppStore, *, user: str | None = None, account_id: str | None = None,
                action: str | None = None) -> int:
    """How many audit entries match (for paging)."""
    q = _audit_filter(select(func.count()).select_from(AuditEntry), user=user,
                      account_id=account_id, action=action)
    with store.session() as s:
        return int(s.execute(q).scalar_one())


def audit_entries(store: AppStore, *, user: str | None = None, account_id: str | None = None,
                  action: str | None = None, limit: int | None = None,
                  offset: int = 0) -> list[dict[str, Any]]:
    """The audit log, newest first; ``action`` is an action or its family ("task")."""
    q = _audit_filter(select(AuditEntry), user=user, account_id=account_id, action=action)
    q = q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset)
    if limit:
        q = q.limit(limit)
    with store.session() as s:
        return [{"id": e.id, "at": e.at, "user": e.user_email, "action": e.action,
                 "object_type": e.object_type, "object_id": e.object_id,
                 "account_id": e.account_id, "detail": json.loads(e.detail) if e.detail
                 else None, "via": e.via} for e in s.execute(q).scalars()]
