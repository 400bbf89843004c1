"""The day's work: what `tenure score` does after the scores, for 100,000 accounts.

When the scoring run makes the day the current snapshot it runs the day's work
(``tenure.daily.after_scoring``): onboarding plans enrolled and completed from the data
(``update_onboarding``), success goals linked to a metric tracked (``track_goals``), the
playbooks turned into tasks and queued messages (``evaluate_playbooks``) and the outbox sent
(``deliver_due``). This benchmark times each of those steps apart, the check-ins the
``checkin_overdue`` trigger reads (``checkins``), the worklist the dashboard and `tenure tasks`
serve from the tasks made, and the whole steady daily ``run_scoring`` with the day's work. It
reuses the metrics_engine benchmark's cached sample company (100,000 accounts at events scale
0.96, seed 1; ``--quick``: 2,000 accounts at scale 0.5) and the health_scoring benchmark's day
(the day before the metrics_engine's as-of date) and helpers.

The cached workspace's own app database is never written (health_scoring's ``_open``). Each
measurement runs in a fresh child process; each repetition runs, in order:

1. reference: ``compute_health(app, as_of=D)`` on a fresh app database;
2. setup: ``run_scoring(app, as_of=D)`` on a fresh app database with the day's work switched
   off (``playbooks.enabled = false``, ``onboarding.auto_enrol = false``; no goals, an empty
   outbox): the snapshots and two days of history the day's work follows, and no tasks;
3. in a new process on that database: ``compute_health`` for the scores ``after_scoring`` is
   given (untimed for the ratios), then, timed apart, ``update_onboarding``; 1,000 metric-linked
   goals added with ``tenure.plans.add_goal`` (timed, not part of the day) and
   ``track_goals``; ``evaluate_playbooks`` on a database with no tasks (the day's tasks), then
   again on the same data (must make nothing); ``deliver_due`` with no channel configured
   (messages stay queued); ``checkins(app, as_of=D)``;
4. in a new process: ``worklist(store, as_of=D, owner=X)`` for the owner with the most tasks
   and ``worklist(store, as_of=D)`` for everyone, each called repeatedly (p50 / p95);
5. in a new process: ``run_scoring(app, as_of=D)`` with the day's work on, on that database
   (the steady daily case: history, snapshots, plans and tasks are there).

Checks (the run exits 1 when one fails): the second evaluation, and the steady run's, create
no task and queue no message; every task's owner is its account's owner in the warehouse
``accounts`` table (or ``playbooks.default_owner`` when it has none; or the playbook's fixed
owner); ``deliver_due`` loses nothing (nothing sent or failed, and every message made is still
queued: ``queued_left`` equals the messages queued).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from . import (
    DOC,
    Options,
    Outcome,
    current_rss_mib,
    machine,
    machine_markdown,
    markdown_table,
    reflow,
    spread,
    warm_file,
)
from .health_scoring import (
    SCORE_DAY,
    _mb,
    _med,
    _mib,
    _open,
    _peak,
    _s,
    _say,
    _step,
    _table_rows,
    _workspace,
    company,
    db_bytes,
    measure_compute_health,
)
from .metrics_engine import SEED, _git_revision, _in_child

NAME = "daily_work"
TITLE = "The day's work after the scoring run, for 100,000 accounts"

GOALS = 1_000  # metric-linked goals added before track_goals, so that it has work
GOAL_METRICS = (("seat_utilization", 0.9), ("active_user_days", 200.0))
WORKLIST_CALLS = 20
WORKLIST_BUDGET_S = 90.0  # per kind of call: stop repeating once the calls took this long
WORKLIST_MIN_CALLS = 3


# --- in the child processes ---------------------------------------------------------------------


def _without_daily_work(app: Any) -> None:
    """Switch the day's work off for this app: no playbooks, no auto-enrolment."""
    s = app.settings
    app.settings = s.model_copy(update={
        "playbooks": s.playbooks.model_copy(update={"enabled": False}),
        "onboarding": s.onboarding.model_copy(update={"auto_enrol": False})})


