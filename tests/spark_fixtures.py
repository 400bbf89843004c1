"""Pytest plugin: one local Spark session per test process, for tests marked ``spark``.

Starting Spark takes seconds, so the session is shared by every test of a process (each xdist
worker has its own) and stopped at the end. Without Java or PySpark the Spark tests are skipped
on a developer's machine, but fail in CI (``CI`` set), where ``make test`` installs both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses Spark is marked ``spark`` (``-m "not spark"`` skips them)."""
    for item in items:
        if "spark_session" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)


def _unavailable() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install -e '.[dev]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (bash scripts/system-deps.sh installs it)"
    return None


@pytest.fixture(scope="session")
def spark_session() -> Iterator[SparkSession]:
    """A local Spark session (2 cores, UTC, quiet) shared by the tests of this process."""
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the Spark tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from tenure.spark import SMALL_DATA_CONFIG
    from tenure.spark import spark_session as start

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    session = start(app_name=f"tenure-tests-{worker}", master="local[2]",
                    config=SMALL_DATA_CONFIG)
    yield session
    session.stop()
