"""Health scoring: the daily scoring run (`tenure score`) for 100,000 accounts.

What runs every morning: every account's health score as of yesterday
(``tenure.score.run_scoring(app, as_of=...)``): the per-account metrics the health model reads
(``tenure.health.inputs.account_inputs`` → ``tenure.metrics.account_metrics``), the scoring
(``tenure.health.scoring.score_frame``), then the day's history and the snapshot of every
account written to the app database. It reuses the metrics_engine benchmark's cached sample
company (``benchmarks.metrics_engine.ensure_workspace``: 100,000 accounts at events scale 0.96,
seed 1, about 100 million events; ``--quick``: 2,000 accounts at scale 0.5) and scores as of
the day before the metrics_engine's as-of date (the data ends that day).

The cached workspace's own app database is never written: every measurement opens the warehouse
with settings whose ``app_db.url`` points to a fresh SQLite file in a temporary folder (migrated
before the clock starts). Each measurement runs in a fresh child process (its time, CPU seconds
and peak RSS, VmHWM restarted before each step, are its own; the warehouse file is read once
beforehand so every run finds it in the OS page cache), and each repetition runs them all in
this order, so drift on a shared machine touches every one alike:

1. reference: ``account_metrics(app, as_of=D, metrics=needed_metrics(load_model(...)))`` alone:
   the metrics the health model reads (goal: ``compute_health`` at most 1.5× it);
2. ``compute_health(app, as_of=D)``;
3. the same split, in one process: ``account_inputs`` then ``score_frame`` (timed apart), then
   ``save_history`` and ``save_snapshots`` (with no earlier scores) into the fresh app database;
4. ``run_scoring(app, as_of=D)`` on a fresh app database: with no history it also replays the
   day ``trend_days`` earlier (a second ``compute_health`` and ``save_history``);
5. ``run_scoring(app, as_of=D)`` again, in a new process on the database the first one left:
   the history of the earlier day exists, so nothing is replayed (the steady daily case).

Checks (the run exits 1 when one fails): the accounts scored are at most the paying accounts
(MRR > 0 in the reference frame) and at least 95% of them; for 1,000 random scored accounts the
measures' contributions add up to the score (within 1e-9); the rows written are one history row
per scored account and one snapshot per account; the first ``run_scoring`` replays the earlier
day and the second does not.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
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
    spread,
    warm_file,
)
from .metrics_engine import (
    AS_OF,
    SEED,
    Company,
    _git_revision,
    _in_child,
    companies,
    ensure_workspace,
)

NAME = "health_scoring"
TITLE = "Health scoring: the daily scoring run for 100,000 accounts"

SCORE_DAY = AS_OF - dt.timedelta(days=1)  # the sample data ends the day before AS_OF
OVERHEAD_GOAL = 1.5  # goal: compute_health ≤ 1.5 × account_metrics of the metrics it reads
MIN_SCORED_SHARE = 0.95  # check: scored ≥ 95% of the paying accounts
CONTRIBUTION_SAMPLE = 1_000
CONTRIBUTION_TOLERANCE = 1e-9


def company(options: Options) -> Company:
    """The metrics_engine benchmark's large company (100k full, 2k quick, or from --rows)."""
    return companies(options)[0]


# --- in the child processes ---------------------------------------------------------------------


def _say(msg: str) -> None:
    print(f"  {msg}", flush=True)


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


def _open(home: str, db_path: str) -> Any:
    """The cached workspace's warehouse with a fresh (or this benchmark's) app database."""
    from tenure.app import build_app
    from tenure.settings import load_settings

    db = Path(db_path).resolve()
    own = (Path(home) / "data").resolve()
    if db.parent == own:  # never write into the cached workspace's own app database
        raise RuntimeError(f"refusing to score into the workspace's app database {db}")
    settings = load_settings(Path(home))
    settings = settings.model_copy(update={
        "app_db": settings.app_db.model_copy(update={"url": f"sqlite:///{db}"})})
    app = build_app(home, settings=settings)
    assert Path(app.store.url.removeprefix("sqlite:///")) == db, app.store.url
    app.store.migrate()
    return app


