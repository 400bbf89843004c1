"""The command line as scripts use it: real processes, exit codes, one-line errors, formats."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from tests.helpers import write_text

from tenure.settings import iter_settings

TENURE = shutil.which("tenure", path=str(Path(sys.executable).parent)) or "tenure"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [TENURE, *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"tenure {' '.join(args)} -> {proc.returncode}\n{proc.stderr}")
    return proc


def test_init_writes_settings_and_data_folder(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    run("init", "--home", str(home))
    config = tomllib.loads((home / "tenure.toml").read_text())
    for dotted, default, _ in iter_settings():
        section, _, key = dotted.rpartition(".")
        if default is not None:
            assert config[section][key] == default, dotted
    assert (home / "data" / "warehouse.duckdb").exists()
    assert (home / "data" / "app.db").exists()
    # Running init again keeps the workspace (and any edits to tenure.toml).
    (home / "tenure.toml").write_text(
        (home / "tenure.toml").read_text().replace('name = ""', 'name = "Acme SaaS"')
    )
    run("init", "--home", str(home))
    assert 'name = "Acme SaaS"' in (home / "tenure.toml").read_text()


def test_import_reports_counts_and_rejects_then_nothing_new(tmp_path: Path) -> None:
    home = str(tmp_path / "ws")
    run("init", "--home", home)
    path = write_text(
        tmp_path / "responses.csv",
        "response_id,account_id,survey,score,responded_at\n"
        "R1,A1,nps,10,2024-05-01T10:00:00Z\n"
        "R2,A1,nps,3,2024-05-02T10:00:00Z\n"
        "R3,A2,csat,6,2024-05-02T10:00:00Z\n"  # CSAT is 1-5
        "R4,A2,nps,,2024-05-02T10:00:00Z\n"  # no score
        "R5,A3,ces,5,2024-05-03\n",
    )
    proc = run("import", "survey_responses", str(path), "--home", home, "--format", "json")
    report = json.loads(proc.stdout)
    assert (report["imported"], report["rejected"], report["duplicate"]) == (3, 2, 0)
    with open(report["rejects_file"], newline="") as fh:
        assert [r["line"] for r in csv.DictReader(fh)] == ["4", "5"]
    assert proc.stderr == ""  # no progress bar in a pipe

    again = run("import", "survey_responses", str(path), "--home", home)
    assert "0 imported" in again.stdout and "3 duplicate" in again.stdout
    assert "2 rejected" in again.stdout


def test_unusable_file_gives_one_line_and_a_nonzero_exit(tmp_path: Path) -> None:
    home = str(tmp_path / "ws")
    run("init", "--home", home)
    path = write_text(tmp_path / "a.csv", "id,company\n1,Acme\n")
    proc = run("import", "accounts", str(path), "--home", home, check=False)
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "missing required columns account_id, name" in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["status"], "not a Tenure workspace"),
        (["import", "accounts", "/nonexistent/a.csv"], "no such file"),
        (["import", "customers", "x.csv"], "unknown table"),
        (["import", "accounts", "x.csv", "--source", "salesforce"], "unknown source"),
    ],
)
def test_user_mistakes_are_one_line(tmp_path: Path, args: list[str], phrase: str) -> None:
    home = tmp_path / "ws"
    if args != ["status"]:
        run("init", "--home", str(home))
        write_text(home / "x.csv", "account_id,name\nA1,Acme\n")
    proc = subprocess.run(
        [TENURE, *args, "--home", str(home)],
        capture_output=True,
        text=True,
        cwd=home if home.exists() else tmp_path,
    )
    assert proc.returncode != 0
    assert phrase in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_status_lists_every_table_in_every_format(tmp_path: Path) -> None:
    home = str(tmp_path / "ws")
    run("init", "--home", home)
    write_text(
        tmp_path / "a.csv", "account_id,name,created_at\nA1,Acme,2024-01-05\nA2,B,2023-02-01\n"
    )
    run("import", "accounts", str(tmp_path / "a.csv"), "--home", home)
    status = json.loads(run("status", "--home", home, "--format", "json").stdout)
    tables = {t["table"]: t for t in status["tables"]}
    assert list(tables) == [
        "accounts",
        "contacts",
        "subscriptions",
        "invoices",
        "events",
        "tickets",
        "survey_responses",
        "activities",
        "feedback",
    ]
    assert tables["accounts"]["rows"] == 2
    assert tables["accounts"]["first"].startswith("2023-02-01")
    assert tables["accounts"]["last"].startswith("2024-01-05")
    assert status["imports"][0]["status"] == "committed"
    as_csv = list(
        csv.DictReader(run("status", "--home", home, "--format", "csv").stdout.splitlines())
    )
    assert len(as_csv) == 9 and as_csv[0]["rows"] == "2"
    assert "accounts" in run("status", "--home", home).stdout


def test_home_from_environment(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    run("init", "--home", str(home))
    proc = subprocess.run(
        [TENURE, "status", "--format", "json"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TENURE_HOME": str(home)},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["home"] == str(home.resolve())
