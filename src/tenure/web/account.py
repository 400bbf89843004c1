"""Account 360: one account's scores, history, tasks and plans, and the forms to act.

The page reads the app database only (snapshot, health history, tasks, onboarding, goals):
a few indexed queries, so it stays fast at any number of accounts. What comes from the
warehouse (MRR, usage, contacts, tickets, NPS / CSAT, the timeline) is a *panel*, an HTML
fragment at ``/accounts/{id}/panels/{name}`` that ``static/panels.js`` loads into the page
(a plain link without JavaScript), behind the same sign-in, scope and audit as the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import account360
from ..access import AccountScope, Principal, record_audit
from ..activities import log_activity
from ..api.deps import AppDep, Clock
from ..app import App
from ..errors import NotVisible
from ..health.history import history, snapshot
from ..ingest.schema import ACTIVITY_KINDS
from ..onboarding.plans import plan_status
from ..plans import goals
from ..playbooks.tasks import OUTCOMES, close, snooze, worklist
from ..timeline import timeline, without_people
from . import charts, csrf
from .pages import page_user, render
from .pages import scope_of as _scope

router = APIRouter(include_in_schema=False)

# Who completed a milestone, and the evidence (which can name a contact): personal, as in
# the API's onboarding route.
MILESTONE_PERSONAL = ("completed_by", "evidence")


def _chart(fig: Any) -> str:
    return charts.as_script_json(fig)


@router.get("/accounts/{account_id}")
def account(request: Request, account_id: str, app: AppDep, clock: Clock) -> HTMLResponse:
    """Account 360: snapshot, health and component history, tasks, onboarding and success
    plan, forms to act; the warehouse panels are loaded by the browser."""
    user = page_user(request, app, clock)
    scope = _scope(user)
    scope.check_account(app.store, account_id)
    today = clock().date()
    snap = scope.redact(snapshot(app.store, account_id))
    points = history(app.store, account_id)
    chart = _chart(charts.health_history(points)) if len(points) else None
    components = account360.component_history(app.store, account_id)
    components_chart = (_chart(charts.health_components(components))
                        if len(components) >= 2 else None)
    tasks = worklist(app.store, as_of=today, status="open", account_id=account_id,
                     scope=scope)
    snoozed = worklist(app.store, as_of=today, status="snoozed", account_id=account_id,
                       scope=scope)
    onboarding = plan_status(app.store, account_id, as_of=today)
    if not scope.sees_personal:
        onboarding["milestones"] = [{**m, **dict.fromkeys(MILESTONE_PERSONAL)}
                                    for m in onboarding["milestones"]]
    plan_goals = [g if scope.sees_personal else {**g, "created_by": None}
                  for g in goals(app.store, account_id)]
    if scope.sees_personal:
        record_audit(app.store, who=user, action="account.read", via="web", now=clock(),
                     object_type="account", object_id=account_id, account_id=account_id)
    return render(request, "account.html", user=user, a=snap, tasks=tasks, snoozed=snoozed,
                  chart=chart, components_chart=components_chart, onboarding=onboarding,
                  goals=plan_goals, panels=PANEL_TITLES,
                  tomorrow=today + timedelta(days=1),
                  outcomes=OUTCOMES, kinds=ACTIVITY_KINDS,
                  notice=request.query_params.get("done"))


# --- panels: warehouse reads, loaded after the page -----------------------------------------

PANEL_TITLES = {"mrr": "MRR history", "usage": "Usage", "contacts": "Contacts",
                "tickets": "Support tickets", "voice": "NPS and CSAT",
                "timeline": "Timeline"}


def _mrr(app: App, account_id: str, as_of: date, scope: AccountScope) -> dict[str, Any]:
    with app.warehouse.reading() as con:
        found = account360.monthly_mrr(con, account_id=account_id, as_of=as_of,
                                       settings=app.settings)
    drawable = any(m.mrr for m in found.months)
    return {"history": found,
            "chart": _chart(charts.mrr_history(found.months, found.currency))
            if drawable else None}


def _usage(app: App, account_id: str, as_of: date, scope: AccountScope) -> dict[str, Any]:
    with app.warehouse.reading() as con:
        found = account360.monthly_usage(con, account_id=account_id, as_of=as_of,
                                         settings=app.settings)
    drawable = any(m.events for m in found.months)
    return {"history": found, "chart": _chart(charts.usage(found.months)) if drawable else None}


def _contacts(app: App, account_id: str, as_of: date, scope: AccountScope) -> dict[str, Any]:
    with app.warehouse.reading() as con:
        rows, total = account360.contacts(con, account_id=account_id)
    if not scope.sees_personal:
        rows = account360.blank_personal(rows, "contacts")
    return {"rows": rows, "total": total, "personal": bool(rows)}


def _tickets(app: App, account_id: str, as_of: date, scope: AccountScope) -> dict[str, Any]:
    with app.warehouse.reading() as con:
        rows, total, open_ = account360.tickets(con, account_id=account_id)
    if not scope.sees_personal:
        rows = account360.blank_personal(rows, "tickets")
    return {"rows": rows, "total": total, "open": open_, "personal": bool(rows)}


def _voice(app: App, account_id: str, as_of: date, scope: AccountScope) -> dict[str, Any]:
    with app.warehouse.reading() as con:
        found = account360.voice(con, account_id=account_id, as_of=as_of,
                                 settings=app.settings)
    if not scope.sees_personal:
        found.responses = account360.blank_personal(found.responses, "survey_responses")
    return {"voice": found, "as_of": as_of, "personal": bool(found.responses),
            "nps_days": app.settings.metrics.nps_window_days,
            "csat_days": app.settings.metrics.csat_window_days}


def _timeline(app: App, account_id: str, as_of: date, scope: AccountScope) -> dict[str, Any]:
    # timeline() reads the warehouse through Warehouse.reading() itself.
    entries = timeline(app, account_id, limit=account360.ROW_LIMIT)
    if not scope.sees_personal:
        entries = [without_people(e) for e in entries]
    return {"entries": entries, "personal": bool(entries)}


Panel = Callable[[App, str, date, AccountScope], dict[str, Any]]
PANELS: dict[str, Panel] = {"mrr": _mrr, "usage": _usage, "contacts": _contacts,
                            "tickets": _tickets, "voice": _voice, "timeline": _timeline}
# The audit action of a panel read that returned personal data (as the API names them).
PANEL_AUDIT = {"contacts": "contacts.read", "tickets": "tickets.read",
               "voice": "survey_responses.read", "timeline": "timeline.read"}


@router.get("/accounts/{account_id}/panels/{name}")
def panel(request: Request, account_id: str, name: str, app: AppDep,
          clock: Clock) -> HTMLResponse:
    """One panel of the account page as an HTML fragment (no page layout)."""
    user = page_user(request, app, clock)
    scope = _scope(user)
    if name not in PANELS:
        raise NotVisible(f"no panel {name!r}")
    scope.check_account(app.store, account_id)
    # The panels are as of the account's latest scoring, as the page's scores are.
    as_of = account360.scored_on(app.store, account_id) or clock().date()
    context = PANELS[name](app, account_id, as_of, scope)
    if name in PANEL_AUDIT and scope.sees_personal and context.get("personal"):
        _audit_read(app, user, PANEL_AUDIT[name], account_id, clock)
    return render(request, f"_panel_{name}.html", user=user, account_id=account_id,
                  title=PANEL_TITLES[name], **context)


def _audit_read(app: App, user: Principal, action: str, account_id: str,
                clock: Callable[[], Any]) -> None:
    record_audit(app.store, who=user, action=action, via="web", now=clock(),
                 object_type="account", object_id=account_id, account_id=account_id)


# --- changes ------------------------------------------------------------------------------


def _back(account_id: str, done: str) -> Response:
    return RedirectResponse(f"/accounts/{quote(account_id, safe='')}?done={done}",
                            status_code=303)


@router.post("/accounts/{account_id}/tasks/{task_id}/complete")
def complete_task(request: Request, account_id: str, task_id: int, app: AppDep,
                  clock: Clock, outcome: Annotated[str, Form(max_length=64)],
                  note: Annotated[str | None, Form(max_length=4000)] = None,
                  csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Close one of the account's tasks with its outcome."""
    user = page_user(request, app, clock)
    csrf.check_session(request, csrf_token)
    scope = _scope(user)
    scope.check_task(app.store, task_id, account_id=account_id)
    scope.require_write()
    now = clock()
    close(app.store, task_id, outcome=outcome, note=(note or "").strip() or None,
          by=user.email, now=now)
    record_audit(app.store, who=user, action="task.complete", via="web", now=now,
                 object_type="task", object_id=str(task_id), account_id=account_id,
                 detail={"outcome": outcome})
    return _back(account_id, "task")


@router.post("/accounts/{account_id}/tasks/{task_id}/snooze")
def snooze_task(request: Request, account_id: str, task_id: int, app: AppDep,
                clock: Clock, until: Annotated[date, Form()],
                csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Put one of the account's tasks aside until a day after today."""
    user = page_user(request, app, clock)
    csrf.check_session(request, csrf_token)
    scope = _scope(user)
    scope.check_task(app.store, task_id, account_id=account_id)
    scope.require_write()
    now = clock()
    snooze(app.store, task_id, until=until, by=user.email, now=now)
    record_audit(app.store, who=user, action="task.snooze", via="web", now=now,
                 object_type="task", object_id=str(task_id), account_id=account_id,
                 detail={"until": until.isoformat()})
    return _back(account_id, "snooze")


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
    return _back(account_id, "note")
