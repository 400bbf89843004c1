"""`tenure churn train | evaluate | explain` on a real sample company, and `predict` for the
scoring run.

The demo workspace is shared (read only); each test that trains works on its own copy. Checks
are against things computed apart from the churn code: the warehouse's paying accounts
(`account_metrics`), the health backtest's AUC per month end, the saved files themselves, and
arithmetic on the output.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import lightgbm
import pytest
from tests.test_cli import run

from tenure import build_app, import_file, init_workspace
from tenure.churn import ChurnError, latest_model, predict
from tenure.metrics import account_metrics

from .conftest import Demo, locked

DAY = date(2026, 6, 29)  # the demo's last day with data: the default --as-of
JUDGED = ["2026-01-31", "2026-02-28", "2026-03-31"]  # the last 3 with 90 days of data after


def churn(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run("churn", *map(str, args), check=check)


def churn_json(*args: str | Path) -> Any:
    return json.loads(churn(*args, "--format", "json").stdout)


def error_line(proc: subprocess.CompletedProcess[str], code: int = 8) -> str:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    return lines[0]


@dataclass(frozen=True)
class Trained:
    home: Path
    card: dict[str, Any]


@pytest.fixture(scope="module")
def trained(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """The demo with a model trained by `tenure churn train`: built by the first xdist worker
    that needs it, copied by the others (training twice would only repeat the same work)."""
    home = tmp_path_factory.mktemp("churn-cli") / "ws"
    shared = tmp_path_factory.getbasetemp().parent / "churn-trained"
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        shutil.copytree(demo.home, home)
        return Trained(home, churn_json("train", "--home", home))
    with locked(shared.with_suffix(".lock")):
        if not (shared / "card.json").exists():
            shutil.copytree(demo.home, shared / "home")
            card = churn_json("train", "--home", shared / "home")
            (shared / "card.json").write_text(json.dumps(card), encoding="utf-8")
    shutil.copytree(shared / "home", home)
    card = json.loads((shared / "card.json").read_text("utf-8"))
    # The card names the folder it was saved in: the shared one.
    old = str(shared / "home")
    return Trained(home, {**card, "path": card["path"].replace(old, str(home)),
                          "chart": card["chart"].replace(old, str(home))})


# --------------------------------------------------------------------- train
def test_train_saves_a_versioned_model_with_its_card(trained: Trained) -> None:
    card = trained.card
    folder = trained.home / "models" / "churn" / "v0001"
    assert card["version"] == 1 and card["name"] == "v0001"
    assert Path(card["path"]) == folder
    assert sorted(p.name for p in folder.iterdir()) == [
        "calibrator.json", "card.json", "features.json", "model.txt"]
    assert (folder / "model.txt").read_text().startswith("tree\n")  # LightGBM's own format
    assert json.loads((folder / "calibrator.json").read_text())["method"] in (
        "platt", "isotonic")
    schema = json.loads((folder / "features.json").read_text())
    assert [f["name"] for f in schema["features"]] == card["features"]
    saved = json.loads((folder / "card.json").read_text())
    assert {k: v for k, v in card.items() if k not in ("path", "chart")} == {
        k: v for k, v in saved.items() if k != "path"}

    today = datetime.now(UTC).date()
    assert date.fromisoformat(card["created"]) in (today, today - timedelta(days=1))
    assert card["as_of"] == DAY.isoformat() and card["horizon_days"] == 90
    assert card["label"] == "mrr_to_zero"
    train = [date.fromisoformat(m) for m in card["train_months"]]
    calib = [date.fromisoformat(m) for m in card["calibration_months"]]
    # Calibration on the latest month ends whose 90 days lie in the data; training on month
    # ends whose horizon ended before the first of them.
    assert calib[-1] == date(2026, 3, 31) and len(calib) == 3
    assert all(m + timedelta(days=90) <= calib[0] for m in train) and len(train) >= 6
    assert card["data_window"] == {"from": card["train_months"][0], "to": "2026-03-31"}
    assert card["rows"]["train"] > 1000 and card["rows"]["train_churned"] > 10
    for feature in ("days_to_renewal", "tenure_days", "health.score", "metric.mrr",
                    "change90.active_user_days", "change30.urgent_open_tickets",
                    "account.segment", "attr.employees", "attr.crm_tier"):
        assert feature in card["features"], feature
    assert card["libraries"]["lightgbm"] == lightgbm.__version__
    assert card["params"]["deterministic"] is True and card["params"]["seed"] == 20240611
    m = card["metrics"]
    assert m["validation"]["kind"] == "out-of-time"
    assert m["validation"]["judged_months"] == JUDGED
    for key in ("auc", "auc_baseline", "auc_health", "brier", "top_decile_lift"):
        assert m[key] is not None, key
    png = Path(card["chart"])
    assert png.parent == trained.home / "reports"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_predict_scores_every_paying_account_with_the_latest_model(trained: Trained) -> None:
    with build_app(trained.home) as app:
        found = predict(app, as_of=DAY)
        mrr = account_metrics(app, as_of=DAY, metrics=["mrr"])
        card = latest_model(app)
    paying = set(mrr.loc[mrr["mrr"].fillna(0) > 0, "account_id"])
    assert list(found.columns) == ["account_id", "churn_probability", "horizon_days", "drivers"]
    assert set(found["account_id"]) == paying and len(found) == len(paying)
    assert found["churn_probability"].between(0, 1, inclusive="neither").all()
    assert (found["horizon_days"] == 90).all()
    assert card is not None and card.version == 1 and card.horizon_days == 90
    for said in found["drivers"]:
        assert isinstance(said, list) and len(said) <= 3
        assert all(isinstance(s, str) and s.endswith(" risk)") for s in said)
    top = found.sort_values("churn_probability").iloc[-1]
    assert top["drivers"][0].endswith("(raises risk)")


def test_train_table_output_names_the_version_and_the_figures(trained: Trained,
                                                               tmp_path: Path) -> None:
    home = tmp_path / "ws"
    shutil.copytree(trained.home, home)
    text = churn("train", "--home", home).stdout
    assert "Saved churn model v0002" in text
    for word in ("Churn model", "Logistic baseline", "Health score", "AUC", "Brier"):
        assert word in text
    # Training is deterministic: the same data gives the same model, file for file.
    v1, v2 = (home / "models" / "churn" / v / "model.txt" for v in ("v0001", "v0002"))
    assert v1.read_text() == v2.read_text()
    with build_app(home) as app:
        card = latest_model(app)
        assert card is not None and card.version == 2
        by_v1 = predict(app, as_of=DAY, model_dir=home / "models" / "churn" / "v0001")
        by_latest = predict(app, as_of=DAY)
    assert by_v1["churn_probability"].tolist() == by_latest["churn_probability"].tolist()


# --------------------------------------------------------------------- evaluate
def test_evaluate_json_has_every_figure_and_the_health_backtests_auc(
    trained: Trained, tmp_path: Path
) -> None:
    report = churn_json("evaluate", "--home", trained.home, "--out", tmp_path)
    for key in ("auc", "auc_baseline", "auc_health", "pr_auc", "pr_auc_baseline",
                "pr_auc_health", "brier", "brier_baseline", "brier_health", "top_decile_lift",
                "top_decile_lift_baseline", "top_decile_lift_health", "validation"):
        assert key in report, key
    v = report["validation"]
    assert v["kind"] == "out-of-time" and v["judged_months"] == JUDGED
    for plan in v["plans"]:
        judged = date.fromisoformat(plan["judged_months"][0])
        for m in plan["train_months"] + plan["calibration_months"]:
            assert date.fromisoformat(m) + timedelta(days=90) <= judged
    for key in ("auc", "auc_baseline", "auc_health", "pr_auc", "top_decile_lift"):
        assert report[key] > (0.5 if key.startswith("auc") else 0), key
    for key in ("brier", "brier_baseline", "brier_health"):
        assert 0 < report[key] < 1, key
    assert report["brier"] < report["churn_rate"]  # better than guessing "nobody churns"
    assert Path(report["chart"]).parent == tmp_path
    # The same procedure as train's evaluation: the same figures.
    for key in ("auc", "auc_baseline", "auc_health", "brier", "top_decile_lift"):
        assert report[key] == pytest.approx(trained.card["metrics"][key], rel=1e-12), key

    # The health score's AUC on the judged month ends is the health backtest's.
    backtest = json.loads(run("health", "backtest", "--from", JUDGED[0], "--to", JUDGED[-1],
                              "--home", str(trained.home), "--out", str(tmp_path),
                              "--format", "json").stdout)
    assert [m["as_of"] for m in backtest["months"]] == JUDGED
    assert report["rows"] == backtest["account_months"]
    assert report["churned"] == backtest["churned"]
    for ours, theirs in zip(report["months"], backtest["months"], strict=True):
        assert ours["rows"] == theirs["accounts"]
        assert ours["auc_health"] == pytest.approx(theirs["auc"], abs=1e-12)
    assert report["auc_health"] == pytest.approx(backtest["auc"], abs=1e-12)


# --------------------------------------------------------------------- explain
def test_explain_adds_up_and_agrees_with_predict(trained: Trained) -> None:
    with build_app(trained.home) as app:
        found = predict(app, as_of=DAY).set_index("account_id")
    account = str(found["churn_probability"].idxmax())
    data = churn_json("explain", account, "--home", trained.home)
    assert data["account_id"] == account and data["as_of"] == DAY.isoformat()
    assert data["model"] == "v0001" and data["horizon_days"] == 90
    assert data["churn_probability"] == pytest.approx(found.loc[account, "churn_probability"])
    assert data["drivers"] == found.loc[account, "drivers"]
    pushes = [c["contribution"] for c in data["contributions"]]
    assert data["expected_value"] + sum(pushes) == pytest.approx(data["raw_score"], abs=1e-9)
    assert [abs(p) for p in pushes] == sorted((abs(p) for p in pushes), reverse=True)
    text = churn("explain", account, "--home", trained.home).stdout
    assert f"{account}: {100 * data['churn_probability']:.1f}% chance of churning within 90" \
        in text
    assert data["drivers"][0] in text


def test_explain_errors_are_one_line(trained: Trained) -> None:
    assert "no account 'nope'" in error_line(churn("explain", "nope", "--home", trained.home,
                                                   check=False))
    with build_app(trained.home) as app:
        mrr = account_metrics(app, as_of=DAY, metrics=["mrr"])
    idle = str(mrr.loc[mrr["mrr"].fillna(0) <= 0, "account_id"].iloc[0])
    assert "is not paying" in error_line(churn("explain", idle, "--home", trained.home,
                                               check=False))


def test_without_a_model_predict_and_explain_say_to_train_first(demo: Demo) -> None:
    with build_app(demo.home) as app:
        assert latest_model(app) is None
        with pytest.raises(ChurnError, match="run `tenure churn train` first"):
            predict(app, as_of=DAY)
    line = error_line(churn("explain", "acct_000001", "--home", demo.home, check=False))
    assert "run `tenure churn train` first" in line


# --------------------------------------------------------------------- a single snapshot
def write_snapshot(folder: Path, labels: dict[str, str]) -> tuple[Path, Path]:
    """A company that exports only its current state: accounts with a churn flag column
    (and two attributes that foretell it), and each account's running subscription."""
    folder.mkdir(parents=True, exist_ok=True)
    accounts = folder / "accounts.csv"
    subs = folder / "subscriptions.csv"
    with accounts.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "name", "segment", "country", "employees", "tier",
                    "churned"])
        for i, (acc, flag) in enumerate(labels.items()):
            risky = flag in ("1", "true", "yes")
            tier = "bronze" if risky and i % 5 else ("silver", "gold")[i % 2]
            employees = 5 + (i * 7) % 40 if risky else 30 + (i * 13) % 400
            w.writerow([acc, f"Company {i}", ("smb", "mid_market")[i % 2], "DE", employees,
                        tier, flag])
    with subs.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["subscription_id", "account_id", "mrr", "valid_from", "renewal_date"])
        for i, acc in enumerate(labels):
            w.writerow([f"s{i}", acc, 100 + 10 * (i % 9), "2025-07-01", "2026-07-01"])
    return accounts, subs


