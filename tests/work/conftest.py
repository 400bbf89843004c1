"""The hand-made company of company.py, fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.work.company import build_company

from tenure import App


@pytest.fixture
def company(tmp_path: Path) -> Iterator[App]:
    with build_company(tmp_path / "ws") as app:
        yield app
