"""Onboarding plans: milestone templates per segment, plans that complete from the data.

Templates are data (``[[onboarding.plans]]`` in tenure.toml, else ``default.toml``). Each
scoring run enrols the accounts in their onboarding stage, completes milestones from product
events, activities and metric rules, and records first value; the playbooks read
:func:`overdue_milestones` to act on stalled onboarding. See docs/onboarding.md.
"""

from __future__ import annotations

from .plans import (
    OnboardingRun,
    cancel_plan,
    complete_milestone,
    enrol,
    list_plans,
    overdue_milestones,
    plan_status,
    start_days,
    update_onboarding,
)
from .templates import MilestoneTemplate, PlanTemplate, Templates, load_templates
from .value import TimeToValue, time_to_value

__all__ = [
    "MilestoneTemplate",
    "OnboardingRun",
    "PlanTemplate",
    "Templates",
    "TimeToValue",
    "cancel_plan",
    "complete_milestone",
    "enrol",
    "list_plans",
    "load_templates",
    "overdue_milestones",
    "plan_status",
    "start_days",
    "time_to_value",
    "update_onboarding",
]
