"""Signing in and out (session cookie for the browser) and who am I."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from ...access import authenticate, record_audit, start_session
from ...errors import AuthenticationError
from ..deps import AppDep, Clock, CurrentUser, forget_session, set_session_cookie
from ..errors import ERROR_RESPONSES
from ..schemas import LoginIn, Me

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)

@router.post("/auth/login", response_model=Me)
def login(body: LoginIn, request: Request, response: Response, app: AppDep,
          clock: Clock) -> Me:
    """Check email and password and set the session cookie (HttpOnly, SameSite=Lax, Secure
    except over http on 127.0.0.1). Too many failures for an email: 429 with Retry-After."""
    now = clock()
    ip = request.client.host if request.client else None
    settings = app.settings.api
    try:
        user = authenticate(app.store, email=body.email, password=body.password, ip=ip, now=now,
                            max_failures=settings.login_max_failures,
                            window=timedelta(minutes=settings.login_window_minutes))
    except AuthenticationError as exc:
        record_audit(app.store, who=None, email=body.email.strip().lower()[:320],
                     action="auth.login_failed", via="api", now=now,
                     detail={"ip": ip, "reason": type(exc).__name__})
        raise
    token = start_session(app.store, user, now=now, hours=settings.session_hours, ip=ip)
    set_session_cookie(response, request, token, hours=settings.session_hours)
    record_audit(app.store, who=user, action="auth.login", via="api", now=now,
                 detail={"ip": ip})
    return Me(**user.as_dict())


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response) -> Response:
    """End the session (on the server: the cookie opens nothing after) and delete the
    cookie."""
    forget_session(response, request)
    response.status_code = 204
    return response


@router.get("/me", response_model=Me)
def me(user: CurrentUser) -> Me:
    """The signed-in person and their role."""
    return Me(**user.as_dict())
