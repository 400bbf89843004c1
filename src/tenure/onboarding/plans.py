"""Onboarding plans of accounts: enrolment, milestones completed from the data or by hand,
overdue and stalled milestones, and each plan's state.

A plan copies its template's milestones when it is made, each due ``due_days`` after the
plan's start: the account's first paid day when known (the start of the customer
relationship, as ``time_to_value_days`` counts it), else the day of enrolment. Milestones
later complete from the warehouse by their template's rule (``tracking``), or by hand. A plan
reaches first value (``value_on``) on the earliest day one of its value milestones completed,
and is completed when every milestone is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..errors import WorkError
from ..metrics import account_metrics
from ..store import AccountSnapshot, AppStore, OnboardingMilestone, OnboardingPlan
from .templates import PlanTemplate, Templates, load_templates
from .tracking import OpenMilestone, find_evidence

if TYPE_CHECKING:
    from ..app import App

ACTIVE, COMPLETED, CANCELLED = "active", "completed", "cancelled"
AUTO = "auto"  # completed_by of milestones completed from the data
OVERDUE_COLUMNS = ["account_id", "plan_id", "template", "milestone", "title", "due_on",
                   "days_overdue"]


@dataclass
class OnboardingRun:
    """What one update of the onboarding plans did."""

    as_of: date
    enrolled: int = 0
    milestones_completed: int = 0
    plans_completed: int = 0
    overdue: int = 0
    stalled_plans: int = 0
    no_template: int = 0  # accounts to enrol that no template serves

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "enrolled": self.enrolled,
                "milestones_completed": self.milestones_completed,
                "plans_completed": self.plans_completed, "overdue": self.overdue,
                "stalled_plans": self.stalled_plans, "no_template": self.no_template}


def start_days(app: App, *, as_of: date) -> pd.DataFrame:
    """Each account's segment and first paid day (None when it never paid) as of the day."""
    frame = account_metrics(app, as_of=as_of, metrics=["first_paid_day"])
    return frame[["account_id", "segment", "first_paid_day"]]


def _new_plan(*, account_id: str, template: PlanTemplate, started_on: date,
              created_at: datetime) -> OnboardingPlan:
    return OnboardingPlan(account_id=account_id, template=template.name,
                          started_on=started_on, status=ACTIVE, created_at=created_at)


def _milestones_of(plan: OnboardingPlan, template: PlanTemplate) -> list[OnboardingMilestone]:
    """The template's milestones for a plan that has its id, due from the plan's start."""
    return [OnboardingMilestone(
        plan_id=plan.id, account_id=plan.account_id, key=m.key, title=m.title,
        position=position, due_on=plan.started_on + timedelta(days=m.due_days))
        for position, m in enumerate(template.milestones)]


def _create_plan(s: Session, *, account_id: str, template: PlanTemplate, started_on: date,
                 created_at: datetime) -> int:
    plan = _new_plan(account_id=account_id, template=template, started_on=started_on,
                     created_at=created_at)
    s.add(plan)
    s.flush()
    s.add_all(_milestones_of(plan, template))
    return plan.id


def _active_plan(s: Session, account_id: str) -> OnboardingPlan | None:
    return s.scalars(select(OnboardingPlan).where(
        OnboardingPlan.account_id == account_id, OnboardingPlan.status == ACTIVE)
        .order_by(OnboardingPlan.id.desc())).first()


def enrol(app: App, *, account_id: str, as_of: date, template: str | None = None,
          started_on: date | None = None, now: datetime | None = None,
          facts: pd.DataFrame | None = None) -> int | None:
    """Start an onboarding plan for the account (the template of its segment unless one is
    named); its id, or None when the account already has an active plan."""
    templates = load_templates(app.settings.onboarding.plans)
    chosen = templates.get(template) if template is not None else None
    if facts is None:  # many enrolments in one run pass it in: one computation, not many
        facts = start_days(app, as_of=as_of)
    row = facts[facts["account_id"] == account_id]
    if row.empty:
        raise WorkError(f"no account {account_id!r} in the warehouse")
    segment = row["segment"].iloc[0]
    first_paid = row["first_paid_day"].iloc[0]
    if chosen is None:
        chosen = templates.for_segment(None if pd.isna(segment) else str(segment))
        if chosen is None:
            raise WorkError(f"no onboarding template serves segment {segment!r} and there is "
                            "no fallback template; pass --template or declare one")
    start = started_on or (first_paid if isinstance(first_paid, date) else as_of)
    with app.store.session() as s:
        if _active_plan(s, account_id) is not None:
            return None
        return _create_plan(s, account_id=account_id, template=chosen, started_on=start,
                            created_at=now or datetime.combine(as_of, time()))


