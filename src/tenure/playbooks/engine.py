"""The playbook engine: the day's scores and records become tasks and messages.

At the end of a scoring run (and by `tenure playbooks run`), every enabled playbook is
evaluated over the paying accounts of the latest snapshot: its ``when`` rule narrows the
accounts, its trigger says which of them match and why. For a match that is new (no open or
snoozed task for the same account, playbook and reason, and none closed less than
``playbooks.cooldown_days`` ago) the playbook's actions run: a task, messages queued in the
outbox (sent later by :mod:`tenure.notify`, never twice), an onboarding enrolment. The tasks,
the messages and the run's record are written in one transaction, so a second run on the same
data makes nothing new and a failed run leaves nothing half-written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..metrics.datasets import ACCOUNT_DIMENSIONS
from ..metrics.formula import PandasTarget, evaluate, parse
from ..store import AccountSnapshot, PlaybookRun, Task
from ..store.models import owner_key
from .model import Action, Playbook, load_playbooks, template_fields
from .triggers import TRIGGER_FUNCTIONS, Day, Match

if TYPE_CHECKING:
    from ..app import App
    from ..health import HealthScores
    from ..settings import Settings

# Playbooks act on paying accounts only: a churned account or a prospect has no CSM work.
PAYING = ("onboarding", "active")
SNAPSHOT_COLUMNS = ["account_id", "name", "segment", "owner", "lifecycle", "mrr", "currency",
                    "renewal_date", "score", "band", "churn_probability",
                    "churn_horizon_days"]


@dataclass
class PlaybookRunResult:
    """What one evaluation did: per playbook, accounts matched, matches that already had a
    task (``already_open``), tasks made, messages queued, accounts enrolled."""

    as_of: date
    run_id: int | None = None
    matched: int = 0
    already_open: int = 0
    tasks_created: int = 0
    notifications_queued: int = 0
    enrolled: int = 0
    suppressed: int = 0  # emails not queued: the recipient is a contact who opted out
    per_playbook: dict[str, dict[str, int]] = field(default_factory=dict)
    task_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"matched": self.matched, "already_open": self.already_open,
                "tasks_created": self.tasks_created,
                "notifications_queued": self.notifications_queued,
                "enrolled": self.enrolled, "suppressed": self.suppressed,
                "per_playbook": self.per_playbook}

    def count(self, playbook: str, key: str, n: int = 1) -> None:
        per = self.per_playbook.setdefault(playbook, {
            "matched": 0, "already_open": 0, "tasks_created": 0, "notifications_queued": 0,
            "enrolled": 0})
        per[key] += n
        setattr(self, key, getattr(self, key) + n)


def snapshot_frame(app: App) -> pd.DataFrame:
    """The latest snapshot of every paying account, indexed by account id, with arr and
    days_to_renewal added (the names ``when`` rules read besides the metrics)."""
    with app.store.session() as s:
        rows = s.execute(select(*(getattr(AccountSnapshot, c) for c in SNAPSHOT_COLUMNS),
                                AccountSnapshot.as_of)).all()
    frame = pd.DataFrame(rows, columns=[*SNAPSHOT_COLUMNS, "snapshot_as_of"])
    frame = frame[frame["lifecycle"].isin(PAYING)].copy()
    frame["arr"] = pd.to_numeric(frame["mrr"], errors="coerce") * 12
    return frame.set_index("account_id", drop=False)


def _needs(playbooks: list[Playbook]) -> tuple[set[str], set[str]]:
    """The per-account metrics and the account dimensions the playbooks read."""
    metrics: set[str] = set()
    dims: set[str] = set()
    for p in playbooks:
        metrics |= p.metrics()
        if p.when:
            dims |= set(parse(p.when).names) & set(ACCOUNT_DIMENSIONS)
        if p.trigger.kind == "metric":
            dims |= set(template_fields(p.trigger.params.get("reason") or "")) & set(
                ACCOUNT_DIMENSIONS)
    return metrics, dims - {"segment", "owner"}


def playbook_metrics(settings: Settings) -> list[str]:
    """The per-account metrics the enabled playbooks read: the scoring run computes them with
    the health inputs, in one pass, so that evaluating the playbooks computes none again."""
    if not settings.playbooks.enabled:
        return []
    return sorted(_needs(load_playbooks(settings))[0])


def account_frame(app: App, *, as_of: date, playbooks: list[Playbook],
                  scores: HealthScores | None = None) -> pd.DataFrame:
    """The accounts the playbooks evaluate: the snapshot, plus the metrics and dimensions
    their triggers and rules read (taken from the scoring run's frame when it has them,
    else computed in one call)."""
    frame = snapshot_frame(app)
    frame["days_to_renewal"] = [
        (d - as_of).days if isinstance(d, date) else None for d in frame["renewal_date"]]
    frame["days_to_renewal"] = pd.to_numeric(frame["days_to_renewal"], errors="coerce")
    metrics, dims = _needs(playbooks)
    wanted = sorted((metrics | dims) - set(frame.columns))
    if not wanted or frame.empty:
        return frame
    have = scores.accounts if scores is not None else None
    if have is None or not set(wanted) <= set(have.columns):
        from ..metrics import account_metrics

        have = account_metrics(app, as_of=as_of, metrics=sorted(metrics) or ["mrr"])
    extra = have[["account_id", *wanted]].drop_duplicates("account_id")
    merged = frame.reset_index(drop=True).merge(extra, on="account_id", how="left")
    return merged.set_index("account_id", drop=False)


def _rule(frame: pd.DataFrame, when: str | None) -> pd.DataFrame:
    if when is None or frame.empty:
        return frame
    res = evaluate(parse(when), lambda n: frame[n], PandasTarget(frame.index), None)
    hit = pd.Series(res, index=frame.index).fillna(False).astype(bool)
    return frame[hit]


def match_playbooks(app: App, *, as_of: date, playbooks: list[Playbook],
                    frame: pd.DataFrame) -> list[tuple[Playbook, Match]]:
    """Every (playbook, match) of the day, in playbook order, one per (account, reason)."""
    out: list[tuple[Playbook, Match]] = []
    cfg = app.settings
    for p in playbooks:
        day = Day(app=app, as_of=as_of, accounts=_rule(frame, p.when),
                  lookback_days=cfg.playbooks.lookback_days,
                  trend_days=cfg.health.trend_days)
        if day.accounts.empty:
            continue
        seen: set[tuple[str, str]] = set()
        for m in TRIGGER_FUNCTIONS[p.trigger.kind](day, p.trigger.params):
            if (m.account_id, m.reason_key) not in seen:
                seen.add((m.account_id, m.reason_key))
                out.append((p, m))
    return out


def blocked_keys(session: Session, *, now: datetime,
                 cooldown_days: int) -> set[tuple[str, str, str]]:
    """(account, playbook, reason_key) that may not get a new task: open or snoozed, or
    closed less than ``cooldown_days`` ago."""
    since = now - timedelta(days=cooldown_days)
    q = (select(Task.account_id, Task.playbook, Task.reason_key)
         .where(Task.playbook.is_not(None),
                or_(Task.status.in_(("open", "snoozed")),
                    (Task.status == "closed") & (Task.closed_at > since))))
    return {(a, p or "", k or "") for a, p, k in session.execute(q).all()}


def _money(v: Any, currency: str) -> str:
    return "" if v is None or pd.isna(v) else f"{currency} {float(v):,.0f}"


def template_values(row: Mapping[str, Any], match: Match, playbook: Playbook, *, owner: str | None,
                    due: date | None, task_id: int | None) -> dict[str, Any]:
    """The placeholders of titles, steps and messages for one match."""
    score, prob = row.get("score"), row.get("churn_probability")
    return {
        "account": row.get("name") or match.account_id, "account_id": match.account_id,
        "segment": row.get("segment") or "", "owner": owner or "unassigned",
        "score": "no score" if score is None or pd.isna(score) else f"{float(score):.0f}",
        "band": row.get("band") or "no band",
        "churn": ("no churn model" if prob is None or pd.isna(prob)
                  else f"{100 * float(prob):.0f}% churn risk"),
        "arr": _money(row.get("arr"), row.get("currency") or "USD"),
        "renewal_date": row.get("renewal_date") or "no renewal date",
        "reason": match.reason, "playbook": playbook.title,
        "due": due.isoformat() if due else "", "task": task_id if task_id is not None else "",
    }


def resolve_owner(spec: str, row: Mapping[str, Any], default_owner: str) -> str | None:
    """"account": the account's owner, else playbooks.default_owner; else the fixed email."""
    if spec != "account":
        return owner_key(spec)
    return owner_key(row.get("owner")) or owner_key(default_owner)


