"""One account's timeline, and logging a touchpoint with it (a call, a note, ...). A viewer
reads the timeline without who did what or what they said, and may not log anything."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from ...access import record_audit
from ...activities import log_activity
from ...timeline import timeline, without_people
from ..deps import AppDep, Clock, CurrentUser, Scope
from ..errors import ERROR_RESPONSES
from ..schemas import ActivityIn, ActivityLogged, TimelineEntry

router = APIRouter(tags=["activities"], responses=ERROR_RESPONSES)

@router.get("/accounts/{account_id}/timeline", response_model=list[TimelineEntry])
def get_timeline(
    account_id: str, app: AppDep, scope: Scope, user: CurrentUser, clock: Clock,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
    kind: Annotated[list[str] | None, Query(description="Entry kinds or sub-kinds.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TimelineEntry]:
    """Everything that happened with the account, newest first."""
    scope.check_account(app.store, account_id)
    entries = timeline(app, account_id, since=since, until=until, kinds=kind, limit=limit)
    if not scope.sees_personal:
        entries = [without_people(e) for e in entries]
    elif entries:
        record_audit(app.store, who=user, action="timeline.read", via="api", now=clock(),
                     object_type="account", object_id=account_id, account_id=account_id)
    return [TimelineEntry(**e) for e in entries]


@router.post("/accounts/{account_id}/activities", response_model=ActivityLogged,
             status_code=201)
def post_activity(account_id: str, body: ActivityIn, app: AppDep, scope: Scope,
                  user: CurrentUser, clock: Clock) -> ActivityLogged:
    """Log a touchpoint (call, email, meeting, qbr, note, webinar, training, community) as
    the caller; it reaches the warehouse with the next scoring run."""
    scope.check_account(app.store, account_id)
    scope.require_write()
    now = clock()
    occurred = body.occurred_at or now
    activity_id = log_activity(app.store, account_id=account_id, kind=body.kind,
                               summary=body.summary, occurred_at=occurred, actor=user.email,
                               contact_id=body.contact_id, now=now)
    record_audit(app.store, who=user, action="activity.log", via="api", now=now,
                 object_type="activity", object_id=str(activity_id), account_id=account_id,
                 detail={"kind": body.kind})
    return ActivityLogged(id=activity_id, account_id=account_id, kind=body.kind,
                          occurred_at=occurred, actor=user.email)