def _work_rows(app: Any) -> dict[str, Any]:
    """Rows of the day's work in the app database."""
    from sqlalchemy import func, select

    from tenure.store import (
        Notification,
        OnboardingMilestone,
        OnboardingPlan,
        PlaybookRun,
        SuccessGoal,
        Task,
    )

    def count(model: Any) -> int:
        return int(s.execute(select(func.count()).select_from(model)).scalar() or 0)

    with app.store.session() as s:
        out: dict[str, Any] = {
            "tasks": count(Task), "notifications": count(Notification),
            "onboarding_plans": count(OnboardingPlan),
            "onboarding_milestones": count(OnboardingMilestone),
            "goals": count(SuccessGoal), "playbook_runs": count(PlaybookRun)}
        out["notifications_by_status"] = {str(k): int(v) for k, v in s.execute(
            select(Notification.status, func.count()).group_by(Notification.status)).all()}
        out["goals_by_status"] = {str(k): int(v) for k, v in s.execute(
            select(SuccessGoal.status, func.count()).group_by(SuccessGoal.status)).all()}
    return out


def measure_setup(home: str, db_path: str, as_of: dt.date) -> dict[str, Any]:
    """run_scoring on a fresh app database with the day's work switched off."""
    from tenure.score import run_scoring

    with _open(home, db_path) as app:
        _without_daily_work(app)
        baseline = current_rss_mib()
        result, m = _step(lambda: run_scoring(app, as_of=as_of))
        tables, work = _table_rows(app), _work_rows(app)
    out = result.as_dict()
    return {"step": m, "baseline_rss_mib": baseline, "tables": tables, "work_rows": work,
            "scored": out["scored"], "replayed": [d.isoformat() for d in out["replayed"]],
            "work": out["work"], "db_bytes": db_bytes(db_path)}


def _add_goals(app: Any, scores: Any, as_of: dt.date, n: int) -> int:
    """``n`` metric-linked goals on random scored accounts (baseline: the first value seen)."""
    import numpy as np

    from tenure.plans import add_goal

    acc = scores.accounts
    ids = acc.loc[acc["score"].notna(), "account_id"].astype(str).to_numpy()
    rng = np.random.default_rng(SEED)
    pick = rng.choice(ids, size=min(n, len(ids)), replace=False)
    for i, account_id in enumerate(pick):
        metric, target = GOAL_METRICS[i % len(GOAL_METRICS)]
        add_goal(app.store, account_id=str(account_id), title=f"Reach {metric} {target:g}",
                 today=as_of, due_on=as_of + dt.timedelta(days=90), metric=metric,
                 target=target)
    return len(pick)


def _owner_check(app: Any) -> dict[str, Any]:
    """Every task's owner against its account's owner in the warehouse accounts table."""
    from sqlalchemy import select

    from tenure.playbooks.model import load_playbooks
    from tenure.store import Task

    default = app.settings.playbooks.default_owner or None
    fixed = {}
    for p in load_playbooks(app.settings):
        action = p.task_action()
        if action is not None and action.owner != "account":
            fixed[p.name] = action.owner
    owners = {str(a): o for a, o in app.warehouse.con.execute(
        "SELECT account_id, owner FROM accounts").fetchall()}
    with app.store.session() as s:
        tasks = s.execute(select(Task.id, Task.account_id, Task.playbook, Task.owner)).all()
    bad = []
    for task_id, account_id, playbook, owner in tasks:
        want = fixed.get(playbook or "")
        if want is None:
            want = owners.get(account_id) or default
        if owner != want:
            bad.append(f"task {task_id} ({account_id}, {playbook}): owner {owner!r}, "
                       f"account owner {want!r}")
    return {"checked": len(tasks), "failed": len(bad), "examples": bad[:5],
            "unowned_accounts": sum(1 for _, a, _, _ in tasks if not owners.get(a))}


