"""Web latency: the dashboard's pages and the worklist API under 20 concurrent clients, with
100,000 accounts.

Set-up (in a child process, on a fresh app database beside the metrics_engine benchmark's
cached sample company; the cached workspace's own app database is never written): the
steady ``run_scoring`` of the health_scoring benchmark's day with the day's work on (the
snapshots, two days of history, onboarding plans and the playbooks' tasks, as the daily_work
benchmark makes them; messages stay queued), then two people: a CSM whose email is the owner
with the most open tasks (their book) and a manager.

Then the real server: ``tenure serve --workers N`` in a child process on a free port of
127.0.0.1 (the app database named by ``TENURE_APP_DB__URL``), for N = 1 and 2. Each role signs
in once (``POST /api/v1/auth/login``: the session cookie). Every route of ``ROUTES`` is then
driven by ``CLIENTS`` closed-loop clients (threads, each with its own keep-alive
``httpx.Client``, in a process of their own): a warm-up of ``WARMUP`` requests each, then
``REQUESTS`` requests each, timed one by one (p50 / p95 / p99) and together (requests per
second); then by one client alone (the service time). ``GET /api/v1/me``, the cheapest
authenticated route, is the reference: each route's latency is also given as a multiple of it.

Checks (the run exits 1 when one fails): every timed response is 200; the CSM's Account 360
pages are of accounts of their book (random ones, from the set-up).

To add a route: one line in ``ROUTES`` (who asks, and the path; ``{account}`` is a random
account of the CSM's book).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import (
    Options,
    Outcome,
    machine,
    machine_markdown,
    markdown_table,
    reflow,
    warm_file,
)
from .daily_work import _work_rows
from .health_scoring import SCORE_DAY, _open, _say, _workspace, company
from .metrics_engine import SEED, _git_revision, _in_child

NAME = "web_latency"
TITLE = "Web latency: the dashboard and the worklist API at 100,000 accounts"

CLIENTS = 20
GOAL_P95_MS = 100.0
PASSWORD = "benchmark-password-1234"
MANAGER = "manager@bench.example"
WORKERS = (1, 2)


@dataclass(frozen=True)
class Route:
    key: str
    label: str
    role: str  # csm or manager: whose session asks
    path: str  # {account}: a random account of the CSM's book


ROUTES = (
    Route("me", "`GET /api/v1/me` (reference)", "csm", "/api/v1/me"),
    Route("account", "Account 360 `GET /accounts/{id}`", "csm", "/accounts/{account}"),
    Route("my_day", "My day `GET /`", "csm", "/"),
    Route("tasks_api", "worklist API `GET /api/v1/tasks?limit=50`", "csm",
          "/api/v1/tasks?limit=50"),
    Route("accounts", "accounts list `GET /accounts`", "csm", "/accounts"),
    Route("accounts_manager", "accounts list, manager, `?sort=risk`", "manager",
          "/accounts?sort=risk"),
    Route("my_day_manager", "My day, manager", "manager", "/"),
)


# --- set-up, in a child process -----------------------------------------------------------------


def prepare(home: str, db_path: str, as_of: dt.date) -> dict[str, Any]:
    """A scored app database with the day's work and the two people of the benchmark."""
    from sqlalchemy import func, select

    from tenure.access import add_user
    from tenure.score import run_scoring
    from tenure.store import AccountSnapshot, Task

    with _open(home, db_path) as app:
        t0 = time.perf_counter()
        run_scoring(app, as_of=as_of, deliver=False)
        seconds = time.perf_counter() - t0
        with app.store.session() as s:
            owner, open_tasks = s.execute(
                select(Task.owner, func.count()).where(Task.status == "open",
                                                       Task.owner.is_not(None))
                .group_by(Task.owner).order_by(func.count().desc(), Task.owner).limit(1)
            ).one()
            book = sorted(s.execute(select(AccountSnapshot.account_id).where(
                func.lower(AccountSnapshot.owner) == owner.lower())).scalars())
            accounts = int(s.execute(select(func.count()).select_from(AccountSnapshot))
                           .scalar_one())
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        add_user(app.store, email=owner, role="csm", password=PASSWORD, now=now)
        add_user(app.store, email=MANAGER, role="manager", password=PASSWORD, now=now)
        work = _work_rows(app)
    return {"scoring_seconds": seconds, "csm": owner.lower(), "csm_open_tasks": int(open_tasks),
            "book": book, "accounts": accounts, "work_rows": work}


