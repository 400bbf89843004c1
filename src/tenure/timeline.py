"""One account's timeline: everything that happened with it, newest first.

Merged from the warehouse (activities, tickets opened and resolved, survey responses,
feedback) and the app database (touchpoints logged in Tenure and not copied to the warehouse
yet, tasks created and closed, onboarding milestones completed, success goals achieved, and
score changes from the daily health history). Each entry is a dict with ``at`` (ISO
datetime, UTC), ``kind``, ``subkind``, ``title``, ``detail``, ``actor`` and ``ref`` (the
record's id). Records that carry only a day (milestones, goals, scores) sit at the start of
that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from .activities import unsynced, warehouse_id
from .errors import WorkError
from .ingest.schema import ACTIVITY_KINDS
from .store import (
    AccountSnapshot,
    HealthHistory,
    LoggedActivity,
    OnboardingMilestone,
    SuccessGoal,
    Task,
)

if TYPE_CHECKING:
    from .app import App

KINDS = ("activity", "ticket", "survey", "feedback", "task", "milestone", "goal", "score")
SURVEYS = ("nps", "csat", "ces")
# On the same instant (newest first), the later kinds of KINDS come first: a score change is
# listed above the records of its day that moved it.
_ORDER = {k: i for i, k in enumerate(KINDS)}

Entry = dict[str, Any]


def _entry(at: datetime, kind: str, subkind: str | None, title: str, detail: str | None,
           actor: str | None, ref: Any) -> Entry:
    return {"at": at.isoformat(), "kind": kind, "subkind": subkind, "title": title,
            "detail": detail, "actor": actor, "ref": None if ref is None else str(ref)}


def _start(day: date) -> datetime:
    return datetime.combine(day, time())


def _label(kind: str) -> str:
    return kind.upper() if kind in ("qbr", *SURVEYS) else kind.capitalize()


def _number(v: float | None) -> str:
    return "" if v is None else f"{v:g}" if v == int(v) else f"{v:.1f}"


def _rows(app: App, sql: str, account_id: str) -> list[tuple[Any, ...]]:
    with app.warehouse.reading() as con:
        return con.execute(sql, [account_id]).fetchall()


def _activities(app: App, account_id: str) -> tuple[list[Entry], set[str]]:
    rows = _rows(app, "SELECT activity_id, kind, occurred_at, actor, summary FROM activities "
                 "WHERE account_id = ?", account_id)
    entries = [_entry(at, "activity", kind, _label(kind), summary, actor, aid)
               for aid, kind, at, actor, summary in rows]
    return entries, {r[0] for r in rows}


def _logged(app: App, account_id: str, in_warehouse: set[str]) -> list[Entry]:
    # Not yet marked as copied, and not in the warehouse either (a run that stopped between
    # the copy and the marking): each touchpoint appears once.
    return [_entry(r.occurred_at, "activity", r.kind, _label(r.kind), r.summary, r.actor,
                   warehouse_id(r.id))
            for r in unsynced(app.store, account_id=account_id)
            if warehouse_id(r.id) not in in_warehouse]


def _tickets(app: App, account_id: str) -> list[Entry]:
    out: list[Entry] = []
    rows = _rows(app, "SELECT ticket_id, created_at, resolved_at, priority, channel, subject, "
                 "requester_id FROM tickets WHERE account_id = ?", account_id)
    for tid, opened, resolved, priority, channel, subject, requester in rows:
        about = f": {subject}" if subject else ""
        facts = [f"priority {priority}" if priority else "", f"via {channel}" if channel else ""]
        out.append(_entry(opened, "ticket", "opened", f"Ticket opened{about}",
                          " · ".join(f for f in facts if f) or None, requester, tid))
        if resolved is not None:
            hours = (resolved - opened).total_seconds() / 3600
            out.append(_entry(resolved, "ticket", "resolved", f"Ticket resolved{about}",
                              f"resolved after {hours:.1f} hours", None, tid))
    return out


def _survey_title(survey: str, score: float | None) -> str:
    text = f"{_label(survey)} {_number(score)}".strip()
    if survey == "nps" and score is not None:
        # Bain & Company's Net Promoter categories: 0-6 detractor, 7-8 passive, 9-10 promoter.
        text += " (detractor)" if score <= 6 else " (passive)" if score <= 8 else " (promoter)"
    return text


def _surveys(app: App, account_id: str) -> list[Entry]:
    rows = _rows(app, "SELECT response_id, survey, score, responded_at, contact_id, comment "
                 "FROM survey_responses WHERE account_id = ?", account_id)
    return [_entry(at, "survey", survey, _survey_title(survey, score), comment, contact, rid)
            for rid, survey, score, at, contact, comment in rows]


def _feedback(app: App, account_id: str) -> list[Entry]:
    rows = _rows(app, "SELECT feedback_id, created_at, text, contact_id, source, feature "
                 "FROM feedback WHERE account_id = ?", account_id)
    return [_entry(at, "feedback", source, f"Feedback on {feature}" if feature else "Feedback",
                   text, contact, fid)
            for fid, at, text, contact, source, feature in rows]


def _tasks(app: App, account_id: str) -> list[Entry]:
    out: list[Entry] = []
    with app.store.session() as s:
        tasks = list(s.scalars(select(Task).where(Task.account_id == account_id)))
    for t in tasks:
        facts = [t.reason or "", f"playbook {t.playbook}" if t.playbook else "",
                 f"{t.priority} priority", f"owner {t.owner}" if t.owner else ""]
        out.append(_entry(t.created_at, "task", "created", f"Task: {t.title}",
                          " · ".join(f for f in facts if f), t.created_by, t.id))
        if t.closed_at is not None:
            outcome = (t.outcome or "closed").replace("_", " ")
            out.append(_entry(t.closed_at, "task", "closed", f"Task closed ({outcome}): "
                              f"{t.title}", t.outcome_note, t.closed_by, t.id))
    return out


def _milestones(app: App, account_id: str) -> list[Entry]:
    q = select(OnboardingMilestone).where(OnboardingMilestone.account_id == account_id,
                                          OnboardingMilestone.completed_on.is_not(None))
    with app.store.session() as s:
        rows = list(s.scalars(q))
    return [_entry(_start(m.completed_on), "milestone", "completed",
                   f"Onboarding milestone reached: {m.title}", m.evidence, m.completed_by, m.id)
            for m in rows if m.completed_on is not None]


def _goals(app: App, account_id: str) -> list[Entry]:
    q = select(SuccessGoal).where(SuccessGoal.account_id == account_id,
                                  SuccessGoal.achieved_on.is_not(None))
    with app.store.session() as s:
        rows = list(s.scalars(q))
    return [_entry(_start(g.achieved_on), "goal", "achieved", f"Goal achieved: {g.title}",
                   f"{_number(g.current)} against a target of {_number(g.target)}"
                   if g.target is not None else None, None, g.id)
            for g in rows if g.achieved_on is not None]


def _scores(app: App, account_id: str) -> list[Entry]:
    """Band changes, and moves of at least health.trend_tolerance points, between consecutive
    recorded days (the same tolerance that makes a trend up or down)."""
    tolerance = app.settings.health.trend_tolerance
    q = (select(HealthHistory.day, HealthHistory.score, HealthHistory.band)
         .where(HealthHistory.account_id == account_id).order_by(HealthHistory.day))
    with app.store.session() as s:
        days = list(s.execute(q))
    out: list[Entry] = []
    for (_, score0, band0), (day, score, band) in pairwise(days):
        moved = f"score {_number(score0) or 'none'} → {_number(score) or 'none'}"
        if band != band0:
            out.append(_entry(_start(day), "score", "band_change",
                              f"Health {band0 or 'unscored'} → {band or 'unscored'}", moved,
                              None, day.isoformat()))
        elif score is not None and score0 is not None and abs(score - score0) >= tolerance:
            way = "up" if score > score0 else "down"
            out.append(_entry(_start(day), "score", f"score_{way}",
                              f"Health score {way} {abs(score - score0):.0f} points", moved,
                              None, day.isoformat()))
    return out


def check_kinds(kinds: Iterable[str]) -> list[str]:
    """The timeline filters: entry kinds, or sub-kinds (activity kinds, surveys)."""
    allowed = (*KINDS, *ACTIVITY_KINDS, *SURVEYS)
    wanted = list(kinds)
    bad = [k for k in wanted if k not in allowed]
    if bad:
        raise WorkError(f"unknown timeline kind {', '.join(map(repr, bad))}; choose from "
                        f"{', '.join(allowed)}")
    return wanted


def _known(app: App, account_id: str) -> bool:
    with app.store.session() as s:  # scored: known from the app database alone
        if s.get(AccountSnapshot, account_id) is not None:
            return True
    if _rows(app, "SELECT count(*) FROM accounts WHERE account_id = ?", account_id)[0][0]:
        return True
    with app.store.session() as s:  # logged before the accounts were imported
        return bool(s.scalar(select(func.count()).select_from(LoggedActivity)
                             .where(LoggedActivity.account_id == account_id)))


def timeline(app: App, account_id: str, *, since: date | None = None,
             until: date | None = None, kinds: Sequence[str] | None = None,
             limit: int | None = None) -> list[Entry]:
    """The account's timeline, newest first: entries on the days ``since``..``until``
    (inclusive), of the given kinds or sub-kinds, at most ``limit`` of them."""
    if not _known(app, account_id):
        raise WorkError(f"unknown account {account_id!r}: it is not in the accounts table "
                        "(see `tenure accounts`)")
    wanted = set(check_kinds(kinds or []))
    if limit is not None and limit < 1:
        raise WorkError("the limit must be at least 1")
    acts, in_warehouse = _activities(app, account_id)
    entries = [*acts, *_logged(app, account_id, in_warehouse), *_tickets(app, account_id),
               *_surveys(app, account_id), *_feedback(app, account_id),
               *_tasks(app, account_id), *_milestones(app, account_id),
               *_goals(app, account_id), *_scores(app, account_id)]
    if since is not None:
        entries = [e for e in entries if e["at"][:10] >= since.isoformat()]
    if until is not None:
        entries = [e for e in entries if e["at"][:10] <= until.isoformat()]
    if wanted:
        entries = [e for e in entries if e["kind"] in wanted or e["subkind"] in wanted]
    # Newest first; on one instant, by kind (see _ORDER), then by id for a stable order.
    entries.sort(key=lambda e: (e["at"], _ORDER[e["kind"]], e["ref"] or ""), reverse=True)
    return entries[:limit] if limit is not None else entries


__all__ = ["KINDS", "check_kinds", "timeline"]


# Entries whose detail quotes or names people: activity summaries, survey comments, feedback
# text, task outcome notes and owners, milestone evidence.
QUOTING_KINDS = frozenset({"activity", "survey", "feedback", "task", "milestone"})


def without_people(entry: dict[str, Any]) -> dict[str, Any]:
    """A timeline entry for someone who may not see personal data (a viewer): no actor, no
    detail that quotes or names people, and no title carrying free text (a ticket's subject,
    a goal's wording)."""
    out = {**entry, "actor": None,
           "detail": None if entry["kind"] in QUOTING_KINDS else entry["detail"]}
    if entry["kind"] == "ticket":
        out["title"] = f"Ticket {entry['subkind']}"
    elif entry["kind"] == "goal":
        out["title"] = "Goal achieved"
    return out
