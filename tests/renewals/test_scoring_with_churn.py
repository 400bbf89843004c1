"""The scoring run with a churn model: snapshots carry each paying account's churn
probability, drivers and lifetime value, and `tenure renewals` forecasts from them.

The lifetime value is checked against a month-by-month sum from the snapshot's own MRR and
churn probability; the forecast's totals against sums over its accounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.test_cli import run

AS_OF = "2026-06-30"
DAY = "2026-06-29"  # the sample's data ends the day before its as-of date


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("churn-score") / "ws"
    run("demo", "--no-serve", "--accounts", "400", "--seed", "5", "--as-of", AS_OF,
        "--home", str(home), "--format", "json")
    run("churn", "train", "--home", str(home), "--as-of", DAY)
    proc = run("score", "--home", str(home), "--as-of", DAY, "--format", "json")
    assert json.loads(proc.stdout)["churn_model"] == "v0001"
    return home


def cli_json(*args: str) -> Any:
    return json.loads(run(*args).stdout)


def test_snapshots_carry_churn_risk_and_lifetime_value(scored: Path) -> None:
    rows = cli_json("accounts", "--home", str(scored), "--format", "json")
    paying = [r for r in rows if r["lifecycle"] in ("onboarding", "active")]
    assert paying and all(r["churn_probability"] is not None for r in paying)
    assert all(r["churn_probability"] is None and r["clv"] is None
               for r in rows if r["lifecycle"] in ("churned", "prospect"))
    for r in paying:
        p, mrr = r["churn_probability"], r["mrr"]
        assert 0 <= p <= 1 and r["churn_horizon_days"] == 90 and r["churn_model"] == "v0001"
        assert 1 <= len(r["churn_drivers"]) <= 3
        # Month by month: monthly survival (1 - p)^(30.4375 / 90), 10% a year discount,
        # 60 months, margin 1 (the defaults).
        s = (1 - p) ** ((365.25 / 12) / 90)
        d = 1.10 ** (1 / 12) - 1
        expected = sum(mrr * s ** m / (1 + d) ** m for m in range(1, 61))
        # (the snapshot keeps MRR to the cent and p to 6 decimals: hence the tolerance)
        assert r["clv"] == pytest.approx(expected, rel=1e-4)


def test_renewal_forecast_adds_up(scored: Path) -> None:
    f = cli_json("renewals", "--home", str(scored), "--quarter", "2026Q3", "--format", "json")
    accounts = f["accounts"]
    assert accounts, "the sample renews some contracts every quarter"
    assert all("2026-07-01" <= a["renewal_date"] <= "2026-09-30" for a in accounts)
    total = f["groups"][0]
    arr = sum(a["arr"] for a in accounts)
    assert total["arr_renewing"] == pytest.approx(arr)
    assert total["arr_at_risk"] == pytest.approx(
        sum(a["arr"] * (1 - a["renewal_probability"]) for a in accounts))
    assert total["expected_grr"] == pytest.approx(
        sum(a["arr"] * a["renewal_probability"] for a in accounts) / arr)
    assert total["grr_low"] <= total["expected_grr"] <= total["grr_high"]
    owners = [g for g in f["groups"] if g["by"] == "owner"]
    assert sum(g["accounts"] for g in owners) == len(accounts)