def evaluate_playbooks(app: App, *, as_of: date, scores: HealthScores | None = None,
                       now: datetime) -> PlaybookRunResult:
    """Evaluate every enabled playbook for ``as_of`` over the latest snapshot (``scores``:
    the scoring run's frame, whose metrics are reused) and make the day's tasks, messages
    and enrolments; see the module doc."""
    playbooks = load_playbooks(app.settings)
    frame = account_frame(app, as_of=as_of, playbooks=playbooks, scores=scores)
    matches = match_playbooks(app, as_of=as_of, playbooks=playbooks, frame=frame)
    cfg = app.settings.playbooks
    result = PlaybookRunResult(as_of=as_of)
    for p in playbooks:
        result.per_playbook[p.name] = {"matched": 0, "already_open": 0, "tasks_created": 0,
                                       "notifications_queued": 0, "enrolled": 0}
    with app.store.session() as s:
        blocked = blocked_keys(s, now=now, cooldown_days=cfg.cooldown_days)
    fresh: list[tuple[Playbook, Match]] = []
    for p, m in matches:
        result.count(p.name, "matched")
        if (m.account_id, p.name, m.reason_key) in blocked and p.task_action() is not None:
            result.count(p.name, "already_open")
        else:
            fresh.append((p, m))
    # Enrolment has its own transaction in the onboarding module and is idempotent (an
    # account already enrolled is left alone), so it runs before the tasks are written.
    facts: pd.DataFrame | None = None  # first paid days, read once for every enrolment
    for p, m in fresh:
        for a in p.actions:
            if a.kind != "enrol":
                continue
            if facts is None:
                from ..onboarding import start_days

                facts = start_days(app, as_of=as_of)
            if _enrol(app, m.account_id, as_of, a, facts) is not None:
                result.count(p.name, "enrolled")
    started = now
    with app.store.session() as s:
        blocked = blocked_keys(s, now=now, cooldown_days=cfg.cooldown_days)
        todo = [(p, m) for p, m in fresh
                if not ((m.account_id, p.name, m.reason_key) in blocked and p.task_action())]
        _act(app, s, todo, _rows(frame, {m.account_id for _, m in todo}), as_of=as_of,
             now=now, result=result)
        run = PlaybookRun(as_of=as_of, started_at=started, finished_at=now,
                          matched=result.matched, tasks_created=result.tasks_created,
                          notifications_queued=result.notifications_queued,
                          enrolled=result.enrolled,
                          per_playbook=json.dumps(result.per_playbook, sort_keys=True))
        s.add(run)
        s.flush()
        result.run_id = run.id
    return result


