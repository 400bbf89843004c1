"""The application object: built from a workspace by one function, nothing at import time."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from tests.test_cli import TENURE

import tenure
from tenure import WorkspaceError, build_app, init_workspace


def test_public_surface_is_what_all_says() -> None:
    assert sorted(tenure.__all__) == sorted(
        [
            "App",
            "ConfigError",
            "ImportFileError",
            "ImportReport",
            "Settings",
            "StoreError",
            "TenureError",
            "WorkspaceError",
            "build_app",
            "import_file",
            "init_workspace",
            "load_settings",
        ]
    )
    for name in tenure.__all__:
        assert getattr(tenure, name) is not None


def test_importing_tenure_creates_nothing(tmp_path: Path) -> None:
    code = "import tenure, tenure.cli, tenure.ingest, tenure.sample, tenure.store"
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        check=True,
        env={**os.environ, "TENURE_HOME": str(tmp_path)},
    )
    assert list(tmp_path.iterdir()) == []


def test_build_app_opens_stores_lazily(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a Tenure workspace"):
        build_app(tmp_path)
    (tmp_path / "tenure.toml").write_text("[company]\nname = 'Acme'\n")
    app = build_app(tmp_path)
    assert app.settings.company.name == "Acme"
    assert not (tmp_path / "data").exists()  # nothing opened yet
    app.close()


def test_workspace_paths_follow_settings(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    (home / "tenure.toml").write_text(
        "[warehouse]\nurl = 'duckdb:///store/wh.duckdb'\n"
        "[app_db]\nurl = 'sqlite:///store/app.sqlite'\n"
        "[import]\nrejects_dir = 'bad-rows'\n"
    )
    with init_workspace(home) as app:
        assert app.warehouse.path == str(home / "store" / "wh.duckdb")
    assert (home / "store" / "wh.duckdb").exists()
    assert (home / "store" / "app.sqlite").exists()
    assert (home / "bad-rows").is_dir()


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    init_workspace(home).close()
    path = tmp_path / "a.csv"
    path.write_text("account_id,name\n" + "".join(f"A{i},Co {i}\n" for i in range(20_000)))
    # Run the import with its stderr on a pseudo-terminal, as a person would see it.
    leader, follower = pty.openpty()
    proc = subprocess.run(
        [TENURE, "import", "accounts", str(path), "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
        timeout=120,
    )
    os.close(follower)
    seen = b""
    try:
        while chunk := os.read(leader, 65536):
            seen += chunk
    except OSError:
        pass
    os.close(leader)
    assert proc.returncode == 0
    assert b"reading" in seen
    assert "20,000 imported" in proc.stdout
