"""Account 360: one account's scores, history, tasks and plans, and the forms to act."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..access import record_audit
from ..activities import log_activity
from ..api.deps import AppDep, Clock
from ..errors import NotVisible
from ..health.history import history, snapshot
from ..ingest.schema import ACTIVITY_KINDS
from ..playbooks.tasks import OUTCOMES, close, worklist
from . import charts, csrf
from .pages import page_user, render
from .pages import scope_of as _scope

router = APIRouter(include_in_schema=False)


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