def measure_steps(home: str, db_path: str, as_of: dt.date, goals: int) -> dict[str, Any]:
    """The steps of after_scoring, timed apart in one process, on the setup's database."""
    from tenure.checkins import checkins
    from tenure.health import compute_health
    from tenure.notify import deliver_due
    from tenure.onboarding import update_onboarding
    from tenure.plans import track_goals
    from tenure.playbooks import evaluate_playbooks

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with _open(home, db_path) as app:
        baseline = current_rss_mib()
        before = _work_rows(app)
        scores, m_scores = _step(lambda: compute_health(app, as_of=as_of))
        onboarding, m_onb = _step(lambda: update_onboarding(app, as_of=as_of))
        added, m_add = _step(lambda: _add_goals(app, scores, as_of, goals))
        tracked, m_goals = _step(lambda: track_goals(app, as_of=as_of))
        after_goals = _work_rows(app)
        first, m_eval1 = _step(lambda: evaluate_playbooks(app, as_of=as_of, scores=scores,
                                                          now=now))
        after_first = _work_rows(app)
        second, m_eval2 = _step(lambda: evaluate_playbooks(app, as_of=as_of, scores=scores,
                                                           now=now))
        after_second = _work_rows(app)
        outbox, m_deliver = _step(lambda: deliver_due(app, now=now))
        after_deliver = _work_rows(app)
        frame, m_checkins = _step(lambda: checkins(app, as_of=as_of))
        owners = _owner_check(app)
    return {
        "baseline_rss_mib": baseline, "tables_before": before,
        "compute_health": m_scores, "update_onboarding": m_onb, "add_goals": m_add,
        "track_goals": m_goals, "evaluate_first": m_eval1, "evaluate_second": m_eval2,
        "deliver_due": m_deliver, "checkins": m_checkins,
        "scored": int(scores.accounts["score"].notna().sum()),
        "onboarding": onboarding.as_dict(), "goals_added": added, "goals": tracked.as_dict(),
        "first": first.as_dict(), "second": second.as_dict(), "outbox": outbox.as_dict(),
        "checkin_rows": len(frame), "checkins_overdue": int(frame["overdue"].sum())
        if len(frame) else 0,
        "after_goals": after_goals, "after_first": after_first, "after_second": after_second,
        "after_deliver": after_deliver, "owners": owners, "db_bytes": db_bytes(db_path)}


def _percentiles(ms: list[float]) -> dict[str, float]:
    import numpy as np

    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "min": float(min(ms)), "max": float(max(ms)), "calls": len(ms)}


def measure_worklist(home: str, db_path: str, as_of: dt.date, calls: int,
                     budget_s: float) -> dict[str, Any]:
    """worklist for the busiest owner and for everyone: ``calls`` calls each (fewer when
    they take longer than ``budget_s`` together), in one process."""
    from sqlalchemy import func, select

    from tenure.playbooks.tasks import worklist
    from tenure.store import Task

    with _open(home, db_path) as app:
        with app.store.session() as s:
            top = s.execute(select(Task.owner, func.count()).where(Task.status == "open")
                            .group_by(Task.owner).order_by(func.count().desc(), Task.owner)
                            .limit(1)).first()
        owner = top[0] if top else None
        out: dict[str, Any] = {"owner_name": owner, "owner_open_tasks": int(top[1]) if top else 0}
        for label, kwargs in (("owner", {"owner": owner}), ("all", {})):
            times: list[float] = []
            rows = 0
            started = time.perf_counter()
            cpu = time.process_time()
            while len(times) < calls and (
                    len(times) < WORKLIST_MIN_CALLS
                    or time.perf_counter() - started < budget_s):
                t0 = time.perf_counter()
                rows = len(worklist(app.store, as_of=as_of, **kwargs))
                times.append(1000 * (time.perf_counter() - t0))
            out[label] = {**_percentiles(times), "rows": rows,
                          "cpu_ms_per_call": 1000 * (time.process_time() - cpu) / len(times)}
    return out


def measure_steady(home: str, db_path: str, as_of: dt.date) -> dict[str, Any]:
    """run_scoring with the day's work, on the database the earlier steps left."""
    from tenure.score import run_scoring

    with _open(home, db_path) as app:
        before = _work_rows(app)
        baseline = current_rss_mib()
        result, m = _step(lambda: run_scoring(app, as_of=as_of))
        tables, work = _table_rows(app), _work_rows(app)
    out = result.as_dict()
    return {"step": m, "baseline_rss_mib": baseline, "work_before": before,
            "work_rows": work, "tables": tables, "scored": out["scored"],
            "replayed": [d.isoformat() for d in out["replayed"]], "work": out["work"],
            "db_bytes": db_bytes(db_path)}


# --- the benchmark ------------------------------------------------------------------------------