def update_onboarding(app: App, *, as_of: date, now: datetime | None = None,
                      accounts: pd.DataFrame | None = None) -> OnboardingRun:
    """The day's onboarding work, in one transaction: enrol the accounts in their onboarding
    stage that never had a plan (``onboarding.auto_enrol``), complete open milestones from
    the warehouse data up to ``as_of``, then set first value and completed plans. Running it
    again on the same data changes nothing. ``accounts``: the scoring run's frame as of the
    same day (account_id, segment, first_paid_day), so the first paid days are not computed
    again."""
    cfg = app.settings.onboarding
    templates = load_templates(cfg.plans)
    run = OnboardingRun(as_of=as_of)
    created_at = now or datetime.combine(as_of, time())
    with app.store.session() as s:
        if cfg.auto_enrol:
            _auto_enrol(app, s, templates, run, as_of=as_of, created_at=created_at,
                        accounts=accounts)
        rows = s.execute(select(OnboardingMilestone, OnboardingPlan)
                         .join(OnboardingPlan, OnboardingPlan.id == OnboardingMilestone.plan_id)
                         .where(OnboardingPlan.status == ACTIVE)
                         .order_by(OnboardingMilestone.plan_id, OnboardingMilestone.position)
                         ).all()
        plans: dict[int, OnboardingPlan] = {}
        milestones: dict[int, list[OnboardingMilestone]] = defaultdict(list)
        items: list[OpenMilestone] = []
        for m, p in rows:
            plans[p.id] = p
            milestones[p.id].append(m)
            tpl = templates.find(p.template)
            rule = tpl.milestone(m.key) if tpl is not None else None
            if m.completed_on is None and rule is not None and (
                    rule.event or rule.activity or rule.metric):
                items.append(OpenMilestone(m.id, p.account_id, p.started_on, rule))
        evidence = find_evidence(app, items, as_of=as_of) if items else {}
        for ms in milestones.values():
            for m in ms:
                ev = evidence.get(m.id)
                if ev is not None:
                    m.completed_on, m.completed_by, m.evidence = ev.day, AUTO, ev.text
                    run.milestones_completed += 1
        stalled_after = cfg.stalled_after_days
        for pid, p in plans.items():
            if _settle(p, milestones[pid], templates.find(p.template)):
                run.plans_completed += 1
                continue
            late = [m for m in milestones[pid] if m.completed_on is None and m.due_on < as_of]
            run.overdue += len(late)
            if any((as_of - m.due_on).days > stalled_after for m in late):
                run.stalled_plans += 1
    return run


def _auto_enrol(app: App, s: Session, templates: Templates, run: OnboardingRun, *,
                as_of: date, created_at: datetime, accounts: pd.DataFrame | None) -> None:
    """Enrol accounts the latest scoring put in their onboarding stage and that never had a
    plan (a completed or cancelled plan is not started again)."""
    has_plan = exists().where(OnboardingPlan.account_id == AccountSnapshot.account_id)
    todo = s.execute(select(AccountSnapshot.account_id, AccountSnapshot.segment)
                     .where(AccountSnapshot.lifecycle == "onboarding", ~has_plan)
                     .order_by(AccountSnapshot.account_id)).all()
    if not todo:
        return
    known = accounts if accounts is not None else start_days(app, as_of=as_of)
    facts = known.set_index("account_id")["first_paid_day"]
    created: list[tuple[OnboardingPlan, PlanTemplate]] = []
    for account_id, segment in todo:
        tpl = templates.for_segment(segment)
        if tpl is None:
            run.no_template += 1
            continue
        first_paid = facts.get(account_id)
        start = first_paid if isinstance(first_paid, date) else as_of
        created.append((_new_plan(account_id=account_id, template=tpl, started_on=start,
                                  created_at=created_at), tpl))
        run.enrolled += 1
    # One flush for every plan (their ids, in bulk), then their milestones: a flush per plan
    # cost 14,000 round trips on the 100,000-account company's first day.
    s.add_all([plan for plan, _ in created])
    s.flush()
    s.add_all([m for plan, tpl in created for m in _milestones_of(plan, tpl)])
    s.flush()


def _settle(plan: OnboardingPlan, milestones: list[OnboardingMilestone],
            template: PlanTemplate | None) -> bool:
    """Set first value and completion from the milestones; True when the plan completed now."""
    done = [m for m in milestones if m.completed_on is not None]
    if plan.value_on is None and template is not None:
        keys = template.value_keys()
        days = [m.completed_on for m in done if m.key in keys and m.completed_on is not None]
        if days:
            plan.value_on = min(days)
    if plan.status == ACTIVE and milestones and len(done) == len(milestones):
        plan.status = COMPLETED
        plan.completed_on = max(m.completed_on for m in done if m.completed_on is not None)
        return True
    return False


