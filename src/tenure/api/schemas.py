"""The API's public shapes (what the OpenAPI document describes)."""

from __future__ import annotations

from datetime import date, datetime
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


# --- metrics and playbooks ------------------------------------------------------------------


class PortfolioMetrics(BaseModel):
    """The latest scoring summed over the accounts the caller sees (a CSM: their book)."""

    source: Literal["snapshots"] = "snapshots"
    as_of: date | None
    accounts: int
    scored: int
    average_score: float | None
    bands: dict[str, int]
    mrr: float
    arr: float
    arr_at_risk: float
    renewals_in_window: int
    renewal_arr_in_window: float
    renewal_window_days: int


class PlaybookPublic(BaseModel):
    """A playbook in force: its trigger and actions, described in words."""

    name: str
    title: str
    description: str
    trigger: str
    when: str | None
    actions: list[str]
    builtin: bool


class PlaybookEffectReport(BaseModel):
    """Churn after each playbook's tasks against matched controls (see docs/playbooks.md);
    each item of ``playbooks`` is one playbook's comparison, rates as fractions and the
    difference in percentage points."""

    as_of: date
    horizon_days: int
    data_through: date | None
    judged_through: date | None
    caveat: str
    playbooks: list[dict[str, Any]]


# --- onboarding and success plans -------------------------------------------------------------


class MilestonePublic(BaseModel):
    """An onboarding milestone. ``completed_by`` and ``evidence`` are null for a viewer."""

    key: str
    title: str
    due_on: date
    completed_on: date | None
    completed_by: str | None
    evidence: str | None
    overdue: bool | None
    days_overdue: int | None


class OnboardingStatus(BaseModel):
    """The account's onboarding: its active plan, else its latest (``status`` "none" when it
    never had one)."""

    account_id: str
    plan_id: int | None
    template: str | None
    started_on: date | None
    status: str
    completed_on: date | None
    value_on: date | None
    time_to_value_days: int | None
    milestones_done: int
    milestones_total: int
    percent_complete: float
    next_milestone: str | None
    next_title: str | None
    next_due: date | None
    overdue: int
    milestones: list[MilestonePublic]


class GoalPublic(BaseModel):
    """A success-plan goal. ``created_by`` is null for a viewer."""

    goal_id: int
    account_id: str
    title: str
    metric: str | None
    baseline: float | None
    target: float | None
    current: float | None
    progress: float | None
    due_on: date | None
    status: str
    achieved_on: date | None
    created_by: str | None
    created_on: date


class GoalIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    due_on: date | None = None
    metric: str | None = Field(None, max_length=128,
                               description="A per-account metric to track (with a target).")
    target: float | None = None
    baseline: float | None = None


class GoalUpdate(BaseModel):
    status: Literal["open", "achieved", "missed", "dropped"] | None = None
    target: float | None = None
    due_on: date | None = None


# --- timeline, activities, voice of the customer ----------------------------------------------


class TimelineEntry(BaseModel):
    """One thing that happened. ``actor`` (and ``detail`` of entries that quote people) are
    null for a viewer."""

    at: str
    kind: str
    subkind: str | None
    title: str
    detail: str | None
    actor: str | None
    ref: str | None


class ActivityIn(BaseModel):
    kind: str = Field(max_length=32, description="call, email, meeting, qbr, note, webinar, "
                      "training or community.")
    summary: str | None = Field(None, max_length=10_000)
    occurred_at: datetime | None = Field(None, description="When it happened (default: now).")
    contact_id: str | None = Field(None, max_length=255)


class ActivityLogged(BaseModel):
    id: int
    account_id: str
    kind: str
    occurred_at: datetime
    actor: str | None


class SurveyResponsePublic(BaseModel):
    """``contact_id`` and ``comment`` are null for a viewer."""

    response_id: str
    survey: str
    score: int
    responded_at: datetime
    contact_id: str | None
    comment: str | None


class FeedbackPublic(BaseModel):
    """``contact_id`` and ``text`` are null for a viewer."""

    feedback_id: str
    created_at: datetime
    text: str | None
    contact_id: str | None
    source: str | None
    feature: str | None
    status: str | None


# --- people ---------------------------------------------------------------------------------


class UserPublic(BaseModel):
    id: int
    email: str
    name: str | None
    role: Literal["admin", "manager", "csm", "viewer"]
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserIn(BaseModel):
    email: str = Field(max_length=320)
    role: Literal["admin", "manager", "csm", "viewer"]
    name: str | None = Field(None, max_length=200)


class UserCreated(UserPublic):
    """The new user and their generated password, shown this once (only its hash is kept)."""

    password: str


class UserUpdate(BaseModel):
    role: Literal["admin", "manager", "csm", "viewer"] | None = None
    active: bool | None = None


class PrivacyRequestPublic(BaseModel):
    """One access or erasure request in the register. ``email`` becomes a pseudonymous
    ``erased-…@erased.invalid`` once an erasure is done (the register keeps that it was
    done, not whom it was about). ``outcome`` is what was done (records exported; rows and
    files of an erasure, its tombstones) or the error."""

    id: int
    kind: Literal["access", "erasure"]
    email: str
    status: Literal["pending", "done", "cancelled", "failed"]
    received_at: datetime
    due_on: date
    overdue: bool
    requested_by: str | None
    via: str
    completed_at: datetime | None
    outcome: dict[str, Any] | None


class PrivacyRequestList(BaseModel):
    items: list[PrivacyRequestPublic]
    total: int


class PersonIn(BaseModel):
    """The person a privacy request is about."""

    email: str = Field(max_length=320)
