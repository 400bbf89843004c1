"""The voice of the customer for one account: survey responses and feedback (warehouse
reads, scoped). Who answered and what they wrote are personal: null for a viewer, and an
audited read for everyone else."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...access import AccountScope, Principal, record_audit
from ...app import App
from ...voice import feedback, personal_columns, survey_responses
from ..deps import AppDep, Clock, CurrentUser, Scope
from ..errors import ERROR_RESPONSES
from ..schemas import FeedbackPublic, SurveyResponsePublic

router = APIRouter(tags=["voice of the customer"], responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=1000)]


def _visible(app: App, scope: AccountScope, user: Principal, table: str, account_id: str,
             rows: list[dict[str, Any]], now: Any) -> list[dict[str, Any]]:
    if not scope.sees_personal:
        hidden = personal_columns(table)
        return [{k: (None if k in hidden else v) for k, v in r.items()} for r in rows]
    if rows:
        record_audit(app.store, who=user, action=f"{table}.read", via="api", now=now,
                     object_type="account", object_id=account_id, account_id=account_id)
    return rows


@router.get("/accounts/{account_id}/surveys", response_model=list[SurveyResponsePublic])
def list_surveys(account_id: str, app: AppDep, scope: Scope, user: CurrentUser, clock: Clock,
                 limit: Limit = 200) -> list[SurveyResponsePublic]:
    """The account's NPS, CSAT and CES answers, newest first."""
    scope.check_account(app.store, account_id)
    rows = _visible(app, scope, user, "survey_responses", account_id,
                    survey_responses(app, account_id, limit=limit), clock())
    return [SurveyResponsePublic(**r) for r in rows]


@router.get("/accounts/{account_id}/feedback", response_model=list[FeedbackPublic])
def list_feedback(account_id: str, app: AppDep, scope: Scope, user: CurrentUser,
                  clock: Clock, limit: Limit = 200) -> list[FeedbackPublic]:
    """The account's feedback (requests, ideas, complaints), newest first."""
    scope.check_account(app.store, account_id)
    rows = _visible(app, scope, user, "feedback", account_id,
                    feedback(app, account_id, limit=limit), clock())
    return [FeedbackPublic(**r) for r in rows]
