"""Health scores from the command line, on a real sample company: `tenure score`,
`tenure accounts` and `tenure health explain | pulse | history | model | backtest`.

One demo workspace is built per test run (shared by xdist workers) and only read; tests that write
(a scoring run, a pulse) work on a copy. Every check is against something computed apart from
the health code: the warehouse's accounts table, `tenure metrics`, the app database read
directly, the declared weights of the built-in model, or arithmetic on the output itself.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tomllib
from collections import Counter
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.test_cli import run
from tests.workspaces import Workspace, shared_workspace

import tenure.health
from tenure.app import build_app

DEMO_AS_OF = "2026-06-30"
DAY = "2026-06-29"  # the demo scores as of the day before its as-of date
PRIOR = "2026-05-30"  # DAY minus health.trend_days (30)
PAST = "2026-05-31"  # a past day to replay
TOLERANCE = 5.0  # health.trend_tolerance
# The built-in bands: red < 50 <= yellow < 75 <= green.
BANDS = (("red", 0.0, 50.0), ("yellow", 50.0, 75.0), ("green", 75.0, 100.0))
DEFAULT_MODEL = tomllib.loads(
    (Path(tenure.health.__file__).parent / "default.toml").read_text(encoding="utf-8")
)["health"]


Demo = Workspace


def cli_json(*args: str | Path) -> Any:
    return json.loads(run(*map(str, args)).stdout)


def band_of(score: float) -> str:
    for label, low, high in BANDS:
        if low <= score < high or (high == 100 and score == 100):
            return label
    raise AssertionError(f"score {score} outside 0..100")


def app_db(home: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(home / "data" / "app.db"))


def history_on(home: Path, day: str) -> dict[str, float]:
    """Every account's recorded score on ``day``, read from the app database directly."""
    with app_db(home) as con:
        rows = con.execute(
            "SELECT account_id, score FROM health_history WHERE day = ?", [day]
        ).fetchall()
    return dict(rows)


def error_line(proc: Any) -> str:
    """The one line a user mistake prints, after checking it is one line and no traceback."""
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    return str(lines[0])


