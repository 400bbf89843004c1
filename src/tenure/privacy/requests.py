"""The register of people's privacy requests: every access and erasure request, when it was
received, when it is due (``privacy.request_due_days``, 30 by default: GDPR's month; CCPA
allows 45 days) and what was done.

Where a request comes from decides when it is carried out:

- on the command line (`tenure privacy export`, `tenure privacy erase`) at once, and recorded
  as done;
- from the dashboard or the API, an access request at once too (it only reads); an erasure
  request is filed ``pending``, because it rewrites both databases and the dashboard's server
  only reads the warehouse. The next process that may write carries it out: `tenure privacy
  process` (run it from cron beside `tenure outbox send`), or the start of the next scoring
  run for the current day (``privacy.process_on_score``).

Once an erasure is carried out, its own request's email is replaced by a pseudonymous
address (the erasure itself rewrites the person's earlier requests, like every text of the
app database), so the register keeps that a request was received and done, and no longer
whom it was about. An access request is recorded once its ZIP is written, so that the ZIP
does not hold the request itself.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..errors import Conflict, NotVisible, TenureError
from ..store.models import PrivacyRequest
from .erase import erase_person, pseudo_email

if TYPE_CHECKING:
    from ..access import Principal
    from ..app import App
    from ..store import AppStore
    from .erase import ErasureReport
    from .export import ExportResult

KINDS = ("access", "erasure")
STATUSES = ("pending", "done", "cancelled", "failed")


def _public(r: PrivacyRequest, today: date) -> dict[str, Any]:
    return {"id": r.id, "kind": r.kind, "email": r.email, "status": r.status,
            "received_at": r.received_at, "due_on": r.due_on,
            "overdue": r.status == "pending" and today > r.due_on,
            "requested_by": r.requested_by, "via": r.via, "completed_at": r.completed_at,
            "outcome": json.loads(r.outcome) if r.outcome else None}


def file_request(app: App, *, kind: str, email: str, now: datetime,
                 requested_by: str | None, via: str) -> dict[str, Any]:
    """Record a request as received (``pending``). An erasure already pending for the same
    email is returned instead of a second one."""
    from ..access import normalise_email

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    email = normalise_email(email)
    with app.store.session() as s:
        if kind == "erasure":
            same = s.scalars(select(PrivacyRequest).where(
                PrivacyRequest.kind == kind, PrivacyRequest.status == "pending",
                func.lower(PrivacyRequest.email) == email)).first()
            if same is not None:
                return _public(same, now.date())
        row = PrivacyRequest(kind=kind, email=email, status="pending", received_at=now,
                             due_on=now.date() + timedelta(
                                 days=app.settings.privacy.request_due_days),
                             requested_by=requested_by, via=via)
        s.add(row)
        s.flush()
        return _public(row, now.date())


def _finish(app: App, request_id: int, *, status: str, outcome: dict[str, Any],
            now: datetime, email: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {"status": status, "completed_at": now,
                              "outcome": json.dumps(outcome, default=str)}
    if email is not None:
        values["email"] = email
    with app.store.session() as s:
        s.execute(update(PrivacyRequest).where(PrivacyRequest.id == request_id).values(values))
        row = s.get(PrivacyRequest, request_id)
        assert row is not None
        return _public(row, now.date())


def get_request(store: AppStore, request_id: int, *, today: date) -> dict[str, Any]:
    with store.session() as s:
        row = s.get(PrivacyRequest, request_id)
        if row is None:
            raise NotVisible(f"no privacy request {request_id}")
        return _public(row, today)


def list_requests(store: AppStore, *, today: date, status: str | None = None,
                  kind: str | None = None, limit: int = 100, offset: int = 0
                  ) -> tuple[list[dict[str, Any]], int]:
    """The requests, pending ones first (oldest due first), then the others newest first;
    and how many match."""
    q = select(PrivacyRequest)
    if status:
        q = q.where(PrivacyRequest.status == status)
    if kind:
        q = q.where(PrivacyRequest.kind == kind)
    with store.session() as s:
        total = int(s.scalar(select(func.count()).select_from(q.subquery())) or 0)
        pending_first = (PrivacyRequest.status != "pending")
        rows = s.scalars(q.order_by(pending_first, PrivacyRequest.due_on,
                                    PrivacyRequest.id.desc()).limit(limit).offset(offset)).all()
        return [_public(r, today) for r in rows], total


def pending_counts(store: AppStore, *, today: date) -> tuple[int, int]:
    """How many requests are pending, and how many of those are overdue (one query)."""
    with store.session() as s:
        pending, overdue = s.execute(select(
            func.count(), func.count().filter(PrivacyRequest.due_on < today))
            .where(PrivacyRequest.status == "pending")).one()
    return int(pending), int(overdue)


def cancel_request(app: App, request_id: int, *, now: datetime, who: Principal | None,
                   acting_email: str | None, via: str) -> dict[str, Any]:
    """Cancel a pending request (filed in error). Its email is replaced, since the request
    will not be carried out and the register has no other reason to hold it."""
    from ..access import record_audit

    current = get_request(app.store, request_id, today=now.date())
    if current["status"] != "pending":
        raise Conflict(f"privacy request {request_id} is {current['status']}, not "
                              "pending: only a pending request can be cancelled")
    done = _finish(app, request_id, status="cancelled", outcome={"cancelled": True}, now=now,
                   email=pseudo_email())
    record_audit(app.store, who=who, email=acting_email, action="privacy.cancel", via=via,
                 now=now, object_type="privacy_request", object_id=str(request_id))
    return done


def _error_text(exc: BaseException, email: str) -> str:
    """An error to keep in the register, without the person's email."""
    return re.sub(re.escape(email), "[the person]", f"{type(exc).__name__}: {exc}",
                  flags=re.IGNORECASE)[:2000]


