"""Metrics engine: the per-account metrics table for 100,000 accounts and ~100 million events.

What a customer-success team asks every morning: every account's KPIs as of today
(``tenure.metrics.account_metrics(app, as_of=..., period="90d")``, one row per account). Two
sample companies (``tenure.sample.generate_company``, seed 1, as of 2026-11-01) are generated
and imported once into workspaces under ``bench-data/`` and reused while their manifest is
there:

- large: 100,000 accounts at events scale 0.96 (about 100 million events);
- comparison: 10,000 accounts at events scale 1.0 (about 10 million events): a tenth of the
  large company with the same events per account and the same mix of tables, so the ratios
  measured on it carry over to the large one. (100,000 accounts at scale 0.1 would also hold
  10 million events, but with every other table at full size and 100 events per account it
  would mostly measure the tables that are not events.)

Each company is measured in a fresh child process (its peak memory is its own):

1. large: ``account_metrics`` ``--repeat`` times (wall and CPU time, the median reported, and
   the peak RSS of the process, VmHWM restarted before each run: DuckDB's memory is the
   process's), then the raw DuckDB aggregate scan below for scale;
2. comparison, all in one process on the same data: (a) ``account_metrics``; (b) one raw DuckDB
   aggregate scan of the events table through the same connection,
   ``SELECT account_id, count(*), count(DISTINCT user_id), max(timestamp) FROM events GROUP BY
   account_id`` (goal: the engine within 5× of it); (c) a year of monthly company KPIs
   (``compute_metrics(app, as_of=..., period="month", periods=12)``, once); (d) the
   pandas reference of the test suite (``tests.metrics.reference``): ``load_tables(app)`` (the
   tables into pandas), then ``reference_account_metrics(...)`` (goal: the engine at least 5×
   faster than its compute time).

Every engine run records the time of each query it sends (``Expr.execute`` wrapped for the run;
the wrapper only reads the clock), so the results say which dataset's query dominates. CPU
seconds (the process's, all threads) are recorded beside wall time: on a shared machine they
are the steadier comparison.

The first full run builds both workspaces (generating and importing 100 million events takes
several minutes); ``python -m benchmarks.metrics_engine ACCOUNTS SCALE`` builds one ahead.
``--quick`` runs 2,000 accounts at scale 0.5 and 500 accounts at scale 1.0; ``--rows N`` runs a
large company of N // 1,000 accounts at scale 1.0 and a comparison company a tenth its size.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import gc
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import (
    DATA_DIR,
    REPO,
    RESULTS_DIR,
    Options,
    Outcome,
    current_rss_mib,
    machine,
    machine_markdown,
    markdown_table,
    peak_rss_mib,
    reflow,
    reset_peak_rss,
    spread,
)

NAME = "metrics_engine"
TITLE = "Metrics engine: per-account KPIs, 100,000 accounts and ~100 million events"

SEED = 1
AS_OF = dt.date(2026, 11, 1)
PERIOD = "90d"
COMPANY_PERIODS = 12  # compute_metrics(period="month", periods=12): a year of monthly KPIs
RAW_SCAN_SQL = ("SELECT account_id, count(*) AS events, count(DISTINCT user_id) AS users, "
                "max(timestamp) AS last_event FROM events GROUP BY account_id")
FASTER_THAN_PANDAS = 5.0  # goal: engine compute ≤ pandas compute / 5
WITHIN_RAW_SCAN = 5.0  # goal: engine ≤ 5 × one raw aggregate scan of events
PANDAS_BUDGET_S = 400.0  # stop repeating the pandas reference once its runs took this long
RESULT_FILE = RESULTS_DIR / f"{NAME}.json"  # this benchmark's last full result, kept apart


@dataclass(frozen=True)
class Company:
    """One sample company to compute over: its size, and where its workspace is cached."""

    accounts: int
    events_scale: float

    @property
    def label(self) -> str:
        n = self.accounts
        size = f"{n // 1000}k" if n % 1000 == 0 else str(n)
        return f"metrics-{size}-x{self.events_scale:g}-seed{SEED}-{AS_OF.isoformat()}"


FULL = (Company(100_000, 0.96), Company(10_000, 1.0))
QUICK = (Company(2_000, 0.5), Company(500, 1.0))


def companies(options: Options) -> tuple[Company, Company]:
    """(large, comparison)."""
    if options.rows:
        accounts = max(10, options.rows // 1000)
        return Company(accounts, 1.0), Company(max(10, accounts // 10), 1.0)
    return QUICK if options.quick else FULL


# --- the workspaces (built once, cached in bench-data/) -----------------------------------------


def ensure_workspace(company: Company, data_dir: Path = DATA_DIR,
                     log: Callable[..., None] = print) -> tuple[Path, dict[str, Any]]:
    """The company's workspace, generated and imported once, then reused while its manifest
    (written only after every import succeeded) is there. Returns (home, manifest)."""
    from tenure import import_file, init_workspace
    from tenure.sample import generate_company

    root = data_dir / company.label
    home = root / "workspace"
    manifest_path = root / "manifest.json"
    if manifest_path.exists() and home.exists():
        return home, json.loads(manifest_path.read_text(encoding="utf-8"))
    shutil.rmtree(root, ignore_errors=True)  # a half-built one from an interrupted run
    sample_dir = root / "sample"
    log(f"  building {root.name}: generating {company.accounts:,} accounts "
        f"(events scale {company.events_scale:g})", flush=True)
    started = time.perf_counter()
    result = generate_company(sample_dir, accounts=company.accounts, seed=SEED, as_of=AS_OF,
                              events_scale=company.events_scale)
    generated_s = time.perf_counter() - started
    log(f"  generated {result.rows.get('events', 0):,} events in {generated_s:,.0f} s",
        flush=True)
    imports: dict[str, Any] = {}
    with init_workspace(home) as app:
        for table, path in result.files.items():  # every file, as `tenure demo` does
            t0 = time.perf_counter()
            report = import_file(app, table, path)
            took = time.perf_counter() - t0
            imports[table] = {"imported": report.imported, "rejected": report.rejected,
                              "duplicate": report.duplicate, "seconds": took}
            log(f"  imported {table}: {report.imported:,} rows in {took:,.0f} s", flush=True)
    shutil.rmtree(sample_dir, ignore_errors=True)  # the workspace is the cache
    manifest = {
        "accounts": company.accounts,
        "events_scale": company.events_scale,
        "seed": SEED,
        "as_of": AS_OF.isoformat(),
        "rows": dict(result.rows),
        "generated_s": generated_s,
        "imports": imports,
        "import_s": sum(v["seconds"] for v in imports.values()),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return home, manifest


def _git_revision() -> str:
    """The commit measured (``+dirty`` when src/ has uncommitted changes): the engine moves."""
    import subprocess

    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                "src"], cwd=REPO, check=True, capture_output=True,
                               text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+dirty" if dirty else "")


def _workspace_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in home.rglob("*.duckdb") if p.is_file())


# --- measuring (in a fresh child process) -------------------------------------------------------


class QueryLog:
    """Times every query the engine sends (ibis ``Expr.execute``) while installed."""

    def __init__(self) -> None:
        self.queries: list[dict[str, Any]] = []

    def __enter__(self) -> QueryLog:
        import ibis.expr.types.core as core

        from tenure.metrics.catalog import builtin

        metrics = builtin()
        self._core, self._orig = core, core.Expr.execute
        orig, queries = self._orig, self.queries

        def execute(expr: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            out = orig(expr, *args, **kwargs)
            took = time.perf_counter() - started
            cols = [str(c) for c in getattr(out, "columns", ())]
            datasets = sorted({metrics[c].dataset or "" for c in cols if c in metrics})
            label = ("dataset " + ", ".join(datasets) if datasets
                     else "account dimensions" if "segment" in cols
                     else "currencies" if cols == ["currency"] else ", ".join(cols[:3]))
            queries.append({"query": label, "seconds": took, "rows": len(out)})
            return out

        core.Expr.execute = execute  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self._core.Expr.execute = self._orig  # type: ignore[method-assign]


def _step(fn: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """Run ``fn`` once: its wall and CPU time, and the process's peak RSS during it."""
    before = current_rss_mib()
    reset_peak_rss()
    cpu = time.process_time()
    started = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - started
    return out, {"seconds": wall, "cpu_s": time.process_time() - cpu,
                 "rss_before_mib": before, "peak_rss_mib": peak_rss_mib(),
                 "rss_after_mib": current_rss_mib()}


