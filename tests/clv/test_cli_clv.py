"""`tenure clv fit` as scripts use it: real processes, CSV and Parquet, JSON, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.test_cli import run

import tenure.cli.clv  # noqa: F401  (registers `tenure clv` in this process)
from tenure.cli import main

from . import published as pub
from .published import sig3

PERIODS = ["--calibration-end", pub.CALIBRATION_END.isoformat(),
           "--holdout-end", pub.HOLDOUT_END.isoformat()]
PREDICTION_COLUMNS = ["customer", "frequency", "recency", "T", "p_alive", "expected_purchases",
                      "monetary_value", "expected_spend", "clv"]


def _files(cdnow: pd.DataFrame, tmp_path: Path) -> tuple[Path, Path]:
    """CDNOW as a CSV (dates as YYYYMMDD, as in the original file) and as Parquet."""
    frame = cdnow[["customer", "date", "amount"]]
    csv_path, parquet_path = tmp_path / "cdnow.csv", tmp_path / "cdnow.parquet"
    frame.to_csv(csv_path, index=False)
    frame.assign(date=pd.to_datetime(frame["date"].astype(str))).to_parquet(parquet_path)
    return csv_path, parquet_path


def test_fit_csv_to_json_with_holdout_and_predictions(cdnow: pd.DataFrame,
                                                      tmp_path: Path) -> None:
    csv_path, _ = _files(cdnow, tmp_path)
    predictions = tmp_path / "out" / "predictions.csv"
    proc = run("clv", "fit", "--transactions", str(csv_path), "--customer", "customer",
               "--date", "date", "--amount", "amount", *PERIODS, "--format", "json",
               "--predictions", str(predictions))
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    assert {"model", "unit", "customers", "params", "log_likelihood", "spend",
            "holdout"} <= data.keys()
    assert (data["model"], data["unit"], data["customers"]) == ("bgnbd", "week", pub.CUSTOMERS)
    assert set(data["params"]) == {"r", "alpha", "a", "b"}
    for name, value in pub.BGNBD.items():
        assert sig3(data["params"][name], value), name
    assert sig3(data["log_likelihood"], pub.BGNBD_LL)
    assert set(data["spend"]["params"]) == {"p", "q", "gamma"}
    for name, value in pub.GAMMA_GAMMA.items():
        assert sig3(data["spend"]["params"][name], value), name
    assert data["spend"]["customers"] == pub.GAMMA_GAMMA_CUSTOMERS
    assert data["spend"]["log_likelihood"] < 0
    holdout = data["holdout"]
    assert [b["frequency"] for b in holdout["by_frequency"]] == [
        "0", "1", "2", "3", "4", "5", "6", "7+"]
    zero = holdout["by_frequency"][0]
    assert (zero["customers"], zero["actual"]) == (pub.ZERO_CLASS_CUSTOMERS,
                                                   pub.ZERO_CLASS_HOLDOUT_PURCHASES)
    assert holdout["predicted"] > 0 and holdout["actual"] == sum(
        b["actual"] for b in holdout["by_frequency"])
    written = pd.read_csv(predictions)
    assert list(written.columns) == PREDICTION_COLUMNS
    assert len(written) == pub.CUSTOMERS
    assert written["p_alive"].between(0, 1).all()


def test_fit_parquet_pareto_in_days(cdnow: pd.DataFrame, tmp_path: Path) -> None:
    _, parquet_path = _files(cdnow, tmp_path)
    predictions = tmp_path / "predictions.parquet"
    proc = run("clv", "fit", "--transactions", str(parquet_path), "--customer", "customer",
               "--date", "date", "--calibration-end", pub.CALIBRATION_END.isoformat(),
               "--model", "pareto", "--format", "json", "--predictions", str(predictions))
    data = json.loads(proc.stdout)
    assert set(data["params"]) == {"r", "alpha", "s", "beta"}
    for name, value in pub.PARETO.items():
        assert sig3(data["params"][name], value), name
    assert "spend" not in data and "holdout" not in data
    written = pd.read_parquet(predictions)
    assert list(written.columns) == ["customer", "frequency", "recency", "T", "p_alive",
                                     "expected_purchases"]


def test_unreadable_dates_exit_7_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("customer,date\n1,2024-01-01\n1,2024-02-30\n2,2024-01-05\n2,soon\n",
                    encoding="utf-8")
    proc = run("clv", "fit", "--transactions", str(path), "--customer", "customer",
               "--date", "date", check=False)
    assert proc.returncode == 7
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: 2 date(s) in column 'date' cannot be read at line 3, "
                               "line 5")


# The same entry point in process (no interpreter start-up per case): the table view and the
# other errors.


def _main(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    code = exit_.value.code
    return code if isinstance(code, int) else 0


def test_fit_table_in_days(cdnow: pd.DataFrame, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    csv_path, _ = _files(cdnow, tmp_path)
    assert _main("clv", "fit", "--transactions", str(csv_path), "--customer", "customer",
                 "--date", "date", "--amount", "amount", *PERIODS, "--unit", "day") == 0
    shown = capsys.readouterr().out
    assert "BG/NBD on 2,357 customers (946 with repeat purchases), time in days" in shown
    assert "Holdout to 1998-06-30 (273 days)" in shown
    assert "Gamma-Gamma spend on 946 repeat customers" in shown


@pytest.mark.parametrize(("text", "args", "message"), [
    ("customer,date\n1,2024-01-01\n", ["--amount", "amount"],
     "has no column 'amount'; its columns are customer, date"),
    ("customer,date,amount\n1,2024-01-01,5\n1,2024-01-09,-5\n", ["--amount", "amount"],
     "negative amount(s) in column 'amount' at line 3"),
    ("customer,date,amount\n1,2024-01-01,5\n1,2024-01-09,0\n2,2024-01-01,3\n2,2024-01-03,0\n",
     ["--amount", "amount"], "the spend model needs repeat customers with a positive amount"),
    ("customer,date\n1,2024-01-01\n2,2024-01-03\n", [],
     "none of the 2 customers bought again before 2024-01-03"),
])
def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                             args: list[str], message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    assert _main("clv", "fit", "--transactions", str(path), "--customer", "customer",
                 "--date", "date", *args) == 7
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), captured.err
    assert message in lines[0]
