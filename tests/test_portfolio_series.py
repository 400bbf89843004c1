"""The portfolio series the scoring run stores for the dashboard (tenure.portfolio_series).

A hand-made company as of 2026-03-15 (months April 2025 .. March 2026, March to date).
Subscriptions (valid_to = the first day a row no longer counts):

| account | owner        | rows                                                    |
|---------|--------------|---------------------------------------------------------|
| a1      | Anna@CSM.io  | 100 from 2025-06-01 to 2026-02-10, then 150 from 02-10  |
| a2      | Anna@CSM.io  | 200 from 2025-12-01 to 2026-02-20                       |
| a3      | bob@csm.io   | 300 from 2025-05-01; 100 from 2025-05-01 to 2026-02-05  |
| a4      | bob@csm.io   | 50 from 2026-02-03                                      |
| a5      | (none)       | 80 from 2025-09-01                                      |

February 2026 by hand (ChartMogul's movements, KPI_DEFINITIONS.md):
- company: starting MRR (on 01-31) 100 + 200 + 400 + 80 = 780; new 50 (a4), expansion 50
  (a1), contraction 100 (a3), churned 200 (a2); MRR at the end 580;
  NRR = (780 + 50 - 100 - 200) / 780 = 530/780; GRR = (780 - 200 - 100) / 780 = 480/780;
  logo churn = 1 churned / 4 paying at the start = 0.25.
- Anna's book (a1, a2): start 300, expansion 50, churned 200: NRR 150/300 = 0.5,
  GRR 100/300; MRR at the end 150.
- Bob's book (a3, a4): start 400, contraction 100, new 50: NRR = GRR = 300/400 = 0.75;
  MRR at the end 350.

Every month of every scope is also checked against a plain pandas recomputation from the
subscription rows (day-by-day MRR per account, its changes classified by hand's rules), a
second implementation independent of the KPI engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select
from tests.helpers import write_text

from tenure import App, import_file, init_workspace
from tenure.errors import MetricsError
from tenure.metrics import cohort_retention
from tenure.portfolio_series import (
    COMPANY,
    compute_series,
    latest_series,
    refresh_series,
    save_series,
)
from tenure.store import PortfolioSeries
from tenure.web.insight_charts import cohort_heatmap

AS_OF = date(2026, 3, 15)
NOW = datetime(2026, 3, 15, 18, 0)

ACCOUNTS = """account_id,name,segment,owner
a1,One,smb,Anna@CSM.io
a2,Two,smb,Anna@CSM.io
a3,Three,enterprise,bob@csm.io
a4,Four,enterprise,bob@csm.io
a5,Five,smb,
"""
SUBSCRIPTIONS = [  # subscription_id, account_id, mrr, valid_from, valid_to
    ("s-a1", "a1", 100.0, "2025-06-01", "2026-02-10"),
    ("s-a1b", "a1", 150.0, "2026-02-10", ""),
    ("s-a2", "a2", 200.0, "2025-12-01", "2026-02-20"),
    ("s-a3", "a3", 300.0, "2025-05-01", ""),
    ("s-a3b", "a3", 100.0, "2025-05-01", "2026-02-05"),
    ("s-a4", "a4", 50.0, "2026-02-03", ""),
    ("s-a5", "a5", 80.0, "2025-09-01", ""),
]
# NPS answers: 2026-02-28's trailing 180 days start on 2025-09-02, so r1 counts for January
# (promoters r1, r2: NPS 100) and not for February (r2 promoter, r3 detractor, r4 passive:
# NPS 0 over 3 answers).
RESPONSES = """response_id,account_id,survey,score,responded_at
r1,a1,nps,10,2025-08-15T10:00:00Z
r2,a1,nps,9,2026-01-10T10:00:00Z
r3,a3,nps,3,2026-02-12T10:00:00Z
r4,a5,nps,7,2026-02-20T10:00:00Z
"""
# First replies in February after 2, 6 and 1 hours: median 2. Resolved in February after 24
# and 48 hours (median 36); t3 resolved in March after 240 hours.
TICKETS = """ticket_id,account_id,created_at,first_response_at,resolved_at
t1,a1,2026-02-02T10:00:00Z,2026-02-02T12:00:00Z,2026-02-03T10:00:00Z
t2,a3,2026-02-10T08:00:00Z,2026-02-10T14:00:00Z,2026-02-12T08:00:00Z
t3,a3,2026-02-20T00:00:00Z,2026-02-20T01:00:00Z,2026-03-02T00:00:00Z
"""
OWNERS = {"a1": "anna@csm.io", "a2": "anna@csm.io", "a3": "bob@csm.io", "a4": "bob@csm.io",
          "a5": None}


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    root = tmp_path_factory.mktemp("portfolio-series")
    with init_workspace(root / "ws") as app:
        subs = "subscription_id,account_id,mrr,valid_from,valid_to\n" + "".join(
            ",".join(str(v) for v in row) + "\n" for row in SUBSCRIPTIONS)
        for table, text in (("accounts", ACCOUNTS), ("subscriptions", subs),
                            ("survey_responses", RESPONSES), ("tickets", TICKETS)):
            report = import_file(app, table, write_text(root / f"{table}.csv", text))
            assert report.rejected == 0, report
        yield app


@pytest.fixture(scope="module")
def series(company: App) -> dict[str, dict]:
    return compute_series(company, as_of=AS_OF)


def month(payload: dict, name: str) -> dict:
    (found,) = [m for m in payload["months"] if m["month"] == name]
    return found


# --------------------------------------------------------------------------- reference
def reference_months(accounts: set[str]) -> dict[str, dict[str, float]]:
    """MRR movements by month over ``accounts``, from the subscription rows with plain
    pandas: each account's MRR day by day, each change classified (new: first time from
    zero; reactivation: from zero again; churn: to zero; expansion / contraction)."""
    rows = pd.DataFrame(SUBSCRIPTIONS, columns=["sid", "account", "mrr", "start", "end"])
    rows = rows[rows["account"].isin(accounts)]
    days = pd.date_range("2025-01-01", AS_OF)
    daily = pd.DataFrame(0.0, index=days, columns=sorted(accounts))
    for r in rows.itertuples():
        end = pd.Timestamp(r.end) if r.end else days[-1] + timedelta(days=1)
        daily.loc[(days >= pd.Timestamp(r.start)) & (days < end), r.account] += r.mrr
    moves = []
    for account in daily.columns:
        paid = False
        prev = 0.0
        for day, cur in daily[account].items():
            if cur != prev:
                if prev == 0:
                    kind = "reactivation_mrr" if paid else "new_mrr"
                    paid = True
                elif cur == 0:
                    kind = "churned_mrr"
                else:
                    kind = "expansion_mrr" if cur > prev else "contraction_mrr"
                moves.append((day, kind, abs(cur - prev)))
            prev = cur
    moves_df = pd.DataFrame(moves, columns=["day", "kind", "amount"])
    total = daily.sum(axis=1)
    out = {}
    for start in pd.date_range("2025-04-01", AS_OF, freq="MS"):
        end = min(start + pd.offsets.MonthEnd(0), pd.Timestamp(AS_OF))
        inside = moves_df[(moves_df["day"] >= start) & (moves_df["day"] <= end)]
        got = {k: float(inside.loc[inside["kind"] == k, "amount"].sum()) for k in (
            "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr")}
        got["starting_mrr"] = float(total[start - timedelta(days=1)])
        got["mrr"] = float(total[end])
        s = got["starting_mrr"]
        got["nrr"] = None if s == 0 else (
            s + got["expansion_mrr"] - got["contraction_mrr"] - got["churned_mrr"]) / s
        got["grr"] = None if s == 0 else (s - got["contraction_mrr"] - got["churned_mrr"]) / s
        out[start.strftime("%Y-%m")] = got
    return out


# --------------------------------------------------------------------------- tests
def test_february_by_hand(series: dict[str, dict]) -> None:
    feb = month(series[COMPANY], "2026-02")
    assert (feb["starting_mrr"], feb["mrr"]) == (780, 580)
    assert (feb["new_mrr"], feb["expansion_mrr"], feb["contraction_mrr"],
            feb["churned_mrr"], feb["reactivation_mrr"]) == (50, 50, 100, 200, 0)
    assert feb["nrr"] == pytest.approx(530 / 780, abs=1e-6)
    assert feb["grr"] == pytest.approx(480 / 780, abs=1e-6)
    assert feb["logo_churn_rate"] == pytest.approx(0.25)
    anna = month(series["owner:anna@csm.io"], "2026-02")
    assert (anna["starting_mrr"], anna["mrr"]) == (300, 150)
    assert anna["nrr"] == pytest.approx(0.5) and anna["grr"] == pytest.approx(100 / 300)
    bob = month(series["owner:bob@csm.io"], "2026-02")
    assert (bob["starting_mrr"], bob["mrr"], bob["new_mrr"]) == (400, 350, 50)
    assert bob["nrr"] == pytest.approx(0.75) and bob["grr"] == pytest.approx(0.75)


def test_every_month_of_every_scope_matches_a_plain_recomputation(
        series: dict[str, dict]) -> None:
    # One row per owner in the same pass, owners lower-cased; no row for "no owner".
    assert set(series) == {COMPANY, "owner:anna@csm.io", "owner:bob@csm.io"}
    books = {COMPANY: set(OWNERS), "owner:anna@csm.io": {"a1", "a2"},
             "owner:bob@csm.io": {"a3", "a4"}}
    for scope, accounts in books.items():
        want = reference_months(accounts)
        got = {m["month"]: m for m in series[scope]["months"]}
        assert list(got) == list(want), scope  # the 12 months, oldest first
        assert got["2026-03"]["period_end"] == AS_OF.isoformat()  # the current one to date
        for name, expected in want.items():
            for metric, value in expected.items():
                if value is None:
                    assert got[name][metric] is None, (scope, name, metric)
                else:
                    assert got[name][metric] == pytest.approx(value, abs=1e-6), (
                        scope, name, metric)


def test_nps_and_support_times_by_month(series: dict[str, dict]) -> None:
    jan, feb = month(series[COMPANY], "2026-01"), month(series[COMPANY], "2026-02")
    assert (jan["nps"], jan["nps_responses"]) == (100, 2)
    assert (feb["nps"], feb["nps_responses"]) == (0, 3)
    assert month(series["owner:anna@csm.io"], "2026-02")["nps"] == 100
    assert month(series["owner:bob@csm.io"], "2026-02")["nps"] == -100
    assert feb["first_response_hours_median"] == pytest.approx(2)
    assert feb["resolution_hours_median"] == pytest.approx(36)
    assert month(series[COMPANY], "2026-03")["resolution_hours_median"] == pytest.approx(240)
    assert jan["first_response_hours_median"] is None  # no ticket: undefined, not 0
    assert feb["tickets_opened"] == 3


def test_tiles_compare_the_month_to_date_with_the_previous_month(
        series: dict[str, dict]) -> None:
    tiles = {t["metric"]: t for t in series[COMPANY]["tiles"]}
    # Nothing changes in March: MRR 580 as in February, NRR 1 against 530/780.
    assert (tiles["mrr"]["value"], tiles["mrr"]["previous"], tiles["mrr"]["change"]) == (
        580, 580, "flat")
    assert tiles["arr"]["value"] == 12 * 580
    assert tiles["nrr"]["value"] == 1 and tiles["nrr"]["change"] == "up"
    assert tiles["logo_churn_rate"]["value"] == 0
    assert (tiles["logo_churn_rate"]["change"], tiles["logo_churn_rate"]["better"]) == (
        "down", "down")
    assert tiles["nrr"]["label"] == "Net revenue retention"  # the catalogue's label


def test_cohorts_are_cohort_retentions_and_the_heatmap_shows_them(
        company: App, series: dict[str, dict]) -> None:
    engine = cohort_retention(company, as_of=AS_OF)
    cells = series[COMPANY]["cohorts"]
    # Cohorts of the last 12 months (all five here): a3 2025-05, a1 2025-06, a5 2025-09,
    # a2 2025-12, a4 2026-02.
    assert sorted({c["cohort"] for c in cells}) == [
        "2025-05", "2025-06", "2025-09", "2025-12", "2026-02"]
    assert len(cells) == len(engine)
    for c, e in zip(cells, engine.to_dict("records"), strict=True):
        assert (c["cohort"], c["months_since_start"]) == (e["cohort"], e["months_since_start"])
        assert c["logo_retention"] == pytest.approx(e["logo_retention"])
        assert c["revenue_retention"] == pytest.approx(e["revenue_retention"])
    # a2 pays at the end of December and January, no longer at the end of February.
    dec = [c["logo_retention"] for c in cells if c["cohort"] == "2025-12"]
    assert dec == [1, 1, 0, 0]
    points = cohort_heatmap(cells).to_dict()["data"][0]
    cells_shown = zip(points["y"], points["x"], strict=True)
    shown = dict(zip(cells_shown, points["marker"]["color"], strict=True))
    assert [shown[("2025-12", k)] for k in range(4)] == [100, 100, 0, 0]
    assert len(shown) == len(engine)
    for e in engine.to_dict("records"):
        assert shown[(e["cohort"], e["months_since_start"])] == pytest.approx(
            100 * e["logo_retention"], abs=0.05)
    assert series["owner:anna@csm.io"]["cohorts"] is None  # none per owner


def test_payload_is_plain_json(series: dict[str, dict]) -> None:
    text = json.dumps(series, allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text


def test_save_series_replaces_the_day_and_latest_reads_the_newest(
        company: App, series: dict[str, dict]) -> None:
    store = company.store
    assert save_series(store, AS_OF, series, now=NOW) == 3
    assert save_series(store, AS_OF - timedelta(days=1), {COMPANY: {"x": 1}}, now=NOW) == 1
    day, payload = latest_series(store, "owner:bob@csm.io")
    assert day == AS_OF and payload == series["owner:bob@csm.io"]
    # Saving the day again replaces all its rows: Bob's book is gone that day, and an older
    # day's figures are never shown instead.
    save_series(store, AS_OF, {COMPANY: series[COMPANY]}, now=NOW)
    assert latest_series(store, "owner:bob@csm.io") is None
    with store.session() as s:
        scopes = s.execute(select(PortfolioSeries.day, PortfolioSeries.scope)).all()
    assert sorted(scopes) == [(AS_OF - timedelta(days=1), COMPANY), (AS_OF, COMPANY)]
    assert latest_series(store, COMPANY)[0] == AS_OF


def test_the_scoring_run_stores_the_day_and_a_replay_does_not(company: App) -> None:
    from tenure.score import run_scoring

    run = run_scoring(company, as_of=AS_OF, now=NOW, deliver=False)
    assert run.work is not None
    assert run.work["portfolio"]["scopes"] == 3
    assert run.work["portfolio"]["day"] == AS_OF
    with company.store.session() as s:
        rows = s.execute(select(PortfolioSeries.scope).where(
            PortfolioSeries.day == AS_OF)).scalars().all()
    assert sorted(rows) == [COMPANY, "owner:anna@csm.io", "owner:bob@csm.io"]
    # A past day replays the scores only: no series for it.
    earlier = date(2026, 2, 1)
    replay = run_scoring(company, as_of=earlier, now=NOW, deliver=False)
    assert replay.work is None
    with company.store.session() as s:
        assert s.execute(select(PortfolioSeries).where(
            PortfolioSeries.day == earlier)).first() is None


def test_a_failing_series_is_reported_not_raised(
        company: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from tenure.score import run_scoring

    def broken(app: App, *, as_of: date) -> dict:
        raise MetricsError("warehouse gone")

    monkeypatch.setattr("tenure.portfolio_series.compute_series", broken)
    run = run_scoring(company, as_of=AS_OF, now=NOW, deliver=False)
    assert run.work is not None and "warehouse gone" in run.work["portfolio"]["error"]
    assert run.snapshot  # the scores were saved all the same


def test_refresh_series_reports_what_it_wrote(company: App) -> None:
    done = refresh_series(company, as_of=AS_OF, now=NOW)
    assert done["day"] == AS_OF and done["scopes"] == 3 and done["seconds"] >= 0