def _engine_run(app: Any) -> tuple[Any, dict[str, Any]]:
    from tenure.metrics import account_metrics

    with QueryLog() as qlog:
        frame, m = _step(lambda: account_metrics(app, as_of=AS_OF, period=PERIOD))
    m["queries"] = qlog.queries
    m["query_s"] = sum(q["seconds"] for q in qlog.queries)
    return frame, m


def _raw_scan(app: Any) -> tuple[Any, dict[str, Any]]:
    con = app.warehouse.con
    return _step(lambda: con.execute(RAW_SCAN_SQL).df())


def _company_run(app: Any) -> tuple[Any, dict[str, Any]]:
    from tenure.metrics import compute_metrics

    with QueryLog() as qlog:
        frame, m = _step(lambda: compute_metrics(app, as_of=AS_OF, period="month",
                                                 periods=COMPANY_PERIODS))
    m["queries"] = qlog.queries
    return frame, m


def _say(msg: str) -> None:
    print(f"  {msg}", flush=True)


def measure_large(home: str, repeat: int) -> dict[str, Any]:
    """The large company: account_metrics ``repeat`` times, then one raw scan and one year of
    company KPIs. Runs in a fresh child process."""
    from tenure import build_app

    with build_app(home) as app:
        baseline = current_rss_mib()
        engine = []
        frame = None
        for i in range(repeat):
            frame, m = _engine_run(app)
            engine.append(m)
            _say(f"large: account_metrics #{i + 1}: {m['seconds']:,.1f} s, peak "
                 f"{m['peak_rss_mib']:,.0f} MiB")
        assert frame is not None
        raw = []
        for _ in range(repeat):
            _, m = _raw_scan(app)
            raw.append(m)
        _say(f"large: raw events scan {statistics.median(r['seconds'] for r in raw):.2f} s")
        accounts = app.warehouse.con.execute("SELECT count(*) FROM accounts").fetchall()[0][0]
    return {
        "baseline_rss_mib": baseline,
        "engine": engine,
        "raw_scan": raw,
        "rows_out": len(frame),
        "columns_out": len(frame.columns),
        "accounts_in_warehouse": accounts,
        "process_peak_rss_mib": max(m["peak_rss_mib"] for m in (*engine, *raw)),
    }


