"""My day: the signed-in person's open tasks by priority and the renewals ahead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api.deps import AppDep, Clock
from ..health.history import latest_snapshot_day, snapshots
from ..playbooks.tasks import worklist
from .pages import PAGE_SIZE, page_user, render
from .pages import scope_of as _scope

router = APIRouter(include_in_schema=False)

RENEWAL_DAYS = 90


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
