"""Privacy requests: an access request, a retention dry run and an erasure, 100,000 accounts.

What a privacy request costs on a workspace of the metrics_engine benchmark's cached sample
company (``benchmarks.metrics_engine.ensure_workspace``: 100,000 accounts at events scale
0.96, seed 1, about 100 million events; ``--quick``: 2,000 accounts at scale 0.5):

- ``tenure.privacy.requests.export_registered``: an access request (the person's ZIP);
- ``tenure.privacy.retention.enforce_retention(dry_run=True)``: what the default retention
  rules would delete or blank as of the metrics_engine's as-of date;
- ``tenure.privacy.requests.erase_registered``: an erasure (one warehouse transaction of
  regular-expression scans over every text column of every table, the app database, the files
  under the workspace, then both databases compacted: DuckDB ``COPY FROM DATABASE`` into a new
  file renamed over the old one, SQLite ``VACUUM``).

The person is chosen on the data, the same in every repetition: the contact with a name whose
contact id has the most rows in ``events.user_id`` (the heavy case). Only counts are reported,
never their email, name or id.

The cached workspace is never written: each repetition copies it (``shutil.copytree``) into a
temporary folder, runs every step on the copy, and deletes the copy. Each step runs in a fresh
child process (DuckDB caches), in this order:

1. reference: the person picked; one plain scan of every VARCHAR/JSON column of every warehouse
   table (``regexp_matches(CAST(col AS VARCHAR), 'zzz-no-match')``, one query per table), then
   a plain ``COPY FROM DATABASE`` of the warehouse into a new file (the compaction's floor);
2. ``export_registered`` (the ZIP written outside the workspace);
3. ``enforce_retention(dry_run=True)``;
4. ``erase_registered``, then the checks.

Checks (the run exits 1 when one fails): the erasure found the person, its report's
``remaining`` is empty and its register row is ``done``; afterwards no event has the person's
old contact id, and the count of events and of distinct ``user_id`` are what they were.
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
    machine,
    machine_markdown,
    markdown_table,
    reflow,
    spread,
    warm_file,
)
from .health_scoring import _mib, _s, _workspace, company
from .metrics_engine import AS_OF, SEED, Company, _git_revision, _in_child, _step

NAME = "privacy_requests"
TITLE = "Privacy requests: access, retention dry run and erasure, 100,000 accounts"

NO_MATCH = "zzz-no-match"


# --- in the child processes ---------------------------------------------------------------------


def _say(msg: str) -> None:
    print(f"  {msg}", flush=True)


def _now() -> dt.datetime:
    """The CLI's clock: UTC, naive."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _open(home: str) -> Any:
    """The workspace copy, its app database migrated to the newest tables."""
    from tenure.app import build_app

    app = build_app(Path(home))
    app.store.migrate()
    return app


def _refuse_cache(home: str, cache: str) -> None:
    if Path(home).resolve() == Path(cache).resolve():
        raise RuntimeError(f"refusing to write into the cached workspace {cache}")


def _text_columns(con: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = 'main' "
        "AND data_type IN ('VARCHAR', 'JSON') ORDER BY table_name, ordinal_position"
    ).fetchall():
        out.setdefault(table, []).append(column)
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _event_counts(con: Any, contact_id: str) -> dict[str, int]:
    total, users = con.execute(
        "SELECT count(*), count(DISTINCT user_id) FROM events").fetchall()[0]
    person = con.execute("SELECT count(*) FROM events WHERE user_id = ?",
                         [contact_id]).fetchall()[0][0]
    return {"events": int(total), "distinct_users": int(users), "person_events": int(person)}


def _namesakes(con: Any, contact_id: str) -> dict[str, str]:
    """The other contacts whose name is the person's: {contact id: name}."""
    return dict(con.execute(
        "SELECT o.contact_id, o.name FROM contacts p JOIN contacts o ON o.name = p.name "
        "AND o.contact_id <> p.contact_id WHERE p.contact_id = ?", [contact_id]).fetchall())


