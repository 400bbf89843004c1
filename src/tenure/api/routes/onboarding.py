"""Onboarding and success plans of one account (404 outside the caller's book; a viewer may
read them, without the people's names, and change nothing)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...access import record_audit
from ...errors import NotVisible
from ...health.history import latest_snapshot_day
from ...onboarding.plans import plan_status
from ...plans import add_goal, goal_account, goals, metric_values, update_goal
from ..deps import AppDep, Clock, CurrentUser, Scope
from ..errors import ERROR_RESPONSES
from ..schemas import GoalIn, GoalPublic, GoalUpdate, MilestonePublic, OnboardingStatus

router = APIRouter(tags=["onboarding and success plans"], responses=ERROR_RESPONSES)

# Who completed a milestone, and the evidence (which can name a contact): personal.
MILESTONE_PERSONAL = ("completed_by", "evidence")


@router.get("/accounts/{account_id}/onboarding", response_model=OnboardingStatus)
def get_onboarding(account_id: str, app: AppDep, scope: Scope, user: CurrentUser,
                   clock: Clock) -> OnboardingStatus:
    """The account's onboarding plan: milestones due, done and overdue, time to value."""
    scope.check_account(app.store, account_id)
    status = plan_status(app.store, account_id)
    milestones = [m if scope.sees_personal else {**m, **dict.fromkeys(MILESTONE_PERSONAL)}
                  for m in status.pop("milestones")]
    if scope.sees_personal and milestones:
        record_audit(app.store, who=user, action="onboarding.read", via="api", now=clock(),
                     object_type="account", object_id=account_id, account_id=account_id)
    return OnboardingStatus(**status, milestones=[MilestonePublic(**m) for m in milestones])


def _goal(sees_personal: bool, row: dict[str, Any]) -> GoalPublic:
    return GoalPublic(**(row if sees_personal else {**row, "created_by": None}))


@router.get("/accounts/{account_id}/goals", response_model=list[GoalPublic])
def list_goals(account_id: str, app: AppDep, scope: Scope) -> list[GoalPublic]:
    """The account's success-plan goals, oldest first."""
    scope.check_account(app.store, account_id)
    return [_goal(scope.sees_personal, g) for g in goals(app.store, account_id)]


@router.post("/accounts/{account_id}/goals", response_model=GoalPublic, status_code=201)
def create_goal(account_id: str, body: GoalIn, app: AppDep, scope: Scope, user: CurrentUser,
                clock: Clock) -> GoalPublic:
    """Add a goal. One tracking a per-account metric needs a target; its baseline, when not
    given, is the metric's value on the latest scoring day."""
    scope.check_account(app.store, account_id)
    scope.require_write()
    now = clock()
    baseline = body.baseline
    if body.metric is not None and body.target is not None and baseline is None:
        day = latest_snapshot_day(app.store) or now.date()
        baseline = metric_values(app, metric=body.metric, as_of=day,
                                 account_ids=[account_id]).get(account_id)
    goal_id = add_goal(app.store, account_id=account_id, title=body.title, today=now.date(),
                       due_on=body.due_on, metric=body.metric, target=body.target,
                       baseline=baseline, by=user.email)
    record_audit(app.store, who=user, action="goal.add", via="api", now=now,
                 object_type="goal", object_id=str(goal_id), account_id=account_id,
                 detail={"title": body.title, "metric": body.metric, "target": body.target})
    return GoalPublic(**next(g for g in goals(app.store, account_id) if g["goal_id"] == goal_id))


@router.patch("/goals/{goal_id}", response_model=GoalPublic)
def change_goal(goal_id: int, body: GoalUpdate, app: AppDep, scope: Scope, user: CurrentUser,
                clock: Clock) -> GoalPublic:
    """Change a goal's status, target or due date (achieving it by hand records today)."""
    account_id = goal_account(app.store, goal_id)
    if account_id is None:
        raise NotVisible(f"no goal {goal_id}")
    try:
        scope.check_account(app.store, account_id)
    except NotVisible:
        raise NotVisible(f"no goal {goal_id}") from None
    scope.require_write()
    now = clock()
    changes = body.model_dump(exclude_none=True)
    row = update_goal(app.store, goal_id=goal_id, today=now.date(), **changes)
    record_audit(app.store, who=user, action="goal.update", via="api", now=now,
                 object_type="goal", object_id=str(goal_id), account_id=account_id,
                 detail=changes)
    return GoalPublic(**row)
