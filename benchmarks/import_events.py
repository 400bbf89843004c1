"""Import: 10 million product events, from Parquet and from JSON Lines.

What a data engineer does on day one: load a year and a half of product usage. The input is
generated once (seeded, streamed by chunks, never held whole) into ``bench-data/`` and reused
while its manifest matches. For each format, every repetition runs in a fresh child process on
a fresh workspace (with 100,000 accounts imported first, untimed):

1. ``import_file(app, "events", path)``: wall and CPU time, peak RSS of the process (VmHWM,
   restarted before each step, DuckDB included; see ``benchmarks.peak_rss_mib`` for why not
   ru_maxrss), the time of each importer phase (from the ``progress`` callback) and the peak
   RSS seen during each phase (sampled every 50 ms);
2. the same file again: every row a duplicate;
3. the reference: a bare DuckDB load of the same file into a table of a fresh DuckDB file,
   same process, same DuckDB settings. Importer ÷ bare load is what validation, line numbers,
   dedupe, the rejects check and atomicity cost.

The file is read once before anything is timed, so every step starts with it in the page cache.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from . import (
    Options,
    Outcome,
    current_rss_mib,
    machine,
    machine_markdown,
    markdown_table,
    peak_rss_mib,
    reflow,
    reset_peak_rss,
    ru_maxrss_mib,
    spread,
    warm_file,
)

NAME = "import_events"
TITLE = "Import: 10 million events"

FULL_ROWS = 10_000_000
QUICK_ROWS = 200_000
CHUNK_ROWS = 1_000_000  # rows generated (and Parquet row group size) per chunk
SEED = 20260101
GENERATOR_VERSION = 2  # bump when the generated data changes, to invalidate the cache
FORMATS = ("parquet", "jsonl")

# --- the generated company ----------------------------------------------------------------------

# (event, relative frequency, feature): a long tail, as product analytics usually look.
EVENTS: tuple[tuple[str, float, str], ...] = (
    ("page_viewed", 30.0, "navigation"),
    ("dashboard_viewed", 12.0, "dashboards"),
    ("report_viewed", 9.0, "reports"),
    ("search_performed", 7.0, "search"),
    ("record_updated", 6.0, "records"),
    ("api_call", 6.0, "api"),
    ("login", 5.0, "auth"),
    ("record_created", 4.0, "records"),
    ("filter_applied", 3.5, "reports"),
    ("comment_added", 3.0, "collaboration"),
    ("report_created", 2.5, "reports"),
    ("notification_clicked", 2.0, "notifications"),
    ("export_downloaded", 2.0, "exports"),
    ("file_uploaded", 1.8, "files"),
    ("workflow_run", 1.5, "automation"),
    ("integration_synced", 1.5, "integrations"),
    ("template_used", 1.0, "templates"),
    ("user_invited", 0.6, "admin"),
    ("settings_changed", 0.5, "admin"),
    ("billing_page_viewed", 0.3, "billing"),
)
PLANS = ("starter", "growth", "business", "enterprise")
SEGMENTS = ("smb", "mid_market", "enterprise")
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "AU", "NL", "SE", "ES", "BR", "IN", "JP")
LOGIN_METHODS = ("password", "sso", "google", "magic_link")
ENDPOINTS = ("/v1/records", "/v1/reports", "/v1/users", "/v1/search", "/v1/webhooks")
START_US = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
SPAN_US = 540 * 86_400 * 1_000_000  # a year and a half


def account_count(rows: int) -> int:
    """100,000 accounts for 10 million events (100 events each on average)."""
    return max(1_000, min(100_000, rows // 100))


def _fixed_width_ids(prefix: str, numbers: Any, width: int) -> Any:
    """Strings prefix + zero-padded number, built without a Python loop."""
    import numpy as np
    import pyarrow as pa

    n = len(numbers)
    size = len(prefix) + width
    buf = np.empty((n, size), dtype=np.uint8)
    buf[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    rest = numbers.astype(np.int64).copy()
    for i in range(size - 1, len(prefix) - 1, -1):
        buf[:, i] = 48 + rest % 10
        rest //= 10
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf.tobytes()))


_HEX = b"0123456789abcdef"


def _uuid4_strings(rng: Any, n: int) -> Any:
    """n random UUID version 4 strings (what Segment puts in messageId)."""
    import numpy as np
    import pyarrow as pa

    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexes = np.frombuffer(_HEX, dtype=np.uint8)
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2] = hexes[raw >> 4]
    digits[:, 1::2] = hexes[raw & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for src, dst in ((slice(0, 8), slice(0, 8)), (slice(8, 12), slice(9, 13)),
                     (slice(12, 16), slice(14, 18)), (slice(16, 20), slice(19, 23)),
                     (slice(20, 32), slice(24, 36))):
        out[:, dst] = digits[:, src]
    offsets = np.arange(0, (n + 1) * 36, 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out.tobytes()))


class _Company:
    """Accounts with a skewed amount of activity, each with its users and plan."""

    def __init__(self, rng: Any, accounts: int) -> None:
        import numpy as np

        self.accounts = accounts
        # A few big accounts make most of the noise: lognormal activity weights.
        weight = rng.lognormal(mean=0.0, sigma=1.2, size=accounts)
        self.p = weight / weight.sum()
        self.users = 1 + rng.geometric(0.12, size=accounts)  # 8 users per account on average
        self.user_offset = np.concatenate(([0], np.cumsum(self.users)[:-1]))
        self.plan = rng.choice(len(PLANS), size=accounts, p=[0.4, 0.3, 0.2, 0.1])
        self.segment = rng.choice(len(SEGMENTS), size=accounts, p=[0.6, 0.3, 0.1])
        self.country = rng.integers(0, len(COUNTRIES), size=accounts)
        self.created_us = START_US - rng.integers(0, 3 * 365 * 86_400, size=accounts) * 10**6


def _accounts_table(company: _Company) -> Any:
    import numpy as np
    import pyarrow as pa

    ids = np.arange(company.accounts)
    account_id = _fixed_width_ids("acc_", ids, 6)
    name = _fixed_width_ids("Company ", ids, 6)
    return pa.table({
        "account_id": account_id,
        "name": name,
        "segment": pa.array(SEGMENTS).take(pa.array(company.segment)),
        "country": pa.array(COUNTRIES).take(pa.array(company.country)),
        "created_at": pa.array(company.created_us, pa.timestamp("us", tz="UTC")),
    })


def _events_chunk(rng: Any, company: _Company, start_us: int, end_us: int, n: int) -> Any:
    """n events between start_us and end_us, in time order, as an Arrow table."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    account = rng.choice(company.accounts, size=n, p=company.p)
    user = company.user_offset[account] + (rng.random(n) * company.users[account]).astype(np.int64)
    weights = np.array([e[1] for e in EVENTS])
    event_idx = rng.choice(len(EVENTS), size=n, p=weights / weights.sum())
    ts = np.sort(rng.integers(start_us, end_us, size=n))

    event = pa.array([e[0] for e in EVENTS]).take(pa.array(event_idx))
    feature = pa.array([e[2] for e in EVENTS]).take(pa.array(event_idx))
    plan = pa.array(PLANS).take(pa.array(company.plan[account]))
    duration = pc.cast(pa.array(rng.lognormal(6.5, 1.0, size=n).astype(np.int64)), pa.string())
    usage = pc.binary_join_element_wise(
        '{"feature":"', feature, '","duration_ms":', duration, ',"plan":"', plan, '"}', ""
    )
    login = pc.binary_join_element_wise(
        '{"method":"', pa.array(LOGIN_METHODS).take(pa.array(rng.integers(0, 4, size=n))), '"}',
        "",
    )
    status = pa.array(np.where(rng.random(n) < 0.02, 500, 200)).cast(pa.string())
    api = pc.binary_join_element_wise(
        '{"endpoint":"', pa.array(ENDPOINTS).take(pa.array(rng.integers(0, 5, size=n))),
        '","status":', status, ',"duration_ms":', duration, "}", "",
    )
    login_i = next(i for i, e in enumerate(EVENTS) if e[0] == "login")
    api_i = next(i for i, e in enumerate(EVENTS) if e[0] == "api_call")
    properties = pc.if_else(
        pa.array(event_idx == login_i), login,
        pc.if_else(pa.array(event_idx == api_i), api, usage),
    )
    # Some events carry no properties at all (about 5%), and API calls have no user.
    properties = pc.if_else(pa.array(rng.random(n) < 0.05), pa.nulls(n, pa.string()), properties)
    user_id = pc.if_else(
        pa.array(event_idx == api_i), pa.nulls(n, pa.string()),
        _fixed_width_ids("usr_", user, 7),
    )
    return pa.table({
        "account_id": _fixed_width_ids("acc_", account, 6),
        "event": event,
        "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
        "event_id": _uuid4_strings(rng, n),
        "user_id": user_id,
        "properties": properties,
    })