def make_demo(home: Path) -> dict[str, Any]:
    return cli_json(
        "demo",
        "--no-serve",
        "--accounts",
        "300",
        "--seed",
        "3",
        "--as-of",
        DEMO_AS_OF,
        "--home",
        home,
        "--format",
        "json",
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The sample company, scored as of DAY by the demo. Under pytest-xdist the first worker
    to need it builds it and the others copy it (each needs its own: DuckDB admits one
    process at a time)."""
    return shared_workspace(tmp_path_factory, "health-demo", make_demo)


@pytest.fixture(scope="module")
def worklist(demo: Demo) -> list[dict[str, Any]]:
    """`tenure accounts --format json` right after the demo."""
    return accounts(demo.home)


@pytest.fixture
def workspace(demo: Demo, tmp_path: Path) -> Path:
    """A private copy of the demo workspace, for tests that write to it."""
    home = tmp_path / "ws"
    shutil.copytree(demo.home, home)
    return home


def accounts(home: Path, *args: str) -> list[dict[str, Any]]:
    return cli_json("accounts", "--home", home, "--format", "json", *args)


def explain(home: Path, account: str, *args: str) -> dict[str, Any]:
    return cli_json("health", "explain", account, "--home", home, "--format", "json", *args)


def demo_bands(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(r["band"] for r in rows if r["score"] is not None)
    return {label: counts[label] for label, _, _ in BANDS}


def measures_of(ex: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for g in ex["explanation"] for m in g["measures"]]


# --------------------------------------------------------------------- the worklist


def test_accounts_lists_every_account_and_scores_exactly_the_paying_ones(
    demo: Demo, worklist: list[dict[str, Any]]
) -> None:
    rows = worklist
    with build_app(demo.home) as app:
        warehouse = dict(
            app.warehouse.con.execute("SELECT account_id, owner FROM accounts").fetchall()
        )
    mrr = {
        r["account_id"]: r["mrr"]
        for r in cli_json(
            "metrics",
            "--per-account",
            "--metric",
            "mrr",
            "--as-of",
            DAY,
            "--home",
            demo.home,
            "--format",
            "json",
        )
    }
    paying = {a for a, m in mrr.items() if m is not None and m > 0}

    ids = [r["account_id"] for r in rows]
    assert len(ids) == len(set(ids)) == 300
    assert set(ids) == set(warehouse)
    assert 0 < len(paying) < 300
    for r in rows:
        assert r["as_of"] == DAY
        if r["account_id"] in paying:
            assert 0 <= r["score"] <= 100, r
            assert r["band"] == band_of(r["score"]), r
            assert r["lifecycle"] in ("onboarding", "active"), r
            # The first profile whose rule holds: onboarding accounts get the onboarding one.
            assert r["profile"] == (
                "onboarding" if r["lifecycle"] == "onboarding" else "standard"
            ), r
            assert r["mrr"] == pytest.approx(mrr[r["account_id"]], abs=0.01)
            assert r["arr"] == pytest.approx(12 * r["mrr"])
        else:
            assert (r["score"], r["band"], r["trend"], r["profile"]) == (None,) * 4, r
            assert r["lifecycle"] in ("churned", "prospect"), r

    # Default sort: lowest score first, the unscored last.
    scored = [r["score"] for r in rows if r["score"] is not None]
    assert [r["score"] is None for r in rows] == [False] * len(scored) + [True] * (
        300 - len(scored)
    )
    assert scored == sorted(scored)

    red = accounts(demo.home, "--health", "red")
    assert {r["account_id"] for r in red} == {
        r["account_id"] for r in rows if r["score"] is not None and r["score"] < 50
    }
    assert all(r["band"] == "red" for r in red)
    assert [r["score"] for r in red] == sorted(r["score"] for r in red)

    owner, _ = Counter(o for o in warehouse.values() if o).most_common(1)[0]
    book = accounts(demo.home, "--owner", owner.upper())  # e-mail case does not matter
    expected = {a for a, o in warehouse.items() if o and o.lower() == owner.lower()}
    assert {r["account_id"] for r in book} == expected
    assert len(book) == len(expected)


# --------------------------------------------------------------------- explanations


def test_band_filter_names_the_bands_and_ignores_case(demo: Demo,
                                                     worklist: list[dict[str, Any]]) -> None:
    red = [r["account_id"] for r in worklist if r["band"] == "red"]
    assert [r["account_id"] for r in accounts(demo.home, "--health", "RED")] == red
    line = error_line(run("accounts", "--home", demo.home, "--health", "purple", check=False))
    assert "green" in line and "red" in line and "yellow" in line
    # An account nobody knows has no history: an error, not an empty list.
    line = error_line(run("health", "history", "no-such-account", "--home", demo.home,
                          check=False))
    assert "no-such-account" in line


def declared_weights(profile: str) -> dict[str, tuple[float, dict[str, float]]]:
    """group -> (group weight, {measure: weight}) of a built-in profile."""
    (p,) = [p for p in DEFAULT_MODEL["profiles"] if p["name"] == profile]
    return {
        g: (float(d["weight"]), {m: float(w) for m, w in d["measures"].items()})
        for g, d in p["groups"].items()
    }


def check_explanation(ex: dict[str, Any], *, digits: float) -> None:
    """The working adds up: contributions to the score, weights to 1, weights as declared."""
    ms = measures_of(ex)
    assert ex["score"] is not None and ex["band"] == band_of(ex["score"])
    assert sum(m["contribution"] for m in ms) == pytest.approx(ex["score"], abs=0.01)
    assert sum(m["weight"] for m in ms) == pytest.approx(1.0, abs=1e-3)
    declared = declared_weights(ex["profile"])
    assert [g["group"] for g in ex["explanation"]] == list(declared)
    # A measure counts when it has a value, or when it declares a score for a missing one;
    # the weight of the others goes to the rest of its group, an empty group's to the others.
    counts = {
        m["measure"]: m["value"] is not None
        or "if_missing" in DEFAULT_MODEL["measures"][m["measure"]]
        for m in ms
    }
    live = {g: sum(w for m, w in ws.items() if counts[m]) for g, (_, ws) in declared.items()}
    total = sum(gw for g, (gw, _) in declared.items() if live[g] > 0)
    for g in ex["explanation"]:
        gw, ws = declared[g["group"]]
        assert [m["measure"] for m in g["measures"]] == list(ws)
        for m in g["measures"]:
            spec = DEFAULT_MODEL["measures"][m["measure"]]
            want = gw / total * ws[m["measure"]] / live[g["group"]] if counts[m["measure"]] else 0.0
            assert m["weight"] == pytest.approx(want, abs=digits), (g["group"], m)
            if m["value"] is None:
                if "if_missing" in spec:
                    assert m["score"] == spec["if_missing"], m
                else:
                    assert m["weight"] == 0 and m["contribution"] == 0, m
            else:
                assert 0 <= m["score"] <= 100, m
            assert m["contribution"] == pytest.approx(m["weight"] * (m["score"] or 0), abs=0.01), m


def rule_score(spec: dict[str, Any], value: float) -> float | None:
    """A measure's score by its declared rule (None: percentile or pulse, not checked)."""
    if spec["scoring"] == "thresholds":
        good, average = spec["good"], spec["average"]
        s_good, s_avg, s_poor = spec.get("scores", (100, 60, 0))
        if good > average:
            return s_good if value >= good else s_avg if value >= average else s_poor
        return s_good if value <= good else s_avg if value <= average else s_poor
    if spec["scoring"] == "ranges":
        for r in spec["ranges"]:
            if r.get("from", -float("inf")) <= value < r.get("to", float("inf")):
                return float(r["score"])
        raise AssertionError(f"no range for {value}")
    if spec["scoring"] == "linear":
        worst, best = spec["worst"], spec["best"]
        return min(100.0, max(0.0, 100 * (value - worst) / (best - worst)))
    return None


def test_explain_adds_up_and_matches_a_fresh_computation(
    demo: Demo, worklist: list[dict[str, Any]]
) -> None:
    rows = [r for r in worklist if r["score"] is not None]
    onboarding = [r for r in rows if r["profile"] == "onboarding"]
    assert onboarding, "the sample should have accounts in their first 90 days"
    chosen = [rows[0], onboarding[len(onboarding) // 2]]  # the lowest score, an onboarding one
    for r in chosen:
        ex = explain(demo.home, r["account_id"])
        assert (ex["score"], ex["band"], ex["profile"], ex["as_of"]) == (
            r["score"],
            r["band"],
            r["profile"],
            DAY,
        )
        check_explanation(ex, digits=1e-4)  # weights are stored to 5 decimals

    # Computed again from the warehouse for the same day: the same score, the same working.
    acct = chosen[0]["account_id"]
    fresh = explain(demo.home, acct, "--as-of", DAY)
    assert fresh["score"] == pytest.approx(chosen[0]["score"], abs=0.01)
    assert fresh["band"] == chosen[0]["band"] and fresh["profile"] == chosen[0]["profile"]
    check_explanation(fresh, digits=1e-9)
    checked = 0
    for m in measures_of(fresh):
        spec = DEFAULT_MODEL["measures"][m["measure"]]
        if m["value"] is not None and (want := rule_score(spec, m["value"])) is not None:
            assert m["score"] == pytest.approx(want), m
            checked += 1
    assert checked >= 5


# --------------------------------------------------------------------- history and trends


def test_trend_compares_with_the_score_thirty_days_before(
    demo: Demo, worklist: list[dict[str, Any]]
) -> None:
    assert demo.summary["health"]["replayed"] == [PRIOR]  # no history yet: replayed
    rows = worklist
    before = history_on(demo.home, PRIOR)
    assert before
    trends: Counter[str] = Counter()
    for r in rows:
        if r["score"] is None:
            assert r["trend"] is None, r
            continue
        assert r["score_before"] == before.get(r["account_id"]), r
        if r["score_before"] is None:
            assert r["trend"] is None, r
            trends["new"] += 1
            continue
        change = r["score"] - r["score_before"]
        want = "up" if change > TOLERANCE else "down" if change < -TOLERANCE else "flat"
        assert r["trend"] == want, r
        trends[want] += 1
    assert trends["up"] and trends["down"] and trends["flat"]
    assert {k: trends[k] for k in ("up", "flat", "down", "new")} == demo.summary["health"]["trends"]

    moved = next(r for r in rows if r["trend"] == "down")
    hist = cli_json(
        "health", "history", moved["account_id"], "--home", demo.home, "--format", "json"
    )
    by_day = {h["day"]: h for h in hist}
    assert by_day[PRIOR]["score"] == moved["score_before"]
    assert by_day[DAY]["score"] == moved["score"] and by_day[DAY]["band"] == moved["band"]


def test_replaying_a_past_day_adds_history_and_keeps_the_current_view(
    workspace: Path, worklist: list[dict[str, Any]]
) -> None:
    current = worklist

    past = cli_json("score", "--as-of", PAST, "--home", workspace, "--format", "json")
    assert past["as_of"] == PAST and past["snapshot"] is False
    # The worklist still shows the latest run, unchanged.
    assert accounts(workspace) == current
    recorded = history_on(workspace, PAST)
    assert len(recorded) == past["scored"] > 0
    assert all(0 <= s <= 100 for s in recorded.values())
    acct = min(recorded)
    hist = cli_json("health", "history", acct, "--home", workspace, "--format", "json")
    days = [h["day"] for h in hist]
    assert PAST in days and days == sorted(set(days))
    assert next(h for h in hist if h["day"] == PAST)["score"] == recorded[acct]

    # Scoring the same day again changes nothing and records each account once a day.
    runs = [
        cli_json("score", "--as-of", DAY, "--home", workspace, "--format", "json") for _ in range(2)
    ]
    # The day's work after the scores may differ on the first of these runs (the replayed day
    # is now the latest history before DAY that "entered red" compares with); the second run
    # on the same data makes no task.
    work = [r.pop("work") for r in runs]
    assert runs[0] == runs[1]
    assert work[1]["playbooks"]["tasks_created"] == 0
    assert runs[0]["snapshot"] is True and runs[0]["replayed"] == []
    assert runs[0]["bands"] == demo_bands(current)
    assert accounts(workspace) == current
    with app_db(workspace) as con:
        per_day = dict(
            con.execute("SELECT day, count(*) FROM health_history GROUP BY day").fetchall()
        )
        dups = con.execute(
            "SELECT account_id, day FROM health_history GROUP BY account_id, day "
            "HAVING count(*) > 1"
        ).fetchall()
    assert dups == []
    assert per_day[DAY] == sum(r["score"] is not None for r in current)
    assert set(per_day) == {PRIOR, DAY, PAST, str(date.fromisoformat(PAST) - timedelta(30))}


# --------------------------------------------------------------------- the CSM's pulse


def test_a_red_pulse_counts_at_the_next_run(
    workspace: Path, worklist: list[dict[str, Any]]
) -> None:
    current = worklist
    standard = [r for r in current if r["profile"] == "standard"]
    acct = standard[-1]["account_id"]  # the healthiest: its engagement scores above 0
    old = explain(workspace, acct)
    (engagement,) = [g for g in old["explanation"] if g["group"] == "engagement"]
    (pulse,) = [m for m in engagement["measures"] if m["measure"] == "pulse"]
    assert pulse["value"] is None and pulse["weight"] == 0  # no pulse given yet
    assert engagement["score"] > 0 and engagement["weight"] > 0

    given = run(
        "health",
        "pulse",
        acct,
        "red",
        "--note",
        "champion left",
        "--author",
        "csm@example.com",
        "--day",
        "2026-06-20",
        "--home",
        str(workspace),
    )
    assert acct in given.stdout
    run("score", "--as-of", DAY, "--home", str(workspace))

    new = explain(workspace, acct)
    (pulse,) = [m for m in measures_of(new) if m["measure"] == "pulse"]
    assert pulse["value"] == 0 and pulse["score"] == 0 and pulse["weight"] > 0
    check_explanation(new, digits=1e-4)
    # The engagement group takes the pulse in at its declared weight (30 of 100) among the
    # measures that have a value; the groups keep their shares, so only that group moves.
    _, ws = declared_weights("standard")["engagement"]
    have = [m for m in engagement["measures"] if m["value"] is not None]
    group_before = sum(ws[m["measure"]] * m["score"] for m in have) / sum(
        ws[m["measure"]] for m in have
    )
    group_after = sum(ws[m["measure"]] * m["score"] for m in have) / (
        sum(ws[m["measure"]] for m in have) + ws["pulse"]
    )
    want = old["score"] + engagement["weight"] * (group_after - group_before)
    assert new["score"] == pytest.approx(want, abs=0.02)
    assert new["score"] < old["score"]
    # The day's history holds the new score, and nobody else moved.
    recorded = history_on(workspace, DAY)
    assert recorded.pop(acct) == new["score"]
    assert recorded == {
        r["account_id"]: r["score"]
        for r in current
        if r["score"] is not None and r["account_id"] != acct
    }


@pytest.mark.parametrize(
    ("account", "value", "phrase"),
    [
        ("acct_999999", "red", "no account 'acct_999999'"),
        (None, "purple", "pulse 'purple'"),
        (None, "150", "pulse '150'"),
    ],
)
def test_a_wrong_pulse_is_one_line_and_records_nothing(
    demo: Demo, account: str | None, value: str, phrase: str
) -> None:
    acct = account or "acct_000001"
    proc = run(
        "health", "pulse", acct, value, "--day", "2026-06-20", "--home", str(demo.home), check=False
    )
    assert phrase in error_line(proc)
    with app_db(demo.home) as con:
        assert con.execute("SELECT count(*) FROM health_pulses").fetchone() == (0,)


# --------------------------------------------------------------------- the model


BAD_MODEL = """
[[health.bands]]
label = "red"
from = 0
to = 60

[[health.bands]]
label = "green"
from = 50
to = 100

[health.measures.logins]
metric = "no_such_metric"
scoring = "thresholds"
good = 10
average = 5

[[health.profiles]]
name = "everyone"

[health.profiles.groups.zero]
weight = 0
measures = { nps = 1 }

[health.profiles.groups.nothing]
weight = 10
measures = {}
"""

GOOD_MODEL = """
[[health.profiles]]
name = "lean"
description = "Seats and voice only."

[health.profiles.groups.core]
label = "Core"
weight = 100
measures = { seat_utilization = 70, nps = 30 }
"""


def test_health_model_lists_every_problem_then_accepts_a_valid_one(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    run("init", "--home", str(home))
    config = home / "tenure.toml"
    original = config.read_text(encoding="utf-8")

    config.write_text(original + BAD_MODEL, encoding="utf-8")
    proc = run("health", "model", "--home", str(home), check=False)
    assert proc.returncode == 6
    line = error_line(proc)
    assert "health.bands" in line and "overlap" in line
    assert "health.measures.logins" in line and "no_such_metric" in line
    assert "health.profiles[0] everyone.groups.zero" in line and "weight" in line
    assert "health.profiles[0] everyone.groups.nothing" in line and "empty" in line
    # The scoring run refuses the same model with the same message.
    scoring = run("score", "--as-of", DAY, "--home", str(home), check=False)
    assert scoring.returncode == 6 and error_line(scoring) == line

    config.write_text(original + GOOD_MODEL, encoding="utf-8")
    declared = cli_json("health", "model", "--home", home, "--format", "json")
    assert declared["profiles"] == tomllib.loads(GOOD_MODEL)["health"]["profiles"]
    assert declared["bands"] == DEFAULT_MODEL["bands"]  # the parts not declared are built in
    assert declared["measures"] == DEFAULT_MODEL["measures"]
    as_toml = run("health", "model", "--home", str(home)).stdout
    assert tomllib.loads(as_toml)["health"]["profiles"] == declared["profiles"]


# --------------------------------------------------------------------- backtest


def test_backtest_counts_add_up_and_cover_the_paying_accounts(demo: Demo, tmp_path: Path) -> None:
    report = cli_json(
        "health",
        "backtest",
        "--format",
        "json",
        "--from",
        "2025-12-31",
        "--to",
        "2026-03-31",
        "--horizon",
        "60",
        "--out",
        tmp_path / "charts",
        "--home",
        demo.home,
    )
    for key in ("auc", "lift_red_vs_green", "bands", "calibration", "months"):
        assert key in report
    ends = ["2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31"]
    assert [m["as_of"] for m in report["months"]] == ends
    total = report["account_months"]
    assert sum(b["account_months"] for b in report["bands"]) == total
    assert sum(m["accounts"] for m in report["months"]) == total
    assert sum(c["account_months"] for c in report["calibration"]) == total
    assert (
        sum(b["churned"] for b in report["bands"])
        == report["churned"]
        == sum(m["churned"] for m in report["months"])
    )
    assert [b["band"] for b in report["bands"]] == [b for b, _, _ in BANDS]
    for b in report["bands"]:
        assert b["account_months"] > 0
        assert b["churn_rate"] == pytest.approx(b["churned"] / b["account_months"])
    red, green = report["bands"][0], report["bands"][-1]
    if green["churn_rate"]:
        assert report["lift_red_vs_green"] == pytest.approx(red["churn_rate"] / green["churn_rate"])
    assert 0 <= report["auc"] <= 1

    # Each month end scores the accounts paying then (all of them, unless every measure of
    # one is missing).
    paying = {
        r["period_end"]: r["value"]
        for r in cli_json(
            "metrics",
            "--metric",
            "paying_accounts",
            "--period",
            "month",
            "--periods",
            "4",
            "--as-of",
            "2026-03-31",
            "--home",
            demo.home,
            "--format",
            "json",
        )
    }
    for m in report["months"]:
        assert 0.95 * paying[m["as_of"]] <= m["accounts"] <= paying[m["as_of"]], m

    png, html = Path(report["chart"]["png"]), Path(report["chart"]["html"])
    assert png.parent == html.parent == tmp_path / "charts"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "<html" in html.read_text(encoding="utf-8").lower()


# --------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_scoring_with_the_app_database_on_postgres(
    workspace: Path,
    worklist: list[dict[str, Any]],
    postgres_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo's warehouse with a new, empty app database on PostgreSQL: the scoring run
    creates the schema, and the worklist is the one the demo made on SQLite."""
    monkeypatch.setenv("TENURE_APP_DB__URL", postgres_db_url)
    (workspace / "data" / "app.db").unlink()
    scored = sum(r["score"] is not None for r in worklist)
    runs = [
        cli_json("score", "--as-of", DAY, "--home", workspace, "--format", "json") for _ in range(2)
    ]
    # No history on the new database: the first run replays the day 30 days before.
    assert runs[0]["replayed"] == [PRIOR] and runs[1]["replayed"] == []
    assert runs[0]["scored"] == runs[1]["scored"] == scored
    assert accounts(workspace) == worklist
    assert not (workspace / "data" / "app.db").exists()  # nothing went to the SQLite default

    engine = create_engine(postgres_db_url)
    try:
        with engine.connect() as con:
            per_day: dict[date, int] = dict(
                con.execute(text("SELECT day, count(*) FROM health_history GROUP BY day")).all()
            )
            dups = con.execute(
                text(
                    "SELECT account_id, day FROM health_history GROUP BY account_id, day "
                    "HAVING count(*) > 1"
                )
            ).all()
            snapshots = con.execute(text("SELECT count(*) FROM account_snapshots")).scalar()
    finally:
        engine.dispose()
    assert dups == []
    assert per_day[date.fromisoformat(DAY)] == scored
    assert date.fromisoformat(PRIOR) in per_day
    assert snapshots == len(worklist)