def measure_reference(home: str, cache: str) -> dict[str, Any]:
    """Pick the person; time one plain scan of the warehouse's text and a plain copy."""
    _refuse_cache(home, cache)
    with _open(home) as app:
        app.warehouse.ensure_tables()  # as the erasure does first: the same columns scanned
        con = app.warehouse.con
        picked = con.execute(
            "SELECT c.contact_id, c.email, e.n FROM (SELECT user_id, count(*) AS n FROM events "
            "WHERE user_id IS NOT NULL GROUP BY user_id) e JOIN contacts c "
            "ON c.contact_id = e.user_id WHERE c.name IS NOT NULL AND c.email IS NOT NULL "
            "ORDER BY e.n DESC, c.contact_id LIMIT 1").fetchall()
        if not picked:
            raise RuntimeError("no contact with a name has events")
        contact_id, email, n_events = picked[0]
        contact_rows = int(con.execute(
            "SELECT count(*) FROM contacts WHERE lower(email) = lower(?)",
            [email]).fetchall()[0][0])
        columns = _text_columns(con)
        table_rows = {t: int(con.execute(f"SELECT count(*) FROM {_q(t)}").fetchall()[0][0])
                      for t in columns}
        con.execute("CHECKPOINT")

        def scan() -> dict[str, float]:
            took = {}
            for table, cols in columns.items():
                cond = " OR ".join(f"regexp_matches(CAST({_q(c)} AS VARCHAR), '{NO_MATCH}')"
                                   for c in cols)
                t0 = time.perf_counter()
                con.execute(f"SELECT count(*) FROM {_q(table)} WHERE {cond}").fetchall()
                took[table] = time.perf_counter() - t0
            return took

        per_table, m_scan = _step(scan)
        path = Path(app.warehouse.path)
        fresh = path.with_name(path.name + ".plaincopy")
        db = con.execute("SELECT current_database()").fetchall()[0][0]

        def copy() -> int:
            con.execute(f"ATTACH '{fresh}' AS bench_copy")
            try:
                con.execute(f"COPY FROM DATABASE {_q(db)} TO bench_copy")
            finally:
                con.execute("DETACH bench_copy")
            with fresh.open("rb+") as fh:
                os.fsync(fh.fileno())  # as the compaction does
            return fresh.stat().st_size

        try:
            copy_bytes, m_copy = _step(copy)
        finally:
            for p in (fresh, Path(f"{fresh}.wal")):
                p.unlink(missing_ok=True)
    return {"contact_id": str(contact_id), "email": str(email), "person_events": int(n_events),
            "contact_rows": contact_rows, "scan": m_scan, "scan_by_table": per_table,
            "text_columns": sum(len(c) for c in columns.values()), "tables": table_rows,
            "copy": m_copy, "warehouse_bytes": path.stat().st_size, "copy_bytes": copy_bytes}


def measure_export(home: str, cache: str, email: str, out: str) -> dict[str, Any]:
    """export_registered for the person: the ZIP ``out`` (outside the workspace)."""
    from tenure.privacy.requests import export_registered

    _refuse_cache(home, cache)
    with _open(home) as app:
        (row, result), m = _step(lambda: export_registered(
            app, email=email, out=Path(out), now=_now(), via="cli"))
    return {"step": m, "status": row["status"], "records": result.records,
            "tables": {f"{t.store}.{t.table}": t.records for t in result.tables},
            "zip_bytes": Path(out).stat().st_size}


def measure_retention(home: str, cache: str, as_of: dt.date) -> dict[str, Any]:
    """enforce_retention, dry run: what the default rules would delete or blank."""
    from tenure.privacy.retention import enforce_retention

    _refuse_cache(home, cache)
    with _open(home) as app:
        report, m = _step(lambda: enforce_retention(app, as_of=as_of, now=_now(),
                                                    dry_run=True))
    return {"step": m, "rows": report.rows,
            "rules": [{"rule": f"{r.store}.{r.table} {r.action}"
                       f"{' ' + ','.join(r.columns) if r.columns else ''} after {r.after}",
                       "rows": r.rows} for r in report.results]}


