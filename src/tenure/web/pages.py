"""The dashboard's pages: login and logout, My day, Accounts and Account 360.

Every page reads through the signed-in person's :class:`~tenure.access.AccountScope` (the
one scoping rule, as the API), every form carries a CSRF token checked on POST, and a change
is answered by a redirect (post/redirect/get). A viewer sees no personal data and no forms.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..access import AccountScope, Principal, authenticate, record_audit
from ..activities import log_activity
from ..api.deps import SESSION_COOKIE, AppDep, Clock, current_user
from ..api.routes.auth import _secure_cookie
from ..errors import AuthenticationError, LoginThrottled, NotVisible
from ..health.history import history, latest_snapshot_day, snapshot, snapshots
from ..ingest.schema import ACTIVITY_KINDS
from ..playbooks.tasks import OUTCOMES, close, worklist
from . import charts, csrf

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
RENEWAL_DAYS = 90
Sort = Literal["score", "risk", "arr", "name", "renewal"]


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
                        samesite="lax", secure=_secure_cookie(request), path="/login")
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
    response.set_cookie(SESSION_COOKIE, request.app.state.signer.dumps({"uid": user.id}),
                        max_age=settings.session_hours * 3600, httponly=True,
                        samesite="lax", secure=_secure_cookie(request), path="/")
    response.delete_cookie(csrf.PRELOGIN_COOKIE, path="/login")
    record_audit(app.store, who=user, action="auth.login", via="web", now=now,
                 detail={"ip": ip})
    return response


@router.post("/logout")
def logout(request: Request,
           csrf_token: Annotated[str | None, Form()] = None) -> Response:
    csrf.check_session(request, csrf_token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_secure_cookie(request))
    return response


# --- pages --------------------------------------------------------------------------------


def _scope(user: Principal) -> AccountScope:
    return AccountScope.of(user)


@router.get("/")
def my_day(request: Request, app: AppDep, clock: Clock) -> HTMLResponse:
    """My open tasks by priority and the renewals of the next 90 days."""
    user = page_user(request, app, clock)
    scope = _scope(user)
    today = clock().date()
    # A CSM works their book; an admin or manager, the tasks they own.
    mine = user.email if user.role in ("admin", "manager") else None
    tasks = worklist(app.store, as_of=today, owner=mine, status="open", scope=scope,
                     limit=PAGE_SIZE)
    renewals: list[dict[str, Any]] = []
    if latest_snapshot_day(app.store) is not None:
        until = today + timedelta(days=RENEWAL_DAYS)
        renewals = [r for r in snapshots(app.store, sort="renewal", scope=scope)
                    if r["renewal_date"] is not None and today <= r["renewal_date"] <= until]
    return render(request, "my_day.html", user=user, tasks=tasks, renewals=renewals,
                  today=today, renewal_days=RENEWAL_DAYS)


@router.get("/accounts")
def accounts(
    request: Request, app: AppDep, clock: Clock,
    health: Annotated[str | None, Query(max_length=64)] = None,
    owner: Annotated[str | None, Query(max_length=320)] = None,
    segment: Annotated[str | None, Query(max_length=128)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Sort = "score",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """The accounts the person may see: filtered, searched by name, sorted, paginated."""
    user = page_user(request, app, clock)
    scope = _scope(user)
    health, owner, segment, q = (v.strip() if v else None for v in (health, owner, segment, q))
    if owner and not scope.sees_personal:
        owner = None  # a viewer cannot filter on personal data
    rows: list[dict[str, Any]] = []
    if latest_snapshot_day(app.store) is not None:
        rows = snapshots(app.store, band=health, owner=owner, segment=segment, sort=sort,
                         scope=scope)
    if q:
        needle = q.lower()
        rows = [r for r in rows if needle in (r["name"] or "").lower()
                or needle in r["account_id"].lower()]
    start = (page - 1) * PAGE_SIZE
    filters = {k: v for k, v in (("health", health), ("owner", owner),
                                 ("segment", segment), ("q", q), ("sort", sort)) if v}
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    return render(request, "accounts.html", user=user, rows=rows[start:start + PAGE_SIZE],
                  total=len(rows), page=page, pages=pages, filters=filters,
                  query=lambda **kw: urlencode({**filters, **kw}),
                  sorts=("score", "risk", "arr", "name", "renewal"))


@router.get("/accounts/{account_id}")
def account(request: Request, account_id: str, app: AppDep, clock: Clock) -> HTMLResponse:
    """Account 360: snapshot, health history chart, open tasks, forms to act."""
    user = page_user(request, app, clock)
    scope = _scope(user)
    scope.check_account(app.store, account_id)
    snap = scope.redact(snapshot(app.store, account_id))
    points = history(app.store, account_id)
    chart = charts.as_script_json(charts.health_history(points)) if len(points) else None
    tasks = worklist(app.store, as_of=clock().date(), status="open", account_id=account_id,
                     scope=scope)
    if scope.sees_personal:
        record_audit(app.store, who=user, action="account.read", via="web", now=clock(),
                     object_type="account", object_id=account_id, account_id=account_id)
    return render(request, "account.html", user=user, a=snap, tasks=tasks, chart=chart,
                  outcomes=OUTCOMES, kinds=ACTIVITY_KINDS,
                  notice=request.query_params.get("done"))


@router.post("/accounts/{account_id}/tasks/{task_id}/complete")
def complete_task(request: Request, account_id: str, task_id: int, app: AppDep,
                  clock: Clock, outcome: Annotated[str, Form(max_length=64)],
                  note: Annotated[str | None, Form(max_length=4000)] = None,
                  csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Close one of the account's tasks with its outcome."""
    user = page_user(request, app, clock)
    csrf.check_session(request, csrf_token)
    scope = _scope(user)
    scope.check_task(app.store, task_id)
    tasks = worklist(app.store, as_of=clock().date(), status="all", account_id=account_id,
                     scope=scope)
    if task_id not in {t["id"] for t in tasks}:
        raise NotVisible(f"no task {task_id} on account {account_id!r}")
    scope.require_write()
    now = clock()
    close(app.store, task_id, outcome=outcome, note=(note or "").strip() or None,
          by=user.email, now=now)
    record_audit(app.store, who=user, action="task.complete", via="web", now=now,
                 object_type="task", object_id=str(task_id), account_id=account_id,
                 detail={"outcome": outcome})
    return RedirectResponse(f"/accounts/{quote(account_id, safe='')}?done=task",
                            status_code=303)


@router.post("/accounts/{account_id}/activities")
def log_note(request: Request, account_id: str, app: AppDep, clock: Clock,
             summary: Annotated[str, Form(min_length=1, max_length=4000)],
             kind: Annotated[str, Form(max_length=32)] = "note",
             csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Log a touchpoint (a note by default) with the account, now, by the signed-in person."""
    user = page_user(request, app, clock)
    csrf.check_session(request, csrf_token)
    scope = _scope(user)
    scope.check_account(app.store, account_id)
    scope.require_write()
    now = clock()
    activity_id = log_activity(app.store, account_id=account_id, kind=kind, summary=summary,
                               occurred_at=now, actor=user.email, now=now)
    record_audit(app.store, who=user, action="activity.log", via="web", now=now,
                 object_type="activity", object_id=str(activity_id), account_id=account_id,
                 detail={"kind": kind})
    return RedirectResponse(f"/accounts/{quote(account_id, safe='')}?done=note",
                            status_code=303)