def measure_comparison(home: str, repeat: int) -> dict[str, Any]:
    """The comparison company, everything in one process: the engine, the raw scan, a year of
    company KPIs, then the pandas reference (last: its DataFrames would stay in memory)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # `tests` is importable from the repository root
    from tenure import build_app

    with build_app(home) as app:
        baseline = current_rss_mib()
        engine, raw = [], []
        frame = None
        for i in range(repeat):
            frame, m = _engine_run(app)
            engine.append(m)
            _say(f"comparison: account_metrics #{i + 1}: {m['seconds']:,.2f} s")
            _, r = _raw_scan(app)
            raw.append(r)
            _say(f"comparison: raw events scan #{i + 1}: {r['seconds']:,.2f} s")
        assert frame is not None
        company_frame, company = _company_run(app)
        _say(f"comparison: compute_metrics month×{COMPANY_PERIODS}: {company['seconds']:,.1f} s")

        import tests.metrics.reference as reference_module
        from tests.metrics.reference import load_tables, reference_account_metrics

        pandas_runs = []
        ref = None
        spent = 0.0
        for i in range(repeat):
            tables, load = _step(lambda: load_tables(app))

            def reference(t: Any = tables) -> Any:
                return reference_account_metrics(t, as_of=AS_OF, settings=app.settings,
                                                 period=PERIOD)

            ref, comp = _step(reference)
            # Free the DataFrames before the next load: the reference keeps its last two
            # prepared inputs for the tests (``_PREPARED``), 5 GB each at 10 million events.
            getattr(reference_module, "_PREPARED", []).clear()
            del reference, tables
            gc.collect()
            pandas_runs.append({"load": load, "compute": comp})
            spent += load["seconds"] + comp["seconds"]
            _say(f"comparison: pandas reference #{i + 1}: load {load['seconds']:,.1f} s, "
                 f"compute {comp['seconds']:,.1f} s, peak {comp['peak_rss_mib']:,.0f} MiB")
            if spent > PANDAS_BUDGET_S:
                break
        assert ref is not None
    return {
        "baseline_rss_mib": baseline,
        "engine": engine,
        "raw_scan": raw,
        "company_kpis": company,
        "pandas": pandas_runs,
        "rows_out": len(frame),
        "columns_out": len(frame.columns),
        "company_rows_out": len(company_frame),
        "pandas_rows_out": len(ref),
        "pandas_columns_out": len(ref.columns),
    }


def _in_child(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


def _build_in_child(company: Company, data_dir: Path) -> dict[str, Any]:
    home, manifest = ensure_workspace(company, data_dir)
    return {"home": str(home), "manifest": manifest, "warehouse_bytes": _workspace_bytes(home)}


# --- the benchmark ------------------------------------------------------------------------------


def _median(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return float(statistics.median(r[key] for r in runs))


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median time (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return ordered[(len(ordered) - 1) // 2]


def _by_query(run_: dict[str, Any]) -> list[dict[str, Any]]:
    """A run's query times summed by label, slowest first."""
    out: dict[str, dict[str, Any]] = {}
    for q in run_["queries"]:
        row = out.setdefault(q["query"], {"query": q["query"], "seconds": 0.0, "count": 0,
                                          "rows": 0})
        row["seconds"] += q["seconds"]
        row["count"] += 1
        row["rows"] += q["rows"]
    return sorted(out.values(), key=lambda r: -r["seconds"])