def measure_erase(home: str, cache: str, email: str, contact_id: str) -> dict[str, Any]:
    """erase_registered for the person, then the checks on what it left."""
    from tenure.privacy.requests import erase_registered

    _refuse_cache(home, cache)
    with _open(home) as app:
        before = _event_counts(app.warehouse.con, contact_id)
        # Other contacts with the person's full name: an erasure must leave them as they are.
        namesakes = _namesakes(app.warehouse.con, contact_id)
        app.warehouse.close()  # as a fresh `tenure privacy erase` process finds it
        app.store.dispose()
        (row, report), m = _step(lambda: erase_registered(app, email=email, now=_now(),
                                                          via="cli"))
        after = _event_counts(app.warehouse.con, contact_id)  # reopened after compaction
        kept = {cid: name for cid, name in app.warehouse.con.execute(
            "SELECT contact_id, name FROM contacts WHERE list_contains(?, contact_id)",
            [list(namesakes)]).fetchall()}
    before["namesakes"] = len(namesakes)
    after["namesakes"] = sum(kept.get(cid) == name for cid, name in namesakes.items())
    return {"step": m, "status": row["status"], "found": report.found,
            "contacts": report.contacts, "users": report.users,
            "warehouse_rows": dict(report.warehouse), "app_rows": dict(report.app),
            "files": len(report.files), "remaining": len(report.remaining),
            "compaction": {k: {"bytes_before": v["bytes_before"],
                               "bytes_after": v["bytes_after"], "seconds": v["seconds"]}
                           for k, v in report.compaction.items()},
            "before": before, "after": after}


# --- the benchmark ------------------------------------------------------------------------------


def _med(values: list[float]) -> float:
    return float(statistics.median(values))


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def sp(get: Callable[[dict[str, Any]], float]) -> dict[str, float]:
        return spread([get(r) for r in runs])

    erase_s = [r["erase"]["step"]["seconds"] for r in runs]
    scan_s = [r["reference"]["scan"]["seconds"] for r in runs]
    copy_s = [r["reference"]["copy"]["seconds"] for r in runs]
    wh_compact = [r["erase"]["compaction"].get("warehouse", {}).get("seconds", 0.0)
                  for r in runs]
    return {
        "scan": sp(lambda r: r["reference"]["scan"]["seconds"]),
        "copy": sp(lambda r: r["reference"]["copy"]["seconds"]),
        "export": sp(lambda r: r["export"]["step"]["seconds"]),
        "retention": sp(lambda r: r["retention"]["step"]["seconds"]),
        "erase": sp(lambda r: r["erase"]["step"]["seconds"]),
        "compact_warehouse": spread(wh_compact),
        "compact_app_db": sp(lambda r: r["erase"]["compaction"].get("app_db", {})
                             .get("seconds", 0.0)),
        "peak_rss_mib": {k: max(r[k]["step" if k != "reference" else "scan"]["peak_rss_mib"]
                                for r in runs)
                         for k in ("reference", "export", "retention", "erase")},
        "copy_peak_rss_mib": max(r["reference"]["copy"]["peak_rss_mib"] for r in runs),
        "cpu_s": {"scan": _med([r["reference"]["scan"]["cpu_s"] for r in runs]),
                  "copy": _med([r["reference"]["copy"]["cpu_s"] for r in runs]),
                  "export": _med([r["export"]["step"]["cpu_s"] for r in runs]),
                  "retention": _med([r["retention"]["step"]["cpu_s"] for r in runs]),
                  "erase": _med([r["erase"]["step"]["cpu_s"] for r in runs])},
        "erase_vs_scan": _med(erase_s) / _med(scan_s),
        "compaction_vs_copy": _med(wh_compact) / _med(copy_s),
        "erase_without_compaction_vs_scan": (_med(erase_s) - _med(wh_compact)) / _med(scan_s),
    }


