"""Accounts: the book one may see, filtered, searched, sorted and paged."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ..api.deps import AppDep, Clock
from ..health.history import latest_snapshot_day, snapshots
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
