"""Sample-company workspaces shared by the tests of one run.

Building and scoring a sample company takes tens of seconds, so each kind is built once per
test run: under pytest-xdist the first worker to need it builds it under a lock and the others
copy it (each test module needs its own copy: DuckDB admits one process at a time).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class Workspace:
    home: Path
    summary: dict[str, Any]


@contextmanager
def locked(path: Path) -> Iterator[None]:
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def shared_workspace(tmp_path_factory: pytest.TempPathFactory, key: str,
                     build: Callable[[Path], dict[str, Any]]) -> Workspace:
    """A private copy of the workspace ``build(home)`` makes, built once per test run under
    ``key``; ``build`` returns a JSON-able summary kept beside it."""
    home = tmp_path_factory.mktemp(key) / "home"
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return Workspace(home=home, summary=build(home))
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{key}"
    with locked(shared.with_suffix(".lock")):
        if not (shared / "summary.json").exists():
            summary = build(shared / "home")
            (shared / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    shutil.copytree(shared / "home", home)
    return Workspace(home=home, summary=json.loads((shared / "summary.json").read_text("utf-8")))


def copy_workspace(ws: Workspace, to: Path) -> Path:
    """A copy of a shared workspace for a test that writes to it."""
    shutil.copytree(ws.home, to)
    return to


SAMPLE_5K_AS_OF = "2026-11-22"


def sample_5k(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The 5,000-account sample company (seed 1, as of 2026-11-22, scored by the demo): the
    slow tests that judge the health score and the churn model on it share one build."""
    from tests.test_cli import run

    def build(home: Path) -> dict[str, Any]:
        proc = run("demo", "--no-serve", "--accounts", "5000", "--seed", "1", "--as-of",
                   SAMPLE_5K_AS_OF, "--home", str(home), "--format", "json")
        return dict(json.loads(proc.stdout))

    return shared_workspace(tmp_path_factory, "sample-5k", build)