def _checks(runs: list[dict[str, Any]]) -> list[str]:
    problems = []
    for i, r in enumerate(runs, 1):
        e = r["erase"]
        b, a = e["before"], e["after"]
        if not e["found"]:
            problems.append(f"#{i}: the erasure did not find the person")
        if e["remaining"]:
            problems.append(f"#{i}: {e['remaining']} file(s) still name the person")
        if e["status"] != "done":
            problems.append(f"#{i}: the register row is {e['status']!r}, not 'done'")
        if a["person_events"] != 0:
            problems.append(f"#{i}: {a['person_events']:,} events still have the old contact id")
        if b["person_events"] != r["reference"]["person_events"] or b["person_events"] == 0:
            problems.append(f"#{i}: the person had {b['person_events']:,} events before the "
                            f"erasure, {r['reference']['person_events']:,} when picked")
        if (a["events"], a["distinct_users"]) != (b["events"], b["distinct_users"]):
            problems.append(f"#{i}: events / distinct users changed from {b['events']:,} / "
                            f"{b['distinct_users']:,} to {a['events']:,} / "
                            f"{a['distinct_users']:,}")
        if a.get("namesakes") != b.get("namesakes"):
            problems.append(f"#{i}: of {b.get('namesakes')} other contacts with the person's "
                            f"name, {a.get('namesakes')} kept it")
        if "warehouse" not in e["compaction"]:
            problems.append(f"#{i}: the warehouse was not compacted")
        if r["export"]["status"] != "done" or r["export"]["records"] <= 0:
            problems.append(f"#{i}: the access request is {r['export']['status']!r} with "
                            f"{r['export']['records']} records")
    return problems


def run(options: Options) -> Outcome:
    c: Company = company(options)
    repeat = options.repeat
    print(f"{NAME}: {c.label}, retention as of {AS_OF}, {repeat} repetition(s)")
    ws = _in_child(_workspace, c, options.data_dir)
    cache = ws["home"]
    cache_bytes = sum(p.stat().st_size for p in Path(cache).rglob("*") if p.is_file())

    runs: list[dict[str, Any]] = []
    load_before = os.getloadavg()[0]
    copy_s: list[float] = []
    for i in range(repeat):
        n = f"#{i + 1}"
        tmp = Path(tempfile.mkdtemp(prefix="tenure-privacy-requests-"))
        try:
            home = tmp / "workspace"
            t0 = time.perf_counter()
            shutil.copytree(cache, home)
            copy_s.append(time.perf_counter() - t0)
            warm_file(home / "data" / "warehouse.duckdb")
            ref = _in_child(measure_reference, str(home), cache)
            email, contact_id = ref.pop("email"), ref.pop("contact_id")
            _say(f"reference {n}: text scan ({ref['text_columns']} columns) "
                 f"{ref['scan']['seconds']:,.2f} s; plain COPY FROM DATABASE "
                 f"{ref['copy']['seconds']:,.2f} s; person: {ref['person_events']:,} events, "
                 f"{ref['contact_rows']} contact row(s)")
            exp = _in_child(measure_export, str(home), cache, email, str(tmp / "export.zip"))
            _say(f"export_registered {n}: {exp['step']['seconds']:,.2f} s, "
                 f"{exp['records']:,} records, ZIP {exp['zip_bytes']:,} bytes")
            ret = _in_child(measure_retention, str(home), cache, AS_OF)
            _say(f"enforce_retention (dry run) {n}: {ret['step']['seconds']:,.2f} s, "
                 f"{ret['rows']:,} rows")
            era = _in_child(measure_erase, str(home), cache, email, contact_id)
            comp = era["compaction"].get("warehouse", {})
            _say(f"erase_registered {n}: {era['step']['seconds']:,.2f} s (warehouse compaction "
                 f"{comp.get('seconds', 0):,.2f} s), peak {era['step']['peak_rss_mib']:,.0f} "
                 f"MiB, status {era['status']}, remaining {era['remaining']}")
            del email, contact_id
            runs.append({"reference": ref, "export": exp, "retention": ret, "erase": era})
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    summary = summarise(runs)
    summary["workspace_copy_s"] = spread(copy_s)
    problems = _checks(runs)
    data = {
        "as_of": AS_OF.isoformat(),
        "seed": SEED,
        "repeat": repeat,
        "quick": options.quick,
        "command": options.command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revision": _git_revision(),
        "machine": machine(),
        "loadavg": {"before": load_before, "after": os.getloadavg()[0]},
        "company": vars(c),
        "workspace": {**ws, "bytes": cache_bytes},
        "runs": runs,
        "summary": summary,
    }
    headers, rows = _table(data)
    return Outcome(name=NAME, title=TITLE, headers=headers, rows=rows, data=data,
                   markdown=markdown(data), problems=problems)


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f}"