def _find_plan(s: Session, *, plan_id: int | None, account_id: str | None,
               latest: bool = False) -> OnboardingPlan:
    """The plan by id, else the account's active plan (``latest``: else its latest plan)."""
    if plan_id is not None:
        plan = s.get(OnboardingPlan, plan_id)
        if plan is None:
            raise WorkError(f"no onboarding plan {plan_id}")
        return plan
    if account_id is None:
        raise WorkError("name the plan or the account")
    plan = _active_plan(s, account_id)
    if plan is None and latest:
        plan = s.scalars(select(OnboardingPlan).where(OnboardingPlan.account_id == account_id)
                         .order_by(OnboardingPlan.id.desc())).first()
    if plan is None:
        raise WorkError(f"account {account_id!r} has no active onboarding plan; start one with "
                        "`tenure onboarding enrol`")
    return plan


def complete_milestone(store: AppStore, *, key: str, day: date, by: str | None,
                       plan_id: int | None = None, account_id: str | None = None,
                       templates: Templates | None = None, evidence: str | None = None
                       ) -> dict[str, Any]:
    """Complete a milestone by hand (the account's active plan, or ``plan_id``); with the
    ``templates`` in force, the plan's first value is updated too (else the next update does
    it). Returns the milestone."""
    with store.session() as s:
        plan = _find_plan(s, plan_id=plan_id, account_id=account_id, latest=True)
        ms = list(s.scalars(select(OnboardingMilestone).where(
            OnboardingMilestone.plan_id == plan.id).order_by(OnboardingMilestone.position)))
        m = next((m for m in ms if m.key == key), None)
        if m is None:
            raise WorkError(f"the {plan.template} plan has no milestone {key!r} (milestones: "
                            f"{', '.join(x.key for x in ms)})")
        if m.completed_on is not None:
            raise WorkError(f"milestone {key!r} was already completed on "
                            f"{m.completed_on.isoformat()} ({m.evidence or m.completed_by})")
        if plan.status != ACTIVE:
            raise WorkError(f"the onboarding plan of {plan.account_id!r} is {plan.status}")
        if day < plan.started_on:
            raise WorkError(f"{day.isoformat()} is before the plan started "
                            f"({plan.started_on.isoformat()})")
        m.completed_on, m.completed_by = day, by or "hand"
        m.evidence = evidence or "completed by hand"
        _settle(plan, ms, templates.find(plan.template) if templates is not None else None)
        return _milestone_dict(m, None)


def cancel_plan(store: AppStore, *, plan_id: int | None = None,
                account_id: str | None = None) -> int:
    """Cancel an active plan (the account's, or ``plan_id``); its id. A cancelled plan is
    not started again by auto-enrolment."""
    with store.session() as s:
        plan = _find_plan(s, plan_id=plan_id, account_id=account_id)
        if plan.status != ACTIVE:
            raise WorkError(f"the onboarding plan of {plan.account_id!r} is {plan.status}")
        plan.status = CANCELLED
        return plan.id


def overdue_milestones(store: AppStore, *, as_of: date, stalled_after_days: int = 0
                       ) -> pd.DataFrame:
    """One row per open milestone of an active plan due more than ``stalled_after_days``
    before ``as_of``: account_id, plan_id, template, milestone (key), title, due_on,
    days_overdue (days since due_on). One query."""
    cutoff = as_of - timedelta(days=stalled_after_days)
    q = (select(OnboardingPlan.account_id, OnboardingPlan.id, OnboardingPlan.template,
                OnboardingMilestone.key, OnboardingMilestone.title, OnboardingMilestone.due_on)
         .join(OnboardingMilestone, OnboardingMilestone.plan_id == OnboardingPlan.id)
         .where(OnboardingPlan.status == ACTIVE, OnboardingMilestone.completed_on.is_(None),
                OnboardingMilestone.due_on < cutoff)
         .order_by(OnboardingPlan.account_id, OnboardingMilestone.position))
    with store.session() as s:
        rows = s.execute(q).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=OVERDUE_COLUMNS[:-1])
    frame["days_overdue"] = pd.Series([(as_of - d).days for d in frame["due_on"]],
                                      dtype="int64")
    return frame


def _milestone_dict(m: OnboardingMilestone, as_of: date | None) -> dict[str, Any]:
    overdue = (None if as_of is None
               else m.completed_on is None and m.due_on < as_of)
    return {"key": m.key, "title": m.title, "due_on": m.due_on,
            "completed_on": m.completed_on, "completed_by": m.completed_by,
            "evidence": m.evidence, "overdue": overdue,
            "days_overdue": (as_of - m.due_on).days if overdue and as_of else None}