STEPS = (  # (key in the summary, label in the tables)
    ("reference", "`compute_health` (reference)"),
    ("setup", "`run_scoring`, fresh app DB, day's work off (setup; replays D-30)"),
    ("update_onboarding", "`update_onboarding`"),
    ("add_goals", "`add_goal` × {goals} (setup, not part of the day)"),
    ("track_goals", "`track_goals` ({goals} goals)"),
    ("evaluate_first", "`evaluate_playbooks`, first (no tasks yet)"),
    ("evaluate_second", "`evaluate_playbooks`, second (same data)"),
    ("deliver_due", "`deliver_due` (no channel configured)"),
    ("checkins", "`checkins`"),
    ("day_total", "day's work: the four steps of `after_scoring` above"),
    ("steady", "`run_scoring` with the day's work (steady daily case)"),
)
DAY_STEPS = ("update_onboarding", "track_goals", "evaluate_first", "deliver_due")


def _collect(runs: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    steps = runs["steps"]
    named = {
        "reference": [r["step"] for r in runs["reference"]],
        "setup": [r["step"] for r in runs["setup"]],
        "steady": [r["step"] for r in runs["steady"]],
    }
    for key in ("update_onboarding", "add_goals", "track_goals", "evaluate_first",
                "evaluate_second", "deliver_due", "checkins"):
        named[key] = [r[key] for r in steps]
    # What after_scoring does on the day (the first evaluation; checkins is read by a trigger
    # inside it, add_goals is setup): summed per repetition.
    named["day_total"] = [{
        "seconds": sum(r[k]["seconds"] for k in DAY_STEPS),
        "cpu_s": sum(r[k]["cpu_s"] for k in DAY_STEPS),
        "peak_rss_mib": max(r[k]["peak_rss_mib"] for k in DAY_STEPS),
        "rss_before_mib": r["update_onboarding"]["rss_before_mib"]} for r in steps]
    return named


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    named = _collect(runs)
    ref, ref_cpu = _med(named["reference"]), _med(named["reference"], "cpu_s")
    out: dict[str, Any] = {}
    for key, steps in named.items():
        out[key] = {"seconds": spread([s["seconds"] for s in steps]),
                    "cpu_s": _med(steps, "cpu_s"), "peak_rss_mib": _peak(steps),
                    "rss_before_mib": _med(steps, "rss_before_mib"),
                    "vs_reference": _med(steps) / ref,
                    "vs_reference_cpu": _med(steps, "cpu_s") / ref_cpu if ref_cpu else 0.0}
    wl = runs["worklist"]
    for label in ("owner", "all"):
        out[f"worklist_{label}"] = {
            "p50_ms": float(statistics.median(r[label]["p50"] for r in wl)),
            "p95_ms": float(statistics.median(r[label]["p95"] for r in wl)),
            "cpu_ms_per_call": float(statistics.median(r[label]["cpu_ms_per_call"]
                                                       for r in wl)),
            "calls": int(statistics.median(r[label]["calls"] for r in wl)),
            "rows": wl[-1][label]["rows"]}
    return out


def _checks(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    problems: list[str] = []
    for r in runs["setup"]:
        w = r["work_rows"]
        if w["tasks"] or w["notifications"] or w["onboarding_plans"]:
            problems.append(f"the setup run_scoring (day's work off) wrote {w['tasks']} tasks, "
                            f"{w['notifications']} messages, {w['onboarding_plans']} plans")
            break
    for r in runs["steps"]:
        if r["tables_before"]["tasks"]:
            problems.append(f"the first evaluation found {r['tables_before']['tasks']:,} tasks "
                            "already: it did not measure a database with no tasks")
            break
    for r in runs["steps"]:
        sec = r["second"]
        if sec["tasks_created"] or sec["notifications_queued"]:
            problems.append(f"the second evaluate_playbooks on the same data created "
                            f"{sec['tasks_created']:,} tasks and queued "
                            f"{sec['notifications_queued']:,} messages (expected none)")
            break
    for r in runs["steady"]:
        pb = (r["work"] or {}).get("playbooks") or {}
        made = (pb.get("tasks_created", 0), pb.get("notifications_queued", 0))
        if r["work"] is None or any(made) or r["work_rows"]["tasks"] != r["work_before"]["tasks"]:
            problems.append(f"the steady run_scoring's day's work created {made[0]:,} tasks "
                            f"and queued {made[1]:,} messages on data already evaluated "
                            f"(tasks {r['work_before']['tasks']:,} → {r['work_rows']['tasks']:,})")
            break
    for r in runs["steps"]:
        o = r["owners"]
        if o["failed"]:
            problems.append(f"{o['failed']:,} of {o['checked']:,} tasks are not owned by their "
                            f"account's owner: {'; '.join(o['examples'])}")
            break
    for r in runs["steps"]:
        out, made = r["outbox"], r["first"]["notifications_queued"]
        queued = r["after_deliver"]["notifications_by_status"].get("queued", 0)
        total = r["after_deliver"]["notifications"]
        if out["sent"] or out["failed"] or out["queued_left"] != made or queued != made \
                or total != made:
            problems.append(f"deliver_due with nothing configured: {made:,} messages queued, "
                            f"queued_left {out['queued_left']:,}, sent {out['sent']:,}, failed "
                            f"{out['failed']:,}, {total:,} in the outbox ({queued:,} queued)")
            break
    for r in runs["steps"]:
        if r["goals"]["tracked"] != r["goals_added"]:
            problems.append(f"track_goals tracked {r['goals']['tracked']:,} of "
                            f"{r['goals_added']:,} goals")
            break
    for r in runs["steady"]:
        if r["replayed"]:
            problems.append(f"the steady run_scoring replayed {r['replayed']}")
            break
    return problems


_HS_STEADY = re.compile(r"\*\*`run_scoring`\*\* again.*?\| ([\d.,]+) s[^|]*\| ([\d.,]+) s \|")
_HS_MEASURED = re.compile(r"Measured (\d{4}-\d\d-\d\d) at commit `([^`]+)`")


def health_scoring_steady(doc: Path = DOC) -> dict[str, Any] | None:
    """health_scoring's steady run_scoring figure, as its docs section has it."""
    try:
        text = doc.read_text(encoding="utf-8")
    except OSError:
        return None
    start, end = text.find("<!-- BEGIN health_scoring -->"), text.find(
        "<!-- END health_scoring -->")
    if start < 0 or end < 0:
        return None
    section = text[start:end]
    m, when = _HS_STEADY.search(section), _HS_MEASURED.search(section)
    if m is None:
        return None
    return {"seconds": float(m.group(1).replace(",", "")),
            "cpu_s": float(m.group(2).replace(",", "")),
            "measured": when.group(1) if when else None,
            "revision": when.group(2) if when else None}


def run(options: Options) -> Outcome:
    c = company(options)
    repeat = options.repeat
    goals = GOALS if not options.quick else 100
    print(f"{NAME}: {c.label}, as of {SCORE_DAY}, {repeat} repetition(s)")
    ws = _in_child(_workspace, c, options.data_dir)
    home = ws["home"]
    warm_file(Path(home) / "data" / "warehouse.duckdb")

    tmp = Path(tempfile.mkdtemp(prefix="tenure-daily-work-"))
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "reference", "setup", "steps", "worklist", "steady")}
    load_before = os.getloadavg()[0]
    try:
        for i in range(repeat):
            n = f"#{i + 1}"

            def fresh(label: str, n: str = n) -> str:
                path = tmp / f"{label}-{n.lstrip('#')}" / "app.db"
                path.parent.mkdir(parents=True)
                return str(path)

            r = _in_child(measure_compute_health, home, fresh("reference"), SCORE_DAY)
            runs["reference"].append(r)
            _say(f"compute_health (reference) {n}: {r['step']['seconds']:,.2f} s, CPU "
                 f"{r['step']['cpu_s']:,.1f} s, peak {r['step']['peak_rss_mib']:,.0f} MiB")
            db = fresh("day")
            r = _in_child(measure_setup, home, db, SCORE_DAY)
            runs["setup"].append(r)
            _say(f"run_scoring, day's work off (setup) {n}: {r['step']['seconds']:,.2f} s, "
                 f"replayed {r['replayed']}")
            r = _in_child(measure_steps, home, db, SCORE_DAY, goals)
            runs["steps"].append(r)
            _say(f"update_onboarding {r['update_onboarding']['seconds']:,.2f} s "
                 f"({r['onboarding']['enrolled']:,} enrolled), track_goals "
                 f"{r['track_goals']['seconds']:,.2f} s, evaluate_playbooks "
                 f"{r['evaluate_first']['seconds']:,.2f} s ({r['first']['tasks_created']:,} "
                 f"tasks) then {r['evaluate_second']['seconds']:,.2f} s "
                 f"({r['second']['tasks_created']:,}), deliver_due "
                 f"{r['deliver_due']['seconds']:,.2f} s, checkins "
                 f"{r['checkins']['seconds']:,.2f} s {n}")
            r = _in_child(measure_worklist, home, db, SCORE_DAY, WORKLIST_CALLS,
                          WORKLIST_BUDGET_S)
            runs["worklist"].append(r)
            _say(f"worklist {n}: owner {r['owner_name']} p50 {r['owner']['p50']:,.1f} ms "
                 f"({r['owner']['rows']:,} tasks), all p50 {r['all']['p50']:,.1f} ms "
                 f"({r['all']['rows']:,} tasks)")
            r = _in_child(measure_steady, home, db, SCORE_DAY)
            runs["steady"].append(r)
            _say(f"run_scoring with the day's work (steady) {n}: {r['step']['seconds']:,.2f} s, "
                 f"CPU {r['step']['cpu_s']:,.1f} s, peak {r['step']['peak_rss_mib']:,.0f} MiB")
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
        "goals": goals,
        "command": options.command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revision": _git_revision(),
        "machine": machine(),
        "loadavg": {"before": load_before, "after": os.getloadavg()[0]},
        "company": vars(c),
        "workspace": ws,
        "health_scoring_steady": health_scoring_steady(),
        "runs": runs,
        "summary": summary,
    }
    headers, rows = _table(data)
    return Outcome(name=NAME, title=TITLE, headers=headers, rows=rows, data=data,
                   markdown=markdown(data), problems=problems)


