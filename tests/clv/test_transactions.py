"""The summary builder against a transaction list worked by hand, and its errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tenure.clv import Source, TransactionSummary, Unit, summarize_transactions
from tenure.errors import ClvError

# Calibration to 2024-02-29 (a leap day), holdout to 2024-03-31.
ROWS = [
    ("A", "2024-01-01", 10.00),
    ("A", "2024-01-01", 5.00),  # same day: one transaction of 15.00
    ("A", "2024-01-15", 20.00),
    ("A", "2024-01-15T08:00:00Z", 4.00),  # same UTC day as the row above: 24.00 that day
    ("A", "2024-02-12", 30.00),
    ("A", "2024-03-20", 7.00),  # holdout
    ("A", "2024-03-20", 8.00),  # holdout, same day: one holdout transaction
    ("B", "2024-02-01", 12.00),
    ("C", "2024-01-10", 12.50),
    ("C", "2024-03-05", 9.00),  # holdout
    ("D", "2024-03-10", 50.00),  # first purchase after the calibration end: not in the cohort
    ("A", "2024-04-10", 99.00),  # after the holdout end
]
CAL, HOLD = date(2024, 2, 29), date(2024, 3, 31)

# Worked by hand, in days:
# A: purchase days Jan 1, Jan 15, Feb 12 → x = 2; t_x = Jan 1 → Feb 12 = 42; T = Jan 1 → Feb 29
#    = 59; m̄ = mean of the repeat transactions (24.00, 30.00) = 27.00 (the first, 15.00, left
#    out); holdout: one day (Mar 20).
# B: one purchase → x = 0, t_x = 0, T = Feb 1 → Feb 29 = 28, m̄ = 0, holdout 0.
# C: x = 0, t_x = 0, T = Jan 10 → Feb 29 = 50, m̄ = 0, holdout 1.
EXPECTED_DAYS = {"customers": ["A", "B", "C"], "frequency": [2, 0, 0], "recency": [42, 0, 0],
                 "T": [59, 28, 50], "monetary_value": [27.0, 0.0, 0.0],
                 "holdout_frequency": [1, 0, 1]}


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    lines = ["customer,date,amount", *(f"{c},{d},{a:.2f}" for c, d, a in ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _parquet(tmp_path: Path) -> Path:
    # A timezone-aware timestamp column, as a warehouse export would have it.
    stamps = [datetime.fromisoformat(d.replace("Z", "+00:00")).replace(tzinfo=UTC)
              if "T" in d else datetime.fromisoformat(d).replace(tzinfo=UTC) for _, d, _ in ROWS]
    path = tmp_path / "orders.parquet"
    pq.write_table(pa.table({"customer": [c for c, _, _ in ROWS],
                             "date": pa.array(stamps, pa.timestamp("us", tz="UTC")),
                             "amount": [a for _, _, a in ROWS]}), path)
    return path


def _frame(tmp_path: Path) -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=["customer", "date", "amount"])


@pytest.mark.parametrize("make", [_csv, _parquet, _frame])
@pytest.mark.parametrize("unit", ["day", "week"])
def test_summary_worked_by_hand(tmp_path: Path, make: Callable[[Path], Source],
                                unit: Unit) -> None:
    s = summarize_transactions(make(tmp_path), customer="customer", date_column="date",
                               amount="amount", calibration_end=CAL, holdout_end=HOLD, unit=unit)
    per = 1 if unit == "day" else 7
    assert list(s.customers) == EXPECTED_DAYS["customers"]
    np.testing.assert_array_equal(s.frequency, EXPECTED_DAYS["frequency"])
    np.testing.assert_allclose(s.recency, np.array(EXPECTED_DAYS["recency"]) / per)
    np.testing.assert_allclose(s.T, np.array(EXPECTED_DAYS["T"]) / per)
    assert s.monetary_value is not None and s.holdout_frequency is not None
    np.testing.assert_allclose(s.monetary_value, EXPECTED_DAYS["monetary_value"])
    np.testing.assert_array_equal(s.holdout_frequency, EXPECTED_DAYS["holdout_frequency"])
    assert s.transactions == len(ROWS)
    assert s.holdout_length == 31 / per
    frame = s.to_frame()
    assert list(frame.columns) == ["frequency", "recency", "T", "monetary_value",
                                   "holdout_frequency"]


def test_calibration_runs_to_the_last_transaction_by_default(tmp_path: Path) -> None:
    s = summarize_transactions(_csv(tmp_path), customer="customer", date_column="date",
                               amount="amount", unit="day")
    assert s.calibration_end == date(2024, 4, 10)
    assert s.holdout_frequency is None
    # A: Jan 1, Jan 15, Feb 12, Mar 20, Apr 10 → x = 4, t_x = T = 100 days,
    # m̄ = (24 + 30 + 15 + 99) / 4 = 42. D: one purchase on Mar 10, T = 31 days.
    assert list(s.customers) == ["A", "B", "C", "D"]
    np.testing.assert_array_equal(s.frequency, [4, 0, 1, 0])
    np.testing.assert_array_equal(s.recency, [100, 0, 55, 0])
    np.testing.assert_array_equal(s.T, [100, 69, 91, 31])
    assert s.monetary_value is not None
    np.testing.assert_allclose(s.monetary_value, [42.0, 0.0, 9.0, 0.0])


def test_cdnow_in_days_is_whole_days(cdnow: pd.DataFrame,
                                     cdnow_summary: TransactionSummary) -> None:
    days = summarize_transactions(cdnow, customer="customer", date_column="date",
                                  calibration_end=CAL.replace(1997, 9, 30), unit="day")
    np.testing.assert_array_equal(days.recency, np.round(days.recency))
    np.testing.assert_allclose(days.recency / 7, cdnow_summary.recency)
    np.testing.assert_allclose(days.T / 7, cdnow_summary.T)
    assert days.T.max() == 272  # 1997-01-01 → 1997-09-30
    assert days.monetary_value is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_column_names_the_columns(tmp_path: Path) -> None:
    with pytest.raises(ClvError, match=r"no column 'amount'.*columns are customer, date"):
        summarize_transactions(_write(tmp_path, "customer,date\nA,2024-01-01\n"),
                               customer="customer", date_column="date", amount="amount")


def test_unreadable_dates_give_their_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "customer,date\nA,2024-01-01\nA,2024-13-01\nB,2024-01-02\n"
                  "B,yesterday\n")
    with pytest.raises(ClvError, match=r"2 date\(s\).*at line 3, line 5"):
        summarize_transactions(path, customer="customer", date_column="date")


def test_unreadable_dates_in_parquet_give_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"c": ["A", "A", "B"], "d": ["2024-01-01", "01/02/2024", ""]}),
                   path)
    with pytest.raises(ClvError, match=r"at row 2, row 3"):
        summarize_transactions(path, customer="c", date_column="d")


def test_negative_and_non_numeric_amounts(tmp_path: Path) -> None:
    path = _write(tmp_path, "customer,date,amount\nA,2024-01-01,10\nA,2024-01-02,-4.5\n")
    with pytest.raises(ClvError, match=r"1 negative amount\(s\).*at line 3"):
        summarize_transactions(path, customer="customer", date_column="date", amount="amount")
    path = _write(tmp_path, "customer,date,amount\nA,2024-01-01,10\nA,2024-01-02,n/a\n")
    with pytest.raises(ClvError, match=r"not numbers at line 3"):
        summarize_transactions(path, customer="customer", date_column="date", amount="amount")


def test_periods_must_be_in_order(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    with pytest.raises(ClvError, match="needs a calibration end"):
        summarize_transactions(path, customer="customer", date_column="date",
                               holdout_end=HOLD)
    with pytest.raises(ClvError, match="must come after"):
        summarize_transactions(path, customer="customer", date_column="date",
                               calibration_end=HOLD, holdout_end=CAL)
    with pytest.raises(ClvError, match="no purchase on or before"):
        summarize_transactions(path, customer="customer", date_column="date",
                               calibration_end=date(2023, 1, 1))
    with pytest.raises(ClvError, match="no such file"):
        summarize_transactions(tmp_path / "nope.csv", customer="c", date_column="d")
