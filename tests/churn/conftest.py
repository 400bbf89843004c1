"""Shared workspaces for the churn tests.

``company``: a 200-account sample company imported as `tenure demo` does (no scoring run), for
tests that read it (features, schema, drivers). Tests that write to a warehouse copy it first.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tenure import App, build_app, import_file, init_workspace
from tenure.sample import generate_company

SAMPLE_AS_OF = date(2026, 6, 30)


def make_company(root: Path, *, accounts: int = 200, seed: int = 5) -> Path:
    """Generate and import a sample company; return its workspace folder (closed)."""
    home = root / "ws"
    with init_workspace(home) as app:
        result = generate_company(root / "sample", accounts=accounts, seed=seed,
                                  as_of=SAMPLE_AS_OF)
        for table, path in result.files.items():
            import_file(app, table, path)
    return home


@pytest.fixture(scope="module")
def company_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_company(tmp_path_factory.mktemp("churn-company"))


@pytest.fixture
def company(company_home: Path) -> Iterator[App]:
    """The sample company, opened (read only by convention)."""
    with build_app(company_home) as app:
        yield app


def copy_workspace(home: Path, to: Path) -> Path:
    shutil.copytree(home, to)
    return to


# The scored 300-account demo of the health CLI tests, built once per run and shared by xdist
# workers (each gets its own copy).
from tests.health.test_cli_health import Demo, demo  # noqa: E402,F401
from tests.workspaces import locked  # noqa: E402,F401
