"""Accounts: the book one may see, filtered, searched, sorted and paged by the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ..api.deps import AppDep, Clock
from ..health.history import SORTS, snapshot_page
from .day import logged_since_scoring, stalled_by_account
from .pages import PAGE_SIZE, page_user, render
from .pages import scope_of as _scope

router = APIRouter(include_in_schema=False)

Sort = Literal["score", "risk", "arr", "name", "renewal"]


@router.get("/accounts")
def accounts(
    request: Request, app: AppDep, clock: Clock,
    health: Annotated[str | None, Query(max_length=64)] = None,
    owner: Annotated[str | None, Query(max_length=320)] = None,
    segment: Annotated[str | None, Query(max_length=128)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Sort = "score",
    page: Annotated[int, Query(ge=1)] = 1,
    renewal_days: Annotated[int | None, Query(ge=0, le=3660)] = None,
    checkin: Literal["overdue"] | None = None,
    onboarding: Literal["stalled"] | None = None,
) -> HTMLResponse:
    """The accounts the person may see: filtered, searched by name or id, sorted, paginated;
    ``renewal_days``: renewing within that many days, ``checkin=overdue``,
    ``onboarding=stalled``: the rest of the sections of My day."""
    user = page_user(request, app, clock)
    scope = _scope(user)
    today = clock().date()
    health, owner, segment, q = (v.strip() if v else None for v in (health, owner, segment, q))
    if owner and not scope.sees_personal:
        owner = None  # a viewer cannot filter on personal data
    moved = logged_since_scoring(app, today=today) if checkin else {}
    # (before the first scoring run: no snapshots, an empty list)
    rows, total = snapshot_page(
        app.store, band=health, owner=owner, segment=segment, search=q, sort=sort, page=page,
        limit=PAGE_SIZE, scope=scope,
        renewal_between=(None if renewal_days is None
                         else (today, today + timedelta(days=renewal_days))),
        checkin_due_before=today if checkin else None,
        exclude=[a for a, due in moved.items() if due >= today],
        only=list(stalled_by_account(app, today=today)) if onboarding else None)
    filters = {k: v for k, v in (("health", health), ("owner", owner),
                                 ("segment", segment), ("q", q), ("sort", sort),
                                 ("renewal_days", renewal_days), ("checkin", checkin),
                                 ("onboarding", onboarding)) if v is not None and v != ""}
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "accounts.html", user=user, rows=rows, total=total, page=page,
                  pages=pages, filters=filters,
                  query=lambda **kw: urlencode({**filters, **kw}), sorts=SORTS)
