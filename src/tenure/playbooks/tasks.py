"""Tasks: made by playbooks or by hand, snoozed, closed with an outcome, reopened; and the
CSM's worklist.

A task is *open*, *snoozed* until a date (open again from that date) or *closed* with an
outcome (saved, churned, expanded, no_action_needed). The worklist orders open tasks by
priority (urgent, high, medium, low), then by ARR at risk (the account's churn probability x
ARR, or (100 - score) / 100 x ARR without a churn model: the same measure as `tenure accounts
--sort risk`), then by due date.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, case, func, or_, select

from ..errors import WorkError
from ..health.history import arr_at_risk
from ..store import AccountSnapshot, AppStore, Task
from ..store.models import owner_key
from .model import PRIORITIES, TASK_TYPES

if TYPE_CHECKING:
    from ..access import AccountScope
    from ..app import App

OUTCOMES = ("saved", "churned", "expanded", "no_action_needed")
STATUSES = ("open", "snoozed", "closed", "all")


def effective_status(task: Task, as_of: date) -> str:
    """A snoozed task whose snooze has ended counts as open."""
    return _effective(task.status, task.snoozed_until, as_of)


def _effective(status: str, snoozed_until: date | None, as_of: date) -> str:
    if status == "snoozed" and (snoozed_until is None or snoozed_until <= as_of):
        return "open"
    return status


def task_dict(task: Task, snap: AccountSnapshot | None, as_of: date) -> dict[str, Any]:
    """A task as the worklist and `tenure task show` give it."""
    arr = (round(12 * snap.mrr, 2) if snap is not None and snap.mrr is not None
           else task.arr)
    prob = snap.churn_probability if snap is not None else None
    score = snap.score if snap is not None else task.score
    return {
        "id": task.id, "account_id": task.account_id,
        "account": snap.name if snap is not None else None,
        "playbook": task.playbook, "reason": task.reason, "title": task.title,
        "type": task.type, "priority": task.priority, "owner": task.owner,
        "due": task.due_on.isoformat() if task.due_on else None,
        "status": effective_status(task, as_of),
        "snoozed_until": task.snoozed_until.isoformat() if task.snoozed_until else None,
        "created_on": task.created_on.isoformat(),
        "arr": arr, "arr_at_risk": round(arr_at_risk(churn_probability=prob, score=score,
                                                     arr=arr), 2),
        "band": snap.band if snap is not None else task.band,
        "score": score,
        "steps": json.loads(task.steps) if task.steps else [],
        "outcome": task.outcome, "outcome_note": task.outcome_note,
        "closed_at": task.closed_at.isoformat() if task.closed_at else None,
        "closed_by": task.closed_by,
    }


# The columns the worklist reads: the task's, then its account's latest snapshot's (all None
# when the account has none: the outer join's account_id says which).
_TASK_COLUMNS = (Task.id, Task.account_id, Task.playbook, Task.reason, Task.title, Task.type,
                 Task.priority, Task.owner, Task.due_on, Task.status, Task.snoozed_until,
                 Task.created_on, Task.arr, Task.score, Task.band, Task.steps, Task.outcome,
                 Task.outcome_note, Task.closed_at, Task.closed_by)
_SNAPSHOT_COLUMNS = (AccountSnapshot.account_id, AccountSnapshot.name, AccountSnapshot.mrr,
                     AccountSnapshot.churn_probability, AccountSnapshot.score,
                     AccountSnapshot.band)


def _row_dict(row: tuple[Any, ...], as_of: date) -> dict[str, Any]:
    """What :func:`task_dict` gives, from one row of the worklist's columns."""
    (task_id, account_id, playbook, reason, title, type_, priority, owner, due_on, status,
     snoozed_until, created_on, task_arr, task_score, task_band, steps, outcome,
     outcome_note, closed_at, closed_by, snap_account, name, mrr, prob, snap_score,
     snap_band) = row
    snap = snap_account is not None
    arr = round(12 * mrr, 2) if snap and mrr is not None else task_arr
    score = snap_score if snap else task_score
    return {
        "id": task_id, "account_id": account_id,
        "account": name if snap else None,
        "playbook": playbook, "reason": reason, "title": title,
        "type": type_, "priority": priority, "owner": owner,
        "due": due_on.isoformat() if due_on else None,
        "status": _effective(status, snoozed_until, as_of),
        "snoozed_until": snoozed_until.isoformat() if snoozed_until else None,
        "created_on": created_on.isoformat(),
        "arr": arr, "arr_at_risk": round(arr_at_risk(churn_probability=prob if snap else None,
                                                     score=score, arr=arr), 2),
        "band": snap_band if snap else task_band,
        "score": score,
        "steps": json.loads(steps) if steps else [],
        "outcome": outcome, "outcome_note": outcome_note,
        "closed_at": closed_at.isoformat() if closed_at else None,
        "closed_by": closed_by,
    }


