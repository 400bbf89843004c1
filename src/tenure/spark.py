"""Running the analytics on PySpark: a local session, a Parquet export of the warehouse, and an
Ibis backend over it.

The KPI engine is written against Ibis, so a company that keeps its data in Spark runs the same
code there. This module is the plumbing for that: the tests use it to check that Spark gives the
same numbers as the embedded DuckDB warehouse, and a user can point it at their own Parquet
files. PySpark is optional (``pip install 'tenure[spark]'``, plus Java 17 or later), so it is
imported only inside the functions.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError
from .ingest.schema import TABLES
from .ingest.validate import q

if TYPE_CHECKING:
    import duckdb
    from ibis.backends.pyspark import Backend as PySparkBackend
    from pyspark.sql import SparkSession

INSTALL_HINT = (
    "PySpark is not installed; install it with: pip install 'tenure[spark]' "
    "(it also needs Java 17 or later, e.g. Debian's openjdk-17-jre-headless)"
)

# Settings every session gets. Each one is there because Ibis, or parity with the DuckDB
# warehouse, depends on it; ``config`` in spark_session() can override any of them.
DEFAULT_CONFIG: dict[str, str] = {
    # The warehouse stores naive UTC timestamps; any other zone would shift dates.
    "spark.sql.session.timeZone": "UTC",
    # (spark_session() adds -Duser.timezone=UTC to spark.driver.extraJavaOptions too.)
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
    # Ibis 12 compiles for Spark 3.5 semantics (ANSI off, Spark 4 turns it on): a division by
    # zero or a cast that does not parse gives NULL instead of failing the whole query. (DuckDB
    # gives inf or NaN there, so the engine guards its divisions itself.)
    "spark.sql.ansi.enabled": "false",
    # Small data on a laptop or CI: the default 200 shuffle partitions cost seconds per query.
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    # Local mode only talks to itself: no UI port, no hostname lookups, nothing listening
    # beyond the loopback interface.
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    # No Hive metastore or spark-warehouse/ folder in the working directory.
    "spark.sql.catalogImplementation": "in-memory",
    # Parquet timestamps without a zone (what DuckDB writes) stay TIMESTAMP_NTZ.
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    # Arrow makes collecting results to pandas fast.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


# Spark logs INFO lines and a banner to stderr by default. Warnings while starting (a level
# other than WARN makes PySpark print a banner); spark_session() lowers it to errors after.
_LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = error
"""


# For short sessions on small data (the tests, a demo on a laptop): Spark's CPU then goes mostly
# to compiling, in the JVM's optimising JIT and in Spark's code generation, not to data. These
# halve the CPU time of a metrics run on the sample company; on big data leave them out.
SMALL_DATA_CONFIG: dict[str, str] = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
}


def _log4j2_file() -> Path:
    path = Path(tempfile.gettempdir()) / "tenure-spark-log4j2.properties"
    if not path.exists() or path.read_text() != _LOG4J2:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(_LOG4J2)
        tmp.replace(path)  # atomic: parallel test workers may race here
    return path


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT) from exc


