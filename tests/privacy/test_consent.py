"""Consent: jurisdictions from countries, opt-outs honoured by the playbooks' emails, and
Slack / webhook messages without people's emails, checked on real SMTP and HTTP receivers."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.helpers import write_text
from tests.notify.conftest import HttpReceiver, SmtpServer

import tenure
from tenure import App
from tenure.notify import deliver_due
from tenure.playbooks import evaluate_playbooks
from tenure.playbooks.model import _default_source
from tenure.privacy.consent import jurisdiction, mask_emails, opted_out_emails
from tenure.store import AccountSnapshot, Notification

D = date(2026, 6, 29)
NOW = datetime(2026, 6, 30, 6, 0)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

ACCOUNTS = """account_id,name,segment,owner
a1,Alpha,smb,ann@example.com
a2,Beta,smb,bob@example.com
"""
CONTACTS = """contact_id,account_id,email,name,country,email_opt_out,survey_opt_out
c1,a1,jane@alpha.example,Jane Roe,DE,true,false
c2,a1,sam@alpha.example,Sam Poe,US,false,true
c3,a2,lee@beta.example,Lee Hu,JP,,
"""
# One playbook for a1 (score 40 < 50; a2 scores 80): a task, emails to an opted-out contact,
# to the owner and to a contact who opted out of surveys only; a Slack message about the
# task and a webhook. The reason names the owner's email, as a careless template would.
PLAYBOOK = {
    "name": "reach", "title": "Reach out", "when": "score < 50",
    "trigger": {"kind": "metric", "reason": "score {score} is low, ask {owner}"},
    "actions": [
        {"kind": "task", "priority": "high", "title": "Call {account} ({owner})"},
        {"kind": "email", "to": "jane@alpha.example"},
        {"kind": "email", "to": "owner"},
        {"kind": "email", "to": "SAM@alpha.example"},
        {"kind": "slack"},
        {"kind": "webhook"},
    ],
}


@pytest.fixture
def company(app: App, tmp_path: Path, smtp_server: SmtpServer,
            receiver: HttpReceiver) -> App:
    tenure.import_file(app, "accounts", write_text(tmp_path / "a.csv", ACCOUNTS))
    tenure.import_file(app, "contacts", write_text(tmp_path / "c.csv", CONTACTS))
    with app.store.session() as s:
        for acc, name, owner, score in (("a1", "Alpha", "ann@example.com", 40.0),
                                        ("a2", "Beta", "bob@example.com", 80.0)):
            s.add(AccountSnapshot(account_id=acc, as_of=D, name=name, segment="smb",
                                  owner=owner, lifecycle="active", mrr=100.0, currency="USD",
                                  score=score, band="red" if score < 50 else "green",
                                  scored_at=NOW))
    off = [{"name": d["name"], "enabled": False} for d in _default_source()]
    app.settings.playbooks.playbook = [*off, PLAYBOOK]
    n = app.settings.notifications
    n.smtp_host, n.smtp_port = "127.0.0.1", smtp_server.port
    n.slack_webhook_url, n.webhook_url = receiver.url("/slack"), receiver.url("/hook")
    return app


@pytest.mark.parametrize(("country", "region", "expected"), [
    ("DE", None, "GDPR"), ("fr", None, "GDPR"), ("IE", None, "GDPR"),  # EU
    ("NO", None, "GDPR"), ("IS", None, "GDPR"), ("LI", None, "GDPR"),  # EEA
    ("GB", None, "GDPR"),  # UK GDPR
    ("RE", None, "GDPR"), ("AX", None, "GDPR"),  # Réunion, Åland: EU territory
    ("CH", None, "other"), ("JP", None, "other"), ("BR", None, "other"),
    ("US", "CA", "CCPA"), ("US", "US-CA", "CCPA"), ("US", "california", "CCPA"),
    ("US", None, "CCPA"),  # state unknown: the stricter reading
    ("US", "NY", "other"), ("CA", None, "other"),  # Canada, not California
    (None, None, "unknown"), ("", None, "unknown"),
])
def test_jurisdiction(country: str | None, region: str | None, expected: str) -> None:
    assert jurisdiction(country, region) == expected


def test_opted_out_emails_by_purpose(company: App) -> None:
    assert opted_out_emails(company) == {"jane@alpha.example"}
    assert opted_out_emails(company, purpose="survey") == {"jane@alpha.example",
                                                           "sam@alpha.example"}


def test_mask_emails_names_the_owner_by_role() -> None:
    text = "ask Ann@Example.com, cc jane.roe+cs@alpha.example.co.uk"
    assert mask_emails(text, owner="ann@example.com") == \
        "ask the account owner, cc [email hidden]"
    assert mask_emails({"a": [text, 3]}, owner=None) == \
        {"a": ["ask [email hidden], cc [email hidden]", 3]}


def outbox(app: App) -> list[tuple[str, str, str, str | None]]:
    with app.store.session() as s:
        return [(n.channel, n.recipient, n.body, n.payload) for n in s.execute(
            select(Notification).order_by(Notification.id)).scalars()]


def test_an_opted_out_contact_gets_no_email_and_slack_carries_no_email(
        company: App, smtp_server: SmtpServer, receiver: HttpReceiver) -> None:
    run = evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    assert (run.tasks_created, run.notifications_queued, run.suppressed) == (1, 4, 1)
    queued = outbox(company)
    assert sorted(r for c, r, _, _ in queued if c == "email") == [
        "SAM@alpha.example", "ann@example.com"]  # jane opted out of email
    report = deliver_due(company, now=NOW)
    assert report.sent == 4
    recipients = sorted(rcpt for _, rcpts, _ in smtp_server.received for rcpt in rcpts)
    assert recipients == ["SAM@alpha.example", "ann@example.com"]
    assert not any("jane@alpha.example" in str(m) for _, _, m in smtp_server.received)
    # Slack and the webhook as they arrived: no email address anywhere in the JSON.
    posts = {p.path: p.body for p in receiver.posts}
    assert set(posts) == {"/slack", "/hook"}
    for path, body in posts.items():
        raw = json.dumps(body)
        assert EMAIL.search(raw) is None, (path, raw)
        assert "the account owner" in raw
    assert "Alpha" in posts["/slack"]["text"] and posts["/hook"]["account_id"] == "a1"
    # The task itself, read by its owner, keeps the owner's email.
    from tenure.store import Task

    with company.store.session() as s:
        assert s.execute(select(Task.title)).scalar_one() == "Call Alpha (ann@example.com)"


def test_personal_data_in_slack_when_configured(company: App,
                                                receiver: HttpReceiver) -> None:
    company.settings.notifications.include_personal_data = True
    evaluate_playbooks(company, as_of=D, scores=None, now=NOW)
    deliver_due(company, now=NOW)
    slack = json.dumps(next(p.body for p in receiver.posts if p.path == "/slack"))
    assert "ann@example.com" in slack


def test_the_contacts_panel_shows_jurisdiction_and_opt_outs(company: App) -> None:
    from tenure import account360

    with company.warehouse.reading() as con:
        rows, total = account360.contacts(con, account_id="a1")
    got = {r["contact_id"]: (r["jurisdiction"], r["email_opt_out"], r["survey_opt_out"])
           for r in rows}
    assert total == 2
    assert got == {"c1": ("GDPR", True, False), "c2": ("CCPA", False, True)}


def test_cli_consent_counts_contacts_by_jurisdiction(tmp_path: Path) -> None:
    from tests.test_cli import run

    home = tmp_path / "ws"
    with tenure.init_workspace(home) as app:
        tenure.import_file(app, "accounts", write_text(tmp_path / "a.csv", ACCOUNTS))
        tenure.import_file(app, "contacts", write_text(tmp_path / "c.csv", CONTACTS))
    rows: list[dict[str, Any]] = json.loads(run("privacy", "consent", "--home", str(home),
                                                "--format", "json").stdout)
    assert {r["jurisdiction"]: (r["contacts"], r["email_opt_out"], r["survey_opt_out"])
            for r in rows} == {"GDPR": (1, 1, 0), "CCPA": (1, 0, 1), "other": (1, 0, 0),
                               "unknown": (0, 0, 0)}