def summarise(large: dict[str, Any], comp: dict[str, Any]) -> dict[str, Any]:
    eng_l, raw_l = _median(large["engine"]), _median(large["raw_scan"])
    eng_c, raw_c = _median(comp["engine"]), _median(comp["raw_scan"])
    pandas_load = float(statistics.median(r["load"]["seconds"] for r in comp["pandas"]))
    pandas_comp = float(statistics.median(r["compute"]["seconds"] for r in comp["pandas"]))
    return {
        "large_engine_s": spread([r["seconds"] for r in large["engine"]]),
        "large_engine_peak_rss_mib": spread([r["peak_rss_mib"] for r in large["engine"]]),
        "large_raw_scan_s": raw_l,
        "large_engine_vs_raw": eng_l / raw_l,
        "comparison_engine_s": spread([r["seconds"] for r in comp["engine"]]),
        "comparison_engine_peak_rss_mib": max(r["peak_rss_mib"] for r in comp["engine"]),
        "comparison_raw_scan_s": spread([r["seconds"] for r in comp["raw_scan"]]),
        "comparison_company_s": comp["company_kpis"]["seconds"],
        "pandas_load_s": pandas_load,
        "pandas_compute_s": pandas_comp,
        "pandas_peak_rss_mib": max(max(r["load"]["peak_rss_mib"], r["compute"]["peak_rss_mib"])
                                   for r in comp["pandas"]),
        "pandas_runs": len(comp["pandas"]),
        "speedup_vs_pandas": pandas_comp / eng_c,
        "speedup_vs_pandas_with_load": (pandas_load + pandas_comp) / eng_c,
        "engine_vs_raw": eng_c / raw_c,
        # CPU seconds (all threads): less disturbed than wall time when the machine is shared
        "engine_vs_raw_cpu": _median(comp["engine"], "cpu_s") / _median(comp["raw_scan"], "cpu_s"),
        "speedup_vs_pandas_cpu": float(statistics.median(
            r["compute"]["cpu_s"] for r in comp["pandas"])) / _median(comp["engine"], "cpu_s"),
        "large_engine_cpu_s": _median(large["engine"], "cpu_s"),
        "large_by_query": _by_query(_median_run(large["engine"])),
        "comparison_by_query": _by_query(_median_run(comp["engine"])),
    }


def _checks(large_c: Company, large: dict[str, Any], comp_c: Company,
            comp: dict[str, Any]) -> list[str]:
    problems = []
    for company, res in ((large_c, large), (comp_c, comp)):
        if res["rows_out"] != company.accounts:
            problems.append(f"{company.label}: account_metrics returned {res['rows_out']:,} "
                            f"rows for {company.accounts:,} accounts")
    if comp["pandas_rows_out"] != comp["rows_out"]:
        problems.append(f"the pandas reference returned {comp['pandas_rows_out']:,} rows, the "
                        f"engine {comp['rows_out']:,}")
    return problems


