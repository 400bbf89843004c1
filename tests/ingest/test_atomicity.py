"""An import killed at any point leaves the warehouse as it was; streaming keeps memory flat."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tenure import build_app, import_file, init_workspace

CHILD = textwrap.dedent(
    """
    import sys, time
    from tenure import build_app, import_file
    home, table, path, pause_at = sys.argv[1:5]

    def progress(stage, done, total):
        print(stage, done, flush=True)
        if stage == pause_at:
            time.sleep(30)  # hold the transaction open here until the test kills us

    with build_app(home) as app:
        import_file(app, table, path, progress=progress)
    print("done", flush=True)
    """
)


def _events(path: Path, n: int, start_id: int) -> Path:
    rng = np.random.default_rng(start_id)
    t0 = datetime(2024, 1, 1)
    ts = [t0 + timedelta(seconds=int(s)) for s in rng.integers(0, 3e7, n)]
    table = pa.table(
        {
            "account_id": [f"A{i}" for i in rng.integers(0, 500, n)],
            "event": rng.choice(["login", "report_created", "export"], n),
            "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "event_id": [f"E{i}" for i in range(start_id, start_id + n)],
            "user_id": [f"U{i}" for i in rng.integers(0, 5000, n)],
        }
    )
    pq.write_table(table, path, row_group_size=50_000)
    return path


def _accounts(path: Path, n: int, suffix: str) -> Path:
    lines = ["account_id,name,segment"] + [f"A{i},Company {i}{suffix},smb" for i in range(n)]
    lines.append("A-no-name,,smb")  # one rejected row, so the import writes a rejects file
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fingerprint(home: Path) -> tuple[object, ...]:
    with build_app(home) as app:
        con = app.warehouse.con
        ev = con.execute(
            "SELECT count(*), sum(hash(event_id)), sum(hash(account_id, event, timestamp)) "
            "FROM events"
        ).fetchall()[0]
        acc = con.execute("SELECT count(*), sum(hash(account_id, name)) FROM accounts").fetchall()[
            0
        ]
    return (*ev, *acc)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A workspace holding 1,000 accounts and 200k events, plus the files of a second import."""
    root = tmp_path_factory.mktemp("atomic")
    home = root / "base"
    with init_workspace(home) as app:
        import_file(app, "accounts", _accounts(root / "a1.csv", 1000, ""))
        import_file(app, "events", _events(root / "e1.parquet", 200_000, 0))
    # The second import overlaps the first: half its events and all its accounts exist.
    files = {
        "events": _events(root / "e2.parquet", 400_000, 100_000),
        "accounts": _accounts(root / "a2.csv", 1500, " (renamed)"),
    }
    after = {}
    for table, path in files.items():
        done = root / f"after-{table}"
        shutil.copytree(home, done)
        with build_app(done) as app:
            import_file(app, table, path)
        after[table] = done
    return {
        "root": root,
        "home": home,
        **{f"file_{k}": v for k, v in files.items()},
        **{f"after_{k}": v for k, v in after.items()},
    }


def _run_and_kill(home: Path, table: str, path: Path, pause_at: str, delay: float) -> str:
    """Start an import in a child process, kill -9 it at a stage or after a delay."""
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), table, str(path), pause_at],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        seen = ""
        if pause_at != "none":
            for line in proc.stdout:
                seen = line.split()[0]
                if seen == pause_at:
                    break
        else:
            time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    return seen


@pytest.mark.parametrize(
    ("table", "stage"),
    [
        # Parquet is read in place by the warehouse (no separate reading stage); CSV is
        # streamed in batches first.
        ("events", "validating"),
        ("events", "merging"),
        ("accounts", "reading"),
        ("accounts", "validating"),
        ("accounts", "merging"),
    ],
)
def test_killed_import_leaves_the_warehouse_as_it_was(
    base: dict[str, Path], tmp_path: Path, table: str, stage: str
) -> None:
    home = tmp_path / "ws"
    shutil.copytree(base["home"], home)
    before = _fingerprint(home)
    seen = _run_and_kill(home, table, base[f"file_{table}"], stage, 0)
    assert seen == stage
    assert _fingerprint(home) == before
    # The interrupted run is reported as such, and the next import goes through.
    with build_app(home) as app:
        report = import_file(app, table, base[f"file_{table}"])
        from tenure.ingest.status import recent_imports

        statuses = [r["status"] for r in recent_imports(app)]
    assert statuses[:2] == ["committed", "interrupted"]
    # Only the finished import's rejects file is left; no partial one from the killed run.
    rejects = sorted(p.name for p in (home / "data" / "rejects").iterdir())
    assert not [r for r in rejects if r.endswith(".part")], rejects
    assert report.rejected == (1 if table == "accounts" else 0)
    assert _fingerprint(home) == _fingerprint(base[f"after_{table}"])


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.3, 1.8, 2.5])
def test_a_kill_at_any_moment_is_all_or_nothing(
    base: dict[str, Path], tmp_path: Path, delay: float
) -> None:
    home = tmp_path / "ws"
    shutil.copytree(base["home"], home)
    before = _fingerprint(home)
    after = _fingerprint(base["after_events"])
    _run_and_kill(home, "events", base["file_events"], "none", delay)
    assert _fingerprint(home) in (before, after)


def _python_peak_importing(home: Path, path: Path) -> int:
    init_workspace(home).close()
    small = build_app(home)
    small.settings.imports.batch_rows = 5_000
    tracemalloc.start()
    try:
        report = import_file(small, "events", path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        small.close()
    assert report.rejected == 0
    return peak


def _jsonl_events(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                f'{{"account_id": "A{i % 700}", "event": "report_created", '
                f'"timestamp": "2024-01-01T00:00:{i % 60:02d}Z", "event_id": "E{i}", '
                f'"properties": {{"feature": "reports", "i": {i}}}}}\n'
            )
    return path


def test_python_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    # The importer's own Python allocations are bounded by its batch and block sizes: a file
    # three times as long needs no more Python memory, and far less than the file's size.
    small = _jsonl_events(tmp_path / "small.jsonl", 100_000)
    large = _jsonl_events(tmp_path / "large.jsonl", 300_000)
    peak_small = _python_peak_importing(tmp_path / "ws1", small)
    peak_large = _python_peak_importing(tmp_path / "ws2", large)
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)
    assert peak_large < large.stat().st_size / 4, (peak_large, large.stat().st_size)
