"""A small sample company shared by the sample tests (generated once per session)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.sample.readers import (
    ACCOUNTS,
    AS_OF,
    SEED,
    YEARS,
    Rows,
    Truth,
    read_csv,
    read_events,
)

from tenure.sample import SampleResult, generate_company


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> SampleResult:
    """700 accounts over 2.5 years: big enough for churn rates, fast enough for every run."""
    out = tmp_path_factory.mktemp("company")
    return generate_company(out, accounts=ACCOUNTS, seed=SEED, as_of=AS_OF, years=YEARS)


@pytest.fixture(scope="session")
def tables(company: SampleResult) -> Rows:
    """Every CSV table of the shared company as rows of text."""
    return {name: read_csv(path)[1] for name, path in company.files.items() if name != "events"}


@pytest.fixture(scope="session")
def events(company: SampleResult) -> pa.Table:
    return read_events(company.files["events"])


@pytest.fixture(scope="session")
def truth(company: SampleResult) -> Truth:
    return {name: pq.read_table(path).to_pylist() for name, path in company.ground_truth.items()}