# --- the server ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: str, db_path: str, workers: int, log: Path
                 ) -> tuple[subprocess.Popen[bytes], str]:
    """`tenure serve` in a child process (its errors written to ``log``); its base URL once
    it answers."""
    import httpx

    port = _free_port()
    env = {**os.environ, "TENURE_APP_DB__URL": f"sqlite:///{db_path}"}
    with log.open("ab") as errors:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from tenure.cli import main; main()", "serve", "--home",
             home, "--port", str(port), "--workers", str(workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tenure serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise RuntimeError("tenure serve did not answer within 120 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()  # uvicorn stops its workers on SIGTERM
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- the clients, in a child process ------------------------------------------------------------


def _sign_in(base: str, email: str) -> dict[str, str]:
    import httpx

    r = httpx.post(base + "/api/v1/auth/login", json={"email": email, "password": PASSWORD},
                   timeout=60)
    r.raise_for_status()
    return dict(r.cookies)


def _percentiles(ms: list[float]) -> dict[str, float]:
    import numpy as np

    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)), "mean": float(statistics.fmean(ms)),
            "max": float(max(ms)), "requests": len(ms)}


def drive(base: str, cookies: dict[str, str], paths: list[str], clients: int, warmup: int,
          requests: int) -> dict[str, Any]:
    """``clients`` closed-loop clients, each with its own keep-alive connection: ``warmup``
    requests each, then ``requests`` timed ones each (client i asks paths[i::clients]...)."""
    import httpx

    barrier = threading.Barrier(clients + 1)
    times: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    rng = random.Random(SEED)
    plans = [[rng.choice(paths) for _ in range(warmup + requests)] for _ in range(clients)]

    def client(i: int) -> None:
        with httpx.Client(base_url=base, cookies=cookies, timeout=120) as c:
            for p in plans[i][:warmup]:
                c.get(p)
            barrier.wait()
            for p in plans[i][warmup:]:
                t0 = time.perf_counter()
                r = c.get(p)
                times[i].append(1000 * (time.perf_counter() - t0))
                statuses[i][r.status_code] = statuses[i].get(r.status_code, 0) + 1
            barrier.wait()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    barrier.wait()
    wall = time.perf_counter() - t0
    for t in threads:
        t.join()
    every = [x for ts in times for x in ts]
    status: dict[str, int] = {}
    for st in statuses:
        for k, v in st.items():
            status[str(k)] = status.get(str(k), 0) + v
    return {**_percentiles(every), "seconds": wall, "per_second": len(every) / wall,
            "status": status}


def measure_routes(base: str, csm: str, book: list[str], clients: int, warmup: int,
                   requests: int, single: int) -> dict[str, Any]:
    """Every route of ROUTES: under ``clients`` clients, then one client alone."""
    cookies = {"csm": _sign_in(base, csm), "manager": _sign_in(base, MANAGER)}
    out: dict[str, Any] = {}
    for route in ROUTES:
        if "{account}" in route.path:
            paths = [route.path.format(account=a) for a in book]
        else:
            paths = [route.path]
        loaded = drive(base, cookies[route.role], paths, clients, warmup, requests)
        alone = drive(base, cookies[route.role], paths, 1, warmup, single)
        out[route.key] = {"loaded": loaded, "single": alone}
        _say(f"  {route.key}: {clients} clients p50 {loaded['p50']:,.1f} / p95 "
             f"{loaded['p95']:,.1f} / p99 {loaded['p99']:,.1f} ms, "
             f"{loaded['per_second']:,.0f} req/s; 1 client p50 {alone['p50']:,.1f} ms")
    return out


# --- the benchmark ------------------------------------------------------------------------------


