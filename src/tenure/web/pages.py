"""What the dashboard's pages share (the signed-in person, rendering, paging) and signing in
and out. The pages themselves: :mod:`.day`, :mod:`.accounts`, :mod:`.account`.

Every page reads through the signed-in person's :class:`~tenure.access.AccountScope` (the
one scoping rule, as the API), every form carries a CSRF token checked on POST, and a change
is answered by a redirect (post/redirect/get). A viewer sees no personal data and no forms.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..access import AccountScope, Principal, authenticate, record_audit, start_session
from ..api.deps import (
    SESSION_COOKIE,
    AppDep,
    Clock,
    current_user,
    forget_session,
    secure_cookie,
    set_session_cookie,
)
from ..errors import AuthenticationError, LoginThrottled
from . import csrf

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


class LoginRequired(Exception):
    """An anonymous request for a page: answered by a redirect to /login?next=..."""


def page_user(request: Request, app: AppDep, clock: Clock) -> Principal:
    """The signed-in person, as the API finds them (session cookie or token)."""
    try:
        return current_user(request, app, clock)
    except AuthenticationError:
        raise LoginRequired from None


def render(request: Request, template: str, *, status: int = 200,
           user: Principal | None = None, **context: Any) -> HTMLResponse:
    env = request.app.state.web_templates
    html = env.get_template(template).render(
        user=user, csrf=csrf.session_token(request), csrf_field=csrf.FIELD,
        path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme) may be the target after login."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return "/"


# --- login and logout ---------------------------------------------------------------------


def _login_form(request: Request, *, next_: str, email: str = "", error: str | None = None,
                status: int = 200) -> HTMLResponse:
    seed = request.cookies.get(csrf.PRELOGIN_COOKIE) or csrf.new_seed()
    response = render(request, "login.html", status=status, next=next_, email=email,
                      error=error, login_token=csrf.token_for(request, seed))
    response.set_cookie(csrf.PRELOGIN_COOKIE, seed, max_age=3600, httponly=True,
                        samesite="lax", secure=secure_cookie(request), path="/login")
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_form(request, next_=_safe_next(next))


@router.post("/login")
def login(request: Request, app: AppDep, clock: Clock,
          email: Annotated[str, Form(max_length=320)],
          password: Annotated[str, Form(max_length=1024)],
          csrf_token: Annotated[str | None, Form()] = None,
          next: Annotated[str | None, Form()] = None) -> Response:
    """Check the CSRF token, then email and password (access.authenticate, as the API), and
    set the same session cookie as POST /api/v1/auth/login."""
    csrf.check(request, csrf_token, seed=request.cookies.get(csrf.PRELOGIN_COOKIE))
    now = clock()
    ip = request.client.host if request.client else None
    settings = app.settings.api
    target = _safe_next(next)
    try:
        user = authenticate(app.store, email=email, password=password, ip=ip, now=now,
                            max_failures=settings.login_max_failures,
                            window=timedelta(minutes=settings.login_window_minutes))
    except AuthenticationError as exc:
        record_audit(app.store, who=None, email=email.strip().lower()[:320],
                     action="auth.login_failed", via="web", now=now,
                     detail={"ip": ip, "reason": type(exc).__name__})
        form = _login_form(request, next_=target, email=email, error=str(exc),
                           status=429 if isinstance(exc, LoginThrottled) else 401)
        if isinstance(exc, LoginThrottled):
            form.headers["Retry-After"] = str(exc.retry_after)
        return form
    response = RedirectResponse(target, status_code=303)
    token = start_session(app.store, user, now=now, hours=settings.session_hours, ip=ip)
    set_session_cookie(response, request, token, hours=settings.session_hours)
    response.delete_cookie(csrf.PRELOGIN_COOKIE, path="/login")
    record_audit(app.store, who=user, action="auth.login", via="web", now=now,
                 detail={"ip": ip})
    return response


@router.post("/logout")
def logout(request: Request,
           csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """End the session (its form carries the CSRF token, so that no other site can sign
    one out); without a session there is nothing to end."""
    response = RedirectResponse("/login", status_code=303)
    if not request.cookies.get(SESSION_COOKIE):
        return response
    csrf.check_session(request, csrf_token)
    forget_session(response, request)
    return response


def scope_of(user: Principal) -> AccountScope:
    return AccountScope.of(user)
