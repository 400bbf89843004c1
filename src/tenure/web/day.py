"""My day: the signed-in person's open tasks by priority, overdue check-ins, the renewals
ahead and stalled onboardings.

A CSM sees their book in every section; an admin or a manager, the tasks they own and, in the
other sections, every account they may see. Each section reads one page from the database
(never the whole book): the tasks page on (``?tasks_page=``), the others show the first
``PAGE_SIZE`` with a link to the accounts list for the rest.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from ..api.deps import AppDep, Clock
from ..checkins import cadence_for, logged_touchpoint_days, next_checkin
from ..health.history import snapshot_page
from ..onboarding import overdue_milestones
from ..playbooks.tasks import worklist_page
from ..store import AccountSnapshot
from .pages import PAGE_SIZE, page_user, render
from .pages import scope_of as _scope

if TYPE_CHECKING:
    from ..access import AccountScope
    from ..app import App

router = APIRouter(include_in_schema=False)

RENEWAL_DAYS = 90


def logged_since_scoring(app: App, *, today: date) -> dict[str, date]:
    """The next check-in day of the accounts with a touchpoint logged in Tenure since the
    scoring run (not in the warehouse yet): a cadence after it, as
    :func:`tenure.checkins.checkins` counts it (the snapshot's ``checkin_due_on`` does not
    know it yet)."""
    logged = logged_touchpoint_days(app, as_of=today)
    moved: dict[str, date] = {}
    if not logged:
        return moved
    with app.store.session() as s:
        known = s.execute(select(
            AccountSnapshot.account_id, AccountSnapshot.segment,
            AccountSnapshot.last_touchpoint_on).where(
            AccountSnapshot.account_id.in_(list(logged)),
            AccountSnapshot.checkin_due_on.is_not(None))).all()
    for account_id, segment, last in known:
        day = logged[account_id]
        due = next_checkin(day, None, None, cadence_for(app.settings, segment))
        if (last is None or day > last) and due is not None:  # the latest touchpoint
            moved[account_id] = due
    return moved


def overdue_checkins(app: App, *, today: date, scope: AccountScope, limit: int
                     ) -> tuple[list[dict[str, Any]], int]:
    """The accounts whose next check-in (the snapshot's ``checkin_due_on``, set by the
    scoring run by the rule of :func:`tenure.checkins.checkins`) was due before ``today``,
    longest overdue first; with how many there are."""
    moved = logged_since_scoring(app, today=today)
    rows, total = snapshot_page(app.store, checkin_due_before=today, sort="checkin",
                                exclude=[a for a, due in moved.items() if due >= today],
                                limit=limit, scope=scope)
    for r in rows:
        r["checkin_due_on"] = moved.get(r["account_id"], r["checkin_due_on"])
        r["days_overdue"] = (today - r["checkin_due_on"]).days
    rows.sort(key=lambda r: (-r["days_overdue"], r["account_id"]))
    return rows, total


def stalled_by_account(app: App, *, today: date) -> dict[str, dict[str, Any]]:
    """Per account whose active onboarding plan has a milestone overdue by more than
    ``onboarding.stalled_after_days`` (:func:`tenure.onboarding.overdue_milestones`, the
    playbooks' rule): how many milestones are overdue, and the most overdue one."""
    late = overdue_milestones(app.store, as_of=today,
                              stalled_after_days=app.settings.onboarding.stalled_after_days)
    out: dict[str, dict[str, Any]] = {}
    for account_id, title, due, days in zip(late["account_id"], late["title"],
                                            late["due_on"], late["days_overdue"],
                                            strict=True):
        cur = out.setdefault(str(account_id), {"milestones": 0, "days_overdue": -1})
        cur["milestones"] += 1
        if int(days) > cur["days_overdue"]:
            cur.update(milestone=title, due_on=due, days_overdue=int(days))
    return out


def stalled_onboardings(app: App, *, today: date, scope: AccountScope, limit: int
                        ) -> tuple[list[dict[str, Any]], int]:
    """The visible accounts of :func:`stalled_by_account`, most overdue first; with how
    many there are."""
    per_account = stalled_by_account(app, today=today)
    if not per_account:
        return [], 0
    q = scope.accounts(select(AccountSnapshot.account_id, AccountSnapshot.name,
                              AccountSnapshot.band, AccountSnapshot.score)
                       .where(AccountSnapshot.account_id.in_(list(per_account))))
    with app.store.session() as s:
        visible = s.execute(q).all()
    rows = [{"account_id": a, "name": name, "band": band, "score": score, **per_account[a]}
            for a, name, band, score in visible]
    rows.sort(key=lambda r: (-r["days_overdue"], r["account_id"]))
    return rows[:limit], len(rows)


@router.get("/")
def my_day(request: Request, app: AppDep, clock: Clock,
           tasks_page: Annotated[int, Query(ge=1)] = 1) -> HTMLResponse:
    """My open tasks by priority, overdue check-ins, the renewals of the next 90 days and
    stalled onboardings."""
    user = page_user(request, app, clock)
    scope = _scope(user)
    today = clock().date()
    # A CSM works their book; an admin or manager, the tasks they own.
    mine = user.email if user.role in ("admin", "manager") else None
    tasks, task_total = worklist_page(app.store, as_of=today, owner=mine, status="open",
                                      page=tasks_page, limit=PAGE_SIZE, scope=scope)
    # Before the first scoring run the sections are empty (no snapshots to read).
    renewals, renewal_total = snapshot_page(
        app.store, sort="renewal", renewal_between=(today, today + timedelta(
            days=RENEWAL_DAYS)), limit=PAGE_SIZE, scope=scope)
    checkins, checkin_total = overdue_checkins(app, today=today, scope=scope,
                                               limit=PAGE_SIZE)
    stalled, stalled_total = stalled_onboardings(app, today=today, scope=scope,
                                                 limit=PAGE_SIZE)
    task_pages = max(1, -(-task_total // PAGE_SIZE))
    return render(request, "my_day.html", user=user, today=today, tasks=tasks,
                  task_total=task_total, tasks_page=tasks_page, task_pages=task_pages,
                  renewals=renewals, renewal_total=renewal_total, renewal_days=RENEWAL_DAYS,
                  checkins=checkins, checkin_total=checkin_total, stalled=stalled,
                  stalled_total=stalled_total, page_size=PAGE_SIZE)
