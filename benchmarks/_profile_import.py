"""Where an import spends its time and memory, statement by statement.

``python -m benchmarks._profile_import {parquet|jsonl} [ROWS] [--memory-limit 2GB] [--set K=V]``
imports the cached benchmark file (``python -m benchmarks --only import_events`` generates it)
into a fresh workspace, with the warehouse connection wrapped so that every SQL statement the
importer runs is timed, with the process's peak RSS during it (VmHWM, restarted before each
statement). ``--set`` runs ``SET K = V`` on the warehouse first, to try a DuckDB setting. A
diagnostic for humans, not a benchmark: nothing is written but its output.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from . import DATA_DIR, current_rss_mib, peak_rss_mib, reset_peak_rss, warm_file
from .import_events import FULL_ROWS, _paths


class _Timed:
    """A DuckDB connection that records each statement's time and peak RSS."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.log: list[tuple[float, float, float, str]] = []
        self.started = time.perf_counter()

    def execute(self, sql: str, *args: Any) -> Any:
        reset_peak_rss()
        before = current_rss_mib()
        t = time.perf_counter()
        out = self._con.execute(sql, *args)
        self.log.append((time.perf_counter() - t, before, peak_rss_mib(), sql))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _short(sql: str, width: int = 150) -> str:
    sql = re.sub(r"\s+", " ", sql)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._profile_import")
    parser.add_argument("format", choices=("parquet", "jsonl"))
    parser.add_argument("rows", nargs="?", type=int, default=FULL_ROWS)
    parser.add_argument("--memory-limit", help="warehouse.memory_limit to use, e.g. 2GB")
    parser.add_argument("--threads", type=int, help="warehouse.threads to use")
    parser.add_argument("--batch-rows", type=int, help="import.batch_rows to use")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a DuckDB setting for the warehouse connection (repeatable)")
    args = parser.parse_args()

    from tenure.app import build_app, init_workspace
    from tenure.ingest import import_file
    from tenure.settings import load_settings

    paths = _paths(DATA_DIR, args.rows)
    file = paths[args.format]
    if not file.exists():
        raise SystemExit(f"{file} is missing: run `python -m benchmarks --rows {args.rows}` first")
    warm_file(file)
    home = Path(tempfile.mkdtemp(prefix="profile-", dir=DATA_DIR))
    try:
        init_workspace(home).close()
        settings = load_settings(home)
        if args.memory_limit:
            settings.warehouse.memory_limit = args.memory_limit
        if args.threads:
            settings.warehouse.threads = args.threads
        if args.batch_rows:
            settings.imports.batch_rows = args.batch_rows
        app = build_app(home, settings=settings)
        import_file(app, "accounts", paths["accounts"])
        for setting in args.set:
            key, _, value = setting.partition("=")
            app.warehouse.con.execute(f"SET {key} = '{value}'")
        timed = _Timed(app.warehouse.ibis.con)
        app.warehouse.ibis.con = timed
        print(f"RSS before the import: {current_rss_mib():,.0f} MiB")
        reset_peak_rss()
        t, cpu = time.perf_counter(), time.process_time()
        report = import_file(app, "events", file)
        total, cpu = time.perf_counter() - t, time.process_time() - cpu
        peak = max([peak_rss_mib(), *(p for _, _, p, _ in timed.log)])
        app.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"{args.format}: {report.rows_read:,} rows, imported {report.imported:,}, "
          f"rejected {report.rejected:,} in {total:.1f} s ({cpu:.1f} CPU s), peak RSS "
          f"{peak:,.0f} MiB")
    print(f"{'seconds':>8} {'RSS before':>10} {'peak':>8}  statement")
    for seconds, before, peak, sql in timed.log:
        if seconds >= 0.05:
            print(f"{seconds:8.2f} {before:10,.0f} {peak:8,.0f}  {_short(sql)}")
    rest = total - sum(s for s, *_ in timed.log)
    print(f"{rest:8.2f} {'':>10} {'':>8}  (outside SQL: app database, rejects file, Python)")


if __name__ == "__main__":
    main()
