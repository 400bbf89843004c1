"""The outbox: every email and Slack / webhook message is stored first, then sent.

A message is a ``Notification`` row. Its life::

    queued ──claim──▶ sending ──accepted──▶ sent
      ▲                  │
      └──── failed, ◀────┤ (attempts < max_attempts: back to queued after a backoff)
            retry later  └──▶ failed (permanent error, or the last attempt) ──retry──▶ queued

Guarantees and how they are kept:

- *Never lost*: the row is written in the caller's transaction (the playbook run that made
  the task), before anything is sent; a channel with no configuration keeps its messages
  queued; a sender that dies leaves its rows ``sending`` with a lease (``claimed_until``) after
  which the next sender takes them again.
- *Never sent twice by two senders*: a row is claimed by a conditional UPDATE (``WHERE
  status = 'queued' ...``, checked by its row count; on PostgreSQL first locked with ``SELECT
  ... FOR UPDATE SKIP LOCKED``) in a short committed transaction, and every later change is
  conditional on the claim (status ``sending`` and this attempt's number).
- The one window no outbox can close: the server accepted the message and the sender died
  before it recorded ``sent``. The message is then sent again after the lease; it carries the
  same Message-ID / Idempotency-Key as before, so mail systems and webhook receivers can drop
  the copy (see docs/notifications.md).

Backoff after the n-th failed attempt: ``min(backoff_seconds * 2**(n-1), backoff_max_seconds)``,
or longer when the server asked for it (HTTP Retry-After).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Result, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import NotificationError
from ..settings import NotificationSettings
from ..store import AppStore, Notification
from .transports import DeliveryFailure, OutgoingMessage, configured, send

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)

CHANNELS = ("email", "slack", "webhook")
STATUSES = ("queued", "sending", "sent", "failed")
# Rows claimed per short transaction: small, so a lease covers the time to send them.
CLAIM_BATCH = 10
MAX_DEDUP_KEY = 255


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped_unconfigured: int = 0
    queued_left: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "retried": self.retried, "failed": self.failed,
                "skipped_unconfigured": self.skipped_unconfigured,
                "queued_left": self.queued_left}


def _rowcount(result: Result[Any]) -> int:
    """Rows an INSERT or UPDATE touched (the cursor's count)."""
    return int(cast(CursorResult[Any], result).rowcount)


def utc_naive(moment: datetime) -> datetime:
    """The app database stores UTC without a zone; an aware ``now`` is converted."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def backoff_delay(attempts: int, settings: NotificationSettings) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1, 2, ...): doubling from
    ``backoff_seconds``, at most ``backoff_max_seconds``."""
    # Cap the exponent first: 2**attempts overflows a float after ~1000 attempts.
    doubled = settings.backoff_seconds * 2.0 ** min(max(attempts - 1, 0), 62)
    return min(doubled, settings.backoff_max_seconds)


def lease_seconds(settings: NotificationSettings, batch: int) -> float:
    """How long a claim of ``batch`` rows lasts: time for each to use its whole network
    timeout a few times over (connect, send, answer), plus a margin."""
    return batch * (3 * settings.timeout_seconds + 30.0)


# --- enqueueing -----------------------------------------------------------------------------


def _validate(channel: str, recipient: str, body: str, dedup_key: str) -> list[str]:
    problems = []
    if channel not in CHANNELS:
        problems.append(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
    if channel == "email" and not _looks_like_address(recipient):
        problems.append("an email needs a recipient address (name@domain)")
    if not isinstance(body, str) or not body.strip():
        problems.append("the message has no body")
    if not dedup_key or not dedup_key.strip():
        problems.append("the message has no dedup_key")
    elif len(dedup_key) > MAX_DEDUP_KEY:
        problems.append(f"the dedup_key is longer than {MAX_DEDUP_KEY} characters")
    return problems


def _looks_like_address(value: str) -> bool:
    local, at, domain = (value or "").strip().rpartition("@")
    return bool(at and local and domain) and not any(c.isspace() or c in "<>,;" for c in value)


def enqueue(session: Session, *, channel: str, recipient: str, subject: str | None,
            body: str, dedup_key: str, now: datetime, account_id: str | None = None,
            task_id: int | None = None, payload: dict[str, Any] | None = None) -> bool:
    """Queue one message in the caller's transaction; False when a message with
    ``dedup_key`` is already in the outbox (whatever its status), so queueing is idempotent.

    ``recipient``: an email address for email; for Slack and webhooks (which post to the
    configured URL) a label such as ``#cs-alerts`` (empty: the channel's name). ``payload``:
    the JSON posted to Slack or the webhook; for email, ``{"html": ...}`` is the HTML part.
    """
    problems = _validate(channel, recipient, body, dedup_key)
    if problems:
        raise NotificationError("cannot queue the message: " + "; ".join(problems), problems)
    try:
        payload_json = json.dumps(payload, ensure_ascii=False) if payload is not None else None
    except (TypeError, ValueError) as exc:
        raise NotificationError(f"cannot queue the message: the payload is not JSON ({exc})",
                                ) from exc
    now = utc_naive(now)
    values = {
        "dedup_key": dedup_key, "channel": channel,
        "recipient": recipient.strip() or channel, "subject": subject, "body": body,
        "payload": payload_json, "account_id": account_id, "task_id": task_id,
        "status": "queued", "attempts": 0, "next_attempt_at": now, "claimed_until": None,
        "last_error": None, "created_at": now, "sent_at": None,
    }
    # The usual case (the same run queueing the same message again) needs no write.
    exists = session.execute(
        select(Notification.id).where(Notification.dedup_key == dedup_key)).first()
    if exists is not None:
        return False
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        # INSERT ... ON CONFLICT DO NOTHING: a concurrent insert of the same key is skipped
        # without an error, which on PostgreSQL would abort the caller's whole transaction.
        from sqlalchemy.dialects import postgresql, sqlite

        stmt = (sqlite.insert(Notification) if dialect == "sqlite"
                else postgresql.insert(Notification))
        return bool(_rowcount(session.execute(stmt.values(**values).on_conflict_do_nothing(
            index_elements=[Notification.dedup_key]))))
    # Other databases: a SAVEPOINT, so a duplicate undoes only this insert.
    try:
        with session.begin_nested():
            session.execute(insert(Notification).values(**values))
    except IntegrityError:
        return False
    return True


def enqueue_message(store: AppStore, *, channel: str, recipient: str, subject: str | None,
                    body: str, dedup_key: str, now: datetime, account_id: str | None = None,
                    task_id: int | None = None,
                    payload: dict[str, Any] | None = None) -> bool:
    """:func:`enqueue` in a transaction of its own (committed on return)."""
    with store.session() as session:
        return enqueue(session, channel=channel, recipient=recipient, subject=subject,
                       body=body, dedup_key=dedup_key, now=now, account_id=account_id,
                       task_id=task_id, payload=payload)


# --- delivering -------------------------------------------------------------------------------


def _due(now: datetime) -> Any:
    """Rows a sender may take: queued and due, or claimed by a sender whose lease ran out."""
    return or_(
        and_(Notification.status == "queued", Notification.next_attempt_at <= now),
        and_(Notification.status == "sending", Notification.claimed_until < now),
    )


@dataclass(frozen=True)
class _Claim:
    message: OutgoingMessage
    attempt: int  # this attempt's number: the claim's token


def _claim(store: AppStore, *, now: datetime, channels: Sequence[str], batch: int,
           lease: timedelta, max_attempts: int,
           report: DeliveryReport) -> tuple[list[_Claim], int]:
    """Take up to ``batch`` due rows for this sender, in one short committed transaction;
    returns the claims and how many due rows were found (some may have gone to another
    sender meanwhile)."""
    claims: list[_Claim] = []
    found = 0
    with store.session() as session:
        query = (select(Notification.id).where(_due(now), Notification.channel.in_(channels))
                 .order_by(Notification.next_attempt_at, Notification.id).limit(batch))
        if session.get_bind().dialect.name == "postgresql":
            # Rows another sender is claiming right now are skipped, not waited for.
            query = query.with_for_update(skip_locked=True)
        for row_id in session.execute(query).scalars().all():
            found += 1
            row = session.execute(
                select(Notification.status, Notification.attempts)
                .where(Notification.id == row_id)).one()
            if row.status == "sending" and row.attempts >= max_attempts:
                # A sender died during the last attempt: give up rather than loop on a
                # message that may be what kills it.
                done = _rowcount(session.execute(
                    update(Notification)
                    .where(Notification.id == row_id, _due(now),
                           Notification.attempts == row.attempts)
                    .values(status="failed", claimed_until=None, last_error=(
                        "the sender stopped during the last attempt; the message may or may "
                        "not have been delivered"))
                ))
                report.failed += done
                continue
            # The claim itself: conditional on the row still being due and unchanged, so of
            # two senders that both selected it exactly one gets rowcount 1.
            claimed = _rowcount(session.execute(
                update(Notification)
                .where(Notification.id == row_id, _due(now),
                       Notification.attempts == row.attempts)
                .values(status="sending", claimed_until=now + lease,
                        attempts=Notification.attempts + 1)
            ))
            if claimed != 1:
                continue
            n = session.get(Notification, row_id)
            assert n is not None
            claims.append(_Claim(_outgoing(n), row.attempts + 1))
    return claims, found


def _outgoing(n: Notification) -> OutgoingMessage:
    payload = json.loads(n.payload) if n.payload else None
    return OutgoingMessage(id=n.id, channel=n.channel, recipient=n.recipient,
                           subject=n.subject, body=n.body,
                           payload=payload if isinstance(payload, dict) else None,
                           dedup_key=n.dedup_key, account_id=n.account_id, task_id=n.task_id)


def _record(store: AppStore, claim: _Claim, values: dict[str, Any]) -> bool:
    """Write the attempt's outcome, if the claim still holds (status sending, this attempt)."""
    with store.session() as session:
        done = _rowcount(session.execute(
            update(Notification)
            .where(Notification.id == claim.message.id, Notification.status == "sending",
                   Notification.attempts == claim.attempt)
            .values(**values)
        ))
    if done != 1:
        log.warning("notification %s: the claim ran out before its outcome was recorded",
                    claim.message.id)
    return bool(done)


def _attempt(store: AppStore, claim: _Claim, settings: NotificationSettings, *,
             now: datetime, report: DeliveryReport) -> None:
    try:
        send(claim.message, settings, now=now)
    except DeliveryFailure as exc:
        error = str(exc)[:1000]
        if exc.permanent or claim.attempt >= settings.max_attempts:
            why = error if exc.permanent else f"gave up after {claim.attempt} attempts: {error}"
            if _record(store, claim, {"status": "failed", "claimed_until": None,
                                      "last_error": why}):
                report.failed += 1
            log.warning("notification %s failed: %s", claim.message.id, why)
            return
        delay = backoff_delay(claim.attempt, settings)
        if exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        if _record(store, claim, {"status": "queued", "claimed_until": None,
                                  "last_error": error,
                                  "next_attempt_at": now + timedelta(seconds=delay)}):
            report.retried += 1
        log.info("notification %s: attempt %s failed (%s); next in %.0f s",
                 claim.message.id, claim.attempt, error, delay)
        return
    if _record(store, claim, {"status": "sent", "sent_at": now, "claimed_until": None,
                              "last_error": None}):
        report.sent += 1


def deliver_due(app: App, *, now: datetime, limit: int | None = None) -> DeliveryReport:
    """Send every message that is due at ``now`` (at most ``limit``), each at most once, and
    record the outcome; messages of unconfigured channels stay queued."""
    settings = app.settings.notifications
    store = app.store
    now = utc_naive(now)
    report = DeliveryReport()
    ready = [c for c in CHANNELS if configured(c, settings)]
    idle = [c for c in CHANNELS if c not in ready]
    if idle:
        with store.session() as session:
            report.skipped_unconfigured = session.execute(
                select(func.count()).select_from(Notification)
                .where(Notification.channel.in_(idle), _due(now))).scalar_one()
    taken = 0
    started = time.monotonic()
    while ready and (limit is None or taken < limit):
        batch = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - taken)
        # ``now`` is when this run started; a long run's later leases count from the time
        # that has passed since, or another sender could take rows this one is sending.
        elapsed = time.monotonic() - started
        claims, found = _claim(
            store, now=now, channels=ready, batch=batch,
            lease=timedelta(seconds=elapsed + lease_seconds(settings, batch)),
            max_attempts=settings.max_attempts, report=report)
        if not found:  # nothing due is left (rows another sender took are no longer due)
            break
        taken += len(claims)
        for claim in claims:  # sent outside any database transaction
            _attempt(store, claim, settings, now=now, report=report)
    with store.session() as session:
        report.queued_left = session.execute(
            select(func.count()).select_from(Notification)
            .where(Notification.status == "queued")).scalar_one()
    return report


# --- looking and retrying ---------------------------------------------------------------------


LIST_COLUMNS = ("id", "channel", "recipient", "subject", "account_id", "task_id", "status",
                "attempts", "next_attempt_at", "last_error", "created_at", "sent_at")


def list_notifications(store: AppStore, *, status: str | None = None,
                       limit: int | None = None) -> list[dict[str, Any]]:
    """The outbox, newest first, without bodies; ``status`` None or "all" lists every row."""
    if status not in (None, "all", *STATUSES):
        raise NotificationError(
            f"unknown status {status!r}: use one of {', '.join(STATUSES)} or all")
    query = select(Notification).order_by(Notification.id.desc())
    if status not in (None, "all"):
        query = query.where(Notification.status == status)
    if limit is not None:
        query = query.limit(limit)
    with store.session() as session:
        rows = session.execute(query).scalars().all()
        return [{c: getattr(n, c) for c in LIST_COLUMNS} for n in rows]


def retry_failed(store: AppStore, *, now: datetime, ids: Sequence[int] | None = None) -> int:
    """Queue failed messages again (all of them, or ``ids``) with their attempts reset;
    returns how many. An id that is unknown or not failed is an error and changes nothing."""
    now = utc_naive(now)
    with store.session() as session:
        if ids:
            found = dict(session.execute(
                select(Notification.id, Notification.status)
                .where(Notification.id.in_(list(ids)))).all())
            problems = [f"no message {i} in the outbox" for i in ids if i not in found]
            problems += [f"message {i} is {found[i]}; only failed messages can be retried"
                         for i in ids if i in found and found[i] != "failed"]
            if problems:
                raise NotificationError("; ".join(problems), problems)
        stmt = (update(Notification).where(Notification.status == "failed")
                .values(status="queued", attempts=0, next_attempt_at=now, claimed_until=None))
        if ids:
            stmt = stmt.where(Notification.id.in_(list(ids)))
        return _rowcount(session.execute(stmt))
