"""CDNOW fixtures: the vendored transactions (tests/clv/data/README.md) and their summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tenure.clv import TransactionSummary, summarize_transactions

from .published import CALIBRATION_END, HOLDOUT_END

DATA = Path(__file__).parent / "data"


def read_cdnow() -> pd.DataFrame:
    """CDNOW_sample.txt as a DataFrame: customer, date (YYYYMMDD integer), cds, amount."""
    return pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None,
                       names=["master_id", "customer", "date", "cds", "amount"])


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    return read_cdnow()


@pytest.fixture(scope="session")
def cdnow_summary(cdnow: pd.DataFrame) -> TransactionSummary:
    """Weeks, calibration to 1997-09-30, holdout to 1998-06-30, with amounts."""
    return summarize_transactions(cdnow, customer="customer", date_column="date",
                                  amount="amount", calibration_end=CALIBRATION_END,
                                  holdout_end=HOLDOUT_END, unit="week")


@pytest.fixture(scope="session")
def hardie_summary() -> pd.DataFrame:
    """Hardie's own summary of the calibration period (ID, x, t_x, T, zbar)."""
    return pd.read_csv(DATA / "cdnow_summary.csv")