def snapshot_workspace(tmp_path: Path, labels: dict[str, str]) -> Path:
    home = tmp_path / "ws"
    accounts, subs = write_snapshot(tmp_path / "files", labels)
    with init_workspace(home) as app:
        for table, path in (("accounts", accounts), ("subscriptions", subs)):
            assert import_file(app, table, path).rejected == 0
    return home


def test_a_single_snapshot_trains_with_k_fold_on_a_label_attribute(tmp_path: Path) -> None:
    words = ("1", "0", "true", "false", "0", "0", "no", "0")  # a mix of spellings
    labels = {f"C{i:03d}": words[i % len(words)] for i in range(160)}
    home = snapshot_workspace(tmp_path, labels)
    card = churn_json("train", "--label-attribute", "churned", "--as-of", "2026-06-30",
                      "--home", home)
    assert card["label"] == "attribute:churned" and card["version"] == 1
    v = card["metrics"]["validation"]
    assert v == {"kind": "k-fold", "folds": 5, "by": "account", "as_of": "2026-06-30",
                 "accounts": 160}
    assert "attr.churned" not in card["features"]
    assert {"attr.tier", "attr.employees"} <= set(card["features"])
    assert card["metrics"]["auc"] > 0.8  # tier and employees foretell the flag
    assert card["metrics"]["churned"] == sum(w in ("1", "true") for w in labels.values())
    report = churn_json("evaluate", "--label-attribute", "churned", "--as-of", "2026-06-30",
                        "--home", home)
    for key in ("auc", "auc_baseline", "auc_health", "brier", "top_decile_lift",
                "pr_auc", "brier_baseline", "brier_health"):
        assert key in report
    assert report["auc"] == pytest.approx(card["metrics"]["auc"])
    with build_app(home) as app:
        found = predict(app, as_of=date(2026, 6, 30))
    assert len(found) == 160 and found["churn_probability"].between(0, 1).all()


def test_a_label_attribute_must_be_there_and_hold_yes_or_no(tmp_path: Path) -> None:
    labels = {f"C{i:03d}": ("1", "0", "maybe")[i % 3] for i in range(60)}
    home = snapshot_workspace(tmp_path, labels)
    line = error_line(churn("train", "--label-attribute", "churned", "--as-of", "2026-06-30",
                            "--home", home, check=False))
    assert "'churned' must hold 0/1 or true/false" in line and "'maybe'" in line
    line = error_line(churn("train", "--label-attribute", "lost", "--as-of", "2026-06-30",
                            "--home", home, check=False))
    assert "no account has the attribute 'lost'" in line and "employees" in line