def _table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    s, last = data["summary"], data["runs"][-1]
    ref, exp, ret, era = last["reference"], last["export"], last["retention"], last["erase"]
    wh = era["compaction"].get("warehouse", {})
    adb = era["compaction"].get("app_db", {})
    pk = s["peak_rss_mib"]
    headers = ["measurement", "seconds", "CPU s", "peak RSS MiB", "notes"]
    rows = [
        ["text scan, every VARCHAR/JSON column (reference)", _s(s["scan"]["median"]),
         _s(s["cpu_s"]["scan"]), _mib(pk["reference"]), f"{ref['text_columns']} columns"],
        ["plain COPY FROM DATABASE (reference)", _s(s["copy"]["median"]),
         _s(s["cpu_s"]["copy"]), _mib(s["copy_peak_rss_mib"]),
         f"{_mb(ref['copy_bytes'])} MiB written"],
        ["export_registered", _s(s["export"]["median"]), _s(s["cpu_s"]["export"]),
         _mib(pk["export"]), f"{exp['records']:,} records, ZIP {exp['zip_bytes']:,} B"],
        ["enforce_retention (dry run)", _s(s["retention"]["median"]),
         _s(s["cpu_s"]["retention"]), _mib(pk["retention"]), f"{ret['rows']:,} rows"],
        ["erase_registered", _s(s["erase"]["median"]), _s(s["cpu_s"]["erase"]),
         _mib(pk["erase"]), f"{s['erase_vs_scan']:.1f}× the text scan; person "
         f"{ref['person_events']:,} events"],
        ["  compaction: warehouse", _s(s["compact_warehouse"]["median"]), "", "",
         f"{s['compaction_vs_copy']:.2f}× the plain copy; {_mb(wh.get('bytes_before', 0))} → "
         f"{_mb(wh.get('bytes_after', 0))} MiB"],
        ["  compaction: app DB", _s(s["compact_app_db"]["median"]), "", "",
         f"{adb.get('bytes_before', 0):,} → {adb.get('bytes_after', 0):,} B"],
    ]
    return headers, rows


# --- the docs section ---------------------------------------------------------------------------


