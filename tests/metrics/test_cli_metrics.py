"""`tenure metrics` and `tenure cohorts` as scripts use them: real processes, JSON keys."""

from __future__ import annotations

import csv
import io
import json

import pytest
from tests.helpers import write_text
from tests.test_cli import run

ACCOUNTS = """account_id,name,segment
a1,Acme,smb
a2,Globex,enterprise
a3,Initech,enterprise
"""
# a1 pays 100 from January, a2 200 from February and upgrades to 300 on March 10,
# a3 pays 50 in January only (churns on February 1).
SUBSCRIPTIONS = """subscription_id,account_id,mrr,valid_from,valid_to
s1,a1,100,2026-01-01,
s2,a2,200,2026-02-01,2026-03-10
s2,a2,300,2026-03-10,
s3,a3,50,2026-01-01,2026-02-01
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One workspace for the module: the commands below only read it."""
    tmp_path = tmp_path_factory.mktemp("cli_metrics")
    home = str(tmp_path / "ws")
    run("init", "--home", home)
    run("import", "accounts", str(write_text(tmp_path / "a.csv", ACCOUNTS)), "--home", home)
    run("import", "subscriptions", str(write_text(tmp_path / "s.csv", SUBSCRIPTIONS)),
        "--home", home)
    return home


def test_metrics_json_is_a_list_of_objects_with_the_contract_keys(home: str) -> None:
    proc = run("metrics", "--home", home, "--as-of", "2026-03-31", "--periods", "3",
               "--by", "segment", "--metric", "mrr", "--metric", "expansion_mrr",
               "--metric", "churned_mrr", "--format", "json")
    rows = json.loads(proc.stdout)
    assert all(set(r) == {"metric", "value", "period_start", "period_end", "segment"}
               for r in rows)
    got = {(r["period_start"], r["segment"], r["metric"]): r["value"] for r in rows}
    # Worked by hand from the rows above.
    assert got[("2026-01-01", "smb", "mrr")] == 100
    assert got[("2026-01-01", "enterprise", "mrr")] == 50
    assert got[("2026-02-01", "enterprise", "churned_mrr")] == 50
    assert got[("2026-02-01", "enterprise", "mrr")] == 200
    assert got[("2026-03-01", "enterprise", "expansion_mrr")] == 100
    assert got[("2026-03-01", "enterprise", "mrr")] == 300
    assert got[("2026-03-01", "smb", "expansion_mrr")] == 0
    assert {r["period_end"] for r in rows} == {"2026-01-31", "2026-02-28", "2026-03-31"}


def test_metrics_csv_and_undefined_values(home: str) -> None:
    proc = run("metrics", "--home", home, "--as-of", "2026-01-31", "--metric", "nrr",
               "--metric", "paying_accounts", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    values = {r["metric"]: r["value"] for r in rows}
    # Nobody paid before January: NRR has no starting MRR and is undefined, not infinite.
    assert values["nrr"] == ""
    assert float(values["paying_accounts"]) == 2


def test_metrics_errors_are_one_line(home: str) -> None:
    proc = run("metrics", "--home", home, "--metric", "happiness", check=False)
    assert proc.returncode == 5
    assert proc.stderr.strip().count("\n") == 0 and "happiness" in proc.stderr
    proc = run("metrics", "--home", home, "--period", "fortnight", check=False)
    assert proc.returncode == 5 and "fortnight" in proc.stderr


def test_cohorts_json(home: str) -> None:
    rows = json.loads(run("cohorts", "--home", home, "--as-of", "2026-03-31",
                          "--format", "json").stdout)
    jan = {r["months_since_start"]: r for r in rows if r["cohort"] == "2026-01"}
    # January cohort: a1 and a3; a3 leaves on February 1.
    assert jan[0]["accounts"] == 2 and jan[0]["retained_accounts"] == 2
    assert jan[1]["retained_accounts"] == 1 and jan[1]["logo_retention"] == 0.5
    assert jan[2]["revenue_retention"] == 100 / 150


def test_per_account_latest_answers(tmp_path_factory: pytest.TempPathFactory) -> None:
    """nps_latest / csat_latest: the account's most recent answer on or before the date;
    a later answer does not count yet, an older one is replaced."""
    tmp = tmp_path_factory.mktemp("latest")
    home = str(tmp / "ws")
    run("init", "--home", home)
    run("import", "accounts", str(write_text(tmp / "a.csv", ACCOUNTS)), "--home", home)
    answers = """response_id,account_id,survey,score,responded_at
r1,a1,csat,5,2026-01-05T10:00:00Z
r2,a1,csat,2,2026-02-05T10:00:00Z
r3,a1,csat,4,2026-04-05T10:00:00Z
r4,a1,nps,9,2025-06-01T10:00:00Z
"""
    run("import", "survey_responses", str(write_text(tmp / "r.csv", answers)), "--home", home)
    rows = json.loads(run("metrics", "--home", home, "--as-of", "2026-03-31", "--per-account",
                          "--metric", "csat_latest", "--metric", "nps_latest",
                          "--format", "json").stdout)
    by_id = {r["account_id"]: r for r in rows}
    assert by_id["a1"]["csat_latest"] == 2 and by_id["a1"]["nps_latest"] == 9
    assert by_id["a2"]["csat_latest"] is None
