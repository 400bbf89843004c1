"""Sample company: generate 100,000 accounts (about 100 million events) with flat memory.

``tenure.sample.generate_company`` simulates accounts a chunk at a time and appends each
chunk's rows to the files before the next, so its memory should not grow with the company.
This benchmark checks that at scale: it generates 20,000 accounts and then 100,000 (five
times the volume) with seed 1 and a fixed ``as_of`` (2026-11-01), each in a fresh child
process, and reports wall and CPU time, accounts/s and events/s, the rows written per table
(``SampleResult.rows``), the size of every file written, and the peak resident memory of the
child (VmHWM, restarted once the imports are done; see ``benchmarks.peak_rss_mib``), with the
RSS sampled after every chunk of accounts.

One repetition per size: the full run takes a while, and the point is memory and order of
magnitude, not a precise timing. ``--quick`` runs 400 and 2,000 accounts; ``--rows N`` runs
N // 5 and N accounts. The output goes to ``bench-data/sample-<size>/`` and is deleted after
each run (about 2 GB at 100,000 accounts; cheap to make again, so it is not cached).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import multiprocessing
import os
import shutil
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
)

NAME = "sample_company"
TITLE = "Sample company: 100,000 accounts, ~100 million events"

FULL_ACCOUNTS = (20_000, 100_000)
QUICK_ACCOUNTS = (400, 2_000)
SEED = 1
AS_OF = dt.date(2026, 11, 1)
# The generator is calibrated to about 1,000 events per account (tenure.sample.usage); a
# company of 100,000 accounts below 80 million events means the calibration broke. Small
# companies are left unchecked: a few very large accounts move their average too much.
MIN_EVENTS_PER_ACCOUNT = 800
CHECKED_FROM_ACCOUNTS = 20_000
FLAT = 1.25  # peak(large) / peak(small) below this reads as flat in the docs
RSS_POINTS = (0.2, 0.4, 0.6, 0.8, 1.0)  # fractions of the accounts shown in the docs


def sizes(options: Options) -> tuple[int, ...]:
    """Account counts to generate, smallest first: ``--rows N`` means N accounts (and N / 5)."""
    if options.rows:
        small = options.rows // 5
        return (small, options.rows) if small >= 1 else (options.rows,)
    return QUICK_ACCOUNTS if options.quick else FULL_ACCOUNTS


def out_dir_for(data_dir: Path, accounts: int) -> Path:
    label = f"{accounts // 1000}k" if accounts % 1000 == 0 else str(accounts)
    return data_dir / f"sample-{label}"


# --- one measured run (in a fresh child process) ------------------------------------------------


def measure(out_dir: str, accounts: int) -> dict[str, Any]:
    """Generate the company once. Runs in a fresh child process: the peak is its own."""
    from tenure.sample import generate_company
    from tenure.sample.generator import CHUNK

    out = Path(out_dir)
    shutil.rmtree(out, ignore_errors=True)
    # Everything imported: the peak from here on is the generator's (and what it loads lazily).
    baseline = current_rss_mib()
    samples: list[dict[str, float]] = []
    report_every = max(1, accounts // 10)
    next_report = report_every

    def progress(done: int, total: int) -> None:
        nonlocal next_report
        elapsed = time.perf_counter() - started
        samples.append({"accounts": done, "seconds": elapsed, "rss_mib": current_rss_mib(),
                        "peak_rss_mib": peak_rss_mib()})
        if done >= next_report or done == total:
            next_report += report_every
            print(f"  {total:,} accounts: {done:,} done, {elapsed:,.0f} s, RSS "
                  f"{samples[-1]['rss_mib']:,.0f} MiB", flush=True)

    load_before = os.getloadavg()[0]
    reset_peak_rss()
    cpu = time.process_time()
    started = time.perf_counter()
    result = generate_company(out, accounts=accounts, seed=SEED, as_of=AS_OF,
                              progress=progress)
    wall = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    peak = peak_rss_mib()
    load_after = os.getloadavg()[0]

    import pyarrow.parquet as pq

    # Counted again from the file's footer, not from the writer's own tally.
    events_in_file = pq.ParquetFile(result.files["events"]).metadata.num_rows
    files = {
        str(path.relative_to(out)): path.stat().st_size
        for path in sorted(out.rglob("*")) if path.is_file()
    }
    return {
        "accounts": accounts,
        "chunk": CHUNK,
        "wall_s": wall,
        "cpu_s": cpu_s,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "rows": dict(result.rows),
        "table_files": {t: str(p.relative_to(out)) for t, p in result.files.items()},
        "events_in_file": events_in_file,
        "file_bytes": files,
        "samples": samples,
    }


def _in_child(out_dir: Path, accounts: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(measure, str(out_dir), accounts).result()


# --- the benchmark ------------------------------------------------------------------------------


def _checks(run_: dict[str, Any]) -> list[str]:
    accounts, rows = run_["accounts"], run_["rows"]
    problems = []
    if rows["accounts"] != accounts:
        problems.append(f"{accounts:,} accounts: wrote {rows['accounts']:,} account rows")
    if run_["events_in_file"] != rows["events"]:
        problems.append(f"{accounts:,} accounts: events.parquet holds "
                        f"{run_['events_in_file']:,} rows, the generator reported "
                        f"{rows['events']:,}")
    empty = [t for t, n in rows.items() if n == 0]
    if empty:
        problems.append(f"{accounts:,} accounts: no rows in {', '.join(empty)}")
    floor = MIN_EVENTS_PER_ACCOUNT * accounts
    if accounts >= CHECKED_FROM_ACCOUNTS and rows["events"] < floor:
        problems.append(f"{accounts:,} accounts: {rows['events']:,} events, expected at least "
                        f"{floor:,}")
    return problems


def _mib(x: float) -> str:
    return f"{x:,.0f}"


def _s(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def _total_mib(run_: dict[str, Any]) -> float:
    return float(sum(run_["file_bytes"].values())) / 2**20


def run(options: Options) -> Outcome:
    counts = sizes(options)
    print(f"{NAME}: {', '.join(f'{n:,}' for n in counts)} accounts, one run each")
    runs: list[dict[str, Any]] = []
    problems: list[str] = []
    for accounts in counts:
        out_dir = out_dir_for(options.data_dir, accounts)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            run_ = _in_child(out_dir, accounts)
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)  # ~2 GB at 100,000 accounts
        print(f"  {accounts:,} accounts: {run_['rows']['events']:,} events in "
              f"{run_['wall_s']:,.0f} s, peak {run_['peak_rss_mib']:,.0f} MiB", flush=True)
        problems += _checks(run_)
        runs.append(run_)

    headers = ["accounts", "events", "wall s", "CPU s", "accounts/s", "events/s",
               "RSS before MiB", "peak RSS MiB", "output MiB"]
    table = [[
        f"{r['accounts']:,}", f"{r['rows']['events']:,}", _s(r["wall_s"]), _s(r["cpu_s"]),
        f"{r['accounts'] / r['wall_s']:,.0f}", f"{r['rows']['events'] / r['wall_s']:,.0f}",
        _mib(r["baseline_rss_mib"]), _mib(r["peak_rss_mib"]), _mib(_total_mib(r)),
    ] for r in runs]
    data = {
        "sizes": list(counts),
        "seed": SEED,
        "as_of": AS_OF.isoformat(),
        "quick": options.quick,
        "command": options.command,
        "machine": machine(),
        "runs": runs,
    }
    return Outcome(
        name=NAME, title=TITLE, headers=headers, rows=table, data=data,
        markdown=markdown(data), problems=problems,
    )


# --- the docs section ---------------------------------------------------------------------------


def _rss_at(run_: dict[str, Any], fraction: float) -> dict[str, float]:
    """The first sample at or past ``fraction`` of the accounts."""
    want = fraction * run_["accounts"]
    return next(s for s in run_["samples"] if s["accounts"] >= want)


def markdown(data: dict[str, Any]) -> str:
    """This benchmark's section of docs/benchmarks.md, from its results."""
    runs, info = data["runs"], data["machine"]
    small, large = runs[0], runs[-1]
    heads = [f"{r['accounts']:,} accounts" for r in runs]

    summary = markdown_table(
        ["", *heads],
        [
            ["events", *(f"{r['rows']['events']:,}" for r in runs)],
            ["wall time", *(f"{_s(r['wall_s'])} s" for r in runs)],
            ["CPU time", *(f"{_s(r['cpu_s'])} s" for r in runs)],
            ["accounts/s", *(f"{r['accounts'] / r['wall_s']:,.0f}" for r in runs)],
            ["events/s", *(f"{r['rows']['events'] / r['wall_s']:,.0f}" for r in runs)],
            ["RSS before generating (MiB)", *(_mib(r["baseline_rss_mib"]) for r in runs)],
            ["**peak RSS (MiB)**", *(f"**{_mib(r['peak_rss_mib'])}**" for r in runs)],
            ["written (MiB)", *(_mib(_total_mib(r)) for r in runs)],
        ],
    )

    # One row per file: the canonical tables in schema order, then the ground truth.
    names = list(large["file_bytes"])
    table_of = {f: t for t, f in large["table_files"].items()}
    ordered = [large["table_files"][t] for t in large["rows"]]
    ordered += [f for f in names if f not in ordered]
    file_rows = []
    for f in ordered:
        table = table_of.get(f)
        cells = [f"`{f}`"]
        for r in runs:
            rows = f"{r['rows'][table]:,}" if table else "—"
            size = r["file_bytes"].get(f)
            cells += [rows, "—" if size is None else f"{size / 2**20:,.1f}"]
        file_rows.append(cells)
    file_rows.append(["**total**", *(c for r in runs for c in (
        f"{sum(r['rows'].values()):,}", f"{_total_mib(r):,.1f}"))])
    files = markdown_table(
        ["file", *(c for h in heads for c in (f"rows, {h}", f"MiB, {h}"))], file_rows)

    rss = markdown_table(
        ["accounts done", *(f"RSS / peak MiB, {h}" for h in heads)],
        [[f"{p:.0%}", *(f"{_mib(_rss_at(r, p)['rss_mib'])} / {_mib(_rss_at(r, p)['peak_rss_mib'])}"
                        for r in runs)] for p in RSS_POINTS],
    )

    loads = [r[k] for r in runs for k in ("loadavg_before", "loadavg_after")]
    volume = large["rows"]["events"] / small["rows"]["events"]
    growth = large["peak_rss_mib"] / small["peak_rss_mib"]
    per_account = large["rows"]["events"] / large["accounts"]
    if growth < FLAT:
        verdict = ("Memory is flat: it is set by the chunk of accounts and its blocks of about "
                   "a million events, not by the size of the company.")
    else:
        verdict = (f"Memory is not flat: the peak grew more than {FLAT - 1:.0%} with the "
                   "company, so something is held across chunks.")
    quick = " (a `--quick` smoke run: not representative)" if data["quick"] else ""
    return reflow(f"""## {TITLE}{quick}

What it shows: `tenure.sample.generate_company` writes a company of any size with bounded
memory. It simulates {large['chunk']:,} accounts at a time and appends each chunk's rows to
the files before the next, so memory follows the chunk, not the company. Measured by
`benchmarks/sample_company.py`: `generate_company(out_dir, accounts=N, seed={data['seed']},
as_of=date({AS_OF.year}, {AS_OF.month}, {AS_OF.day}))` with the default 2.5 years and events
scale 1.0, for {' and '.join(f'{n:,}' for n in data['sizes'])} accounts.

Machine: {machine_markdown(info)} The 1-minute load average around the runs was
{min(loads):.1f}–{max(loads):.1f}, this benchmark's own process included (up to
{info['nproc']}).

Command:

```
{data['command']}
```

One run per size (the large one is long; the point is memory and order of magnitude, not a
precise timing), each in a fresh process. The time covers the generation and the writing of
every file (to the page cache; no fsync); CPU time is the process's, all threads. Peak RSS is
the process's VmHWM, restarted after Python, numpy, pyarrow and Tenure are loaded (that is the
"RSS before" row), so it includes them. The files go to `bench-data/sample-<size>/` and are
deleted after each run.

{summary}

Rows written per table (`SampleResult.rows`) and file sizes (MiB, as written; `ground_truth/`
is the latent state the demo keeps beside the files and does not import):

{files}

Memory during the run: the RSS after the chunk that reaches each share of the accounts, and
the peak so far:

{rss}

What it means: {volume:.1f}× the events ({small['rows']['events']:,} →
{large['rows']['events']:,}, {per_account:,.0f} per account) took
{large['wall_s'] / small['wall_s']:.1f}× the time and {growth:.2f}× the peak memory
({_mib(small['peak_rss_mib'])} → {_mib(large['peak_rss_mib'])} MiB). {verdict} Generation
runs at about {large['rows']['events'] / large['wall_s']:,.0f} events/s (CPU time
{large['cpu_s'] / large['wall_s']:.2f}× wall time), so {large['accounts']:,} accounts take
{large['wall_s'] / 60:,.0f} minutes on this machine.
""")
