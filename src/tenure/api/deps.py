"""What routes depend on, as ``Annotated`` types that tests can override:
``AppDep`` (the workspace), ``Clock`` (the time), ``CurrentUser`` (the signed-in person: a
bearer token, else the session cookie; 401 without either) and ``Scope`` (the accounts that
person may see: every account and task query takes it)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Response
from itsdangerous import URLSafeTimedSerializer

from ..access import AccountScope, Principal, end_session, user_for_session, user_for_token
from ..app import App
from ..errors import AuthenticationError, ConfigError, PermissionDenied

if TYPE_CHECKING:
    import duckdb

SESSION_COOKIE = "tenure_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SESSION_KEY_FILE = Path("data") / "session.key"


def utc_now() -> datetime:
    """The server's clock: the time in UTC, naive (as the app database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def session_secret(app: App) -> str:
    """api.session_secret (TENURE_API__SESSION_SECRET), else the workspace's own random key
    in data/session.key, made on first use and readable by its owner only."""
    if app.settings.api.session_secret:
        return app.settings.api.session_secret
    path = app.home / SESSION_KEY_FILE
    try:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(key + "\n")
        return key
    except FileExistsError:  # another server process made it first
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot keep the session key in {path}: {exc.strerror}; set "
                          f"TENURE_API__SESSION_SECRET") from exc


def session_signer(app: App) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(app), salt="tenure.session")


def get_app(request: Request) -> App:
    app: App = request.app.state.tenure
    return app


def get_clock(request: Request) -> Callable[[], datetime]:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock


AppDep = Annotated[App, Depends(get_app)]


def warehouse_cursor(app: AppDep) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the warehouse for one request (``Warehouse.reading``: never the
    read-write connection, so the server does not lock out imports and scoring runs; 503
    while one is writing)."""
    with app.warehouse.reading() as cursor:
        yield cursor


WarehouseCursor = Annotated["duckdb.DuckDBPyConnection", Depends(warehouse_cursor)]
Clock = Annotated[Callable[[], datetime], Depends(get_clock)]


def current_user(request: Request, app: AppDep, clock: Clock) -> Principal:
    """The person behind the request: ``Authorization: Bearer <token>``, else the session
    cookie. Raises AuthenticationError (401) otherwise."""
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("use Authorization: Bearer <token>")
        request.state.via_token = True
        return user_for_token(app.store, token.strip(), now=clock())
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise AuthenticationError("sign in, or send an API token (Authorization: Bearer)")
    user = user_for_session(app.store, cookie, now=clock())
    if request.method not in SAFE_METHODS:
        _same_origin(request)
    request.state.via_token = False
    return user


def _same_origin(request: Request) -> None:
    """A change made with the session cookie must come from this site: a browser sends
    Origin (or at least Referer) with a cross-site POST, and SameSite=Lax alone does not
    cover every browser. (Forms of the dashboard will add a CSRF token on top.)"""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return
    from urllib.parse import urlsplit

    parts = urlsplit(source)
    if (parts.scheme, parts.netloc) != (request.url.scheme, request.url.netloc):
        raise PermissionDenied("cross-site request refused (Origin does not match)")


CurrentUser = Annotated[Principal, Depends(current_user)]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def secure_cookie(request: Request) -> bool:
    """Cookies are Secure unless served over plain http on this machine (tenure serve's
    default)."""
    return request.url.scheme == "https" or (request.url.hostname or "") not in LOCAL_HOSTS


def set_session_cookie(response: Response, request: Request, token: str, *,
                       hours: float) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure (see :func:`secure_cookie`)."""
    response.set_cookie(SESSION_COOKIE, token, max_age=int(hours * 3600), httponly=True,
                        samesite="lax", secure=secure_cookie(request), path="/")


def forget_session(response: Response, request: Request) -> None:
    """Sign the browser out: its session ends on the server and the cookie is deleted."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(get_app(request).store, token)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure_cookie(request))


def scope_of(user: CurrentUser) -> AccountScope:
    return AccountScope.of(user)


Scope = Annotated[AccountScope, Depends(scope_of)]


def require_roles(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency letting only these roles through (others: 403)."""

    def check(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise PermissionDenied(f"only {' or '.join(roles)} may do this, not a {user.role}")
        return user

    return check


AdminUser = Annotated[Principal, Depends(require_roles("admin"))]
ManagerUser = Annotated[Principal, Depends(require_roles("admin", "manager"))]