def _worklist_order() -> tuple[Any, ...]:
    """ORDER BY of the worklist: priority (urgent first, unknown ones last), ARR at risk
    (highest first; :func:`tenure.health.history.arr_at_risk` of the account's latest
    snapshot, else of the task's own figures, as :func:`task_dict`), due date (none last),
    then the task id."""
    snap = AccountSnapshot.account_id.is_not(None)
    arr = case((and_(snap, AccountSnapshot.mrr.is_not(None)), 12 * AccountSnapshot.mrr),
               else_=Task.arr)
    score = case((snap, AccountSnapshot.score), else_=Task.score)
    probability = func.coalesce(case((snap, AccountSnapshot.churn_probability)),
                                (100 - score) / 100.0, 0.0)
    rank = case(*((Task.priority == p, i) for i, p in enumerate(PRIORITIES)),
                else_=len(PRIORITIES))
    return (rank, (probability * func.coalesce(arr, 0.0)).desc(), Task.due_on.is_(None),
            Task.due_on, Task.id)


def _worklist_query(*, as_of: date, owner: str | None, status: str,
                    account_id: str | None, scope: AccountScope | None
                    ) -> Select[*tuple[Any, ...]]:
    if status not in STATUSES:
        raise WorkError(f"--status {status!r}: use one of {', '.join(STATUSES)}")
    q = select(*_TASK_COLUMNS, *_SNAPSHOT_COLUMNS).join_from(
        Task, AccountSnapshot, AccountSnapshot.account_id == Task.account_id, isouter=True)
    # A snoozed task whose snooze has ended is open (_effective).
    ended = and_(Task.status == "snoozed",
                 or_(Task.snoozed_until.is_(None), Task.snoozed_until <= as_of))
    if status == "open":
        q = q.where(or_(Task.status == "open", ended))
    elif status == "snoozed":
        q = q.where(Task.status == "snoozed", Task.snoozed_until > as_of)
    elif status == "closed":
        q = q.where(Task.status == "closed")
    if owner:
        q = q.where(Task.owner == owner_key(owner))
    if account_id:
        q = q.where(Task.account_id == account_id)
    if scope is not None:
        q = scope.tasks(q)
    return q


def worklist_page(store: AppStore, *, as_of: date, owner: str | None = None,
                  status: str = "open", account_id: str | None = None, page: int = 1,
                  limit: int = 50, scope: AccountScope | None = None
                  ) -> tuple[list[dict[str, Any]], int]:
    """One page of the worklist (:func:`worklist`), filtered, ordered and sliced by the
    database; with the number of tasks on all pages."""
    if page < 1 or limit < 1:
        raise WorkError("page and limit start at 1")
    q = _worklist_query(as_of=as_of, owner=owner, status=status, account_id=account_id,
                        scope=scope)
    with store.session() as s:
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        found = s.execute(q.order_by(*_worklist_order())
                          .offset((page - 1) * limit).limit(limit)).all()
    rows = [_row_dict(tuple(r), as_of) for r in found]
    if scope is not None:
        rows = [scope.redact(r) for r in rows]
    return rows, int(total)


def worklist(store: AppStore, *, as_of: date, owner: str | None = None,
             status: str = "open", account_id: str | None = None,
             limit: int | None = None,
             scope: AccountScope | None = None) -> list[dict[str, Any]]:
    """Tasks ordered for the day: priority, then ARR at risk, then due date (ordered by the
    database). ``status``: open (with snoozes that ended), snoozed (still), closed or all.
    ``scope`` limits them to the tasks of the accounts a person may see (personal fields
    blanked for a viewer)."""
    q = _worklist_query(as_of=as_of, owner=owner, status=status, account_id=account_id,
                        scope=scope).order_by(*_worklist_order())
    if limit:
        q = q.limit(limit)
    with store.session() as s:
        found = s.execute(q).all()
    rows = [_row_dict(tuple(r), as_of) for r in found]
    if scope is not None:
        rows = [scope.redact(r) for r in rows]
    return rows