def _written(data: dict[str, Any]) -> dict[str, str]:
    """Rows written by each step, from the last repetition."""
    st = data["runs"]["steps"][-1]
    onb, first = st["onboarding"], st["first"]
    return {
        "update_onboarding": (f"{st['after_goals']['onboarding_plans']:,} plans, "
                              f"{st['after_goals']['onboarding_milestones']:,} milestones"),
        "add_goals": f"{st['goals_added']:,} goals",
        "track_goals": f"{st['goals']['tracked']:,} goals updated",
        "evaluate_first": (f"{first['tasks_created']:,} tasks, "
                           f"{first['notifications_queued']:,} messages"),
        "evaluate_second": (f"{st['second']['tasks_created']:,} tasks, "
                            f"{st['second']['notifications_queued']:,} messages"),
        "deliver_due": f"{st['outbox']['queued_left']:,} left queued",
        "checkins": f"{st['checkins_overdue']:,} overdue (read only)",
        "_enrolled": f"{onb['enrolled']:,}",
    }


def _table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    s, goals = data["summary"], data["goals"]
    written = _written(data)
    headers = ["measurement", "seconds", "CPU s", "peak RSS MiB", "× ref", "× ref CPU",
               "rows written"]
    rows = []
    for key, label in STEPS:
        x = s[key]
        rows.append([label.format(goals=f"{goals:,}").replace("`", ""),
                     _s(x["seconds"]["median"]), _s(x["cpu_s"]), _mib(x["peak_rss_mib"]),
                     f"{x['vs_reference']:.2f}", f"{x['vs_reference_cpu']:.2f}",
                     written.get(key, "")])
    for label in ("owner", "all"):
        w = s[f"worklist_{label}"]
        rows.append([f"worklist ({label}; p50 / p95 ms, {w['calls']} calls)",
                     f"{w['p50_ms']:,.1f} / {w['p95_ms']:,.1f} ms", "", "", "", "",
                     f"{w['rows']:,} tasks"])
    return headers, rows


