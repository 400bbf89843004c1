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
