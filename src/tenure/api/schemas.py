"""The API's public shapes (what the OpenAPI document describes)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field


class Me(BaseModel):
    id: int
    email: str
    name: str | None
    role: Literal["admin", "manager", "csm", "viewer"]


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class AccountPublic(BaseModel):
    """An account's latest scoring. ``owner`` is null for a viewer (personal data)."""

    account_id: str
    name: str | None
    segment: str | None
    owner: str | None
    lifecycle: str
    score: float | None
    band: str | None
    trend: str | None
    score_before: float | None
    top_drag: str | None
    drags: list[str]
    mrr: float | None
    arr: float | None
    currency: str
    renewal_date: date | None
    profile: str | None
    churn_probability: float | None
    churn_horizon_days: int | None
    churn_drivers: list[str]
    churn_model: str | None
    expected_lifetime_months: float | None
    clv: float | None
    as_of: date


class HistoryPoint(BaseModel):
    day: date
    score: float | None
    band: str | None


class AccountDetail(AccountPublic):
    """An account with its explanation (every group and measure) and score history."""

    explanation: list[dict[str, Any]]
    history: list[HistoryPoint]


class AccountPage(BaseModel):
    items: list[AccountPublic]
    total: int
    page: int
    limit: int


class TaskPublic(BaseModel):
    """A task. ``owner``, ``outcome_note`` and ``closed_by`` are null for a viewer."""

    id: int
    account_id: str
    account: str | None
    playbook: str | None
    reason: str | None
    title: str
    type: str
    priority: str
    owner: str | None
    due: str | None
    status: str
    snoozed_until: str | None
    created_on: str
    arr: float | None
    arr_at_risk: float
    band: str | None
    score: float | None
    steps: list[str]
    outcome: str | None
    outcome_note: str | None
    closed_at: str | None
    closed_by: str | None


class TaskList(BaseModel):
    items: list[TaskPublic]
    total: int


class CompleteIn(BaseModel):
    outcome: Literal["saved", "churned", "expanded", "no_action_needed"]
    note: str | None = Field(None, max_length=10_000)


class SnoozeIn(BaseModel):
    until: date