def _plan_dict(p: OnboardingPlan, ms: list[OnboardingMilestone], as_of: date | None
               ) -> dict[str, Any]:
    done = sum(m.completed_on is not None for m in ms)
    open_ = [m for m in ms if m.completed_on is None]
    nxt = min(open_, key=lambda m: (m.due_on, m.position)) if open_ else None
    return {
        "account_id": p.account_id, "plan_id": p.id, "template": p.template,
        "started_on": p.started_on, "status": p.status, "completed_on": p.completed_on,
        "value_on": p.value_on,
        "time_to_value_days": (p.value_on - p.started_on).days if p.value_on else None,
        "milestones_done": done, "milestones_total": len(ms),
        "percent_complete": round(100 * done / len(ms), 1) if ms else 0.0,
        "next_milestone": nxt.key if nxt else None,
        "next_title": nxt.title if nxt else None,
        "next_due": nxt.due_on if nxt else None,
        "overdue": (sum(m.due_on < as_of for m in open_) if as_of is not None and
                    p.status == ACTIVE else 0),
        "milestones": [_milestone_dict(m, as_of if p.status == ACTIVE else None) for m in ms],
    }


def plan_status(store: AppStore, account_id: str, *, as_of: date | None = None
                ) -> dict[str, Any]:
    """The account's onboarding (its active plan, else its latest): template, start, status,
    milestones with due / completed / overdue, percent complete and time to value. Overdue
    counts as of ``as_of``, by default the day of the account's latest snapshot. ``status``
    is "none" (and ``milestones`` empty) when the account never had a plan."""
    with store.session() as s:
        plan = _active_plan(s, account_id) or s.scalars(
            select(OnboardingPlan).where(OnboardingPlan.account_id == account_id)
            .order_by(OnboardingPlan.id.desc())).first()
        if as_of is None:
            as_of = s.scalar(select(AccountSnapshot.as_of).where(
                AccountSnapshot.account_id == account_id))
        if plan is None:
            return {"account_id": account_id, "plan_id": None, "template": None,
                    "started_on": None, "status": "none", "completed_on": None,
                    "value_on": None, "time_to_value_days": None, "milestones_done": 0,
                    "milestones_total": 0, "percent_complete": 0.0, "next_milestone": None,
                    "next_title": None, "next_due": None, "overdue": 0, "milestones": []}
        ms = list(s.scalars(select(OnboardingMilestone).where(
            OnboardingMilestone.plan_id == plan.id).order_by(OnboardingMilestone.position)))
        return _plan_dict(plan, ms, as_of)


def list_plans(store: AppStore, *, as_of: date, status: str = ACTIVE,
               owner: str | None = None, stalled_after_days: int | None = None
               ) -> list[dict[str, Any]]:
    """Plans (``status`` active, completed, cancelled or all) with the account's name,
    segment and owner from the latest snapshot; ``stalled_after_days``: only active plans
    with a milestone overdue by more than that many days."""
    if status not in (ACTIVE, COMPLETED, CANCELLED, "all"):
        raise WorkError(f"status must be active, completed, cancelled or all, not {status!r}")
    q = (select(OnboardingPlan, AccountSnapshot.name, AccountSnapshot.segment,
                AccountSnapshot.owner)
         .outerjoin(AccountSnapshot, AccountSnapshot.account_id == OnboardingPlan.account_id)
         .order_by(OnboardingPlan.started_on, OnboardingPlan.account_id))
    if status != "all":
        q = q.where(OnboardingPlan.status == status)
    if owner is not None:
        q = q.where(AccountSnapshot.owner == owner)
    with store.session() as s:
        rows = s.execute(q).all()
        ids = [p.id for p, *_ in rows]
        by_plan: dict[int, list[OnboardingMilestone]] = defaultdict(list)
        if ids:
            for m in s.scalars(select(OnboardingMilestone)
                               .where(OnboardingMilestone.plan_id.in_(ids))
                               .order_by(OnboardingMilestone.position)):
                by_plan[m.plan_id].append(m)
    out: list[dict[str, Any]] = []
    for p, name, segment, acc_owner in rows:
        ms = by_plan[p.id]
        if stalled_after_days is not None and not (p.status == ACTIVE and any(
                m.completed_on is None and (as_of - m.due_on).days > stalled_after_days
                for m in ms)):
            continue
        d = _plan_dict(p, ms, as_of)
        d.pop("milestones")
        out.append({"account_id": p.account_id, "name": name, "segment": segment,
                    "owner": acc_owner, **d})
    return out
