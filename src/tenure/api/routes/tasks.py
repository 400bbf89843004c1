"""Tasks: the caller's worklist, completing a task with its outcome and snoozing one. A CSM
works the tasks of their own accounts; a viewer may read but not change (403)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ...access import record_audit
from ...playbooks.tasks import close, snooze, worklist_page
from ..deps import AppDep, Clock, CurrentUser, Scope
from ..errors import ERROR_RESPONSES
from ..schemas import CompleteIn, SnoozeIn, TaskList, TaskPublic

router = APIRouter(tags=["tasks"], responses=ERROR_RESPONSES)


@router.get("/tasks", response_model=TaskList)
def list_tasks(
    app: AppDep, scope: Scope, clock: Clock,
    status: Annotated[Literal["open", "snoozed", "closed", "all"], Query()] = "open",
    account_id: Annotated[str | None, Query(max_length=255)] = None,
    owner: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    page: Annotated[int, Query(ge=1)] = 1,
) -> TaskList:
    """The worklist: by priority, then ARR at risk, then due date, one page at a time
    (filter, order and page run in the database)."""
    if owner and not scope.sees_personal:
        owner = None
    rows, total = worklist_page(app.store, as_of=clock().date(), owner=owner, status=status,
                                account_id=account_id, page=page, limit=limit, scope=scope)
    return TaskList(items=[TaskPublic(**r) for r in rows], total=total)


@router.post("/tasks/{task_id}/complete", response_model=TaskPublic)
def complete_task(task_id: int, body: CompleteIn, app: AppDep, scope: Scope,
                  user: CurrentUser, clock: Clock) -> TaskPublic:
    """Close a task with its outcome (saved, churned, expanded, no_action_needed)."""
    scope.check_task(app.store, task_id)
    scope.require_write()
    now = clock()
    row = close(app.store, task_id, outcome=body.outcome, note=body.note, by=user.email,
                now=now)
    record_audit(app.store, who=user, action="task.complete", via="api", now=now,
                 object_type="task", object_id=str(task_id), account_id=row["account_id"],
                 detail={"outcome": body.outcome})
    return TaskPublic(**row)


@router.post("/tasks/{task_id}/snooze", response_model=TaskPublic)
def snooze_task(task_id: int, body: SnoozeIn, app: AppDep, scope: Scope,
                user: CurrentUser, clock: Clock) -> TaskPublic:
    """Put a task aside until a day after today."""
    scope.check_task(app.store, task_id)
    scope.require_write()
    now = clock()
    row = snooze(app.store, task_id, until=body.until, by=user.email, now=now)
    record_audit(app.store, who=user, action="task.snooze", via="api", now=now,
                 object_type="task", object_id=str(task_id), account_id=row["account_id"],
                 detail={"until": body.until.isoformat()})
    return TaskPublic(**row)