def _s(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _mib(x: float) -> str:
    return f"{x:,.0f}"


def run(options: Options) -> Outcome:
    large_c, comp_c = companies(options)
    repeat = options.repeat
    print(f"{NAME}: {large_c.label} and {comp_c.label}, {repeat} repetition(s)")
    built = {}
    for company in (comp_c, large_c):  # the small one first: a failure shows up early
        built[company.label] = _in_child(_build_in_child, company, options.data_dir)
    large_b, comp_b = built[large_c.label], built[comp_c.label]

    load_before = os.getloadavg()[0]
    large = _in_child(measure_large, large_b["home"], repeat)
    comp = _in_child(measure_comparison, comp_b["home"], repeat)
    summary = summarise(large, comp)
    problems = _checks(large_c, large, comp_c, comp)
    info = machine()
    data = {
        "as_of": AS_OF.isoformat(),
        "period": PERIOD,
        "seed": SEED,
        "repeat": repeat,
        "quick": options.quick,
        "command": options.command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revision": _git_revision(),
        "machine": info,
        "loadavg": {"before": load_before, "after": os.getloadavg()[0]},
        "raw_scan_sql": RAW_SCAN_SQL,
        "large": {"company": vars(large_c), "workspace": large_b, **large},
        "comparison": {"company": vars(comp_c), "workspace": comp_b, **comp},
        "summary": summary,
    }
    if not (options.quick or options.rows):
        RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"wrote {RESULT_FILE.relative_to(REPO)}")

    ev_l = large_b["manifest"]["rows"]["events"]
    ev_c = comp_b["manifest"]["rows"]["events"]
    s = summary
    headers = ["measurement", "accounts", "events", "seconds", "peak RSS MiB", "ratio"]
    table = [
        ["account_metrics (large)", f"{large_c.accounts:,}", f"{ev_l:,}",
         _s(s["large_engine_s"]["median"]), _mib(s["large_engine_peak_rss_mib"]["max"]),
         f"{s['large_engine_vs_raw']:.1f}× raw scan"],
        ["raw events scan (large)", f"{large_c.accounts:,}", f"{ev_l:,}",
         _s(s["large_raw_scan_s"]), _mib(max(r["peak_rss_mib"] for r in large["raw_scan"])),
         ""],
        ["account_metrics", f"{comp_c.accounts:,}", f"{ev_c:,}",
         _s(s["comparison_engine_s"]["median"]), _mib(s["comparison_engine_peak_rss_mib"]), ""],
        ["raw events scan", f"{comp_c.accounts:,}", f"{ev_c:,}",
         _s(s["comparison_raw_scan_s"]["median"]),
         _mib(max(r["peak_rss_mib"] for r in comp["raw_scan"])),
         f"engine ÷ it {s['engine_vs_raw']:.1f}× (goal ≤ {WITHIN_RAW_SCAN:g}×)"],
        [f"compute_metrics month×{COMPANY_PERIODS}", f"{comp_c.accounts:,}", f"{ev_c:,}",
         _s(s["comparison_company_s"]), _mib(comp["company_kpis"]["peak_rss_mib"]), ""],
        ["pandas reference: load tables", f"{comp_c.accounts:,}", f"{ev_c:,}",
         _s(s["pandas_load_s"]),
         _mib(max(r["load"]["peak_rss_mib"] for r in comp["pandas"])), ""],
        ["pandas reference: compute", f"{comp_c.accounts:,}", f"{ev_c:,}",
         _s(s["pandas_compute_s"]),
         _mib(max(r["compute"]["peak_rss_mib"] for r in comp["pandas"])),
         f"÷ engine {s['speedup_vs_pandas']:.1f}× (goal ≥ {FASTER_THAN_PANDAS:g}×); "
         f"{s['speedup_vs_pandas_with_load']:.1f}× with the load"],
    ]
    return Outcome(name=NAME, title=TITLE, headers=headers, rows=table, data=data,
                   markdown=markdown(data), problems=problems)


# --- the docs section ---------------------------------------------------------------------------


def _goal(ok: bool) -> str:
    return "met" if ok else "**not met**"


