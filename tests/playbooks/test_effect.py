"""`tenure playbooks effect`: churn after a playbook's tasks against matched controls.

One small hand-made company, imported through ``tenure.import_file``, with tasks and health
history written straight into the app database. Every rate below is worked out by hand from
the rows in ``build``; none is copied from the code's output.

The scoring day of every judged task is D = 2026-02-01 and the horizon 90 days, so an account
churned within the horizon when its MRR first goes to zero on or before D + 90 = 2026-05-02.
The data run to 2026-06-30 (the filler account's subscription starts then), so with as_of
2026-06-30 a task is judged when it was made on or before 2026-06-30 - 90 = 2026-04-01.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

import tenure
from tenure import App
from tenure.errors import WorkError
from tenure.playbooks.effect import PlaybookEffect, mover, playbook_effect, wilson
from tenure.store.models import HealthHistory, Task

D = date(2026, 2, 1)
AS_OF = date(2026, 6, 30)
TENURE = str(Path(sys.executable).with_name("tenure"))

# account_id, segment, band on D (None: no health history that day), last paid day + 1
# (valid_to; None: still paying).
ACCOUNTS: list[tuple[str, str, str | None, str | None]] = [
    # --- playbook renewal_risk, segment mid_market
    ("M1", "mid_market", "red", "2026-05-02"),  # treated; MRR gone on day 90: churned
    ("M2", "mid_market", "red", "2026-05-03"),  # treated; gone on day 91: not churned
    ("M7", "mid_market", "yellow", None),  # treated; stays
    ("M3", "mid_market", "red", "2026-04-01"),  # control; churned
    ("M4", "mid_market", "red", None),  # control; stays (its only task is another playbook's)
    ("M9", "mid_market", "red", "2026-03-15"),  # control; churned
    ("M5", "mid_market", "red", None),  # own task 2026-04-15 (< D + 90): not a control
    ("M8", "mid_market", "yellow", "2026-02-20"),  # control; churned
    ("M10", "mid_market", "yellow", None),  # control; stays
    ("M6", "mid_market", "green", "2026-03-01"),  # green: no treated account is green
    ("M11", "mid_market", None, "2026-03-01"),  # no band on D: cannot be matched
    ("M12", "mid_market", "red", "2026-01-15"),  # not paying on D: not a control
    # --- renewal_risk, segment enterprise: the treated red account has no red peer
    ("E1", "enterprise", "red", None),  # treated; stratum without controls
    ("E2", "enterprise", "green", None),
    # --- playbook winback, segment smb (Simpson's paradox)
    ("S1", "smb", "red", "2026-03-01"), ("S2", "smb", "red", "2026-04-01"),  # treated, churn
    ("S3", "smb", "red", None), ("S4", "smb", "red", None),  # treated
    ("S5", "smb", "red", "2026-02-15"), ("S6", "smb", "red", "2026-03-15"),  # controls, churn
    ("S7", "smb", "red", "2026-04-15"), ("S8", "smb", "red", None),
    ("S9", "smb", "green", None),  # treated
    ("S10", "smb", "green", "2026-03-10"),  # control, churned
    *[(f"S{i}", "smb", "green", None) for i in range(11, 18)],  # controls S11-S17
]
# account_id, playbook, created_on, status, outcome
TASKS = [
    ("M1", "renewal_risk", D, "closed", "churned"),
    ("M2", "renewal_risk", D, "closed", "saved"),
    ("M7", "renewal_risk", D, "closed", "no_action_needed"),
    ("E1", "renewal_risk", D, "open", None),
    ("M5", "renewal_risk", date(2026, 4, 15), "open", None),  # too recent to judge
    ("M4", "fresh", date(2026, 6, 1), "open", None),  # too recent to judge
    *[(a, "winback", D, "open", None) for a in ("S1", "S2", "S3", "S4", "S9")],
]


def build(home: Path, files: Path, toml: str = "") -> None:
    """The company above: accounts and subscriptions imported, tasks and history inserted."""
    if toml:
        home.mkdir(parents=True)
        (home / "tenure.toml").write_text(toml)
    files.mkdir(parents=True, exist_ok=True)
    acc = ["account_id,name,segment"] + [f"{a},{a} Inc,{s}" for a, s, _, _ in ACCOUNTS]
    acc.append("Z,Filler,filler")
    subs = ["subscription_id,account_id,mrr,valid_from,valid_to"]
    subs += [f"s-{a},{a},100,2025-01-01,{end or ''}" for a, _, _, end in ACCOUNTS]
    subs.append("s-Z,Z,100,2026-06-30,")  # the latest dated record: data through 2026-06-30
    (files / "accounts.csv").write_text("\n".join(acc) + "\n")
    (files / "subscriptions.csv").write_text("\n".join(subs) + "\n")
    with tenure.init_workspace(home) as app:
        for table in ("accounts", "subscriptions"):
            assert tenure.import_file(app, table, files / f"{table}.csv").rejected == 0
        bands = {a: b for a, _, b, _ in ACCOUNTS}
        segments = {a: s for a, s, _, _ in ACCOUNTS}
        stamp = datetime(2026, 1, 1)
        with app.store.session() as s:
            s.add_all(HealthHistory(account_id=a, day=D, band=b, score=50.0)
                      for a, b in bands.items() if b is not None)
            # The task records the account's segment and band on its day, as the engine does.
            s.add_all(Task(account_id=a, playbook=p, reason_key="r", title="t", type="risk",
                           priority="high", status=st, outcome=o, created_on=day,
                           created_at=stamp, updated_at=stamp, segment=segments[a],
                           band=bands[a], score=50.0)
                      for a, p, day, st, o in TASKS)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("effect")
    build(root / "ws", root / "files")
    return root / "ws"


@pytest.fixture
def app(home: Path) -> Iterator[App]:
    with tenure.build_app(home) as a:
        yield a


def by_name(report: list[PlaybookEffect], name: str) -> PlaybookEffect:
    return next(p for p in report if p.playbook == name)


def test_stratified_rates_and_difference_match_the_hand_worked_numbers(app: App) -> None:
    report = playbook_effect(app, as_of=AS_OF)
    assert report.horizon_days == 90  # playbooks.effect_horizon_days
    assert report.data_through == AS_OF and report.judged_through == date(2026, 4, 1)
    rr = by_name(report.playbooks, "renewal_risk")
    # Strata of renewal_risk on D:
    #   (mid_market, red):    treated M1 churned (day 90), M2 not (day 91)      -> 1/2
    #                         controls M3 churned, M4 no, M9 churned            -> 2/3
    #                         (M5: own task within D+90; M11: no band; M12: not paying
    #                          on D; M6: green)
    #   (mid_market, yellow): treated M7 no                                     -> 0/1
    #                         controls M8 churned, M10 no                       -> 1/2
    #   (enterprise, red):    treated E1, no red enterprise account without a task: skipped
    strata = {(s.segment, s.band): (s.treated, s.treated_churned, s.controls,
                                    s.controls_churned) for s in rr.strata}
    assert strata == {("mid_market", "red"): (2, 1, 3, 2),
                      ("mid_market", "yellow"): (1, 0, 2, 1),
                      ("enterprise", "red"): (1, 0, 0, 0)}
    # Weights: the treated mix of the used strata, red 2/3 and yellow 1/3.
    #   treated = 2/3 * 1/2 + 1/3 * 0   = 1/3
    #   control = 2/3 * 2/3 + 1/3 * 1/2 = 4/9 + 1/6 = 11/18
    #   difference = 1/3 - 11/18 = -5/18 = -27.78 pp; relative = -5/11
    assert rr.treated_churn == pytest.approx(1 / 3)
    assert rr.control_churn == pytest.approx(11 / 18)
    assert rr.difference == pytest.approx(-5 / 18)
    assert rr.relative_change == pytest.approx(-5 / 11)
    assert rr.difference_ci is not None
    assert -1 <= rr.difference_ci[0] < -5 / 18 < rr.difference_ci[1] <= 1
    d = rr.as_dict()
    assert (d["tasks"], d["tasks_judged"], d["treated_accounts"], d["treated_skipped"]) == (
        5, 4, 3, 1)  # M5's task is too recent; E1 sits in the skipped stratum
    assert (d["control_accounts"], d["strata_used"], d["strata_skipped"]) == (5, 2, 1)
    assert d["difference_pp"] == pytest.approx(-500 / 18)
    # Closed tasks: M1 churned, M2 saved, M7 no action needed.
    assert (d["saved"], d["churned"], d["expanded"], d["no_action_needed"]) == (1, 1, 0, 1)
    assert d["note"] is None


def test_stratification_reverses_the_crude_comparison(app: App) -> None:
    # winback, all smb on D:
    #   red:   treated S1-S4, 2 churned (50%);  controls S5-S8, 3 churned (75%)
    #   green: treated S9, 0 churned (0%);      controls S10-S17, 1 churned (12.5%)
    # Crude: treated 2/5 = 40%, controls 4/12 = 33.3%: +6.67 pp, tasks look harmful.
    # Stratified (weights 4/5, 1/5): treated 0.4, controls 0.8*0.75 + 0.2*0.125 = 0.625:
    #   -22.5 pp. In each stratum the treated churned less; the crude comparison is
    #   confounded because the treated are mostly red and the controls mostly green.
    wb = by_name(playbook_effect(app, as_of=AS_OF, playbook="winback").playbooks, "winback")
    strata = {s.band: (s.treated, s.treated_churned, s.controls, s.controls_churned)
              for s in wb.strata}
    assert strata == {"red": (4, 2, 4, 3), "green": (1, 0, 8, 1)}
    crude = 2 / 5 - 4 / 12
    assert crude > 0
    assert wb.treated_churn == pytest.approx(0.4)
    assert wb.control_churn == pytest.approx(0.625)
    assert wb.difference == pytest.approx(-0.225)


def test_tasks_too_recent_or_data_too_short_are_not_judged(app: App) -> None:
    fresh = by_name(playbook_effect(app, as_of=AS_OF).playbooks, "fresh")
    assert fresh.tasks == 1 and fresh.treated_accounts == 0
    assert fresh.note == "no task older than 90 days yet"
    assert fresh.difference is None
    # As of 2026-04-30 only tasks up to 2026-01-30 are judged: D is too recent everywhere.
    early = playbook_effect(app, as_of=date(2026, 4, 30))
    assert early.judged_through == date(2026, 1, 30)
    assert {p.note for p in early.playbooks} == {"no task older than 90 days yet"}
    # A 30-day horizon: judged through 2026-05-31, so M5's task of 2026-04-15 is judged too.
    # M5 is treated on 2026-04-15 in (mid_market, red), the band and segment its task
    # recorded (no health history that day); it is paying and stays: not churned.
    # (mid_market, red): treated M1, M2 (D) and M5 (04-15); none gone within 30 days of its
    #   day (D + 30 = 2026-03-03) -> 0/3.
    # Controls on D: M5's task is 73 days after D, beyond 30, so M5 is a control on D; with
    #   M3 (gone 04-01), M4, M9 (gone 03-15): none gone by 2026-03-03 -> 0/4.
    short = by_name(playbook_effect(app, as_of=AS_OF, horizon_days=30).playbooks,
                    "renewal_risk")
    red = next(s for s in short.strata if (s.segment, s.band) == ("mid_market", "red"))
    assert (red.treated, red.treated_churned, red.controls, red.controls_churned) == (
        3, 0, 4, 0)


def test_unknown_playbook_is_a_clear_error(app: App) -> None:
    with pytest.raises(WorkError, match="no playbook named 'nope'"):
        playbook_effect(app, as_of=AS_OF, playbook="nope")


@pytest.mark.parametrize(("k1", "n1", "k2", "n2", "low", "high"), [
    # Newcombe (1998), Stat Med 17:873-890, Table II, method 10 (hybrid score).
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 10, 0.6075, 1.0000),
])
def test_difference_interval_reproduces_newcombe(k1: int, n1: int, k2: int, n2: int,
                                                 low: float, high: float) -> None:
    p1, p2 = k1 / n1, k2 / n2
    lo, hi = mover([(1.0, p1, *wilson(k1, n1)), (-1.0, p2, *wilson(k2, n2))])
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_wilson_interval_matches_the_textbook_example() -> None:
    # Agresti & Coull (1998) / Wilson: 0 of 10 -> 0 to 0.2775 (z = 1.96).
    assert wilson(0, 10) == (0.0, pytest.approx(0.2775, abs=5e-5))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([TENURE, *args], capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_json_rows_and_table_message(home: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(home, ws)
    rows = json.loads(run("playbooks", "effect", "--home", str(ws), "--as-of", "2026-06-30",
                          "--format", "json").stdout)
    assert [r["playbook"] for r in rows] == ["fresh", "renewal_risk", "winback"]
    rr = rows[1]
    for key in ("tasks", "treated_accounts", "treated_churn", "control_accounts",
                "control_churn", "difference_pp", "ci_low_pp", "ci_high_pp", "saved",
                "churned", "expanded", "no_action_needed"):
        assert key in rr, key
    assert rr["treated_churn"] == pytest.approx(1 / 3, abs=1e-6)
    assert rr["control_churn"] == pytest.approx(11 / 18, abs=1e-6)
    assert rr["difference_pp"] == pytest.approx(-500 / 18, abs=1e-4)
    assert rr["ci_low_pp"] < rr["difference_pp"] < rr["ci_high_pp"]
    assert rows[0]["note"] == "no task older than 90 days yet"

    table = run("playbooks", "effect", "--home", str(ws), "--as-of", "2026-06-30",
                "--playbook", "fresh").stdout
    assert "fresh: no task older than 90 days yet" in table
    assert "Observational comparison: tasks are not randomised" in table
    bad = subprocess.run([TENURE, "playbooks", "effect", "--home", str(ws), "--playbook", "x"],
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert bad.returncode == 9 and "no playbook named 'x'" in bad.stderr


@pytest.mark.postgres
def test_reads_tasks_and_history_from_postgres(tmp_path: Path, postgres_db_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENURE_APP_DB__URL", raising=False)
    build(tmp_path / "ws", tmp_path / "files", toml=f'[app_db]\nurl = "{postgres_db_url}"\n')
    with tenure.init_workspace(tmp_path / "ws") as a:
        assert a.store.dialect == "postgresql"
        rr = by_name(playbook_effect(a, as_of=AS_OF).playbooks, "renewal_risk")
    # The same hand-worked numbers as on SQLite (first test).
    assert rr.treated_churn == pytest.approx(1 / 3)
    assert rr.control_churn == pytest.approx(11 / 18)