# --- Carrying requests out


def erase_registered(app: App, *, email: str, now: datetime, names: list[str] | None = None,
                     who: Principal | None = None, acting_email: str | None = None,
                     via: str = "cli", request_id: int | None = None
                     ) -> tuple[dict[str, Any], ErasureReport]:
    """Carry out an erasure and record it in the register: the request ``request_id`` (a
    pending one), else a new one. Raises what the erasure raises, with the request marked
    failed."""
    if request_id is None:
        request_id = int(file_request(app, kind="erasure", email=email, now=now,
                                      requested_by=acting_email, via=via)["id"])
    try:
        report = erase_person(app, email=email, names=names, now=now, who=who,
                              acting_email=acting_email, via=via, register_id=request_id)
    except BaseException as exc:
        _finish(app, request_id, status="failed", outcome={"error": _error_text(exc, email)},
                now=now)
        raise
    outcome = {"erasure_request": report.request_id, "found": report.found,
               "rows": sum(report.warehouse.values()) + sum(report.app.values()),
               "files": len(report.files), "tombstones": [t["id"] for t in report.tombstones],
               "remaining_files": len(report.remaining)}
    # The erasure gave this row a pseudonymous address already, found or not.
    done = _finish(app, request_id, status="failed" if report.remaining else "done",
                   outcome=outcome, now=now)
    return done, report


def process_pending(app: App, *, now: datetime, who: Principal | None = None,
                    acting_email: str | None = None, via: str = "cli") -> list[dict[str, Any]]:
    """Carry out every pending erasure request, oldest first; each one's register row as it
    ended. A failure is recorded on its request and the next one is still carried out."""
    if PrivacyRequest.__tablename__ not in app.store.table_names():
        return []  # an app database not migrated yet holds no request
    with app.store.session() as s:
        pending = s.execute(select(PrivacyRequest.id, PrivacyRequest.email, PrivacyRequest
                                   .requested_by).where(PrivacyRequest.kind == "erasure",
                                                        PrivacyRequest.status == "pending")
                            .order_by(PrivacyRequest.id)).all()
    done = []
    for request_id, email, requested_by in pending:
        try:
            row, _ = erase_registered(app, email=email, now=now, who=who,
                                      acting_email=acting_email or requested_by, via=via,
                                      request_id=int(request_id))
        except (TenureError, SQLAlchemyError, duckdb.Error, OSError):
            # Recorded on the request (failed, with the error); the next one still runs.
            row = get_request(app.store, int(request_id), today=now.date())
        done.append(row)
    return done


def export_registered(app: App, *, email: str, out: Path, now: datetime,
                      cursor: duckdb.DuckDBPyConnection | None = None,
                      who: Principal | None = None, acting_email: str | None = None,
                      via: str = "cli") -> tuple[dict[str, Any], ExportResult]:
    """Carry out an access request (the ZIP ``out``), record it in the register as done and
    in the audit log."""
    from ..access import record_audit
    from .export import export_person

    # Recorded once carried out, so that the export does not hold its own request.
    try:
        result = export_person(app, email=email, out=out, now=now, cursor=cursor)
    except BaseException as exc:
        if not isinstance(exc, TenureError | OSError | SQLAlchemyError | duckdb.Error):
            raise
        failed = file_request(app, kind="access", email=email, now=now,
                              requested_by=acting_email, via=via)
        _finish(app, int(failed["id"]), status="failed",
                outcome={"error": _error_text(exc, email)}, now=now)
        raise
    request = file_request(app, kind="access", email=email, now=now,
                           requested_by=acting_email, via=via)
    tables = [t.table for t in result.tables]
    done = _finish(app, int(request["id"]), status="done",
                   outcome={"records": result.records, "tables": tables}, now=now)
    record_audit(app.store, who=who, email=acting_email, action="privacy.export", via=via,
                 now=now, object_type="person", object_id=result.person.email,
                 detail={"email": result.person.email, "records": result.records,
                         "tables": tables, "request": done["id"]})
    return done, result