def _enrol(app: App, account_id: str, as_of: date, action: Action,
           facts: pd.DataFrame) -> int | None:
    from ..onboarding import enrol

    return enrol(app, account_id=account_id, as_of=as_of, template=action.template,
                 facts=facts)


def _rows(frame: pd.DataFrame, account_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The frame's row of each of ``account_ids`` as a dict (the first row of an id)."""
    sub = frame[frame.index.isin(list(account_ids))]
    rows: dict[str, dict[str, Any]] = {}
    for account_id, row in zip(sub.index, sub.to_dict("records"), strict=True):
        rows.setdefault(account_id, row)
    return rows


def _act(app: App, s: Session, todo: list[tuple[Playbook, Match]],
         rows: Mapping[str, Mapping[str, Any]], *, as_of: date, now: datetime,
         result: PlaybookRunResult) -> None:
    """Run the new matches' task and message actions inside the session ``s``: the tasks
    are inserted together (one flush), then the messages, which name the tasks' ids, are
    queued in the matches' order."""
    cfg = app.settings.playbooks
    planned: list[tuple[Playbook, Match, Mapping[str, Any], str | None, date | None,
                        Task | None]] = []
    tasks: list[Task] = []
    for p, m in todo:
        row = rows[m.account_id]
        task_action = p.task_action()
        owner = resolve_owner(task_action.owner if task_action else "account", row,
                              cfg.default_owner)
        task: Task | None = None
        due = as_of + timedelta(days=task_action.due_days) if task_action else None
        if task_action is not None:
            values = template_values(row, m, p, owner=owner, due=due, task_id=None)
            arr = row.get("arr")
            score = row.get("score")
            task = Task(
                account_id=m.account_id, playbook=p.name, reason_key=m.reason_key[:255],
                title=task_action.title.format(**values), reason=m.reason,
                type=task_action.type, priority=task_action.priority, owner=owner,
                status="open", due_on=due,
                steps=json.dumps([st.format(**values) for st in task_action.steps]),
                created_on=as_of, created_at=now, created_by=None, band=row.get("band"),
                score=None if score is None or pd.isna(score) else float(score),
                segment=row.get("segment"),
                arr=None if arr is None or pd.isna(arr) else round(float(arr), 2),
                updated_at=now)
            tasks.append(task)
        planned.append((p, m, row, owner, due, task))
    if tasks:
        # One flush for all the tasks: their ids come back in bulk (INSERT ... RETURNING).
        s.add_all(tasks)
        s.flush()
    opted_out: dict[str, set[str]] = {}  # read from the contacts once, when an email needs it
    for p, m, row, owner, due, task in planned:
        if task is not None:
            result.count(p.name, "tasks_created")
            result.task_ids.append(task.id)
        values = template_values(row, m, p, owner=owner, due=due,
                                 task_id=task.id if task is not None else None)
        for a in p.actions:
            if a.kind == "email" and _opted_out(app, a, owner, opted_out):
                result.suppressed += 1
                continue
            if a.kind in ("email", "slack", "webhook") and _message(
                    app, s, p, m, a, values, owner=owner, task=task, row=row, now=now):
                result.count(p.name, "notifications_queued")


def _message(app: App, s: Session, p: Playbook, m: Match, a: Action, values: dict[str, Any],
             *, owner: str | None, task: Task | None, row: Mapping[str, Any],
             now: datetime) -> bool:
    """Queue one message in the outbox (in the run's transaction); False when it has no
    recipient or was queued before. Without a text of its own, a message about a task says
    what the outbox's task templates say. Slack and webhook messages carry account ids and
    names, no one's email."""
    from ..notify import enqueue, task_email, task_slack

    task_id = task.id if task is not None else None
    about = _task_fields(task, m, p) if task is not None else None
    account = {"account_id": m.account_id, "name": values["account"],
               "segment": row.get("segment"), "band": row.get("band"),
               "score": values["score"] if values["score"] != "no score" else None}
    payload: dict[str, Any] | None
    if a.kind == "email":
        recipient = owner if a.to == "owner" else a.to
        if not recipient:
            return False
        if about is not None and not (a.subject or a.body):
            subject, body, html = task_email(about, account, app.settings)
            payload = {"html": html}
        else:
            subject = (a.subject or "{playbook}: {account}").format(**values)
            body = (a.body or _default_body(task_id)).format(**values)
            payload = None
    else:
        # The URL is a setting (a secret for Slack): the outbox reads it when it sends.
        recipient, subject = a.kind, None
        if a.kind == "slack" and about is not None and not a.text:
            body, payload = task_slack(about, account, app.settings)
        else:
            body = (a.text or "{playbook}: {account} ({account_id}): {reason}").format(**values)
            payload = ({"text": body} if a.kind == "slack" else
                       {"event": "playbook.matched", "playbook": p.name,
                        "account_id": m.account_id, "account": values["account"],
                        "reason": m.reason, "task_id": task_id, "due": values["due"] or None,
                        "priority": about["priority"] if about else None, "text": body})
        if not app.settings.notifications.include_personal_data:
            # A channel is read by many: emails masked, the owner's named by role (consent).
            from ..privacy.consent import mask_emails

            body, payload = mask_emails(body, owner=owner), mask_emails(payload, owner=owner)
    anchor = (f"task:{task_id}" if task_id is not None
              else f"playbook:{p.name}:{m.account_id}:{m.reason_key}")
    return bool(enqueue(s, channel=a.kind, recipient=recipient, subject=subject, body=body,
                        dedup_key=f"{anchor}:{a.kind}:{recipient}"[:255], now=now,
                        account_id=m.account_id, task_id=task_id, payload=payload))


def _opted_out(app: App, a: Action, owner: str | None, cache: dict[str, set[str]]) -> bool:
    """Whether an email action's recipient is a contact who opted out of email (consent:
    contacts.email_opt_out, see tenure.privacy.consent)."""
    from ..privacy.consent import may_send, opted_out_emails

    recipient = owner if a.to == "owner" else a.to
    if not recipient:
        return False
    if "email" not in cache:
        cache["email"] = opted_out_emails(app)
    return not may_send(recipient, cache["email"])


def _task_fields(task: Task, m: Match, p: Playbook) -> dict[str, Any]:
    return {"title": task.title, "reason": task.reason, "priority": task.priority,
            "due_on": task.due_on, "playbook": p.title, "steps": json.loads(task.steps or "[]"),
            "account_id": m.account_id, "segment": task.segment, "band": task.band,
            "score": task.score}


def _default_body(task_id: int | None) -> str:
    text = "{reason}.\n\nAccount: {account} ({account_id}), health {score} ({band})."
    if task_id is not None:
        text += "\nTask {task}, due {due}: tenure task show {task}"
    return text
