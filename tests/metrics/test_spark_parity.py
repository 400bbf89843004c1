"""The KPI engine runs unchanged on Spark and gives the numbers it gives on DuckDB.

A small sample company is imported into a workspace, its warehouse exported to Parquet and
read by a local Spark session; every metric the engine reports is then computed from both
backends and compared (to 1e-9 relative / 1e-6 absolute; undefined equals undefined).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tenure import App, import_file, init_workspace
from tenure.health import compute_health
from tenure.ingest.schema import TABLES
from tenure.metrics import context
from tenure.metrics.outcomes import paying_runs
from tenure.sample import generate_company
from tenure.spark import connect_spark, export_parquet

pytestmark = pytest.mark.slow

AS_OF = date(2026, 6, 30)
REL, ABS = 1e-9, 1e-6


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, Path]]:
    """A 150-account sample company imported as `tenure demo` does, and its Parquet export."""
    root = tmp_path_factory.mktemp("spark-parity")
    with init_workspace(root / "ws") as app:
        result = generate_company(root / "sample", accounts=150, seed=7, as_of=AS_OF)
        for table, path in result.files.items():
            import_file(app, table, path)
        export_parquet(app.warehouse.con, root / "parquet")
        yield app, root / "parquet"


def test_export_writes_every_table_with_the_warehouse_types(company: tuple[App, Path]) -> None:
    app, folder = company
    files = {p.stem: p for p in folder.glob("*.parquet")}
    assert set(TABLES) <= set(files)
    for name, table in TABLES.items():
        schema = pq.read_schema(files[name])
        assert schema.names == [*table.column_names, "attributes"], name
        for col in table.columns:
            kind = str(schema.field(col.name).type)
            if col.storage_type == "TIMESTAMP":
                assert kind == "timestamp[us]", (name, col.name, kind)  # naive UTC
            elif col.storage_type == "DATE":
                assert kind == "date32[day]", (name, col.name, kind)
        assert str(schema.field("attributes").type) == "string", name
    rows = app.warehouse.con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    assert pq.read_metadata(files["events"]).num_rows == rows > 0


# ---------------------------------------------------------------------- comparison
def _same(a: Any, b: Any) -> bool:
    a_missing = a is None or a is pd.NaT or (isinstance(a, float) and math.isnan(a))
    b_missing = b is None or b is pd.NaT or (isinstance(b, float) and math.isnan(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=REL, abs_tol=ABS)
    if isinstance(a, date | pd.Timestamp) and isinstance(b, date | pd.Timestamp):
        return pd.Timestamp(a) == pd.Timestamp(b)
    return bool(a == b)


def _plain(v: Any) -> Any:
    """numpy scalars to Python ones, so that the comparison sees ints, floats and dates."""
    return v.item() if hasattr(v, "item") and not isinstance(v, pd.Timestamp) else v


def _differences(what: str, duck: pd.DataFrame, spark: pd.DataFrame,
                 key: Sequence[str]) -> list[str]:
    """Every cell where the two frames disagree, as readable lines (empty: they agree)."""
    if list(duck.columns) != list(spark.columns):
        return [f"{what}: columns {list(duck.columns)} (DuckDB) vs {list(spark.columns)} (Spark)"]

    def keyed(frame: pd.DataFrame) -> dict[tuple[Any, ...], dict[str, Any]]:
        out: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in frame.to_dict("records"):
            k = tuple("" if _same(row[c], None) else str(_plain(row[c])) for c in key)
            assert k not in out, f"{what}: key {k} repeats"
            out[k] = {c: _plain(v) for c, v in row.items()}
        return out

    d, s = keyed(duck), keyed(spark)
    lines = [f"{what} {k}: only on DuckDB" for k in sorted(d.keys() - s.keys())]
    lines += [f"{what} {k}: only on Spark" for k in sorted(s.keys() - d.keys())]
    for k in sorted(d.keys() & s.keys()):
        for col in duck.columns:
            if col not in key and not _same(d[k][col], s[k][col]):
                lines.append(f"{what} {k} {col}: DuckDB {d[k][col]!r} vs Spark {s[k][col]!r}")
    return lines


# ---------------------------------------------------------------------- parity
def test_metrics_are_the_same_on_spark_as_on_duckdb(
    company: tuple[App, Path], spark_session: Any
) -> None:
    """One test, so that a single process starts Spark: it reports every difference at once."""
    metrics = pytest.importorskip("tenure.metrics")
    app, folder = company
    duck = app.warehouse.ibis
    spark = connect_spark(folder, session=spark_session)

    # The tables come out with the warehouse's types: dates as dates, timestamps naive.
    for name in TABLES:
        d_schema, s_schema = duck.table(name).schema(), spark.table(name).schema()
        assert list(d_schema) == list(s_schema), name
        for col, dtype in d_schema.items():
            if dtype.is_json():
                assert s_schema[col].is_string(), (name, col)
            elif dtype.is_timestamp():
                assert s_schema[col].is_timestamp() and s_schema[col].timezone is None
            else:
                assert s_schema[col] == dtype, (name, col, dtype, s_schema[col])

    settings = app.settings
    problems: list[str] = []
    for source_name, run in (
        ("compute_metrics", lambda src: metrics.compute_metrics(
            src, settings=settings, as_of=AS_OF, period="month", periods=2, by=("segment",))),
        ("account_metrics", lambda src: metrics.account_metrics(
            src, settings=settings, as_of=AS_OF)),
        ("cohort_retention", lambda src: metrics.cohort_retention(
            src, settings=settings, as_of=AS_OF)),
        # Health scores read the per-account metrics plus names and renewal dates.
        ("health", lambda src: compute_health(src, settings=settings, as_of=AS_OF).accounts[
            ["account_id", "lifecycle", "renewal_date", "profile", "score", "band"]]),
        # Backtests and churn labels: runs of paid days.
        ("paying_runs", lambda src: paying_runs(context(src, settings=settings, as_of=AS_OF))),
    ):
        on_duck, on_spark = run(duck), run(spark)
        assert len(on_duck) > 0, source_name
        key = {
            "compute_metrics": ["metric", "period_start", "segment"],
            "account_metrics": ["account_id"],
            "cohort_retention": ["cohort", "months_since_start"],
            "health": ["account_id"],
            "paying_runs": ["account_id", "start"],
        }[source_name]
        problems += _differences(source_name, on_duck, on_spark, key)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:200])
