"""The dashboard's server reads the warehouse while imports and scoring runs in other
processes write it: DuckDB allows one writer process or many readers, never both, so the
reader lets go when a writer announces itself (Warehouse.reading, Warehouse.ibis)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tenure import App
from tenure.app import build_app, init_workspace
from tenure.errors import StoreError, WarehouseBusy


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def _start(code: str) -> subprocess.Popen[str]:
    """A second process running ``code``; it prints "ready" when it holds the file."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "ready", line
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    with init_workspace(tmp_path) as app:
        app.warehouse.con.execute(
            "INSERT INTO accounts (account_id, name) VALUES ('a-1', 'Acme'), ('a-2', 'Globex')")
    return tmp_path


def test_a_writer_gets_the_file_from_an_idle_reader_in_another_process(home: Path) -> None:
    # The reader process reads once and then sits idle, as a server between requests.
    reader = _start(f"""
        import sys
        from tenure.app import build_app
        app = build_app({str(home)!r})
        with app.warehouse.reading() as con:
            assert con.execute("SELECT count(*) FROM accounts").fetchall() == [(2,)]
        print("ready", flush=True)
        sys.stdin.readline()  # idle until told to read again
        with app.warehouse.reading() as con:
            print(con.execute("SELECT count(*) FROM accounts").fetchall()[0][0], flush=True)
    """)
    try:
        with build_app(home) as app:
            started = time.monotonic()
            app.warehouse.con.execute("INSERT INTO accounts (account_id) VALUES ('a-3')")
            waited = time.monotonic() - started
            assert waited < 10  # the reader let go well within lock_wait_seconds (60)
            assert not app.warehouse.intent_path.exists()  # the intent is gone once open
        # The writer is done: the reader opens the file again and sees the new row.
        assert reader.stdin is not None and reader.stdout is not None
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"
    finally:
        _stop(reader)


def test_reads_are_busy_while_another_process_writes(home: Path) -> None:
    writer = _start(f"""
        import sys
        from tenure.app import build_app
        app = build_app({str(home)!r})
        app.warehouse.con.execute("SELECT 1")
        print("ready", flush=True)
        sys.stdin.readline()
        app.close()
    """)
    try:
        app = build_app(home)
        with pytest.raises(WarehouseBusy, match="being updated"), app.warehouse.reading():
            pass
    finally:
        _stop(writer)
    # Once the writer is gone, reading works again in the same process.
    with app.warehouse.reading() as con:
        assert con.execute("SELECT count(*) FROM accounts").fetchall() == [(2,)]
    app.close()


def test_a_writer_that_cannot_get_the_file_says_so(home: Path) -> None:
    # A writer in another process that never lets go: after lock_wait_seconds, a clear error.
    holder = _start(f"""
        import sys
        from tenure.app import build_app
        app = build_app({str(home)!r})
        app.warehouse.con.execute("SELECT 1")
        print("ready", flush=True)
        sys.stdin.readline()
    """)
    try:
        app = build_app(home)
        app.settings.warehouse.lock_wait_seconds = 0.5
        with pytest.raises(StoreError, match="cannot open the warehouse"):
            app.warehouse.con  # noqa: B018
        assert not app.warehouse.intent_path.exists()
    finally:
        _stop(holder)


def test_threads_read_at_once_each_with_its_own_cursor(home: Path) -> None:
    app = build_app(home)
    results: list[list[tuple[str, str]]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(20):
                with app.warehouse.reading() as con:
                    results.append(con.execute(
                        "SELECT account_id, name FROM accounts ORDER BY 1").fetchall())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 160
    assert all(r == [("a-1", "Acme"), ("a-2", "Globex")] for r in results)
    app.close()


def test_a_process_that_writes_reads_through_its_own_connection(app: App) -> None:
    # A command (or a test) that has the warehouse open read-write reads through cursors on
    # that connection, and sees what it has written without closing it.
    app.warehouse.con.execute("INSERT INTO accounts (account_id) VALUES ('a-9')")
    with app.warehouse.reading() as con:
        assert con.execute("SELECT account_id FROM accounts").fetchall() == [("a-9",)]


def test_ibis_code_runs_on_a_pinned_read_cursor(home: Path) -> None:
    # App.reading(): code written against app.warehouse.ibis reads through the shared
    # read-only connection, so a writer in another process still gets the file afterwards.
    app = build_app(home)
    with app.reading() as view:
        assert view.warehouse.table("accounts").count().execute() == 2
        assert view.store is app.store
    assert app.warehouse._backend is None  # never opened for writing
    writer = _start(f"""
        from tenure.app import build_app
        app = build_app({str(home)!r})
        app.warehouse.con.execute("INSERT INTO accounts (account_id) VALUES ('a-5')")
        app.close()
        print("ready", flush=True)
    """)
    _stop(writer)
    with app.reading() as view:
        assert view.warehouse.table("accounts").count().execute() == 3
    app.close()
