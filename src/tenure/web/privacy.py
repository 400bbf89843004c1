"""The Privacy page (admins): the register of people's access and erasure requests with their
due days, an access request answered at once with the person's ZIP, and erasure requests
filed for the next process that may write the warehouse (:mod:`tenure.privacy.requests`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..access import Principal, record_audit
from ..api.deps import AppDep, Clock
from ..api.routes.privacy import access_response
from ..errors import AccessError, PermissionDenied
from ..privacy.requests import (
    STATUSES,
    cancel_request,
    file_request,
    list_requests,
    pending_counts,
)
from . import csrf
from .pages import page_user, render

router = APIRouter(include_in_schema=False)

REQUESTS_PAGE = 50


def _admin(request: Request, app: AppDep, clock: Clock) -> Principal:
    user = page_user(request, app, clock)
    if not user.is_admin:
        raise PermissionDenied("only an admin may handle privacy requests")
    return user


def _page(request: Request, app: AppDep, clock: Clock, user: Principal, *,
          status: str | None = None, page: int = 1, error: str | None = None,
          done: str | None = None, code: int = 200) -> HTMLResponse:
    today = clock().date()
    rows, total = list_requests(app.store, today=today, status=status, limit=REQUESTS_PAGE,
                                offset=(page - 1) * REQUESTS_PAGE)
    pending, overdue = pending_counts(app.store, today=today)
    filters = {"status": status} if status else {}
    return render(request, "privacy.html", status=code, user=user, rows=rows, total=total,
                  page=page, pages=max(1, -(-total // REQUESTS_PAGE)), filters=filters,
                  statuses=STATUSES, pending=pending, overdue=overdue, error=error, done=done,
                  due_days=app.settings.privacy.request_due_days,
                  query=lambda **kw: urlencode({**filters, **kw}))


@router.get("/admin/privacy")
def privacy(
    request: Request, app: AppDep, clock: Clock,
    status: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    done: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    """The register of privacy requests, and the forms to make one."""
    user = _admin(request, app, clock)
    status = status if status in STATUSES else None
    record_audit(app.store, who=user, action="privacy.list", via="web", now=clock(),
                 object_type="privacy_request")
    return _page(request, app, clock, user, status=status, page=page, done=done)


@router.post("/admin/privacy/access")
def access(request: Request, app: AppDep, clock: Clock,
           email: Annotated[str, Form(max_length=320)],
           csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """An access request: the person's ZIP is the answer (a download), and the request is
    recorded as done."""
    user = _admin(request, app, clock)
    csrf.check_session(request, csrf_token)
    try:
        with app.warehouse.reading() as cursor:
            return access_response(app, email=email, cursor=cursor, who=user, now=clock(),
                                   via="web")
    except AccessError as exc:  # not an email address
        return _page(request, app, clock, user, error=str(exc), code=400)


@router.post("/admin/privacy/erasures")
def erasure(request: Request, app: AppDep, clock: Clock,
            email: Annotated[str, Form(max_length=320)],
            confirm: Annotated[str, Form(max_length=320)] = "",
            csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """File an erasure request; the email is typed twice, since it cannot be undone once
    carried out."""
    user = _admin(request, app, clock)
    csrf.check_session(request, csrf_token)
    if email.strip().lower() != confirm.strip().lower():
        return _page(request, app, clock, user, code=400,
                     error="The two emails differ: type the person's email twice to file an "
                           "erasure request.")
    now = clock()
    try:
        row = file_request(app, kind="erasure", email=email, now=now,
                           requested_by=user.email, via="web")
    except AccessError as exc:
        return _page(request, app, clock, user, error=str(exc), code=400)
    record_audit(app.store, who=user, action="privacy.request", via="web", now=now,
                 object_type="privacy_request", object_id=str(row["id"]))
    return RedirectResponse("/admin/privacy?done=filed", status_code=303)


@router.post("/admin/privacy/requests/{request_id}/cancel")
def cancel(request: Request, request_id: int, app: AppDep, clock: Clock,
           csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Cancel a pending request."""
    user = _admin(request, app, clock)
    csrf.check_session(request, csrf_token)
    cancel_request(app, request_id, now=clock(), who=user, acting_email=user.email, via="web")
    return RedirectResponse("/admin/privacy?done=cancelled", status_code=303)
