"""Shared fixtures: a fresh workspace per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tenure import App, init_workspace

pytest_plugins = ["tests.postgres_server", "tests.spark_fixtures"]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """A new, empty workspace with default settings."""
    with init_workspace(tmp_path / "ws") as a:
        yield a