def markdown(data: dict[str, Any]) -> str:
    """This benchmark's section of docs/benchmarks.md, from its results."""
    s, info = data["summary"], data["machine"]
    large, comp = data["large"], data["comparison"]
    lc, cc = large["company"], comp["company"]
    ev_l = large["workspace"]["manifest"]["rows"]["events"]
    ev_c = comp["workspace"]["manifest"]["rows"]["events"]
    cols = large["columns_out"]

    def rng(sp: dict[str, float]) -> str:
        return (f"{_s(sp['median'])} s ({_s(sp['min'])}–{_s(sp['max'])})"
                if sp["min"] != sp["max"] else f"{_s(sp['median'])} s")

    n_l, n_c = len(large["engine"]), len(comp["engine"])
    main = markdown_table(
        ["", f"{lc['accounts']:,} accounts, {ev_l:,} events",
         f"{cc['accounts']:,} accounts, {ev_c:,} events"],
        [
            ["**`account_metrics`** (runs)",
             f"**{rng(s['large_engine_s'])}** ({n_l})", f"{rng(s['comparison_engine_s'])} ({n_c})"],
            ["peak RSS during `account_metrics` (MiB)",
             f"**{_mib(s['large_engine_peak_rss_mib']['max'])}**",
             _mib(s["comparison_engine_peak_rss_mib"])],
            ["RSS before (Python, Tenure, workspace open; MiB)",
             _mib(large["baseline_rss_mib"]), _mib(comp["baseline_rss_mib"])],
            ["raw DuckDB aggregate scan of `events`", f"{_s(s['large_raw_scan_s'])} s",
             f"{_s(s['comparison_raw_scan_s']['median'])} s"],
            ["`account_metrics` ÷ raw scan", f"{s['large_engine_vs_raw']:.1f}×",
             f"**{s['engine_vs_raw']:.1f}×** (goal ≤ {WITHIN_RAW_SCAN:g}×: "
             f"{_goal(s['engine_vs_raw'] <= WITHIN_RAW_SCAN)})"],
            [f"`compute_metrics(period=\"month\", periods={COMPANY_PERIODS})`", "not measured",
             f"{_s(s['comparison_company_s'])} s, peak "
             f"{_mib(comp['company_kpis']['peak_rss_mib'])} MiB"],
            ["pandas reference: `load_tables` (DuckDB → pandas)", "—",
             f"{_s(s['pandas_load_s'])} s"],
            ["pandas reference: `reference_account_metrics`", "—",
             f"{_s(s['pandas_compute_s'])} s ({s['pandas_runs']} run(s)), peak "
             f"{_mib(s['pandas_peak_rss_mib'])} MiB"],
            ["pandas compute ÷ `account_metrics`", "—",
             f"**{s['speedup_vs_pandas']:.1f}×** (goal ≥ {FASTER_THAN_PANDAS:g}×: "
             f"{_goal(s['speedup_vs_pandas'] >= FASTER_THAN_PANDAS)})"],
            ["pandas load + compute ÷ `account_metrics`", "—",
             f"{s['speedup_vs_pandas_with_load']:.1f}×"],
            ["CPU seconds (all threads): `account_metrics`",
             f"{_s(s['large_engine_cpu_s'])} s", f"{_s(_median(comp['engine'], 'cpu_s'))} s"],
            ["CPU seconds: `account_metrics` ÷ raw scan; pandas compute ÷ `account_metrics`",
             "—", f"{s['engine_vs_raw_cpu']:.1f}×; {s['speedup_vs_pandas_cpu']:.1f}×"],
            ["workspace build, once, not a measurement (generate; import every file)",
             f"{_s(large['workspace']['manifest']['generated_s'])} s; "
             f"{_s(large['workspace']['manifest']['import_s'])} s",
             f"{_s(comp['workspace']['manifest']['generated_s'])} s; "
             f"{_s(comp['workspace']['manifest']['import_s'])} s"],
            ["warehouse file (MiB)", _mib(large["workspace"]["warehouse_bytes"] / 2**20),
             _mib(comp["workspace"]["warehouse_bytes"] / 2**20)],
        ],
    )

    def queries(rows: list[dict[str, Any]], total: float) -> list[list[str]]:
        out = [[q["query"], f"{q['count']}", f"{q['seconds']:.2f} s",
                f"{q['seconds'] / total:.0%}"] for q in rows]
        rest = total - sum(q["seconds"] for q in rows)
        out.append(["Python: building expressions, pandas merges and formulas", "",
                    f"{rest:.2f} s", f"{rest / total:.0%}"])
        return out

    lm, cm = _median_run(large["engine"]), _median_run(comp["engine"])
    by_query = markdown_table(
        ["query (what `account_metrics` sends to DuckDB)", "queries", "seconds", "share"],
        queries(s["large_by_query"], lm["seconds"]))
    by_query_c = markdown_table(
        ["query", "queries", "seconds", "share"], queries(s["comparison_by_query"], cm["seconds"]))
    quick = " (a `--quick` smoke run: not representative)" if data["quick"] else ""
    top = s["large_by_query"][0]
    return reflow(f"""## {TITLE}{quick}

What it shows: how long the per-account metrics table (`tenure.metrics.account_metrics(app,
as_of=date(2026, 11, 1), period="{data['period']}")`, {lc['accounts']:,} rows of {cols}
columns: the dimensions and every per-account KPI) takes for a large company, how much memory
it needs, and how it compares with the pandas reference implementation of the test suite and
with the fastest thing DuckDB can do with the events table. Measured by
`benchmarks/metrics_engine.py` on two sample companies
(`generate_company(..., seed={data['seed']}, as_of=date(2026, 11, 1))`, every file imported
as `tenure demo` does; the workspaces are built once into `bench-data/` and reused):

- large: {lc['accounts']:,} accounts at events scale {lc['events_scale']:g}: {ev_l:,} events;
- comparison: {cc['accounts']:,} accounts at events scale {cc['events_scale']:g}: {ev_c:,}
  events, a tenth of the large company with the same events per account and the same mix of
  tables, so its ratios carry over (100,000 accounts at scale 0.1 would hold as many events,
  but with every other table at full size it would mostly measure those).

Machine: {machine_markdown(info)} DuckDB defaults (all cores, memory limit 80% of RAM).
Measured {data['measured_at'][:10]} at commit `{data['revision']}`; the 1-minute load average was
{data['loadavg']['before']:.1f} before the runs and {data['loadavg']['after']:.1f} after (up to
{info['nproc']} is this benchmark alone; above that, other work shared the machine, and the CPU
seconds rows are the steadier comparison).

Command:

```
{data['command']}
```

Each company runs in a fresh process, with the workspace open and the database file in the OS
page cache. The large company's `account_metrics` runs {n_l} time(s) (median, min–max; the
first run also reads the tables into DuckDB's buffer pool). The comparison runs everything in
one process on the same data: the engine and the raw scan alternate {n_c} time(s), then
`compute_metrics`, then the pandas reference (`tests/metrics/reference.py`: `load_tables` reads
every table into pandas, `reference_account_metrics` computes; last, since its DataFrames stay
in memory). The raw scan is one DuckDB aggregate over the events table through the same
connection, the floor for anything that reads every event:

```sql
{data['raw_scan_sql']}
```

Peak RSS is the process's VmHWM restarted before each step (DuckDB's memory is the process's;
it keeps its buffer pool between steps, so "RSS before" grows after the first run).

{main}

Where the time of `account_metrics` goes ({lc['accounts']:,} accounts, the median run; each
query is one aggregate over one dataset for every metric of that dataset, timed around ibis's
`execute`, its SQL compilation included):

{by_query}

The same at {cc['accounts']:,} accounts:

{by_query_c}

What it means: the per-account metrics table for {lc['accounts']:,} accounts and {ev_l:,}
events takes {_s(s['large_engine_s']['median'])} s and peaks at
{_mib(s['large_engine_peak_rss_mib']['max'])} MiB on this machine. At {ev_c:,} events the pandas
reference's compute takes {s['speedup_vs_pandas']:.1f}× the engine's time
({s['speedup_vs_pandas_with_load']:.1f}× counting its load; goal ≥ {FASTER_THAN_PANDAS:g}×:
{_goal(s['speedup_vs_pandas'] >= FASTER_THAN_PANDAS)}; in CPU seconds
{s['speedup_vs_pandas_cpu']:.1f}×), and the engine takes {s['engine_vs_raw']:.1f}× one raw
aggregate scan of the events table (goal ≤ {WITHIN_RAW_SCAN:g}×:
{_goal(s['engine_vs_raw'] <= WITHIN_RAW_SCAN)}; in CPU seconds {s['engine_vs_raw_cpu']:.1f}×).
The largest single query at {lc['accounts']:,} accounts is the {top['query']} query
({top['seconds']:.1f} s, {top['seconds'] / lm['seconds']:.0%} of the run).
""")


if __name__ == "__main__":  # build ahead: python -m benchmarks.metrics_engine ACCOUNTS SCALE
    ensure_workspace(Company(int(sys.argv[1]), float(sys.argv[2])))