# --- the docs section ---------------------------------------------------------------------------


def markdown(data: dict[str, Any]) -> str:
    """This benchmark's section of docs/benchmarks.md, from its results."""
    s, info, runs = data["summary"], data["machine"], data["runs"]
    c, ws, goals = data["company"], data["workspace"], data["goals"]
    st, setup, steady, wl = (runs["steps"][-1], runs["setup"][-1], runs["steady"][-1],
                             runs["worklist"][-1])
    events = ws["manifest"]["rows"]["events"]
    n = data["repeat"]
    written = _written(data)

    def rng(key: str) -> str:
        sp = s[key]["seconds"]
        return (f"{_s(sp['median'])} s ({_s(sp['min'])}–{_s(sp['max'])})"
                if sp["min"] != sp["max"] else f"{_s(sp['median'])} s")

    def line(key: str, label: str) -> list[str]:
        x = s[key]
        return [label.format(goals=f"{goals:,}"), rng(key), f"{_s(x['cpu_s'])} s",
                _mib(x["peak_rss_mib"]), _mib(x["rss_before_mib"]),
                f"{x['vs_reference']:.2f}× ({x['vs_reference_cpu']:.2f}×)",
                written.get(key, "")]

    labels = dict(STEPS)
    labels["reference"] = "**`compute_health`** (reference)"
    labels["day_total"] = ("**the day's work** (`update_onboarding` + `track_goals` + first "
                           "`evaluate_playbooks` + `deliver_due`)")
    labels["steady"] = "**`run_scoring` with the day's work** (steady daily case)"
    main = markdown_table(
        ["step", f"seconds, median (min–max) of {n}", "CPU s", "peak RSS MiB",
         "RSS before MiB", "× reference (CPU)", "rows written"],
        [line(k, labels[k]) for k, _ in STEPS])

    per = st["first"]["per_playbook"]
    second = st["second"]["per_playbook"]
    pb_rows = [[f"`{name}`", f"{v['matched']:,}", f"{v['tasks_created']:,}",
                f"{v['notifications_queued']:,}",
                f"{second.get(name, {}).get('already_open', 0):,}"]
               for name, v in per.items()]
    pb_rows.append(["**all**", f"{st['first']['matched']:,}",
                    f"**{st['first']['tasks_created']:,}**",
                    f"{st['first']['notifications_queued']:,}",
                    f"{st['second']['already_open']:,}"])
    playbooks = markdown_table(
        ["playbook", "matched", "tasks created", "messages queued",
         "second run: already open"], pb_rows)
    wo, wa = s["worklist_owner"], s["worklist_all"]
    worklist_table = markdown_table(
        ["call", "tasks returned", "p50 ms", "p95 ms", "CPU ms per call", "calls"],
        [[f"`worklist(store, as_of=D, owner=...)`, the busiest owner ({wl['owner_open_tasks']:,}"
          " open tasks)", f"{wo['rows']:,}", f"{wo['p50_ms']:,.1f}", f"{wo['p95_ms']:,.1f}",
          f"{wo['cpu_ms_per_call']:,.1f}", f"{wo['calls']}"],
         ["`worklist(store, as_of=D)`, everyone", f"{wa['rows']:,}", f"{wa['p50_ms']:,.1f}",
          f"{wa['p95_ms']:,.1f}", f"{wa['cpu_ms_per_call']:,.1f}", f"{wa['calls']}"]])

    hs = data.get("health_scoring_steady")
    if hs and not data["quick"]:  # the docs' figure is the full 100,000-account run
        hs_text = (f"The health_scoring section's steady `run_scoring`, measured "
                   f"{hs['measured'] or 'earlier'} at commit `{hs['revision'] or '?'}` before the "
                   f"day's work existed, took {_s(hs['seconds'])} s ({_s(hs['cpu_s'])} CPU s); "
                   f"with the day's work it takes {_s(s['steady']['seconds']['median'])} s "
                   f"({_s(s['steady']['cpu_s'])} CPU s) here: "
                   f"{s['steady']['cpu_s'] / hs['cpu_s']:.2f}× in CPU seconds.")
    else:
        hs_text = ""
    quick = " (a `--quick` smoke run: not representative)" if data["quick"] else ""
    onb, out = st["onboarding"], st["outbox"]
    dw = s["day_total"]
    slowest = max(DAY_STEPS, key=lambda k: s[k]["seconds"]["median"])
    return reflow(f"""## {TITLE}{quick}

What it shows: what the day's work after the scores (`tenure.daily.after_scoring`, run by
`tenure score` when the day becomes the current snapshot) costs for {c['accounts']:,} accounts,
step by step, against the `compute_health` it follows; how many tasks the built-in playbooks make
on the first day; how fast the worklist serves them; and the whole steady daily `run_scoring` with
the day's work. Measured by `benchmarks/daily_work.py` on the metrics_engine benchmark's cached
sample company ({c['accounts']:,} accounts at events scale {c['events_scale']:g}, {events:,}
events, seed {data['seed']}; `bench-data/{Path(ws['home']).parent.name}`), as of
{data['as_of']} (the health_scoring benchmark's day), with the built-in playbooks, onboarding
templates and check-in cadences.

Machine: {machine_markdown(info)} The app database is SQLite (WAL) on local disk. Measured
{data['measured_at'][:10]} at commit `{data['revision']}`; the 1-minute load average was
{data['loadavg']['before']:.1f} before the runs and {data['loadavg']['after']:.1f} after (up to
{info['nproc']} is this benchmark alone). The machine may have been running other work (a test
run) at the same time: wall times then stretch, so read the CPU seconds beside them.

Command:

```
{data['command']}
```

Every measurement runs in a fresh process with the warehouse file in the OS page cache; the
cached workspace's own app database is never written. Each of the {n} repetition(s) runs, in
order: `compute_health` on a fresh app database (the reference, and the ratios' denominator);
`run_scoring` on a fresh app database with the day's work switched off (`playbooks.enabled =
false`, `onboarding.auto_enrol = false`; it replays the day 30 days earlier, so both days of
history and every snapshot exist, and no task); then, in a new process on that database,
`compute_health` for the scores `after_scoring` is given (not counted) and the day's steps timed
apart: `update_onboarding`; {goals:,} goals linked to a metric added with `add_goal` (setup,
listed for scale) and `track_goals`; `evaluate_playbooks` on a database with no tasks, then again
on the same data; `deliver_due` with no channel configured; `checkins` (read by the
`checkin_overdue` trigger). Then the worklist in a new process, and `run_scoring` with the day's
work on the database all this left (the steady daily case: plans, goals and tasks exist, so
the day's work makes nothing new). "RSS before" of the steps includes the scores and DuckDB's
buffers of the `compute_health` before them.

{main}

The tasks the first evaluation made, per playbook ({st['first']['matched']:,} matches over
{st['scored']:,} scored accounts; the second evaluation found each one's task already open and
made none):

{playbooks}

The worklist over those tasks (`tenure tasks`, the dashboard), after the evaluation:

{worklist_table}

Rows written: `update_onboarding` enrolled {onb['enrolled']:,} accounts in their onboarding stage
({st['after_goals']['onboarding_plans']:,} plans, {st['after_goals']['onboarding_milestones']:,}
milestones; {onb['milestones_completed']:,} milestones completed from the data,
{onb['overdue']:,} overdue); `track_goals` updated {st['goals']['tracked']:,} goals
({st['goals']['achieved']:,} achieved); the first evaluation wrote
{st['first']['tasks_created']:,} tasks and queued {st['first']['notifications_queued']:,}
messages; `deliver_due` sent nothing ({out['skipped_unconfigured']:,} due on unconfigured
channels, {out['queued_left']:,} left queued). App database: {_mb(setup['db_bytes'])} MiB after
the scoring, {_mb(st['db_bytes'])} MiB after the day's work, {_mb(steady['db_bytes'])} MiB after
the steady run. Checked: the second evaluation and the steady run's made no task and queued no
message; each of the {st['owners']['checked']:,} tasks is owned by its account's owner in the
warehouse's `accounts` table ({st['owners']['unowned_accounts']:,} on accounts without one, given
to `playbooks.default_owner`); `deliver_due` lost nothing (every message queued is still queued).

What it means: the day's work for {c['accounts']:,} accounts takes {_s(dw['seconds']['median'])}
s ({_s(dw['cpu_s'])} CPU s), {dw['vs_reference']:.2f}× the `compute_health` it follows
({dw['vs_reference_cpu']:.2f}× in CPU seconds); the slowest step is `{slowest.replace('_first', '')
.replace('evaluate', 'evaluate_playbooks')}` ({_s(s[slowest]['seconds']['median'])} s). The whole
steady daily `run_scoring` takes {_s(s['steady']['seconds']['median'])} s
({_s(s['steady']['cpu_s'])} CPU s) and peaks at {_mib(s['steady']['peak_rss_mib'])} MiB.
{hs_text}
""")


if __name__ == "__main__":  # a quick look: python -m benchmarks.daily_work
    from . import text_table

    outcome = run(Options(quick=True, repeat=1))
    print(text_table(outcome.headers, outcome.rows))
    for p in outcome.problems:
        print("CHECK FAILED:", p)