def run(options: Options) -> Outcome:
    c = company(options)
    # Few requests per client: at 100,000 accounts the slowest page takes over a second under
    # load, and 20 clients x 10 requests already give 200 timings per route.
    requests = 10
    single = 20
    warmup = 2
    print(f"{NAME}: {c.label}, as of {SCORE_DAY}, {CLIENTS} clients × {requests} requests")
    ws = _in_child(_workspace, c, options.data_dir)
    home = ws["home"]
    warm_file(Path(home) / "data" / "warehouse.duckdb")
    tmp = Path(tempfile.mkdtemp(prefix="tenure-web-latency-"))
    db = str(tmp / "app.db")
    load_before = os.getloadavg()
    runs: dict[str, Any] = {}
    server_errors: list[str] = []
    try:
        setup = _in_child(prepare, home, db, SCORE_DAY)
        book = setup.pop("book")
        _say(f"set-up: scored {setup['accounts']:,} accounts in "
             f"{setup['scoring_seconds']:,.1f} s; CSM {setup['csm']} "
             f"({len(book):,} accounts, {setup['csm_open_tasks']:,} open tasks)")
        for workers in WORKERS:
            log = tmp / f"serve-{workers}.log"
            proc, base = start_server(home, db, workers, log)
            try:
                _say(f"tenure serve --workers {workers} on {base}")
                runs[str(workers)] = _in_child(measure_routes, base, setup["csm"], book,
                                               CLIENTS, warmup, requests, single)
            finally:
                stop_server(proc)
                errors = log.read_text(errors="replace")
                if "Traceback" in errors:
                    server_errors.append(errors[-4000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    data = {
        "as_of": SCORE_DAY.isoformat(), "seed": SEED, "quick": options.quick,
        "clients": CLIENTS, "requests_per_client": requests, "warmup": warmup,
        "single_requests": single, "command": options.command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revision": _git_revision(), "machine": machine(),
        "loadavg": {"before": list(load_before), "after": list(os.getloadavg())},
        "company": vars(c), "workspace": ws, "setup": {**setup, "book_size": len(book)},
        "routes": [vars(r) for r in ROUTES], "runs": runs, "server_errors": server_errors,
    }
    headers, rows = _table(data)
    return Outcome(name=NAME, title=TITLE, headers=headers, rows=rows, data=data,
                   markdown=markdown(data), problems=_checks(data))


def _checks(data: dict[str, Any]) -> list[str]:
    problems = [f"the server logged an error: {e}" for e in data["server_errors"]]
    for workers, routes in data["runs"].items():
        for key, r in routes.items():
            for phase in ("loaded", "single"):
                bad = {k: v for k, v in r[phase]["status"].items() if k != "200"}
                if bad:
                    problems.append(f"{key} ({workers} worker(s), {phase}): answers {bad}")
    return problems


def _ms(x: float) -> str:
    return f"{x:,.1f}"


def _rows(data: dict[str, Any]) -> list[list[str]]:
    rows = []
    labels = {r["key"]: r["label"] for r in data["routes"]}
    for workers, routes in data["runs"].items():
        ref = routes["me"]
        for key, r in routes.items():
            lo, one = r["loaded"], r["single"]
            rows.append([labels.get(key, key), workers, _ms(lo["p50"]), _ms(lo["p95"]),
                         _ms(lo["p99"]), f"{lo['per_second']:,.0f}",
                         f"{lo['p95'] / ref['loaded']['p95']:.1f}×", _ms(one["p50"]),
                         _ms(one["p95"]), f"{one['p50'] / ref['single']['p50']:.1f}×",
                         "yes" if lo["p95"] <= GOAL_P95_MS else "**no**"])
    return rows


HEADERS = ["route", "workers", f"p50 ms ({CLIENTS} clients)", "p95 ms", "p99 ms", "req/s",
           "p95 × ref", "p50 ms (1 client)", "p95 ms (1 client)", "p50 × ref (1 client)",
           f"p95 ≤ {GOAL_P95_MS:g} ms"]


def _table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    return HEADERS, [[cell.replace("`", "").replace("**", "") for cell in row]
                     for row in _rows(data)]


def markdown(data: dict[str, Any]) -> str:
    """This benchmark's section of docs/benchmarks.md, from its results."""
    info, c, setup = data["machine"], data["company"], data["setup"]
    quick = " (a `--quick` smoke run: not representative)" if data["quick"] else ""
    work = setup["work_rows"]
    lb, la = data["loadavg"]["before"], data["loadavg"]["after"]
    return reflow(f"""## {TITLE}{quick}

What it shows: how fast the dashboard's pages and the worklist API answer one CSM (and a
manager) while {data['clients']} clients ask at once, on {c['accounts']:,} scored accounts
(goal: p95 ≤ {GOAL_P95_MS:g} ms). Measured by `benchmarks/web_latency.py` on the
metrics_engine benchmark's cached sample company ({c['accounts']:,} accounts at events scale
{c['events_scale']:g}, seed {data['seed']}), scored as of {data['as_of']} with the day's work:
{work['tasks']:,} tasks, {work['onboarding_plans']:,} onboarding plans. The CSM is the owner
with the most open tasks ({setup['csm_open_tasks']:,}, a book of {setup['book_size']:,}
accounts); the manager sees every account.

Machine: {machine_markdown(info)} The app database is SQLite (WAL) on local disk. Measured
{data['measured_at'][:10]} at commit `{data['revision']}`. Load average (1, 5, 15 min) before:
{lb[0]:.1f}, {lb[1]:.1f}, {lb[2]:.1f}; after: {la[0]:.1f}, {la[1]:.1f}, {la[2]:.1f}: the
machine was running other work (test runs of other changes) at the same time, and the
clients run on the same {info['nproc']} CPUs as the server, so read the figures as upper
bounds.

Command:

```
{data['command']}
```

The server is the real one, `tenure serve --workers N` (uvicorn) on 127.0.0.1, for N = 1
and 2. Each role signs in once (`POST /api/v1/auth/login`, the session cookie); each route is
then asked by {data['clients']} closed-loop clients (threads, each with its own keep-alive
connection, in a process apart from the server): {data['warmup']} warm-up requests each, then
{data['requests_per_client']} timed requests each; then by one client alone
({data['single_requests']} requests: the service time). Account 360 asks for random accounts
of the CSM's book. `GET /api/v1/me`, the cheapest authenticated route (a session lookup), is
the reference: "× ref" divides by its figure of the same run. Every answer was 200.

{markdown_table(HEADERS, _rows(data))}

{_meaning(data)}
""")


def _meaning(data: dict[str, Any]) -> str:
    """What the figures say: the service time of each route, and what queueing makes of it."""
    labels = {r["key"]: r["label"] for r in data["routes"]}
    one = data["runs"].get("1") or next(iter(data["runs"].values()))
    ok = [labels[k] for k, r in one.items() if r["loaded"]["p95"] <= GOAL_P95_MS]
    slow = sorted(one.items(), key=lambda kv: -kv[1]["single"]["p50"])
    worst, w = slow[0]
    clients = data["clients"]
    return (f"What it means: the clients ask without pause, so each route is measured at "
            f"saturation: with {clients} requests always in flight, the latency is about "
            f"{clients} ÷ the throughput (Little's law), and a p95 within "
            f"{GOAL_P95_MS:g} ms under {clients} clients needs a throughput of about "
            f"{1000 * clients / GOAL_P95_MS:,.0f} requests per second, i.e. a service time of "
            f"a few milliseconds per request and CPU. With one worker, the routes within the "
            f"goal are: {', '.join(ok) or 'none'}. The service times (one client) order the "
            f"work to do: the slowest is {labels[worst]} ({w['single']['p50']:,.0f} ms p50 "
            f"alone, against {one['me']['single']['p50']:,.1f} ms for the reference).")


if __name__ == "__main__":  # a quick look: python -m benchmarks.web_latency
    from . import text_table

    outcome = run(Options(quick=True, repeat=1))
    print(text_table(outcome.headers, outcome.rows))
    for p in outcome.problems:
        print("CHECK FAILED:", p)
