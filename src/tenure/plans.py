"""Success plans: an account's goals (what, a target value, a date) and their progress.

A goal linked to a per-account metric (``tenure metrics --list``) is tracked by each scoring
run: ``current`` is the metric as of the day, and

    progress = (current - baseline) / (target - baseline), clipped to [0, 1]

where ``baseline`` is the metric's value when the goal was added (given, or recorded by
`tenure plan add`; when unknown then, the first value a scoring run sees). A target below the
baseline means lower is better (fewer open tickets, a shorter time to value): the goal is
reached when the value falls to the target; otherwise when it rises to it. A goal is achieved
on the first day it is reached, and missed when its due date passed unreached. Goals without a
metric (and dropped goals) change by hand only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .errors import WorkError
from .metrics import account_metrics, catalog
from .metrics import number as _number
from .store import AppStore, SuccessGoal

if TYPE_CHECKING:
    from .app import App

STATUSES = ("open", "achieved", "missed", "dropped")


@dataclass
class GoalRun:
    """What one tracking of the goals did."""

    as_of: date
    tracked: int = 0
    achieved: int = 0
    missed: int = 0
    unknown_metric: int = 0  # goals whose metric is no longer declared

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "tracked": self.tracked,
                "achieved": self.achieved, "missed": self.missed,
                "unknown_metric": self.unknown_metric}


def check_metric(metric: str) -> None:
    """Raise WorkError unless ``metric`` is a numeric per-account metric."""
    m = catalog().get(metric)
    if m is None:
        raise WorkError(f"unknown metric {metric!r}: a goal tracks a per-account metric "
                        "(see `tenure metrics --list`)")
    if m.grain == "group":
        raise WorkError(f"metric {metric!r} is company-wide; a goal tracks a per-account "
                        "metric")
    if m.unit == "date":
        raise WorkError(f"metric {metric!r} is a date; a goal tracks a number")


def progress(current: float | None, baseline: float | None, target: float | None
             ) -> tuple[float | None, bool]:
    """(progress 0-1, reached) of a value against a goal (see the module doc); progress is
    None when any of the three is unknown."""
    if current is None or target is None:
        return None, False
    lower_is_better = baseline is not None and target < baseline
    reached = current <= target if lower_is_better else current >= target
    if baseline is None:
        return None, reached
    if target == baseline:
        return (1.0 if reached else 0.0), reached
    return min(1.0, max(0.0, (current - baseline) / (target - baseline))), reached


def metric_values(app: App, *, metric: str, as_of: date,
                  account_ids: Sequence[str] | None = None) -> dict[str, float | None]:
    """The metric per account as of the day (None where it is undefined)."""
    check_metric(metric)
    frame = account_metrics(app, as_of=as_of, metrics=[metric])
    if account_ids is not None:
        frame = frame[frame["account_id"].isin(set(account_ids))]
    return {str(a): _number(v) for a, v in zip(frame["account_id"], frame[metric], strict=True)}



def add_goal(store: AppStore, *, account_id: str, title: str, today: date,
             due_on: date | None = None, metric: str | None = None,
             target: float | None = None, baseline: float | None = None,
             by: str | None = None) -> int:
    """Add a goal to the account's success plan; its id. A goal with a metric needs a target;
    its baseline is the metric's value today (pass it; see the module doc)."""
    if not title.strip():
        raise WorkError("a goal needs a text saying what it is")
    if metric is not None:
        check_metric(metric)
        if target is None:
            raise WorkError(f"a goal tracking {metric} needs a target value (--target)")
    for name, v in (("target", target), ("baseline", baseline)):
        if v is not None and not math.isfinite(v):
            raise WorkError(f"the {name} must be a number")
    stamp = datetime.combine(today, time())
    goal = SuccessGoal(account_id=account_id, title=title.strip(), metric=metric,
                       baseline=baseline, target=target, due_on=due_on, status="open",
                       created_by=by, created_at=stamp, updated_at=stamp)
    if metric is not None and baseline is not None:
        goal.current = baseline
        goal.progress, _ = progress(baseline, baseline, target)
    with store.session() as s:
        s.add(goal)
        s.flush()
        return goal.id


def update_goal(store: AppStore, *, goal_id: int, today: date, status: str | None = None,
                target: float | None = None, due_on: date | None = None) -> dict[str, Any]:
    """Change a goal's status (open, achieved, missed, dropped), target or due date; the goal
    as it is after. Achieving by hand records today as the day achieved."""
    if status is not None and status not in STATUSES:
        raise WorkError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    with store.session() as s:
        goal = s.get(SuccessGoal, goal_id)
        if goal is None:
            raise WorkError(f"no goal {goal_id}")
        if target is not None:
            if not math.isfinite(target):
                raise WorkError("the target must be a number")
            goal.target = target
            if goal.metric is not None:
                goal.progress, _ = progress(goal.current, goal.baseline, target)
        if due_on is not None:
            goal.due_on = due_on
        if status is not None and status != goal.status:
            goal.status = status
            goal.achieved_on = today if status == "achieved" else None
        goal.updated_at = datetime.combine(today, time())
        return _goal_dict(goal)


def _goal_dict(g: SuccessGoal) -> dict[str, Any]:
    return {"goal_id": g.id, "account_id": g.account_id, "title": g.title,
            "metric": g.metric, "baseline": g.baseline, "target": g.target,
            "current": g.current, "progress": g.progress, "due_on": g.due_on,
            "status": g.status, "achieved_on": g.achieved_on, "created_by": g.created_by,
            "created_on": g.created_at.date()}


def goal_account(store: AppStore, goal_id: int) -> str | None:
    """The account a goal belongs to (None: no such goal)."""
    with store.session() as s:
        return s.scalar(select(SuccessGoal.account_id).where(SuccessGoal.id == goal_id))


def goals(store: AppStore, account_id: str) -> list[dict[str, Any]]:
    """The account's goals, oldest first."""
    with store.session() as s:
        rows = s.scalars(select(SuccessGoal).where(SuccessGoal.account_id == account_id)
                         .order_by(SuccessGoal.id)).all()
        return [_goal_dict(g) for g in rows]


def track_goals(app: App, *, as_of: date) -> GoalRun:
    """The day's tracking of open goals linked to a metric, in one transaction: current
    value, progress, achieved (first day reached) or missed (due date passed unreached)."""
    run = GoalRun(as_of=as_of)
    known = catalog()
    with app.store.session() as s:
        todo = list(s.scalars(select(SuccessGoal).where(
            SuccessGoal.status == "open", SuccessGoal.metric.is_not(None))
            .order_by(SuccessGoal.id)))
        usable = []
        for g in todo:
            m = known.get(g.metric or "")
            if m is None or m.grain == "group" or m.unit == "date":
                run.unknown_metric += 1
            else:
                usable.append(g)
        if not usable:
            return run
        names = sorted({g.metric for g in usable if g.metric})
        frame = account_metrics(app, as_of=as_of, metrics=names).set_index("account_id")
        stamp = datetime.combine(as_of, time())
        for g in usable:
            assert g.metric is not None
            value = (_number(frame.at[g.account_id, g.metric])
                     if g.account_id in frame.index else None)
            run.tracked += 1
            if g.baseline is None:
                g.baseline = value  # the first value seen stands in for the value at add time
            g.current = value
            g.progress, reached = progress(value, g.baseline, g.target)
            g.updated_at = stamp
            if reached:
                g.status, g.achieved_on = "achieved", as_of
                run.achieved += 1
            elif g.due_on is not None and g.due_on < as_of:
                g.status = "missed"
                run.missed += 1
    return run