def db_bytes(db_path: str | Path) -> int:
    """The SQLite app database on disk, its WAL and shared-memory files included."""
    p = Path(db_path)
    return sum(q.stat().st_size for q in (p, p.with_name(p.name + "-wal"),
                                          p.with_name(p.name + "-shm")) if q.exists())


def _table_rows(app: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from tenure.store import AccountSnapshot, HealthHistory

    with app.store.session() as s:
        history = s.execute(select(func.count()).select_from(HealthHistory)).scalar()
        days = s.execute(select(func.count(func.distinct(HealthHistory.day)))).scalar()
        snaps = s.execute(select(func.count()).select_from(AccountSnapshot)).scalar()
    return {"history": int(history or 0), "history_days": int(days or 0),
            "snapshots": int(snaps or 0)}


def measure_reference(home: str, db_path: str, as_of: dt.date) -> dict[str, Any]:
    """account_metrics of the metrics the health model reads, alone."""
    import pandas as pd

    from tenure.health import load_model
    from tenure.health.inputs import needed_metrics
    from tenure.metrics import account_metrics

    with _open(home, db_path) as app:
        names = needed_metrics(load_model(app.settings))
        baseline = current_rss_mib()
        frame, m = _step(lambda: account_metrics(app, as_of=as_of, metrics=names))
        paying = int((pd.to_numeric(frame["mrr"], errors="coerce").fillna(0) > 0).sum())
    return {"step": m, "baseline_rss_mib": baseline, "metrics": names,
            "rows": len(frame), "columns": len(frame.columns), "paying": paying}


def measure_compute_health(home: str, db_path: str, as_of: dt.date) -> dict[str, Any]:
    """compute_health, the whole of it."""
    from tenure.health import compute_health

    with _open(home, db_path) as app:
        baseline = current_rss_mib()
        scores, m = _step(lambda: compute_health(app, as_of=as_of))
        acc = scores.accounts
        scored = acc["score"].notna()
        return {"step": m, "baseline_rss_mib": baseline, "accounts": len(acc),
                "scored": int(scored.sum()),
                "lifecycle": {str(k): int(v) for k, v in acc["lifecycle"].value_counts().items()},
                "bands": {str(k): int(v) for k, v in acc.loc[scored, "band"].value_counts()
                          .items()},
                "measure_rows": len(scores.measures), "group_rows": len(scores.groups)}


def contributions_check(scores: Any, n: int = CONTRIBUTION_SAMPLE,
                        seed: int = SEED) -> dict[str, Any]:
    """For ``n`` random scored accounts: |sum of the measures' contributions - score|."""
    import numpy as np

    acc = scores.accounts
    scored = acc.loc[acc["score"].notna(), ["account_id", "score"]]
    rng = np.random.default_rng(seed)
    pick = rng.choice(scored["account_id"].to_numpy(), size=min(n, len(scored)), replace=False)
    ms = scores.measures
    sums = (ms.loc[ms["account_id"].isin(pick)].groupby("account_id")["contribution"].sum()
            .reindex(pick))
    want = scored.set_index("account_id")["score"].reindex(pick)
    diff = (sums.astype("float64") - want.astype("float64")).abs()
    bad = diff.isna() | (diff > CONTRIBUTION_TOLERANCE)
    return {"checked": len(pick), "max_abs_diff": float(diff.max()) if len(diff) else 0.0,
            "failed": int(bad.sum()),
            "examples": [str(a) for a in diff.index[bad.to_numpy()][:5]]}


def measure_split_and_write(home: str, db_path: str, as_of: dt.date) -> dict[str, Any]:
    """account_inputs, score_frame, save_history, save_snapshots: one process, timed apart."""
    from tenure.health import load_model
    from tenure.health.history import save_history, save_snapshots
    from tenure.health.inputs import account_inputs
    from tenure.health.scoring import score_frame

    with _open(home, db_path) as app:
        baseline = current_rss_mib()
        settings = app.settings
        model = load_model(settings)  # as compute_health does, untimed (microseconds)
        frame, inputs = _step(lambda: account_inputs(app, as_of=as_of, model=model,
                                                     settings=settings, store=app.store))
        scores, scoring = _step(lambda: score_frame(
            frame, model, as_of=as_of, currency=settings.company.reporting_currency))
        history_rows, history = _step(lambda: save_history(app.store, scores))
        snapshot_rows, snaps = _step(lambda: save_snapshots(
            app.store, scores, {}, tolerance=settings.health.trend_tolerance,
            currency=settings.company.reporting_currency))
        check = contributions_check(scores)
        tables = _table_rows(app)
        scored = int(scores.accounts["score"].notna().sum())
        accounts = len(scores.accounts)
    return {"inputs": inputs, "scoring": scoring, "save_history": history,
            "save_snapshots": snaps, "baseline_rss_mib": baseline, "accounts": accounts,
            "scored": scored, "history_rows": history_rows, "snapshot_rows": snapshot_rows,
            "tables": tables, "contributions": check, "db_bytes": db_bytes(db_path)}


def measure_run_scoring(home: str, db_path: str, as_of: dt.date) -> dict[str, Any]:
    """run_scoring, as `tenure score` runs it, on the given app database."""
    from tenure.score import run_scoring

    with _open(home, db_path) as app:
        before = _table_rows(app)
        baseline = current_rss_mib()
        result, m = _step(lambda: run_scoring(app, as_of=as_of))
        tables = _table_rows(app)
    out = result.as_dict()
    return {"step": m, "baseline_rss_mib": baseline, "tables_before": before,
            "tables": tables, "accounts": out["accounts"], "scored": out["scored"],
            "bands": out["bands"], "trends": out["trends"], "snapshot": out["snapshot"],
            "trend_days": out["trend_days"],
            "replayed": [d.isoformat() for d in out["replayed"]],
            "db_bytes": db_bytes(db_path)}


def _workspace(c: Company, data_dir: Path) -> dict[str, Any]:
    home, manifest = ensure_workspace(c, data_dir)
    warehouse = home / "data" / "warehouse.duckdb"
    return {"home": str(home), "manifest": manifest,
            "warehouse_bytes": warehouse.stat().st_size if warehouse.exists() else 0}


# --- the benchmark ------------------------------------------------------------------------------


def _steps(runs: list[dict[str, Any]], key: str = "step") -> list[dict[str, Any]]:
    return [r[key] for r in runs]


def _med(steps: list[dict[str, Any]], key: str = "seconds") -> float:
    return float(statistics.median(s[key] for s in steps))


def _peak(steps: list[dict[str, Any]]) -> float:
    return max(s["peak_rss_mib"] for s in steps)


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    ref, ch = _steps(runs["reference"]), _steps(runs["compute_health"])
    split = runs["split"]
    out: dict[str, Any] = {}
    named = {
        "reference": ref, "compute_health": ch,
        "inputs": _steps(split, "inputs"), "scoring": _steps(split, "scoring"),
        "save_history": _steps(split, "save_history"),
        "save_snapshots": _steps(split, "save_snapshots"),
        "run_scoring_first": _steps(runs["run_scoring_first"]),
        "run_scoring_steady": _steps(runs["run_scoring_steady"]),
    }
    for key, steps in named.items():
        out[key] = {"seconds": spread([s["seconds"] for s in steps]),
                    "cpu_s": _med(steps, "cpu_s"), "peak_rss_mib": _peak(steps),
                    "rss_before_mib": _med(steps, "rss_before_mib")}
    overhead = _med(ch) / _med(ref)
    out["compute_health_vs_reference"] = overhead
    out["compute_health_vs_reference_cpu"] = _med(ch, "cpu_s") / _med(ref, "cpu_s")
    out["inputs_vs_reference"] = _med(named["inputs"]) / _med(ref)
    out["overhead_goal_met"] = overhead <= OVERHEAD_GOAL
    out["write_s"] = float(statistics.median(
        r["save_history"]["seconds"] + r["save_snapshots"]["seconds"] for r in split))
    return out


def _checks(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    problems = []
    paying = runs["reference"][-1]["paying"]
    for label, key in (("compute_health", "compute_health"), ("account_inputs + score_frame",
                                                               "split"),
                       ("run_scoring (first)", "run_scoring_first"),
                       ("run_scoring (steady)", "run_scoring_steady")):
        for r in runs[key]:
            scored = r["scored"]
            if not (MIN_SCORED_SHARE * paying <= scored <= paying):
                problems.append(f"{label} scored {scored:,} accounts for {paying:,} paying "
                                f"(expected {MIN_SCORED_SHARE:.0%}–100% of them)")
                break
    for r in runs["split"]:
        c = r["contributions"]
        if c["failed"] or c["checked"] < min(CONTRIBUTION_SAMPLE, r["scored"]):
            problems.append(f"contributions do not add up to the score for {c['failed']} of "
                            f"{c['checked']} accounts (max |diff| {c['max_abs_diff']:.3g}; e.g. "
                            f"{', '.join(c['examples'])})")
            break
    for r in runs["split"]:
        if r["history_rows"] != r["scored"] or r["tables"]["history"] != r["scored"]:
            problems.append(f"save_history wrote {r['history_rows']:,} rows "
                            f"({r['tables']['history']:,} in the table) for {r['scored']:,} "
                            "scored accounts")
            break
        if r["snapshot_rows"] != r["accounts"] or r["tables"]["snapshots"] != r["accounts"]:
            problems.append(f"save_snapshots wrote {r['snapshot_rows']:,} rows for "
                            f"{r['accounts']:,} accounts")
            break
    for r in runs["run_scoring_first"]:
        if len(r["replayed"]) != 1 or r["tables"]["history_days"] != 2:
            problems.append(f"the first run_scoring replayed {r['replayed']} (expected the day "
                            f"{r['trend_days']} days earlier), history days "
                            f"{r['tables']['history_days']}")
            break
    for r in runs["run_scoring_steady"]:
        if r["replayed"]:
            problems.append(f"the second run_scoring replayed {r['replayed']}: it did not "
                            "measure the steady daily case")
            break
    return problems


def _s(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _mib(x: float) -> str:
    return f"{x:,.0f}"


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f}"


def run(options: Options) -> Outcome:
    c = company(options)
    repeat = options.repeat
    print(f"{NAME}: {c.label}, as of {SCORE_DAY}, {repeat} repetition(s)")
    ws = _in_child(_workspace, c, options.data_dir)
    home = ws["home"]
    warm_file(Path(home) / "data" / "warehouse.duckdb")

    tmp = Path(tempfile.mkdtemp(prefix="tenure-health-scoring-"))
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "reference", "compute_health", "split", "run_scoring_first", "run_scoring_steady")}
    load_before = os.getloadavg()[0]
    try:
        for i in range(repeat):
            n = f"#{i + 1}"

            def fresh(label: str, n: str = n) -> str:
                path = tmp / f"{label}-{n.lstrip('#')}" / "app.db"
                path.parent.mkdir(parents=True)
                return str(path)

            r = _in_child(measure_reference, home, fresh("reference"), SCORE_DAY)
            runs["reference"].append(r)
            _say(f"account_metrics ({len(r['metrics'])} metrics) {n}: "
                 f"{r['step']['seconds']:,.2f} s, peak {r['step']['peak_rss_mib']:,.0f} MiB")
            r = _in_child(measure_compute_health, home, fresh("compute_health"), SCORE_DAY)
            runs["compute_health"].append(r)
            _say(f"compute_health {n}: {r['step']['seconds']:,.2f} s, peak "
                 f"{r['step']['peak_rss_mib']:,.0f} MiB, {r['scored']:,} scored")
            r = _in_child(measure_split_and_write, home, fresh("split"), SCORE_DAY)
            runs["split"].append(r)
            _say(f"account_inputs {r['inputs']['seconds']:,.2f} s + score_frame "
                 f"{r['scoring']['seconds']:,.2f} s; save_history "
                 f"{r['save_history']['seconds']:,.2f} s, save_snapshots "
                 f"{r['save_snapshots']['seconds']:,.2f} s {n}; app DB "
                 f"{_mb(r['db_bytes'])} MiB")
            db = fresh("run_scoring")
            r = _in_child(measure_run_scoring, home, db, SCORE_DAY)
            runs["run_scoring_first"].append(r)
            _say(f"run_scoring, first {n}: {r['step']['seconds']:,.2f} s, peak "
                 f"{r['step']['peak_rss_mib']:,.0f} MiB, replayed {r['replayed']}")
            r = _in_child(measure_run_scoring, home, db, SCORE_DAY)
            runs["run_scoring_steady"].append(r)
            _say(f"run_scoring, steady {n}: {r['step']['seconds']:,.2f} s, peak "
                 f"{r['step']['peak_rss_mib']:,.0f} MiB, replayed {r['replayed']}")
            for sub in tmp.iterdir():  # the app databases can be large: keep none
                shutil.rmtree(sub, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    summary = summarise(runs)
    problems = _checks(runs)
    data = {
        "as_of": SCORE_DAY.isoformat(),
        "seed": SEED,
        "repeat": repeat,
        "quick": options.quick,
        "command": options.command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revision": _git_revision(),
        "machine": machine(),
        "loadavg": {"before": load_before, "after": os.getloadavg()[0]},
        "company": vars(c),
        "workspace": ws,
        "overhead_goal": OVERHEAD_GOAL,
        "runs": runs,
        "summary": summary,
    }
    headers, rows = _table(data)
    return Outcome(name=NAME, title=TITLE, headers=headers, rows=rows, data=data,
                   markdown=markdown(data), problems=problems)


def _table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    s, runs = data["summary"], data["runs"]
    ref, ch, split = runs["reference"][-1], runs["compute_health"][-1], runs["split"][-1]
    first, steady = runs["run_scoring_first"][-1], runs["run_scoring_steady"][-1]
    accounts = f"{ch['accounts']:,}"

    def row(label: str, key: str, scored: str = "", written: str = "",
            note: str = "") -> list[str]:
        return [label, accounts, scored, _s(s[key]["seconds"]["median"]),
                _mib(s[key]["peak_rss_mib"]), written, note]

    goal = "met" if s["overhead_goal_met"] else "NOT MET"
    first_rows = first["tables"]["history"] + first["tables"]["snapshots"]
    steady_rows = steady["scored"] + steady["tables"]["snapshots"]
    headers = ["measurement", "accounts", "scored", "seconds", "peak RSS MiB", "rows written",
               "notes"]
    rows = [
        row(f"account_metrics ({len(ref['metrics'])} metrics; reference)", "reference",
            note=f"{ref['paying']:,} paying"),
        row("compute_health", "compute_health", f"{ch['scored']:,}",
            note=f"{s['compute_health_vs_reference']:.2f}× account_metrics "
                 f"(goal ≤ {OVERHEAD_GOAL:g}×: {goal})"),
        row("  inputs: account_inputs", "inputs",
            note=f"{s['inputs_vs_reference']:.2f}× account_metrics"),
        row("  scoring: score_frame", "scoring", f"{split['scored']:,}"),
        row("save_history", "save_history", written=f"{split['history_rows']:,}"),
        row("save_snapshots", "save_snapshots", written=f"{split['snapshot_rows']:,}",
            note=f"app DB {_mb(split['db_bytes'])} MiB"),
        row("run_scoring, first (replays D-30)", "run_scoring_first", f"{first['scored']:,}",
            f"{first_rows:,}", f"app DB {_mb(first['db_bytes'])} MiB"),
        row("run_scoring, steady (history exists)", "run_scoring_steady",
            f"{steady['scored']:,}", f"{steady_rows:,}",
            f"app DB {_mb(steady['db_bytes'])} MiB"),
    ]
    return headers, rows


# --- the docs section ---------------------------------------------------------------------------


def _goal(ok: bool) -> str:
    return "met" if ok else "**not met**"


def markdown(data: dict[str, Any]) -> str:
    """This benchmark's section of docs/benchmarks.md, from its results."""
    s, info, runs = data["summary"], data["machine"], data["runs"]
    c, ws = data["company"], data["workspace"]
    ref, ch, split = runs["reference"][-1], runs["compute_health"][-1], runs["split"][-1]
    first, steady = runs["run_scoring_first"][-1], runs["run_scoring_steady"][-1]
    events = ws["manifest"]["rows"]["events"]
    n = data["repeat"]

    def rng(key: str) -> str:
        sp = s[key]["seconds"]
        return (f"{_s(sp['median'])} s ({_s(sp['min'])}–{_s(sp['max'])})"
                if sp["min"] != sp["max"] else f"{_s(sp['median'])} s")

    def line(label: str, key: str, written: str = "", note: str = "") -> list[str]:
        return [label, rng(key), f"{_s(s[key]['cpu_s'])} s", _mib(s[key]["peak_rss_mib"]),
                _mib(s[key]["rss_before_mib"]), written, note]

    first_rows = first["tables"]["history"] + first["tables"]["snapshots"]
    steady_rows = steady["scored"] + steady["tables"]["snapshots"]
    main = markdown_table(
        ["step", f"seconds, median (min–max) of {n}", "CPU s", "peak RSS MiB",
         "RSS before MiB", "rows written", "notes"],
        [
            line(f"`account_metrics`, the {len(ref['metrics'])} metrics the model reads "
                 "(reference)", "reference", note=f"{ref['paying']:,} paying accounts"),
            line("**`compute_health`**", "compute_health",
                 note=f"{ch['scored']:,} scored; **{s['compute_health_vs_reference']:.2f}×** "
                      f"the reference (goal ≤ {OVERHEAD_GOAL:g}×: "
                      f"{_goal(s['overhead_goal_met'])})"),
            line("— inputs: `account_inputs`", "inputs",
                 note=f"{s['inputs_vs_reference']:.2f}× the reference"),
            line("— scoring: `score_frame`", "scoring",
                 note=f"{split['scored']:,} scored"),
            line("`save_history`", "save_history", f"{split['history_rows']:,}"),
            line("`save_snapshots` (no earlier scores)", "save_snapshots",
                 f"{split['snapshot_rows']:,}",
                 f"app DB after both: {_mb(split['db_bytes'])} MiB"),
            line("**`run_scoring`**, fresh app DB (also replays "
                 f"{first['replayed'][0] if first['replayed'] else 'nothing'})",
                 "run_scoring_first", f"{first_rows:,}",
                 f"app DB after: {_mb(first['db_bytes'])} MiB"),
            line("**`run_scoring`** again, history of the earlier day there (steady daily "
                 "case)", "run_scoring_steady", f"{steady_rows:,}",
                 f"app DB after: {_mb(steady['db_bytes'])} MiB"),
        ],
    )
    bands = ", ".join(f"{k} {v:,}" for k, v in first["bands"].items())
    trends = ", ".join(f"{k} {v:,}" for k, v in steady["trends"].items())
    quick = " (a `--quick` smoke run: not representative)" if data["quick"] else ""
    cc = split["contributions"]
    return reflow(f"""## {TITLE}{quick}

What it shows: how long the daily scoring run (`tenure score`, i.e.
`tenure.score.run_scoring(app, as_of=date({SCORE_DAY.year}, {SCORE_DAY.month},
{SCORE_DAY.day}))`) takes for {c['accounts']:,} accounts, how much memory it needs, how much
the health model adds to the per-account metrics it reads, and what writing the scores to the
app database costs. Measured by `benchmarks/health_scoring.py` on the metrics_engine
benchmark's cached sample company ({c['accounts']:,} accounts at events scale
{c['events_scale']:g}, {events:,} events, seed {data['seed']};
`bench-data/{Path(ws['home']).parent.name}`),
as of the day before its as-of date (the data ends that day), with the built-in health model
({len(ref['metrics'])} per-account metrics: {', '.join(f'`{m}`' for m in ref['metrics'])}).

Machine: {machine_markdown(info)} DuckDB defaults (all cores, memory limit 80% of RAM); the app
database is SQLite (WAL) on local disk. Measured {data['measured_at'][:10]} at commit
`{data['revision']}`; the 1-minute load average was {data['loadavg']['before']:.1f} before the
runs and {data['loadavg']['after']:.1f} after (up to {info['nproc']} is this benchmark alone;
above that, other work shared the machine, and the CPU seconds are the steadier comparison).

Command:

```
{data['command']}
```

Every measurement runs in a fresh process (as `tenure score` does each day), with the warehouse
file in the OS page cache and a fresh SQLite app database in a temporary folder (migrated before
the clock starts; the cached workspace's own app database is never written). Peak RSS is the
process's VmHWM restarted before each step; "RSS before" is the process before the step (Python,
Tenure, workspace open; in the split run, also what the earlier steps left: DuckDB's buffer pool,
the input frame, the scores). Each of the {n} repetition(s) runs, in order: `account_metrics` of
the model's metrics alone (the reference); `compute_health`; in one process `account_inputs`,
`score_frame`, `save_history` and `save_snapshots` (timed apart: the split, then the writes);
`run_scoring` on a fresh app database; `run_scoring` again on the database it left.

With no history in the app database, the first `run_scoring` also replays the day
{first['trend_days']} days earlier (a second `compute_health` and `save_history`, so that
trends exist at once): it scores two days and writes two days of history. The second run finds
that day's history and scores only the day: the steady daily case (it rewrites the day's
history, which a run for the next day would insert instead).

{main}

Accounts: {ch['accounts']:,} ({', '.join(f'{k} {v:,}' for k, v in ch['lifecycle'].items())});
scored {ch['scored']:,} of {ref['paying']:,} paying (bands: {bands}); the steady run's trends
against {first['replayed'][0] if first['replayed'] else 'the earlier day'}: {trends}. Checked:
the scored accounts are between {MIN_SCORED_SHARE:.0%} and 100% of the paying ones; one history
row per scored account and one snapshot per account; for {cc['checked']:,} random scored
accounts the measures' contributions add up to the score (largest difference
{cc['max_abs_diff']:.1e}).

What it means: the daily scoring run for {c['accounts']:,} accounts takes
{_s(s['run_scoring_steady']['seconds']['median'])} s and peaks at
{_mib(s['run_scoring_steady']['peak_rss_mib'])} MiB on this machine
({_s(s['run_scoring_first']['seconds']['median'])} s the first time, replaying a second day).
`compute_health` takes {s['compute_health_vs_reference']:.2f}× the `account_metrics` of the
metrics it reads (goal ≤ {OVERHEAD_GOAL:g}×: {_goal(s['overhead_goal_met'])}; in CPU seconds
{s['compute_health_vs_reference_cpu']:.2f}×): the inputs take
{_s(s['inputs']['seconds']['median'])} s (names, next renewals, lifecycle and pulses on top of
the metrics) and the scoring {_s(s['scoring']['seconds']['median'])} s. Writing the day's
history and every account's snapshot takes {_s(s['write_s'])} s and leaves an app database of
{_mb(split['db_bytes'])} MiB.
""")


if __name__ == "__main__":  # a quick look: python -m benchmarks.health_scoring
    from . import text_table

    outcome = run(Options(quick=True, repeat=1))
    print(text_table(outcome.headers, outcome.rows))
    for p in outcome.problems:
        print("CHECK FAILED:", p)
