"""Playbooks (what is in force, what their tasks came to, whether they helped) and the audit
log (admins)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from ..access import AccountScope, audit_count, audit_entries
from ..api.deps import AppDep, Clock
from ..errors import PermissionDenied
from ..playbooks import describe_action, describe_trigger, load_playbooks
from ..playbooks.effect import playbook_effect
from ..playbooks.tasks import OUTCOMES
from ..store import AppStore, Task
from .pages import PAGE_SIZE, page_user, render, scope_of

router = APIRouter(include_in_schema=False)

AUDIT_PAGE = 100


def task_counts(store: AppStore, scope: AccountScope) -> dict[str, dict[str, int]]:
    """Per playbook: its tasks by status and closed ones by outcome, over the accounts the
    person may see (one grouped query)."""
    q = scope.tasks(select(Task.playbook, Task.status, Task.outcome, func.count())
                    .where(Task.playbook.is_not(None))
                    .group_by(Task.playbook, Task.status, Task.outcome))
    counts: dict[str, dict[str, int]] = {}
    with store.session() as s:
        for playbook, status, outcome, n in s.execute(q).all():
            c = counts.setdefault(str(playbook), {})
            c["tasks"] = c.get("tasks", 0) + n
            c[status] = c.get(status, 0) + n
            if status == "closed" and outcome:
                c[outcome] = c.get(outcome, 0) + n
    return counts


@router.get("/playbooks")
def playbooks(request: Request, app: AppDep, clock: Clock) -> HTMLResponse:
    """The playbooks in force, with their tasks over one's accounts and, for managers and
    admins, the observational comparison of churn after their tasks
    (:func:`tenure.playbooks.effect.playbook_effect`, company-wide)."""
    user = page_user(request, app, clock)
    scope = scope_of(user)
    counts = task_counts(app.store, scope)
    rows = [{"name": p.name, "title": p.title, "description": p.description,
             "trigger": describe_trigger(p.trigger), "when": p.when,
             "actions": [describe_action(a) for a in p.actions], "builtin": p.builtin,
             **{"counts": counts.get(p.name, {})}}
            for p in load_playbooks(app.settings)]
    effect: dict[str, Any] | None = None
    if user.role in ("admin", "manager"):
        with app.reading() as view:
            effect = playbook_effect(view, as_of=clock().date()).as_dict()
    return render(request, "playbooks.html", user=user, rows=rows, outcomes=OUTCOMES,
                  effect=effect,
                  effects={e["playbook"]: e for e in (effect or {}).get("playbooks", [])})


@router.get("/admin/audit")
def audit(
    request: Request, app: AppDep, clock: Clock,
    who: Annotated[str | None, Query(max_length=320)] = None,
    account: Annotated[str | None, Query(max_length=255)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """The audit log for admins: who read whose personal data and who changed what, newest
    first, filtered by person, account and action (family)."""
    user = page_user(request, app, clock)
    if not user.is_admin:
        raise PermissionDenied("only an admin may read the audit log")
    who, account, action = (v.strip() or None if v else None for v in (who, account, action))
    total = audit_count(app.store, user=who, account_id=account, action=action)
    rows = audit_entries(app.store, user=who, account_id=account, action=action,
                         limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE)
    filters = {k: v for k, v in (("who", who), ("account", account), ("action", action)) if v}
    return render(request, "audit.html", user=user, rows=rows, total=total, page=page,
                  pages=max(1, -(-total // AUDIT_PAGE)), filters=filters,
                  query=lambda **kw: urlencode({**filters, **kw}), page_size=PAGE_SIZE)
