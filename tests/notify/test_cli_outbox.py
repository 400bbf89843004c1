"""`tenure outbox`, `tenure outbox send` and `tenure outbox retry` as scripts use them: real
processes, JSON output, exit codes, against a real HTTP receiver."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from tests.test_cli import run

from tenure.app import build_app
from tenure.notify import enqueue_message, list_notifications

from .conftest import HttpReceiver

QUEUED_AT = datetime(2020, 1, 1, 9, 0)  # long before the CLI's clock: due at once


def test_outbox_list_send_and_retry(tmp_path: Path, receiver: HttpReceiver,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    home = str(tmp_path / "ws")
    run("init", "--home", home)
    monkeypatch.setenv("TENURE_NOTIFICATIONS__WEBHOOK_URL", receiver.url("/hook"))
    with build_app(home) as app:
        for key in ("a", "b"):
            enqueue_message(app.store, channel="webhook", recipient="ops", subject=f"S {key}",
                            body=f"body {key}", dedup_key=key, now=QUEUED_AT)
    receiver.answer(410, body="gone")  # the first message fails for good

    sent = json.loads(run("outbox", "send", "--home", home, "--format", "json").stdout)
    assert sent == {"sent": 1, "retried": 0, "failed": 1, "skipped_unconfigured": 0,
                    "queued_left": 0}

    failed = json.loads(run("outbox", "--status", "failed", "--home", home,
                            "--format", "json").stdout)
    assert [(m["subject"], m["status"], m["attempts"], m["last_error"]) for m in failed] == [
        ("S a", "failed", 1, "HTTP 410: gone")]
    assert "body" not in failed[0]  # the list leaves bodies out
    listed = json.loads(run("outbox", "--home", home, "--format", "json").stdout)
    assert [m["status"] for m in listed] == ["sent", "failed"]  # newest first

    proc = run("outbox", "retry", "--home", home, check=False)
    assert proc.returncode == 9
    assert proc.stderr.strip() == "error: say which messages to retry: an ID, or --all-failed"

    run("outbox", "retry", "--all-failed", "--home", home)
    again = json.loads(run("outbox", "send", "--home", home, "--format", "json").stdout)
    assert (again["sent"], again["failed"]) == (1, 0)
    assert [p.body["text"] for p in receiver.posts] == ["body a", "body b", "body a"]
    with build_app(home) as app:
        assert [m["status"] for m in list_notifications(app.store)] == ["sent", "sent"]
