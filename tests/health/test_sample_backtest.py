"""The built-in health model on the sample company (`tenure demo --accounts 5000`): it must
foretell the churn the simulation produced (the accounts' MRR going to zero in the 90 days
after each month end) with an AUC of at least 0.75 and a red band that churns at least three
times as often as the green one; `--suggest` must improve the AUC on the later months it
did not learn from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.test_cli import run
from tests.workspaces import sample_5k


@pytest.mark.slow
def test_default_model_foretells_the_sample_companys_churn(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    home = str(sample_5k(tmp_path_factory).home)
    proc = run("health", "backtest", "--home", home, "--format", "json")
    report = json.loads(proc.stdout)
    bands = {b["band"]: b for b in report["bands"]}
    assert report["horizon_days"] == 90
    assert len(report["months"]) == 12
    assert report["auc"] >= 0.75, report["auc"]
    assert bands["red"]["churn_rate"] >= 3 * bands["green"]["churn_rate"], bands
    assert report["lift_red_vs_green"] == pytest.approx(
        bands["red"]["churn_rate"] / bands["green"]["churn_rate"])
    # Churn rates rise as the band gets worse.
    assert bands["red"]["churn_rate"] > bands["yellow"]["churn_rate"] > bands["green"][
        "churn_rate"]
    assert report["suggestion"] is None
    # --suggest looks back 24 months (from 180 days after the data starts), learns from the
    # earlier ones and is judged on the last third.
    proc = run("health", "backtest", "--suggest", "--home", home, "--format", "json")
    longer = json.loads(proc.stdout)
    assert len(longer["months"]) > len(report["months"])
    sg = longer["suggestion"]
    assert any(p["fitted"] for p in sg["profiles"]), sg["profiles"]
    assert sg["auc_suggested"] > sg["auc_current"], sg
    assert Path(sg["file"]).exists()
    assert Path(report["chart"]["png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