def _load(s: Any, task_id: int) -> Task:
    task = s.get(Task, task_id)
    if task is None:
        raise WorkError(f"no task {task_id} (tenure tasks --status all lists them)")
    return task


def get_task(store: AppStore, task_id: int, *, as_of: date) -> dict[str, Any]:
    """One task with its steps and outcome."""
    with store.session() as s:
        task = _load(s, task_id)
        return task_dict(task, s.get(AccountSnapshot, task.account_id), as_of)


def add_task(app: App, *, account_id: str, title: str, as_of: date, now: datetime,
             by: str | None, type: str = "activity", priority: str = "medium",
             due_on: date | None = None, owner: str | None = None,
             reason: str | None = None, steps: list[str] | None = None) -> dict[str, Any]:
    """A task made by hand (no playbook): owned by ``owner``, else the account's owner."""
    if type not in TASK_TYPES:
        raise WorkError(f"task type {type!r}: use one of {', '.join(TASK_TYPES)}")
    if priority not in PRIORITIES:
        raise WorkError(f"priority {priority!r}: use one of {', '.join(PRIORITIES)}")
    if not title.strip():
        raise WorkError("a task needs a title")
    found = app.warehouse.con.execute(
        "SELECT owner, segment FROM accounts WHERE account_id = ?", [account_id]).fetchall()
    if not found:
        raise WorkError(f"no account {account_id!r} in the warehouse")
    account_owner, segment = found[0]
    with app.store.session() as s:
        snap = s.get(AccountSnapshot, account_id)
        task = Task(
            account_id=account_id, playbook=None, reason_key=None, title=title.strip(),
            reason=reason, type=type, priority=priority,
            owner=owner_key(owner or account_owner or app.settings.playbooks.default_owner),
            status="open", due_on=due_on, steps=json.dumps(steps or []), created_on=as_of,
            created_at=now, created_by=by, band=snap.band if snap else None,
            score=snap.score if snap else None, segment=segment,
            arr=round(12 * snap.mrr, 2) if snap and snap.mrr is not None else None,
            updated_at=now)
        s.add(task)
        s.flush()
        return task_dict(task, snap, as_of)


def snooze(store: AppStore, task_id: int, *, until: date, by: str | None,
           now: datetime) -> dict[str, Any]:
    """Put an open task aside until ``until`` (it is open again that day)."""
    today = now.date()
    if until <= today:
        raise WorkError(f"snooze until {until}: pick a day after today ({today})")
    with store.session() as s:
        task = _load(s, task_id)
        if task.status == "closed":
            raise WorkError(f"task {task_id} is closed; reopen it first (tenure task reopen "
                            f"{task_id})")
        task.status, task.snoozed_until, task.updated_at = "snoozed", until, now
        s.flush()
        return task_dict(task, s.get(AccountSnapshot, task.account_id), today)


def close(store: AppStore, task_id: int, *, outcome: str, note: str | None = None,
          by: str | None, now: datetime) -> dict[str, Any]:
    """Close a task with its outcome (saved, churned, expanded, no_action_needed)."""
    if outcome not in OUTCOMES:
        raise WorkError(f"outcome {outcome!r}: use one of {', '.join(OUTCOMES)}")
    with store.session() as s:
        task = _load(s, task_id)
        if task.status == "closed":
            raise WorkError(f"task {task_id} is already closed ({task.outcome})")
        task.status, task.outcome, task.outcome_note = "closed", outcome, note
        task.closed_at, task.closed_by, task.updated_at = now, by, now
        task.snoozed_until = None
        s.flush()
        return task_dict(task, s.get(AccountSnapshot, task.account_id), now.date())


def reopen(store: AppStore, task_id: int, *, by: str | None, now: datetime) -> dict[str, Any]:
    """Open a closed or snoozed task again (its outcome is cleared)."""
    with store.session() as s:
        task = _load(s, task_id)
        if task.status == "open":
            raise WorkError(f"task {task_id} is already open")
        task.status, task.snoozed_until, task.updated_at = "open", None, now
        task.outcome = task.outcome_note = None
        task.closed_at = task.closed_by = None
        s.flush()
        return task_dict(task, s.get(AccountSnapshot, task.account_id), now.date())


def open_task_count(store: AppStore, *, as_of: date) -> int:
    """Open tasks (snoozes that ended included)."""
    with store.session() as s:
        return int(s.execute(select(func.count()).select_from(Task).where(or_(
            Task.status == "open",
            (Task.status == "snoozed") & (Task.snoozed_until <= as_of)))).scalar() or 0)