# --- the cache ----------------------------------------------------------------------------------


def _paths(data_dir: Path, rows: int) -> dict[str, Path]:
    stem = f"events-{rows}"
    return {
        "parquet": data_dir / f"{stem}.parquet",
        "jsonl": data_dir / f"{stem}.jsonl",
        "accounts": data_dir / f"{stem}-accounts.parquet",
        "manifest": data_dir / f"{stem}.manifest.json",
    }


def _cached(paths: dict[str, Path], rows: int) -> dict[str, Any] | None:
    """The manifest, if every file it lists is present with its recorded size."""
    try:
        manifest = json.loads(paths["manifest"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("version") != GENERATOR_VERSION or manifest.get("rows") != rows:
        return None
    for key, size in manifest.get("bytes", {}).items():
        if not paths[key].exists() or paths[key].stat().st_size != size:
            return None
    return dict(manifest)


def _log(message: str) -> None:
    print(message, flush=True)


def generate(data_dir: Path, rows: int, *, log: Any = _log) -> dict[str, Any]:
    """Write the events (Parquet and JSON Lines) and their accounts, unless cached."""
    paths = _paths(data_dir, rows)
    manifest = _cached(paths, rows)
    if manifest is not None:
        return manifest

    import duckdb
    import numpy as np
    import pyarrow.parquet as pq

    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    company = _Company(rng, account_count(rows))
    part = {k: p.with_name(p.name + ".part") for k, p in paths.items()}
    pq.write_table(_accounts_table(company), part["accounts"])

    chunks = -(-rows // CHUNK_ROWS)
    writer = None
    try:
        for k in range(chunks):
            n = min(CHUNK_ROWS, rows - k * CHUNK_ROWS)
            lo = START_US + SPAN_US * k // chunks
            hi = START_US + SPAN_US * (k + 1) // chunks
            chunk = _events_chunk(rng, company, lo, hi, n)
            if writer is None:
                writer = pq.ParquetWriter(part["parquet"], chunk.schema, compression="snappy")
            writer.write_table(chunk, row_group_size=CHUNK_ROWS)
            log(f"  generated {k * CHUNK_ROWS + n:,} of {rows:,} events")
    finally:
        if writer is not None:
            writer.close()

    # JSON Lines from the Parquet file, streamed by DuckDB: ISO 8601 with Z, properties as a
    # nested object, left out when there are none (as a Segment export or a warehouse unload
    # writes them). Each line is built as JSON text and written as is (CSV without quoting).
    log("  writing JSON Lines")
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        src = str(part["parquet"]).replace("'", "''")
        dst = str(part["jsonl"]).replace("'", "''")
        record = (
            "to_json(struct_pack(account_id := account_id, event := event, timestamp := "
            "strftime(timezone('UTC', timestamp), '%Y-%m-%dT%H:%M:%S.%fZ'), event_id := "
            "event_id, user_id := user_id, properties := CAST(properties AS JSON)))"
        )
        con.execute(
            f"COPY (SELECT CAST(CASE WHEN properties IS NULL THEN "
            f"json_merge_patch({record}, '{{\"properties\": null}}') ELSE {record} END "
            f"AS VARCHAR) FROM read_parquet('{src}')) TO '{dst}' "
            "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')"
        )
    finally:
        con.close()

    for key in ("parquet", "jsonl", "accounts"):
        os.replace(part[key], paths[key])
    manifest = {
        "version": GENERATOR_VERSION,
        "rows": rows,
        "accounts": company.accounts,
        "seed": SEED,
        "bytes": {k: paths[k].stat().st_size for k in ("parquet", "jsonl", "accounts")},
        "generated_in_s": round(time.perf_counter() - started, 1),
    }
    paths["manifest"].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


# --- one measured repetition (in a fresh child process) -----------------------------------------


class _Phases:
    """The importer's progress callback: when each phase starts, and the peak RSS within it.

    Phases: ``read`` (the file streamed into the staging table), ``check`` (from the last batch
    to validation: the JSON Lines required-key scan), ``validate`` (typing, reasons, content
    hashes), ``merge`` (dedupe, insert, unknown accounts, commit).
    """

    def __init__(self, *, split_check: bool) -> None:
        self.split_check = split_check
        self.start = time.perf_counter()
        self.marks: dict[str, float] = {"read": self.start}
        self.last_read = self.start
        self.phase = "read"
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.perf_counter()
        if phase == "reading":
            self.last_read = now
            return
        name = {"validating": "validate", "merging": "merge"}.get(phase, phase)
        if name not in self.marks:
            if self.split_check and "check" not in self.marks:
                self.marks["check"] = self.last_read
            self.marks[name] = now
            self.phase = name

    def _phase_at(self, now: float) -> str:
        if (self.split_check and self.phase == "read" and now - self.last_read > 0.5
                and self.last_read > self.start):
            return "check"  # batches stopped arriving: past reading, not yet validating
        return self.phase

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            name = self._phase_at(time.perf_counter())
            self.peaks[name] = max(self.peaks.get(name, 0.0), current_rss_mib())

    def finish(self) -> dict[str, dict[str, float]]:
        end = time.perf_counter()
        self._stop.set()
        self._thread.join()
        order = [p for p in ("read", "check", "validate", "merge") if p in self.marks]
        out: dict[str, dict[str, float]] = {}
        for i, name in enumerate(order):
            stop = self.marks[order[i + 1]] if i + 1 < len(order) else end
            out[name] = {
                "seconds": stop - self.marks[name],
                "peak_rss_mib": self.peaks.get(name, 0.0),
            }
        return out


def _bare_load(db: Path, path: Path, fmt: str, settings: Any) -> tuple[float, int]:
    """Load the file into a table of a fresh DuckDB file with the warehouse's settings."""
    import duckdb

    config: dict[str, Any] = {}
    if settings.threads:
        config["threads"] = settings.threads
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    con = duckdb.connect(str(db), config=config)
    try:
        con.execute("SET TimeZone = 'UTC'")
        src = str(path).replace("'", "''")
        reader = (
            f"read_parquet('{src}')" if fmt == "parquet"
            else f"read_json('{src}', format = 'newline_delimited')"
        )
        started = time.perf_counter()
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}")
        seconds = time.perf_counter() - started
        rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    finally:
        con.close()
    return seconds, int(rows)


def measure(fmt: str, path: str, accounts: str, work_dir: str) -> dict[str, Any]:
    """One repetition for one format. Runs in a fresh child process: the peaks are its own.

    The peak RSS is restarted before each step (see ``reset_peak_rss``), so the import, the
    re-import and the bare load each get their own peak.
    """
    from tenure.app import init_workspace
    from tenure.ingest import import_file

    # DuckDB draws its progress bar on stdout even into a pipe; keep it out of the table.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    inherited = ru_maxrss_mib()  # this process is small yet: the rest came from the parent
    file = Path(path)
    warm_file(file)
    home = Path(tempfile.mkdtemp(prefix=f"{fmt}-", dir=work_dir))
    try:
        app = init_workspace(home)
        try:
            import_file(app, "accounts", accounts)
            baseline = current_rss_mib()

            load_before = os.getloadavg()[0]
            reset_peak_rss()
            cpu = time.process_time()
            phases = _Phases(split_check=fmt == "jsonl")
            report = import_file(app, "events", file, progress=phases)
            import_s = time.perf_counter() - phases.start
            import_cpu = time.process_time() - cpu
            import_peak = peak_rss_mib()
            phase_times = phases.finish()
            after_import = current_rss_mib()
            warehouse_bytes = Path(app.warehouse.path).stat().st_size

            reset_peak_rss()
            cpu = time.process_time()
            started = time.perf_counter()
            again = import_file(app, "events", file)
            reimport_s = time.perf_counter() - started
            reimport_cpu = time.process_time() - cpu
            reimport_peak = peak_rss_mib()
            settings = app.settings.warehouse
        finally:
            app.close()

        reset_peak_rss()
        cpu = time.process_time()
        bare_s, bare_rows = _bare_load(home / "bare.duckdb", file, fmt, settings)
        bare_cpu = time.process_time() - cpu
        bare_peak = peak_rss_mib()
        load_after = os.getloadavg()[0]
        bare_bytes = (home / "bare.duckdb").stat().st_size
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {
        "import_s": import_s,
        "reimport_s": reimport_s,
        "bare_s": bare_s,
        "ratio": import_s / bare_s,
        # CPU seconds of the process (all threads): less disturbed than wall time when other
        # work shares the machine.
        "import_cpu_s": import_cpu,
        "reimport_cpu_s": reimport_cpu,
        "bare_cpu_s": bare_cpu,
        "cpu_ratio": import_cpu / bare_cpu,
        "loadavg_before": load_before,  # 1-minute load average around the measurements
        "loadavg_after": load_after,
        "baseline_rss_mib": baseline,  # RSS right before the import (workspace open)
        "import_peak_rss_mib": import_peak,
        "after_import_rss_mib": after_import,
        "reimport_peak_rss_mib": reimport_peak,
        "bare_peak_rss_mib": bare_peak,
        "ru_maxrss_at_start_mib": inherited,  # why peaks are VmHWM (see peak_rss_mib)
        "warehouse_bytes": warehouse_bytes,
        "bare_bytes": bare_bytes,
        "bare_rows": bare_rows,
        "phases": phase_times,
        "report": report.as_dict(),
        "reimport_report": again.as_dict(),
    }


def _in_child(fmt: str, path: Path, accounts: Path, work_dir: Path) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(measure, fmt, str(path), str(accounts), str(work_dir)).result()


# --- the benchmark ------------------------------------------------------------------------------


def _checks(fmt: str, rows: int, run: dict[str, Any]) -> list[str]:
    r, again = run["report"], run["reimport_report"]
    want = {
        "rows_read": (r["rows_read"], rows),
        "imported": (r["imported"], rows),
        "rejected": (r["rejected"], 0),
        "duplicate": (r["duplicate"], 0),
        "unknown_account_rows": (r["unknown_account_rows"], 0),
        "re-import imported": (again["imported"], 0),
        "re-import duplicate": (again["duplicate"], rows),
        "bare load rows": (run["bare_rows"], rows),
    }
    return [f"{fmt}: {k} = {got:,}, expected {exp:,}" for k, (got, exp) in want.items()
            if got != exp]


def _summary(runs: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    keys = ("import_s", "reimport_s", "bare_s", "ratio", "import_cpu_s", "reimport_cpu_s",
            "bare_cpu_s", "cpu_ratio", "loadavg_before", "loadavg_after", "import_peak_rss_mib",
            "reimport_peak_rss_mib", "bare_peak_rss_mib", "baseline_rss_mib",
            "after_import_rss_mib", "warehouse_bytes", "bare_bytes")
    out: dict[str, Any] = {k: spread([r[k] for r in runs]) for k in keys}
    out["rows_per_s"] = spread([rows / r["import_s"] for r in runs])
    out["phases"] = {
        name: {
            "seconds": spread([r["phases"][name]["seconds"] for r in runs]),
            "peak_rss_mib": spread([r["phases"][name]["peak_rss_mib"] for r in runs]),
        }
        for name in runs[0]["phases"]
    }
    return out


def _s(x: float) -> str:
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _range(d: dict[str, float], fmt: Any = _s) -> str:
    return f"{fmt(d['median'])} ({fmt(d['min'])}–{fmt(d['max'])})"


def _mib(x: float) -> str:
    return f"{x:,.0f}"


def run(options: Options) -> Outcome:
    rows = options.rows or (QUICK_ROWS if options.quick else FULL_ROWS)
    repeat = options.repeat
    print(f"{NAME}: {rows:,} events, {repeat} repetition(s) per format")
    # In a child process: the parent stays small while it starts the measured children.
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        manifest = pool.submit(generate, options.data_dir, rows).result()
    paths = _paths(options.data_dir, rows)
    work_dir = options.data_dir / "work"
    work_dir.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {}
    problems: list[str] = []
    for fmt in FORMATS:
        runs = []
        for i in range(repeat):
            run_ = _in_child(fmt, paths[fmt], paths["accounts"], work_dir)
            print(f"  {fmt} #{i + 1}: import {run_['import_s']:.1f} s, re-import "
                  f"{run_['reimport_s']:.1f} s, bare load {run_['bare_s']:.1f} s, peak "
                  f"{run_['import_peak_rss_mib']:,.0f} MiB", flush=True)
            problems += _checks(fmt, rows, run_)
            runs.append(run_)
        results[fmt] = {
            "file": paths[fmt].name,
            "file_bytes": paths[fmt].stat().st_size,
            "runs": runs,
            "summary": _summary(runs, rows),
        }

    headers = ["format", "rows", "import s", "rows/s", "CPU s", "peak RSS MiB", "bare load s",
               "import ÷ bare", "re-import s", "imported"]
    table = []
    for fmt in FORMATS:
        s = results[fmt]["summary"]
        reports = [r["report"]["imported"] for r in results[fmt]["runs"]]
        table.append([
            fmt, f"{rows:,}", _s(s["import_s"]["median"]), f"{s['rows_per_s']['median']:,.0f}",
            _s(s["import_cpu_s"]["median"]), _mib(s["import_peak_rss_mib"]["median"]),
            _s(s["bare_s"]["median"]), f"{s['ratio']['median']:.1f}×",
            _s(s["reimport_s"]["median"]),
            f"{min(reports):,}" if min(reports) == max(reports) else "varies",
        ])
    info = machine()
    data = {
        "rows": rows,
        "repeat": repeat,
        "quick": options.quick,
        "command": options.command,
        "machine": info,
        "data": manifest,
        "formats": results,
    }
    return Outcome(
        name=NAME, title=TITLE, headers=headers, rows=table, data=data,
        markdown=markdown(data), problems=problems,
    )


# --- the docs section ---------------------------------------------------------------------------

_PHASE_DOC = {
    "read": "copy the raw rows into a staging table (only for CSV and the source mappings; "
    "Parquet and canonical JSON Lines are read during validate)",
    "check": "JSON Lines only: check the required keys (now read off the validated rows)",
    "validate": "read the file, type every column, build every reason, content hashes",
    "merge": "dedupe in the file, insert new ids, unknown accounts, commit",
}


def markdown(data: dict[str, Any]) -> str:
    """This benchmark's section of docs/benchmarks.md, from its results."""
    rows = data["rows"]
    info, fmts, manifest = data["machine"], data["formats"], data["data"]
    summ = {f: fmts[f]["summary"] for f in FORMATS}
    gib = {f: fmts[f]["file_bytes"] / 2**30 for f in FORMATS}
    times = markdown_table(
        ["format", "file", "import s", "events/s", "bare DuckDB load s", "import ÷ bare",
         "CPU s: import / bare", "re-import s (all duplicates)"],
        [[
            f, f"{gib[f]:.2f} GiB", _range(summ[f]["import_s"]),
            f"{summ[f]['rows_per_s']['median']:,.0f}", _range(summ[f]["bare_s"]),
            f"{summ[f]['ratio']['median']:.1f}×",
            f"{_s(summ[f]['import_cpu_s']['median'])} / {_s(summ[f]['bare_cpu_s']['median'])}",
            _range(summ[f]["reimport_s"]),
        ] for f in FORMATS],
    )
    memory = markdown_table(
        ["format", "before the import", "import", "re-import", "bare DuckDB load",
         "warehouse file after import", "bare DuckDB file"],
        [[
            f, _mib(summ[f]["baseline_rss_mib"]["median"]),
            _range(summ[f]["import_peak_rss_mib"], _mib),
            _range(summ[f]["reimport_peak_rss_mib"], _mib),
            _range(summ[f]["bare_peak_rss_mib"], _mib),
            f"{summ[f]['warehouse_bytes']['median'] / 2**20:,.0f}",
            f"{summ[f]['bare_bytes']['median'] / 2**20:,.0f}",
        ] for f in FORMATS],
    )
    phase_names = [p for p in ("read", "check", "validate", "merge")
                   if any(p in summ[f]["phases"] for f in FORMATS)]
    phase_rows = []
    for name in phase_names:
        row = [f"`{name}`: {_PHASE_DOC[name]}"]
        for f in FORMATS:
            ph = summ[f]["phases"].get(name)
            peak = ph and ph["peak_rss_mib"]["median"]
            row.append("—" if ph is None else f"{_s(ph['seconds']['median'])} s"
                       + (f", {_mib(peak)} MiB" if peak else ""))
        phase_rows.append(row)
    phases = markdown_table(["importer phase", *FORMATS], phase_rows)

    p, j = summ["parquet"], summ["jsonl"]
    slowest = {f: max(summ[f]["phases"].items(), key=lambda kv: kv[1]["seconds"]["median"])
               for f in FORMATS}
    share = {f: slowest[f][1]["seconds"]["median"] / summ[f]["import_s"]["median"]
             for f in FORMATS}
    growth = {f: summ[f]["import_peak_rss_mib"]["median"] - summ[f]["baseline_rss_mib"]["median"]
              for f in FORMATS}
    loads = [r[k] for f in FORMATS for r in fmts[f]["runs"]
             for k in ("loadavg_before", "loadavg_after")]
    counts = fmts["parquet"]["runs"][0]["report"]
    quick = " (a `--quick` smoke run: not representative)" if data["quick"] else ""
    return reflow(f"""## {TITLE}{quick}

Input: {rows:,} generated product events (`benchmarks/import_events.py`, seed {manifest['seed']}):
{manifest['accounts']:,} accounts with lognormal activity, {len(EVENTS)} event names, a UUID
`event_id` on every event, a `user_id` on all but API calls, JSON `properties` such as
`{{"feature":"reports","duration_ms":1234,"plan":"growth"}}` (5% have none), over 540 days in
time order. The same events as Parquet ({gib['parquet']:.2f} GiB, snappy, microsecond UTC
timestamps) and as JSON Lines ({gib['jsonl']:.2f} GiB, ISO 8601 timestamps with `Z`).

Machine: {machine_markdown(info)} The 1-minute load average around the runs was
{min(loads):.1f}–{max(loads):.1f}, this benchmark's own process included (up to
{info['nproc']}); CPU seconds are less disturbed than wall time when other work shares the
machine.

Command:

```
{data['command']}
```

{data['repeat']} repetition(s) per format; the tables give the median with min–max in brackets. Each
repetition runs in a fresh process on a fresh workspace that already holds the
{manifest['accounts']:,} accounts, with the file in the page cache. It times
`import_file(app, "events", path)`, then the same file again (every row a duplicate), then the
reference: `CREATE TABLE t AS SELECT * FROM read_parquet(…)` / `read_json(…, format =
'newline_delimited')` into a fresh DuckDB file, same process, same DuckDB settings (defaults:
all cores, memory limit 80% of RAM).

Time:

{times}

Peak memory (MiB, the process's VmHWM restarted before each step: Python, pyarrow and DuckDB
together; the first column is the process before the import, with Tenure loaded and the
workspace open):

{memory}

Every run reported {counts['imported']:,} imported, {counts['rejected']} rejected,
{counts['duplicate']} duplicates and {counts['unknown_account_rows']} rows for unknown
accounts; every re-import reported {rows:,} duplicates and nothing imported.

Where the import's time goes (median seconds per phase, from the `progress` callback, and the
peak RSS sampled every 50 ms within the phase):

{phases}

What it means: importing Parquet runs at {p['rows_per_s']['median']:,.0f} events/s,
{p['ratio']['median']:.1f}× a bare DuckDB load of the same file; JSON Lines at
{j['rows_per_s']['median']:,.0f} events/s, {j['ratio']['median']:.1f}× its bare load. The
difference is the price of the import contract: every row gets a line number and is typed and
checked in SQL, events are deduplicated within the file and against the table, unknown
accounts are counted, and all of it happens in one transaction so that a failed import leaves
nothing behind. The slowest phase is `{slowest['parquet'][0]}` for Parquet
({share['parquet']:.0%} of the time) and `{slowest['jsonl'][0]}` for JSON Lines
({share['jsonl']:.0%}). The import adds {growth['parquet']:,.0f} MiB (Parquet) and
{growth['jsonl']:,.0f} MiB (JSON Lines) to the process: the staging tables live in DuckDB until
the transaction ends, so memory grows with the file rather than with `import.batch_rows`, up
to `warehouse.memory_limit`, beyond which DuckDB spills them to disk. A re-import costs
{p['reimport_s']['median'] / p['import_s']['median']:.0%} (Parquet) and
{j['reimport_s']['median'] / j['import_s']['median']:.0%} (JSON Lines) of a first import:
every row is still staged and validated before it is found to be a duplicate.

To see the cost of each SQL statement of an import (`jsonl` too; `--memory-limit 2GB` or
`--set KEY=VALUE` try a DuckDB setting):

```
.venv/bin/python -m benchmarks._profile_import parquet
```
""")
