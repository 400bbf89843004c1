"""`tenure log`, `tenure score`, `tenure checkins` and `tenure timeline` as scripts run them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from tests.helpers import rows
from tests.work.company import build_company

from tenure import build_app

TENURE = shutil.which("tenure", path=str(Path(sys.executable).parent)) or "tenure"


def tenure(*args: str, user: str = "bob@csm.io") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENURE_USER": user}
    return subprocess.run([TENURE, *args], capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL, env=env)


def test_log_then_score_then_checkins_and_timeline(tmp_path: Path) -> None:
    home = str(tmp_path / "ws")
    build_company(tmp_path / "ws").close()

    logged = tenure("log", "m1", "--kind", "call", "--summary", "Intro call",
                    "--at", "2026-06-28T11:00:00+02:00", "--home", home)
    assert logged.returncode == 0, logged.stderr
    assert logged.stdout.strip() == "1"  # the first logged touchpoint's id

    unknown = tenure("log", "zz", "--kind", "call", "--summary", "x", "--home", home)
    assert unknown.returncode == 9
    assert unknown.stderr.strip().splitlines() == [
        "error: unknown account 'zz': it is not in the accounts table (see `tenure accounts`)"]

    scored = tenure("score", "--as-of", "2026-06-30", "--home", home, "--format", "json")
    assert scored.returncode == 0, scored.stderr
    with build_app(home) as app:
        # Copied by the scoring run, with the actor from $TENURE_USER and the time in UTC.
        assert rows(app, "SELECT activity_id, account_id, kind, occurred_at, actor FROM "
                    "activities WHERE activity_id LIKE 'tenure-%'") == [
            ("tenure-1", "m1", "call", datetime(2026, 6, 28, 9, 0), "bob@csm.io")]

    checkins = tenure("checkins", "--as-of", "2026-06-30", "--overdue", "--format", "json",
                      "--home", home)
    assert checkins.returncode == 0, checkins.stderr
    # m1 (59 days overdue before, see company.py) is no longer overdue; the rest keep their
    # worked-by-hand days, most overdue first.
    assert [(r["account_id"], r["days_overdue"], r["due_on"])
            for r in json.loads(checkins.stdout)] == [
        ("e3", 30, "2026-05-31"), ("e1", 11, "2026-06-19"), ("p1", 6, "2026-06-24")]

    # The scoring run recorded health too (score entries); the touchpoints alone:
    line = tenure("timeline", "m1", "--kind", "activity", "--format", "json", "--home", home)
    assert line.returncode == 0, line.stderr
    assert json.loads(line.stdout) == [
        {"at": "2026-06-28T09:00:00", "kind": "activity", "subkind": "call", "title": "Call",
         "detail": "Intro call", "actor": "bob@csm.io", "ref": "tenure-1"}]
