"""`tenure demo` end to end: generate, import through the real path, summarise."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import run

from tenure.ingest.schema import TABLES


def test_demo_fills_every_table_through_the_import_path(tmp_path: Path) -> None:
    home = str(tmp_path / "demo")
    proc = run(
        "demo",
        "--no-serve",
        "--accounts",
        "2000",
        "--seed",
        "1",
        "--home",
        home,
        "--as-of",
        "2026-06-30",
        "--format",
        "json",
    )
    summary = json.loads(proc.stdout)
    status = json.loads(run("status", "--home", home, "--format", "json").stdout)
    tables = {t["table"]: t for t in status["tables"]}
    # The nine tables and the sample's exchange rates (it bills some accounts in EUR and GBP).
    assert sorted(tables) == sorted(TABLES)
    assert all(t["rows"] > 0 for t in tables.values()), tables
    # Every table came in through `tenure import`: one committed run each, nothing rejected.
    assert sorted(i["table"] for i in status["imports"]) == sorted(tables)
    assert {i["status"] for i in status["imports"]} == {"committed"}
    assert all(i["rejected"] == 0 for i in status["imports"])
    # The summary agrees with the warehouse, and the sample ends on the as-of date.
    assert summary["accounts"] == tables["accounts"]["rows"] == 2000
    assert 0 < summary["paying_accounts"] <= 2000 and summary["mrr"] > 0
    assert tables["events"]["last"] < "2026-07-01"
    # The ground truth is kept apart and never imported.
    assert (Path(home) / "data" / "sample" / "ground_truth").is_dir()
    assert "churn_reason" not in json.dumps(status)

    # A second demo into the same workspace would mix two companies: refused in one line.
    again = run("demo", "--no-serve", "--accounts", "50", "--home", home, check=False)
    assert again.returncode != 0 and "already holds data" in again.stderr


def test_demo_ends_by_serving_the_dashboard_with_its_logins(tmp_path: Path) -> None:
    import socket
    import subprocess
    import time
    import urllib.request
    from http.cookiejar import CookieJar

    from tests.test_cli import TENURE

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [TENURE, "demo", "--accounts", "40", "--seed", "4", "--home", str(tmp_path / "d"),
         "--port", str(port), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        lines = []  # the JSON summary, printed (indented) before the server starts
        while not lines or lines[-1].rstrip("\n") != "}":
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "no output"
            lines.append(line)
        summary = json.loads("".join(lines))
        logins = {login["about"].split(":")[0]: login for login in summary["logins"]}
        assert set(logins) == {"a CSM", "an admin"}
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # the server starts once the summary is out
            try:
                opener.open(f"{base}/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        for who, role in (("a CSM", "csm"), ("an admin", "admin")):
            body = json.dumps({"email": logins[who]["email"],
                               "password": logins[who]["password"]}).encode()
            req = urllib.request.Request(f"{base}/api/v1/auth/login", data=body,
                                         headers={"Content-Type": "application/json"})
            assert json.loads(opener.open(req, timeout=10).read())["role"] == role
            page = opener.open(f"{base}/", timeout=30).read().decode()
            assert "My day" in page and logins[who]["email"] in page
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    # The demo's CSM is the owner with the most open tasks.
    import sqlite3

    with sqlite3.connect(tmp_path / "d" / "data" / "app.db") as db:
        counts = db.execute("SELECT lower(owner), count(*) FROM tasks WHERE status = 'open' "
                            "GROUP BY lower(owner)").fetchall()
    assert dict(counts)[logins["a CSM"]["email"]] == max(n for _, n in counts)