def spark_session(
    *,
    app_name: str = "tenure",
    master: str = "local[2]",
    config: Mapping[str, str] | None = None,
) -> SparkSession:
    """A SparkSession set up the way Tenure's analytics expect (UTC, ANSI off, quiet).

    In local mode nothing is downloaded and nothing listens beyond 127.0.0.1. If a session is
    already running in this process, Spark returns it (with these settings applied to it).
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    settings = dict(DEFAULT_CONFIG)
    settings["spark.sql.warehouse.dir"] = str(Path(tempfile.gettempdir()) / "tenure-spark")
    # Python UDFs (Ibis registers some for JSON) must run in this interpreter, not "python3".
    settings["spark.pyspark.python"] = sys.executable
    extra = dict(config or {})
    java = f"-Duser.timezone=UTC -Dlog4j2.configurationFile={_log4j2_file().as_uri()}"
    # JVM options given in ``config`` come on top of these rather than replacing them.
    settings["spark.driver.extraJavaOptions"] = " ".join(
        o for o in (java, extra.pop("spark.driver.extraJavaOptions", "")) if o)
    settings.update(extra)
    if master.startswith("local"):
        # Before the JVM starts: keeps Spark from resolving the machine's hostname.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name).master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no java on PATH, JAVA_HOME wrong, Java too old ...
        raise ConfigError(
            f"cannot start Spark ({master}): {exc}. Spark needs Java 17 or later on PATH "
            "or in JAVA_HOME."
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    _quiet_query_errors()
    return session


def _quiet_query_errors() -> None:
    """PySpark 4 also logs every failed query, with a Java stack trace, before raising it."""
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # PySpark 3.5 has no such logging
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def _export_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A SELECT of ``table`` whose Parquet types Spark reads back as the warehouse types."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    cols = []
    for name, data_type in rows:
        kind = str(data_type).upper()
        if kind == "JSON" or kind.startswith(("STRUCT", "MAP", "UNION")) or kind.endswith("]"):
            # JSON would be written as a Parquet string with a JSON logical type that Spark
            # does not know; nested values as text keep one representation everywhere.
            cols.append(f"CAST({q(name)} AS VARCHAR) AS {q(name)}")
        elif kind.startswith("TIMESTAMP"):
            # Naive UTC, microseconds: TIMESTAMP_NS or TIMESTAMPTZ would change type on the way.
            expr = q(name)
            if "WITH TIME ZONE" in kind or kind == "TIMESTAMPTZ":
                expr = f"timezone('UTC', {expr})"
            cols.append(f"CAST({expr} AS TIMESTAMP) AS {q(name)}")
        elif kind == "HUGEINT" or kind == "UBIGINT":
            cols.append(f"CAST({q(name)} AS DOUBLE) AS {q(name)}")
        else:
            cols.append(q(name))
    return f"SELECT {', '.join(cols)} FROM {q(table)}"


def export_parquet(
    warehouse_con: duckdb.DuckDBPyConnection,
    out_dir: str | Path,
    tables: Iterable[str] | None = None,
) -> dict[str, Path]:
    """Write warehouse tables to ``out_dir/<table>.parquet``, one file each, for Spark.

    Defaults to every canonical table plus any other table in the warehouse (``fx_rates``,
    ...). Timestamps stay naive UTC with microseconds, dates stay dates and JSON becomes
    text, so Spark reads the same types the DuckDB warehouse has. Returns name -> file.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    present = [
        r[0]
        for r in warehouse_con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    if tables is None:
        names = [t for t in TABLES if t in present]
        names += [t for t in present if t not in TABLES]
    else:
        names = list(tables)
        missing = [t for t in names if t not in present]
        if missing:
            raise ConfigError(f"no such table in the warehouse: {', '.join(missing)}")
    files: dict[str, Path] = {}
    for name in names:
        path = out / f"{name}.parquet"
        target = str(path).replace("'", "''")
        warehouse_con.execute(
            f"COPY ({_export_select(warehouse_con, name)}) TO '{target}' (FORMAT parquet)"
        )
        files[name] = path
    return files


def connect_spark(
    parquet_dir: str | Path, *, session: SparkSession | None = None
) -> PySparkBackend:
    """An Ibis backend on Spark where each ``<name>.parquet`` in ``parquet_dir`` is table ``name``.

    The tables are temporary views of the session, so ``backend.table("events")`` works the
    same as on the DuckDB warehouse. Starts a local session when none is given.
    """
    _require_pyspark()
    import ibis

    folder = Path(parquet_dir)
    if not folder.is_dir():
        raise ConfigError(f"no such folder: {folder}")
    if session is None:
        session = spark_session()
    backend = ibis.pyspark.connect(session)
    for path in sorted(folder.glob("*.parquet")):
        # A file or a folder of part files (what Spark itself writes) both read as one table.
        session.read.parquet(str(path)).createOrReplaceTempView(path.stem)
    return backend
