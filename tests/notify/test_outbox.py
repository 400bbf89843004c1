"""The outbox against real receivers: an SMTP server (aiosmtpd) and an HTTP server on
127.0.0.1. Every expected time is worked by hand from the settings in the test: the wait after
the n-th failed attempt is min(backoff_seconds * 2**(n-1), backoff_max_seconds)."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from tenure import App, init_workspace
from tenure.app import build_app
from tenure.errors import NotificationError
from tenure.notify import DeliveryReport, deliver_due, enqueue, enqueue_message, retry_failed
from tenure.store import Notification

from .conftest import HttpReceiver, SmtpServer, free_port

T0 = datetime(2026, 7, 1, 9, 0, 0)
NOTHING = {"sent": 0, "retried": 0, "failed": 0, "skipped_unconfigured": 0}


def configure(app: App, *, smtp: SmtpServer | None = None, slack: str = "",
              webhook: str = "", **other: Any) -> None:
    n = app.settings.notifications
    if smtp is not None:
        n.smtp_host, n.smtp_port = "127.0.0.1", smtp.port
    n.slack_webhook_url, n.webhook_url = slack, webhook
    n.from_address = "tenure@example.com"
    n.timeout_seconds = 5.0
    for key, value in other.items():
        setattr(n, key, value)


def queue_email(app: App, key: str = "task-1-email", to: str = "csm@example.com") -> None:
    assert enqueue_message(app.store, channel="email", recipient=to,
                           subject="Call Acme back", body="Acme gave an NPS of 3.",
                           dedup_key=key, now=T0, account_id="A1",
                           payload={"html": "<p>Acme gave an NPS of <b>3</b>.</p>"})


def queue_webhook(app: App, channel: str = "webhook", key: str = "task-1-hook") -> None:
    assert enqueue_message(app.store, channel=channel, recipient="#cs-alerts",
                           subject="Call Acme back", body="Acme gave an NPS of 3.",
                           dedup_key=key, now=T0, account_id="A1",
                           payload={"text": "Acme gave an NPS of 3.", "account_id": "A1"})


def rows(app: App) -> list[Notification]:
    with app.store.session() as s:
        return list(s.execute(select(Notification).order_by(Notification.id)).scalars())


def counts(report: DeliveryReport) -> dict[str, int]:
    d = report.as_dict()
    d.pop("queued_left")
    return d


def hash_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- enqueue ---------------------------------------------------------------------------------


def test_enqueue_stores_once_per_dedup_key_in_the_callers_transaction(app: App) -> None:
    with app.store.session() as s:
        first = enqueue(s, channel="email", recipient="csm@example.com", subject="s",
                        body="b", dedup_key="k", now=T0)
        again = enqueue(s, channel="email", recipient="csm@example.com", subject="other",
                        body="other", dedup_key="k", now=T0 + timedelta(hours=1))
    assert (first, again) == (True, False)
    [n] = rows(app)
    assert (n.status, n.attempts, n.next_attempt_at, n.subject) == ("queued", 0, T0, "s")
    # A later run queueing the same message (already sent or not) adds nothing either.
    assert not enqueue_message(app.store, channel="email", recipient="csm@example.com",
                               subject="s", body="b", dedup_key="k", now=T0)

    # Rolled back with the caller's transaction: the row goes with the task that made it.
    with pytest.raises(RuntimeError), app.store.session() as s:
        enqueue(s, channel="slack", recipient="", subject=None, body="b", dedup_key="k2",
                now=T0)
        raise RuntimeError("the playbook run failed")
    assert [n.dedup_key for n in rows(app)] == ["k"]


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"channel": "sms"}, "channel 'sms' is not one of email, slack, webhook"),
    ({"recipient": "not an address"}, "an email needs a recipient address"),
    ({"body": "  "}, "the message has no body"),
    ({"dedup_key": ""}, "the message has no dedup_key"),
    ({"dedup_key": "x" * 256}, "longer than 255"),
])
def test_enqueue_rejects_bad_input_and_writes_nothing(
        app: App, kwargs: dict[str, Any], problem: str) -> None:
    args: dict[str, Any] = {"channel": "email", "recipient": "csm@example.com",
                            "subject": "s", "body": "b", "dedup_key": "k", "now": T0}
    with pytest.raises(NotificationError, match=problem):
        enqueue_message(app.store, **(args | kwargs))
    assert rows(app) == []


# --- delivered once ------------------------------------------------------------------------------


def test_email_and_slack_are_delivered_exactly_once(
        app: App, smtp_server: SmtpServer, receiver: HttpReceiver) -> None:
    configure(app, smtp=smtp_server, slack=receiver.url("/services/T1/B2/XYZ"))
    queue_email(app)
    queue_webhook(app, channel="slack", key="task-1-slack")

    report = deliver_due(app, now=T0)

    assert report.as_dict() == {"sent": 2, "retried": 0, "failed": 0,
                                "skipped_unconfigured": 0, "queued_left": 0}
    [(mail_from, rcpt, mail)] = smtp_server.received
    email_row = rows(app)[0]
    assert (mail_from, rcpt) == ("tenure@example.com", ["csm@example.com"])
    assert mail["To"] == "csm@example.com"
    assert mail["Subject"] == "Call Acme back"
    # <tenure-{id}-{first 16 hex of sha256(dedup_key)}@{the From domain}>
    assert mail["Message-ID"] == (
        f"<tenure-{email_row.id}-{hash_of('task-1-email')[:16]}@example.com>")
    assert mail.get_body(("plain",)).get_content().strip() == "Acme gave an NPS of 3."
    assert "<b>3</b>" in mail.get_body(("html",)).get_content()

    [post] = receiver.posts
    assert post.path == "/services/T1/B2/XYZ"
    assert post.body == {"text": "Acme gave an NPS of 3.", "account_id": "A1"}
    assert post.headers["Content-Type"].startswith("application/json")
    assert post.headers["Idempotency-Key"] == hash_of("task-1-slack")[:32]

    assert [(n.status, n.attempts, n.sent_at) for n in rows(app)] == [
        ("sent", 1, T0), ("sent", 1, T0)]
    # Nothing is sent twice, however often the outbox runs.
    assert counts(deliver_due(app, now=T0 + timedelta(days=1))) == NOTHING
    assert len(smtp_server.received) == 1 and len(receiver.posts) == 1


# --- down, then back ---------------------------------------------------------------------------


def test_smtp_server_down_then_back_delivers_exactly_once(
        app: App, smtp_down: SmtpServer) -> None:
    configure(app, smtp=smtp_down, backoff_seconds=30.0, backoff_max_seconds=3600.0)
    queue_email(app)

    report = deliver_due(app, now=T0)  # the port refuses connections
    assert counts(report) == NOTHING | {"retried": 1}
    [n] = rows(app)
    # First failure: wait 30 * 2**0 = 30 s.
    assert (n.status, n.attempts, n.next_attempt_at) == ("queued", 1, T0 + timedelta(
        seconds=30))
    assert "connection refused" in (n.last_error or "")
    assert "csm@example.com" not in (n.last_error or "")

    # Before the backoff ends nothing is attempted, even with the server back.
    smtp_down.start()
    assert counts(deliver_due(app, now=T0 + timedelta(seconds=29))) == NOTHING
    assert smtp_down.received == [] and rows(app)[0].attempts == 1

    report = deliver_due(app, now=T0 + timedelta(seconds=31))
    assert counts(report) == NOTHING | {"sent": 1}
    assert len(smtp_down.received) == 1
    [n] = rows(app)
    assert (n.status, n.attempts, n.sent_at, n.last_error) == (
        "sent", 2, T0 + timedelta(seconds=31), None)
    for hours in (1, 2, 48):
        assert counts(deliver_due(app, now=T0 + timedelta(hours=hours))) == NOTHING
    assert len(smtp_down.received) == 1


def test_webhook_answering_503_twice_then_200_is_sent_once(
        app: App, receiver: HttpReceiver) -> None:
    configure(app, webhook=receiver.url(), backoff_seconds=30.0, backoff_max_seconds=3600.0)
    receiver.answer(503, 503)
    queue_webhook(app)

    deliver_due(app, now=T0)
    # 1st failure: next at T0 + 30 s.
    assert (rows(app)[0].attempts, rows(app)[0].next_attempt_at) == (
        1, T0 + timedelta(seconds=30))
    assert rows(app)[0].last_error == "HTTP 503: error"
    deliver_due(app, now=T0 + timedelta(seconds=30))
    # 2nd failure: 30 * 2**1 = 60 s after this attempt, at T0 + 90 s.
    assert (rows(app)[0].attempts, rows(app)[0].next_attempt_at) == (
        2, T0 + timedelta(seconds=90))
    assert counts(deliver_due(app, now=T0 + timedelta(seconds=89))) == NOTHING
    assert counts(deliver_due(app, now=T0 + timedelta(seconds=90))) == NOTHING | {"sent": 1}
    assert counts(deliver_due(app, now=T0 + timedelta(days=1))) == NOTHING

    assert len(receiver.posts) == 3  # 503, 503, 200
    # Every attempt carries the same keys, so a receiver can drop a repeated delivery.
    assert {p.headers["Idempotency-Key"] for p in receiver.posts} == {
        hash_of("task-1-hook")[:32]}
    assert {p.headers["X-Tenure-Notification-Id"] for p in receiver.posts} == {
        str(rows(app)[0].id)}
    assert (rows(app)[0].status, rows(app)[0].attempts) == ("sent", 3)


# --- backoff, giving up, permanent errors ---------------------------------------------------


def test_backoff_doubles_up_to_the_cap_then_fails_after_max_attempts(
        app: App, receiver: HttpReceiver) -> None:
    configure(app, webhook=receiver.url(), backoff_seconds=10.0, backoff_max_seconds=45.0,
              max_attempts=5)
    receiver.answer(500, 500, 500, 500, 500, 500)
    queue_webhook(app)
    # Waits after failures 1..4: 10, 20, 40, min(80, 45) = 45; the 5th attempt is the last.
    expected_waits = [10, 20, 40, 45]
    now = T0
    for attempt, wait in enumerate(expected_waits, start=1):
        assert counts(deliver_due(app, now=now)) == NOTHING | {"retried": 1}
        n = rows(app)[0]
        assert (n.status, n.attempts) == ("queued", attempt)
        assert n.next_attempt_at == now + timedelta(seconds=wait)
        now = n.next_attempt_at
    assert counts(deliver_due(app, now=now)) == NOTHING | {"failed": 1}
    n = rows(app)[0]
    assert (n.status, n.attempts) == ("failed", 5)
    assert n.last_error == "gave up after 5 attempts: HTTP 500: error"
    assert counts(deliver_due(app, now=now + timedelta(days=30))) == NOTHING
    assert len(receiver.posts) == 5


def test_a_4xx_fails_at_once_and_no_secret_reaches_last_error(
        app: App, receiver: HttpReceiver) -> None:
    secret_url = receiver.url("/services/T000/B000/SECRETTOKEN")
    configure(app, slack=secret_url, webhook=f"http://127.0.0.1:{free_port()}/hook/SECRET2")
    receiver.answer(400, body="invalid_payload")
    queue_webhook(app, channel="slack", key="slack-1")
    queue_webhook(app, channel="webhook", key="hook-1")  # nothing listens on that port

    report = deliver_due(app, now=T0)

    assert counts(report) == NOTHING | {"failed": 1, "retried": 1}
    slack, hook = rows(app)
    assert (slack.status, slack.attempts, slack.last_error) == (
        "failed", 1, "HTTP 400: invalid_payload")
    assert (hook.status, hook.attempts) == ("queued", 1)
    assert hook.last_error == "cannot reach the webhook: connection refused"
    for n in (slack, hook):
        assert "SECRET" not in (n.last_error or "")


def test_a_429_waits_as_long_as_retry_after_asks(app: App, receiver: HttpReceiver) -> None:
    configure(app, webhook=receiver.url(), backoff_seconds=30.0)
    receiver.answer(429, headers={"Retry-After": "600"})
    queue_webhook(app)
    deliver_due(app, now=T0)
    n = rows(app)[0]
    # max(backoff 30 s, Retry-After 600 s) = 600 s
    assert (n.status, n.next_attempt_at) == ("queued", T0 + timedelta(seconds=600))
    assert counts(deliver_due(app, now=T0 + timedelta(seconds=599))) == NOTHING
    assert counts(deliver_due(app, now=T0 + timedelta(seconds=600))) == NOTHING | {"sent": 1}


def test_retry_queues_failed_messages_again_with_attempts_reset(
        app: App, receiver: HttpReceiver) -> None:
    configure(app, webhook=receiver.url())
    receiver.answer(404)
    queue_webhook(app)
    deliver_due(app, now=T0)
    [n] = rows(app)
    assert n.status == "failed"

    with pytest.raises(NotificationError, match="no message 99 in the outbox"):
        retry_failed(app.store, now=T0, ids=[99])
    later = T0 + timedelta(hours=2)
    assert retry_failed(app.store, now=later, ids=[n.id]) == 1
    n = rows(app)[0]
    assert (n.status, n.attempts, n.next_attempt_at) == ("queued", 0, later)
    with pytest.raises(NotificationError, match="is queued; only failed"):
        retry_failed(app.store, now=later, ids=[n.id])

    assert counts(deliver_due(app, now=later)) == NOTHING | {"sent": 1}
    assert len(receiver.posts) == 2


# --- configuration, crashed senders, races ------------------------------------------------------


def test_an_unconfigured_channel_keeps_its_messages_queued(
        app: App, receiver: HttpReceiver) -> None:
    configure(app, webhook=receiver.url())  # no SMTP host, no Slack URL
    queue_email(app)
    queue_webhook(app, channel="slack", key="slack-1")
    queue_webhook(app, channel="webhook", key="hook-1")

    for day in range(3):
        report = deliver_due(app, now=T0 + timedelta(days=day))
    assert report.as_dict() == {"sent": 0, "retried": 0, "failed": 0,
                                "skipped_unconfigured": 2, "queued_left": 2}
    email_row, slack_row, hook_row = rows(app)
    for n in (email_row, slack_row):
        assert (n.status, n.attempts, n.last_error) == ("queued", 0, None)
    assert hook_row.status == "sent" and len(receiver.posts) == 1


def test_a_crashed_senders_rows_are_taken_again_after_the_lease(
        app: App, receiver: HttpReceiver) -> None:
    configure(app, webhook=receiver.url(), max_attempts=3)
    for key in ("stale", "leased", "last"):
        queue_webhook(app, key=key)
    with app.store.session() as s:  # what a sender that died mid-send leaves behind
        s.execute(update(Notification).where(Notification.dedup_key == "stale").values(
            status="sending", attempts=1, claimed_until=T0 - timedelta(seconds=1)))
        s.execute(update(Notification).where(Notification.dedup_key == "leased").values(
            status="sending", attempts=1, claimed_until=T0 + timedelta(minutes=5)))
        s.execute(update(Notification).where(Notification.dedup_key == "last").values(
            status="sending", attempts=3, claimed_until=T0 - timedelta(seconds=1)))

    report = deliver_due(app, now=T0)

    stale, leased, last = rows(app)
    assert counts(report) == NOTHING | {"sent": 1, "failed": 1}
    assert (stale.status, stale.attempts) == ("sent", 2)
    assert (leased.status, leased.attempts) == ("sending", 1)  # still another sender's
    # The sender died during the last allowed attempt: not tried a 4th time.
    assert (last.status, last.attempts) == ("failed", 3)
    assert "may or may not have been delivered" in (last.last_error or "")
    assert len(receiver.posts) == 1


def test_two_senders_racing_send_each_message_once(
        tmp_path: Path, smtp_server: SmtpServer) -> None:
    home = tmp_path / "ws"
    init_workspace(home).close()
    apps = [build_app(home), build_app(home)]  # two senders, one SQLite file
    for a in apps:
        configure(a, smtp=smtp_server)
    keys = [f"task-{i}" for i in range(24)]
    for key in keys:
        queue_email(apps[0], key=key, to=f"{key}@example.com")

    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []
    errors: list[BaseException] = []

    def sender(a: App) -> None:
        try:
            start.wait()
            reports.append(deliver_due(a, now=T0))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for a in apps:
        a.close()

    assert errors == []
    assert sum(r.sent for r in reports) == 24
    received = sorted(rcpt[0] for _, rcpt, _ in smtp_server.received)
    assert received == sorted(f"{key}@example.com" for key in keys)  # each exactly once
    ids = [m["Message-ID"] for _, _, m in smtp_server.received]
    assert len(set(ids)) == 24


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.postgres
def test_outbox_on_postgresql(tmp_path: Path, postgres_db_url: str,
                              monkeypatch: pytest.MonkeyPatch,
                              smtp_server: SmtpServer) -> None:
    monkeypatch.setenv("TENURE_APP_DB__URL", postgres_db_url)
    with init_workspace(tmp_path / "ws") as pg:
        assert pg.store.dialect == "postgresql"
        configure(pg, smtp=smtp_server)
        with pg.store.session() as s:  # inside the caller's (outer) transaction
            assert enqueue(s, channel="email", recipient="csm@example.com", subject="s",
                           body="b", dedup_key="k", now=T0)
            assert not enqueue(s, channel="email", recipient="csm@example.com",
                               subject="s", body="b", dedup_key="k", now=T0)
            # The duplicate did not abort the transaction: it can go on writing.
            assert enqueue(s, channel="email", recipient="csm2@example.com", subject="s",
                           body="b", dedup_key="k2", now=T0)
        assert counts(deliver_due(pg, now=T0)) == NOTHING | {"sent": 2}
        assert counts(deliver_due(pg, now=T0 + timedelta(hours=1))) == NOTHING
        assert [(n.dedup_key, n.status) for n in rows(pg)] == [("k", "sent"), ("k2", "sent")]
    assert len(smtp_server.received) == 2
