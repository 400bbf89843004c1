"""Accounts: the portfolio (filtered, sorted, paginated) and one account in full. Both go
through the caller's scope: a CSM sees their own book, and another book's account is a 404."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ...access import record_audit
from ...health.history import history, latest_snapshot_day, snapshot, snapshot_page
from ..deps import AppDep, Clock, CurrentUser, Scope
from ..errors import ERROR_RESPONSES
from ..schemas import AccountDetail, AccountPage, AccountPublic, HistoryPoint

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES)

Sort = Literal["score", "risk", "arr", "name", "renewal"]


@router.get("/accounts", response_model=AccountPage)
def list_accounts(
    app: AppDep, scope: Scope,
    health: Annotated[str | None, Query(description="A health band (red, yellow, green).",
                                        max_length=64)] = None,
    owner: Annotated[str | None, Query(description="The owner's email.",
                                       max_length=320)] = None,
    segment: Annotated[str | None, Query(max_length=128)] = None,
    q: Annotated[str | None, Query(description="Part of the name or the account id (any "
                                   "case).", max_length=200)] = None,
    sort: Annotated[Sort, Query(description="score (lowest first), risk (ARR at risk), arr, "
                                "name or renewal (soonest first).")] = "score",
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AccountPage:
    """The accounts the caller may see, filtered and sorted, one page at a time (filter,
    order and page run in the database)."""
    if latest_snapshot_day(app.store) is None:
        return AccountPage(items=[], total=0, page=page, limit=limit)
    if owner and not scope.sees_personal:
        owner = None  # a viewer cannot filter on personal data
    rows, total = snapshot_page(app.store, band=health, owner=owner, segment=segment,
                                search=q.strip() if q else None, sort=sort, page=page,
                                limit=limit, scope=scope)
    return AccountPage(items=[AccountPublic(**r) for r in rows], total=total, page=page,
                       limit=limit)


@router.get("/accounts/{account_id}", response_model=AccountDetail)
def get_account(account_id: str, app: AppDep, scope: Scope, user: CurrentUser,
                clock: Clock) -> AccountDetail:
    """One account: its snapshot, explanation and score history (404 outside the caller's
    book)."""
    scope.check_account(app.store, account_id)
    row = scope.redact(snapshot(app.store, account_id))
    points = [HistoryPoint(day=d, score=s, band=b)
              for d, s, b in history(app.store, account_id)[["day", "score", "band"]]
              .itertuples(index=False)]
    if scope.sees_personal:
        record_audit(app.store, who=user, action="account.read", via="api", now=clock(),
                     object_type="account", object_id=account_id, account_id=account_id)
    return AccountDetail(**row, history=points)