def markdown(data: dict[str, Any]) -> str:
    """This benchmark's section of docs/benchmarks.md, from its results."""
    s, info, runs = data["summary"], data["machine"], data["runs"]
    c, ws = data["company"], data["workspace"]
    last = runs[-1]
    ref, exp, ret, era = last["reference"], last["export"], last["retention"], last["erase"]
    wh = era["compaction"].get("warehouse", {})
    adb = era["compaction"].get("app_db", {})
    events = ws["manifest"]["rows"]["events"]
    n = data["repeat"]
    pk = s["peak_rss_mib"]

    def rng(sp: dict[str, float]) -> str:
        return (f"{_s(sp['median'])} s ({_s(sp['min'])}–{_s(sp['max'])})"
                if sp["min"] != sp["max"] else f"{_s(sp['median'])} s")

    table = markdown_table(
        ["step", f"seconds, median (min–max) of {n}", "CPU s", "peak RSS MiB", "notes"],
        [
            ["plain scan of every VARCHAR/JSON column, one query per table (reference)",
             rng(s["scan"]), _s(s["cpu_s"]["scan"]), _mib(pk["reference"]),
             f"{ref['text_columns']} columns in {len(ref['tables'])} tables"],
            ["plain `COPY FROM DATABASE` of the warehouse (reference)", rng(s["copy"]),
             _s(s["cpu_s"]["copy"]), _mib(s["copy_peak_rss_mib"]),
             f"{_mb(ref['copy_bytes'])} MiB written"],
            ["`export_registered` (access request)", rng(s["export"]),
             _s(s["cpu_s"]["export"]), _mib(pk["export"]),
             f"{exp['records']:,} records from {len(exp['tables'])} tables; ZIP "
             f"{exp['zip_bytes'] / 1024:,.0f} KiB"],
            ["`enforce_retention`, dry run", rng(s["retention"]), _s(s["cpu_s"]["retention"]),
             _mib(pk["retention"]), f"{ret['rows']:,} rows it would change"],
            ["**`erase_registered`** (erasure, compaction included)", rng(s["erase"]),
             _s(s["cpu_s"]["erase"]), _mib(pk["erase"]),
             f"**{s['erase_vs_scan']:.1f}×** the plain scan "
             f"({s['erase_without_compaction_vs_scan']:.1f}× without the warehouse "
             "compaction)"],
            ["— warehouse compaction", rng(s["compact_warehouse"]), "", "",
             f"**{s['compaction_vs_copy']:.2f}×** the plain copy; "
             f"{_mb(wh.get('bytes_before', 0))} MiB before, "
             f"{_mb(wh.get('bytes_after', 0))} MiB after"],
            ["— app database compaction (SQLite VACUUM)", rng(s["compact_app_db"]), "", "",
             f"{adb.get('bytes_before', 0) / 1024:,.0f} KiB before, "
             f"{adb.get('bytes_after', 0) / 1024:,.0f} KiB after"],
        ],
    )
    changed = sum(era["warehouse_rows"].values())
    rules = "; ".join(f"{r['rule']}: {r['rows']:,}" for r in ret["rules"])
    quick = " (a `--quick` smoke run: not representative)" if data["quick"] else ""
    return reflow(f"""## {TITLE}{quick}

What it shows: how long an access request (`tenure.privacy.requests.export_registered`), a
retention dry run (`tenure.privacy.retention.enforce_retention(dry_run=True)` as of
{data['as_of']}) and an erasure (`tenure.privacy.requests.erase_registered`, compaction of both
databases included) take on a workspace of {c['accounts']:,} accounts, and how the erasure
compares with one plain scan of the warehouse's text and with a plain copy of the warehouse
file. Measured by `benchmarks/privacy_requests.py` on the metrics_engine benchmark's cached
sample company ({c['accounts']:,} accounts at events scale {c['events_scale']:g}, {events:,}
events, seed {data['seed']}; `bench-data/{Path(ws['home']).parent.name}`, warehouse
{_mb(ref['warehouse_bytes'])} MiB).

Machine: {machine_markdown(info)} DuckDB defaults (all cores, memory limit 80% of RAM); the app
database is SQLite on local disk. Measured {data['measured_at'][:10]} at commit
`{data['revision']}`. The machine's {info['nproc']} cores were shared with other work during the
run (1-minute load average {data['loadavg']['before']:.1f} before, {data['loadavg']['after']:.1f}
after), so the times are upper bounds and the CPU seconds the steadier comparison.

Command:

```
{data['command']}
```

The person is the contact with a name whose contact id has the most events (the heavy case):
{ref['person_events']:,} events, {ref['contact_rows']} contact row(s). Each of the {n}
repetition(s) copies the cached workspace into a temporary folder (the cache is never written)
and runs, each step in a fresh process on that copy, in order: the references (one
`regexp_matches(CAST(col AS VARCHAR), '{NO_MATCH}')` query per table over all its VARCHAR and
JSON columns, then `COPY FROM DATABASE` into a new file); the access request (ZIP written
outside the workspace); the retention dry run; the erasure. Peak RSS is the process's VmHWM
restarted before each step.

{table}

The erasure changed {changed:,} warehouse rows and {sum(era['app_rows'].values()):,} app
database rows and rewrote {era['files']} file(s); by label:
{', '.join(f'{k} {v:,}' for k, v in era['warehouse_rows'].items())}. Retention dry run, by
rule: {rules}.

Checked after every erasure: the person was found, no file under the workspace still names them
(`remaining` empty), the register row is `done`, no event has the old contact id, the
{era['before'].get('namesakes', 0):,} other contacts with the person's full name keep it, and
the events ({era['after']['events']:,}) and distinct `user_id`
({era['after']['distinct_users']:,}) are as many as before.

What it means: an erasure of the heaviest contact takes
{_s(s['erase']['median'])} s, {s['erase_vs_scan']:.1f}× one plain scan of the warehouse's text;
its warehouse compaction takes {s['compaction_vs_copy']:.2f}× a plain `COPY FROM DATABASE`.
An access request takes {_s(s['export']['median'])} s and a retention dry run
{_s(s['retention']['median'])} s.
""")


if __name__ == "__main__":  # a quick look: python -m benchmarks.privacy_requests
    from . import text_table

    outcome = run(Options(quick=True, repeat=1))
    print(text_table(outcome.headers, outcome.rows))
    for p in outcome.problems:
        print("CHECK FAILED:", p)
