"""The pandas reference checked on its own against hand-worked numbers.

Examples come from /work/shared/KPI_DEFINITIONS.md (the vendors' published worked examples)
and from tests/metrics/SPEC.md; the tables are built as DataFrames directly, so these
tests need neither the importer nor the engine.
"""

from __future__ import annotations

import math
from datetime import date
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from tests.metrics.reference import (
    ALL_METRICS,
    business_hours_between,
    period_bounds,
    reference_account_metrics,
    reference_cohort_retention,
    reference_metrics,
)

from tenure.errors import MetricsError


def settings(**sections: dict[str, Any]) -> SimpleNamespace:
    """A settings stand-in: only the named sections/keys; the rest take the spec defaults."""
    ns = {k: SimpleNamespace(**v) for k, v in sections.items()}
    ns.setdefault("company", SimpleNamespace(reporting_currency="USD"))
    return SimpleNamespace(**ns)


def subs(rows: list[tuple[str, str, float, str, str | None]], **extra: list[Any]
         ) -> pd.DataFrame:
    """(subscription_id, account_id, mrr, valid_from, valid_to) rows."""
    df = pd.DataFrame(rows, columns=["subscription_id", "account_id", "mrr", "valid_from",
                                     "valid_to"])
    df["valid_from"] = pd.to_datetime(df["valid_from"])
    df["valid_to"] = pd.to_datetime(df["valid_to"])
    for k, v in extra.items():
        df[k] = v
    return df


def values(df: pd.DataFrame, period_start: date | None = None) -> dict[str, float]:
    if period_start is not None:
        df = df[df["period_start"] == period_start]
    assert df["metric"].is_unique
    return dict(zip(df["metric"], df["value"], strict=True))


def test_periods() -> None:
    assert period_bounds(date(2025, 5, 14), "month", 3) == [
        (date(2025, 3, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 4, 30)),
        (date(2025, 5, 1), date(2025, 5, 14))]
    assert period_bounds(date(2025, 5, 14), "quarter", 2) == [
        (date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 5, 14))]
    assert period_bounds(date(2025, 1, 10), "year", 2) == [
        (date(2024, 1, 1), date(2024, 12, 31)), (date(2025, 1, 1), date(2025, 1, 10))]
    assert period_bounds(date(2025, 5, 14), "30d", 2) == [
        (date(2025, 3, 16), date(2025, 4, 14)), (date(2025, 4, 15), date(2025, 5, 14))]


def test_nps_published_counts() -> None:
    """KPI_DEFINITIONS: counts 1,3,5,4,7,15,22,51,85,73,59 for 0..10 → n 325, NPS 23.08."""
    counts = [1, 3, 5, 4, 7, 15, 22, 51, 85, 73, 59]
    scores = [s for s, c in enumerate(counts) for _ in range(c)]
    sr = pd.DataFrame({
        "response_id": [f"r{i}" for i in range(len(scores))], "account_id": "a1",
        "survey": "nps", "score": scores,
        "responded_at": pd.Timestamp("2025-03-01 10:00") + pd.to_timedelta(
            range(len(scores)), unit="min"),
    })
    # an old response outside the 180-day window and a CSAT one do not count
    sr.loc[len(sr)] = ["old", "a1", "nps", 0, pd.Timestamp("2024-01-01")]
    sr.loc[len(sr)] = ["c", "a1", "csat", 1, pd.Timestamp("2025-03-01")]
    v = values(reference_metrics({"survey_responses": sr}, as_of=date(2025, 5, 31),
                                 settings=settings()))
    assert v["nps_responses"] == 325
    assert v["nps_promoters"] == 132 and v["nps_detractors"] == 57 and v["nps_passives"] == 136
    assert round(v["nps"], 2) == 23.08
    p, d, n = 132 / 325, 57 / 325, 325
    half = 196 * math.sqrt((p + d - (p - d) ** 2) / n)
    assert v["nps_ci_low"] == pytest.approx(23.0769231 - half)
    assert v["nps_ci_high"] == pytest.approx(23.0769231 + half)
    assert set(v) == set(ALL_METRICS)
    acct = reference_account_metrics(
        {"survey_responses": sr, "accounts": pd.DataFrame({"account_id": ["a1"]})},
        as_of=date(2025, 5, 31), settings=settings())
    assert round(acct.loc[0, "nps"], 2) == 23.08
    assert acct.loc[0, "nps_latest"] == 10  # the last of the minute-spaced responses


def test_csat_published_example() -> None:
    """KPI_DEFINITIONS: 10×5, 20×4, 10×3, 5×2, 5×1 → 30 / 50 = 0.60; CES is the mean."""
    scores = [5] * 10 + [4] * 20 + [3] * 10 + [2] * 5 + [1] * 5
    sr = pd.DataFrame({"response_id": [f"r{i}" for i in range(50)], "account_id": "a1",
                       "survey": "csat", "score": scores,
                       "responded_at": pd.Timestamp("2025-05-02")})
    ces = pd.DataFrame({"response_id": ["x", "y"], "account_id": "a1", "survey": "ces",
                        "score": [3, 6], "responded_at": pd.Timestamp("2025-05-02")})
    v = values(reference_metrics({"survey_responses": pd.concat([sr, ces])},
                                 as_of=date(2025, 5, 31), settings=settings()))
    assert v["csat"] == pytest.approx(0.60) and v["csat_responses"] == 50
    assert v["ces"] == 4.5 and v["ces_responses"] == 2


def test_chartmogul_movement_sequence() -> None:
    """KPI_DEFINITIONS worked sequence: new 166.67 (2,000 / 12), expansion 60, contraction 60,
    churn 166.67, reactivation 150; one step per month."""
    s = subs([
        ("gold", "a1", 2000 / 12, "2025-01-10", "2025-04-10"),
        ("silver", "a1", 60.0, "2025-02-05", "2025-03-07"),
        ("gold2", "a1", 150.0, "2025-05-20", None),
    ])
    out = reference_metrics({"subscriptions": s}, as_of=date(2025, 5, 31), settings=settings(),
                            period="month", periods=5)
    jan, feb, mar, apr, may = (values(out, date(2025, m, 1)) for m in range(1, 6))
    assert jan["new_mrr"] == 166.666667 and jan["new_accounts"] == 1
    assert feb["expansion_mrr"] == pytest.approx(60) and feb["mrr"] == pytest.approx(226.666667)
    assert mar["contraction_mrr"] == pytest.approx(60)
    assert apr["churned_mrr"] == 166.666667 and apr["churned_accounts"] == 1
    assert apr["mrr"] == 0 and apr["paying_accounts"] == 0 and math.isnan(apr["arpa"])
    assert may["reactivation_mrr"] == 150 and may["new_mrr"] == 0 and may["new_accounts"] == 0
    assert may["net_new_mrr"] == 150 and may["starting_mrr"] == 0
    assert math.isnan(may["nrr"]) and math.isnan(may["quick_ratio"])  # no division by zero
    for m in (jan, feb, mar, apr, may):
        assert m["net_new_mrr"] == pytest.approx(m["mrr"] - m["starting_mrr"])
        assert m["arr"] == pytest.approx(12 * m["mrr"])
    assert values(out, date(2025, 2, 1))["quick_ratio"] == pytest.approx(math.nan, nan_ok=True)
    assert mar["quick_ratio"] == 0.0


def test_same_day_changes_net_out() -> None:
    """Spec: an upgrade ending one row and starting another the same day is one expansion."""
    s = subs([
        ("s1", "a1", 100.0, "2025-01-01", "2025-05-10"),
        ("s1", "a1", 130.0, "2025-05-10", None),
        ("s2", "a2", 50.0, "2025-01-01", "2025-05-12"),  # downgrade to an other subscription
        ("s3", "a2", 20.0, "2025-05-12", None),
        ("s4", "a3", 10.0, "2025-05-15", "2025-05-15"),  # never live (empty range)
    ])
    v = values(reference_metrics({"subscriptions": s}, as_of=date(2025, 5, 31),
                                 settings=settings()))
    assert v["expansion_mrr"] == 30 and v["contraction_mrr"] == 30
    assert v["new_mrr"] == v["churned_mrr"] == 0 and v["new_accounts"] == 0
    assert v["mrr"] == 150 and v["starting_mrr"] == 150 and v["paying_accounts"] == 2


def test_churn_rates_published_example() -> None:
    """KPI_DEFINITIONS: start $100, churn $10, contraction $10, expansion $10 → gross 0.20,
    net 0.10, GRR 0.80, NRR 0.90."""
    s = subs([
        ("s1", "a1", 10.0, "2025-01-01", "2025-05-05"),
        ("s2", "a2", 40.0, "2025-01-01", "2025-05-06"),
        ("s2", "a2", 30.0, "2025-05-06", None),
        ("s3", "a3", 50.0, "2025-01-01", "2025-05-07"),
        ("s3", "a3", 60.0, "2025-05-07", None),
    ])
    v = values(reference_metrics({"subscriptions": s}, as_of=date(2025, 5, 31),
                                 settings=settings()))
    assert v["starting_mrr"] == 100
    assert v["gross_mrr_churn_rate"] == pytest.approx(0.20)
    assert v["net_mrr_churn_rate"] == pytest.approx(0.10)
    assert v["grr"] == pytest.approx(0.80) and v["nrr"] == pytest.approx(0.90)
    assert v["quick_ratio"] == pytest.approx(10 / 20)


def test_nrr_published_example() -> None:
    """KPI_DEFINITIONS: start $1,000, −$100, +$200 → NRR 1.10."""
    s = subs([
        ("s1", "a1", 500.0, "2025-01-01", "2025-05-05"),
        ("s1", "a1", 400.0, "2025-05-05", None),
        ("s2", "a2", 500.0, "2025-01-01", "2025-05-06"),
        ("s2", "a2", 700.0, "2025-05-06", None),
    ])
    v = values(reference_metrics({"subscriptions": s}, as_of=date(2025, 5, 31),
                                 settings=settings()))
    assert v["nrr"] == pytest.approx(1.10)


def _logo_example() -> dict[str, pd.DataFrame]:
    """KPI_DEFINITIONS: 100 at start, 12 churned of which 1 reactivated and 1 joined in the
    period → 10 / 100."""
    rows: list[tuple[str, str, float, str, str | None]] = []
    for i in range(100):
        a = f"a{i:03d}"
        if i < 11:  # 11 of the starting accounts churn in May
            rows.append((f"s{i}", a, 10.0, "2025-01-01", "2025-05-10"))
        else:
            rows.append((f"s{i}", a, 10.0, "2025-01-01", None))
    rows.append(("back", "a000", 10.0, "2025-05-20", None))  # churned and came back
    rows.append(("joiner", "new1", 10.0, "2025-05-03", "2025-05-25"))  # joined and churned
    return {"subscriptions": subs(rows)}


@pytest.mark.parametrize(
    ("join", "ret", "denominator", "expected"),
    [
        (False, False, "start", 10 / 100),
        (True, False, "start", 11 / 100),
        (False, True, "start", 11 / 100),
        (True, True, "start", 12 / 100),
        (False, False, "start_plus_new", 10 / 101),
    ],
)
def test_logo_churn_published_example(join: bool, ret: bool, denominator: str,
                                      expected: float) -> None:
    cfg = settings(metrics={"count_join_and_churn": join, "count_churn_and_return": ret,
                            "churn_denominator": denominator})
    v = values(reference_metrics(_logo_example(), as_of=date(2025, 5, 31), settings=cfg))
    assert v["accounts_at_start"] == 100 and v["new_accounts"] == 1
    assert v["logo_churn_rate"] == pytest.approx(expected)
    assert v["reactivation_mrr"] == 10 and v["churned_mrr"] == 120


def test_ltv_published_example() -> None:
    """KPI_DEFINITIONS: ARPA $100 and a trailing 6-month churn of 0.05 → LTV $2,000; the
    gross margin multiplies ARPA; the current month does not count."""
    rows: list[tuple[str, str, float, str, str | None]] = []
    # 20 accounts paying since 2024; in each of Nov 2024 .. Apr 2025 one leaves, one joins.
    ends = {i: f"{(date(2024, 11, 1) + pd.DateOffset(months=i)).date():%Y-%m}-10"
            for i in range(6)}
    for i in range(20):
        rows.append((f"s{i}", f"a{i}", 100.0, "2024-01-01", ends.get(i)))
    for i in range(6):
        rows.append((f"n{i}", f"n{i}", 100.0, ends[i], None))
    # In May (the current month) an account joins and churns: it must not change c.
    rows.append(("x1", "x1", 100.0, "2025-05-01", "2025-05-02"))
    tables = {"subscriptions": subs(rows)}
    v = values(reference_metrics(tables, as_of=date(2025, 5, 31), settings=settings()))
    assert v["arpa"] == 100 and v["paying_accounts"] == 20
    assert v["logo_churn_rate"] == 0  # x1 joined and churned in May
    assert v["ltv"] == pytest.approx(2000)  # c = mean of 1/20 over Nov .. Apr
    cfg = settings(metrics={"gross_margin": 0.8})
    v = values(reference_metrics(tables, as_of=date(2025, 5, 31), settings=cfg))
    assert v["ltv"] == pytest.approx(1600)


def test_ltv_undefined_without_churn() -> None:
    s = subs([("s1", "a1", 100.0, "2024-01-01", None)])
    v = values(reference_metrics({"subscriptions": s}, as_of=date(2025, 5, 31),
                                 settings=settings()))
    assert v["logo_churn_rate"] == 0 and math.isnan(v["ltv"])


def test_repeat_purchase_rate() -> None:
    """KPI_DEFINITIONS: customers with more than one purchase ÷ customers with at least one."""
    inv = pd.DataFrame({
        "invoice_id": [f"i{i}" for i in range(7)],
        "account_id": ["a", "a", "b", "c", "c", "c", "d"],
        "issued_at": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-01", "2025-01-01",
                                     "2025-01-02", "2025-06-01", "2025-01-01"]),
        "amount": 10.0, "currency": None,
        "kind": ["subscription", "one_off", "addon", "services", "services", "services", None],
        "status": ["paid", None, "paid", "paid", "void", "paid", "open"],
    })
    v = values(reference_metrics({"invoices": inv}, as_of=date(2025, 5, 31),
                                 settings=settings()))
    assert v["repeat_purchase_rate"] == pytest.approx(1 / 3)  # a of a, b, c
    cfg = settings(metrics={"purchase_kinds": ["subscription", "addon"]})
    v = values(reference_metrics({"invoices": inv}, as_of=date(2025, 5, 31), settings=cfg))
    assert v["repeat_purchase_rate"] == 0.0  # a has 1 (subscription), b 1


def test_business_hours() -> None:
    fri_4pm, mon_10am = pd.Timestamp("2025-05-02 16:00"), pd.Timestamp("2025-05-05 10:00")
    assert business_hours_between(fri_4pm, mon_10am, "09:00-17:00", 0.0) == 2.0
    # UTC+2: local Fri 18:00 → Mon 12:00: 3 hours on Monday
    assert business_hours_between(fri_4pm, mon_10am, "09:00-17:00", 2.0) == 3.0
    assert business_hours_between(mon_10am, mon_10am + pd.Timedelta(minutes=90),
                                  "09:00-17:00", 0.0) == 1.5


def test_support_metrics() -> None:
    """Open tickets at the end of E, response/resolution percentiles and the SLA rule."""
    t = pd.DataFrame({
        "ticket_id": ["t1", "t2", "t3", "t4", "t5"],
        "account_id": "a1",
        "created_at": pd.to_datetime(["2025-05-01 08:00", "2025-05-02 08:00",
                                      "2025-05-30 20:00", "2025-04-01 00:00",
                                      "2025-05-31 23:00"]),
        "first_response_at": pd.to_datetime(["2025-05-01 09:00", "2025-05-02 20:00", None,
                                             "2025-04-01 02:00", "2025-06-01 02:00"]),
        "resolved_at": pd.to_datetime(["2025-05-01 18:00", "2025-06-02 00:00", None, None,
                                       None]),
        "priority": ["urgent", None, "low", "high", "urgent"],
        "status": ["solved", "solved", "open", "closed", "new"],
    })
    v = values(reference_metrics({"tickets": t}, as_of=date(2025, 5, 31), settings=settings()))
    assert v["tickets_opened"] == 4  # t4 was created in April
    assert v["open_tickets"] == 3  # t2 resolved after E, t3 unresolved, t5 new
    assert v["urgent_open_tickets"] == 1
    assert v["first_response_hours_median"] == pytest.approx(6.5)  # 1 h and 12 h
    assert v["first_response_hours_p90"] == pytest.approx(1 + 0.9 * 11)
    assert v["resolution_hours_median"] == 10  # only t1 resolved in May
    # t1 urgent 1 h ≤ 1 → ok; t2 normal 12 h > 8 → breach; t3 low, 28 h open > 24 → breach;
    # t5 urgent, 1 h open by the end of E, not more than 1 → ok.
    assert v["sla_breach_rate"] == 0.5
    by = reference_metrics({"tickets": t}, as_of=date(2025, 5, 31), settings=settings(),
                           by=("priority",))
    urgent = by[by["priority"] == "urgent"].set_index("metric")["value"]
    assert urgent["tickets_opened"] == 2 and urgent["sla_breach_rate"] == 0
    assert set(by["priority"]) == {"urgent", "normal", "low", "high"}


def test_adoption_metrics() -> None:
    """mau, wau, dau = Σ daily actives / 30, stickiness; events without user_id count only
    as events."""
    ev = pd.DataFrame({
        "account_id": ["a1", "a1", "a1", "a1", "a2", "a2", "a1"],
        "event": ["report_created", "report_created", "alert_created", "x", "report_shared",
                  "integration_connected", "x"],
        "timestamp": pd.to_datetime(["2025-05-31 10:00", "2025-05-31 11:00", "2025-05-20",
                                     "2025-05-02", "2025-05-31 23:59:59", "2025-05-03",
                                     "2025-04-15"], format="ISO8601"),
        "user_id": ["u1", "u1", "u2", None, "u1", "u9", "u1"],
    })
    s = subs([("s1", "a1", 10.0, "2025-01-01", None), ("s2", "a2", 10.0, "2025-05-01", None)],
             seats=[4, 0])
    v = values(reference_metrics({"events": ev, "subscriptions": s}, as_of=date(2025, 5, 31),
                                 settings=settings()))
    assert v["mau"] == 4  # (a1,u1), (a1,u2), (a2,u1), (a2,u9): users are per account
    assert v["wau"] == 2
    assert v["dau"] == pytest.approx(4 / 30)
    assert v["stickiness"] == pytest.approx(1 / 30)
    assert v["seats"] == 4 and v["seat_utilization"] == 0.5  # a2 has no seats
    assert v["events_30d"] == 6 and v["events_prev_30d"] == 1 and v["usage_trend"] == 5
    assert v["feature_breadth"] == 1.5  # a1: report_created, alert_created; a2: report_shared
    assert v["time_to_value_days"] == 2  # a2: paying from May 1, milestone May 3


def test_touchpoints_and_programs() -> None:
    act = pd.DataFrame({
        "activity_id": ["1", "2", "3", "4", "5"],
        "account_id": ["a1", "a1", "a2", "a2", "a3"],
        "kind": ["call", "email", "email", "webinar", "qbr"],
        "occurred_at": pd.to_datetime(["2025-05-01", "2025-05-30", "2025-05-11", "2025-03-10",
                                       "2025-05-30"]),
        "actor": ["csm@x", "automation", None, "x", "csm@x"],
    })
    s = subs([("s1", "a1", 10.0, "2025-01-01", None), ("s2", "a2", 10.0, "2025-01-01", None)])
    v = values(reference_metrics({"activities": act, "subscriptions": s},
                                 as_of=date(2025, 5, 31), settings=settings()))
    assert v["days_since_last_touchpoint"] == 25  # median of 30 (a1) and 20 (a2); a3 not paying
    assert v["program_participation_rate"] == 0.5  # a2's webinar is 82 days before E
    # a3 is in the accounts table but has no subscription.
    accts = pd.DataFrame({"account_id": ["a1", "a2", "a3"]})
    acct = reference_account_metrics({"activities": act, "subscriptions": s, "accounts": accts},
                                     as_of=date(2025, 5, 31), settings=settings()
                                     ).set_index("account_id")
    assert acct.loc["a3", "days_since_last_touchpoint"] == 1
    assert acct.loc["a2", "program_activities_90d"] == 1


def test_groups_and_dimensions() -> None:
    """Plan of the latest row; accounts missing from accounts get null dimensions."""
    accts = pd.DataFrame({"account_id": ["a1", "a2"], "name": ["A", "B"],
                          "segment": ["smb", "enterprise"], "created_at": pd.NaT})
    s = subs([("s1", "a1", 10.0, "2025-01-01", "2025-03-01"),
              ("s1", "a1", 20.0, "2025-03-01", None),
              ("s2", "a2", 30.0, "2024-12-05", None),
              ("s3", "a3", 40.0, "2025-02-01", None)],
             plan=["starter", "growth", "pro", "x"])
    tables = {"accounts": accts, "subscriptions": s}
    out = reference_metrics(tables, as_of=date(2025, 5, 31), settings=settings(),
                            by=("segment",))
    mrr = out[out["metric"] == "mrr"]
    got = {seg: val for seg, val in zip(mrr["segment"], mrr["value"], strict=True)}
    assert got == {"smb": 20, "enterprise": 30, None: 40}
    out = reference_metrics(tables, as_of=date(2025, 5, 31), settings=settings(),
                            by=("plan", "cohort"))
    mrr = out[out["metric"] == "mrr"]
    assert set(zip(mrr["plan"], mrr["cohort"], strict=True)) == {
        ("growth", "2025-01"), ("pro", "2024-12"), ("x", "2025-02")}


def test_cancellation_recognition() -> None:
    """churn_recognition = cancellation ends a row at canceled_at."""
    s = subs([("s1", "a1", 10.0, "2025-01-01", "2025-06-01")],
             canceled_at=[pd.Timestamp("2025-05-10")])
    v = values(reference_metrics({"subscriptions": s}, as_of=date(2025, 5, 31),
                                 settings=settings()))
    assert v["churned_mrr"] == 0 and v["mrr"] == 10
    cfg = settings(metrics={"churn_recognition": "cancellation"})
    v = values(reference_metrics({"subscriptions": s}, as_of=date(2025, 5, 31), settings=cfg))
    assert v["churned_mrr"] == 10 and v["mrr"] == 0


def test_fx_conversion() -> None:
    """A row is converted at the latest rate on or before its valid_from (else the earliest);
    a currency without any rate is an error."""
    s = subs([("s1", "a1", 100.0, "2025-01-01", "2025-03-01"),
              ("s1", "a1", 100.0, "2025-03-01", None),
              ("s2", "a2", 100.0, "2019-01-01", None)], currency=["EUR", "EUR", "usd"])
    fx = pd.DataFrame({"currency": ["EUR", "EUR"], "date": pd.to_datetime(["2024-06-01",
                                                                           "2025-02-01"]),
                       "rate": [1.1, 1.2]})
    out = reference_metrics({"subscriptions": s, "fx_rates": fx}, as_of=date(2025, 3, 31),
                            settings=settings())
    v = values(out)
    assert v["mrr"] == pytest.approx(220)
    assert v["expansion_mrr"] == pytest.approx(10)  # a rate change on a new row is a movement
    with pytest.raises(MetricsError, match="EUR"):
        reference_metrics({"subscriptions": s}, as_of=date(2025, 3, 31), settings=settings())


def test_cohort_retention() -> None:
    s = subs([("s1", "a1", 10.0, "2025-01-05", "2025-02-10"),
              ("s2", "a2", 30.0, "2025-01-20", None),
              ("s3", "a3", 5.0, "2025-03-01", None)])
    cr = reference_cohort_retention({"subscriptions": s}, as_of=date(2025, 3, 15),
                                    settings=settings())
    jan = cr[cr["cohort"] == "2025-01"].set_index("months_since_start")
    assert list(jan.index) == [0, 1, 2]
    assert list(jan["retained_accounts"]) == [2, 1, 1]
    assert list(jan["logo_retention"]) == [1.0, 0.5, 0.5]
    assert list(jan["revenue_retention"]) == [1.0, 0.75, 0.75]
    mar = cr[cr["cohort"] == "2025-03"]
    assert len(mar) == 1 and mar["starting_mrr"].iloc[0] == 5


def test_time_to_value_start() -> None:
    """Start = first paying day, else the created_at day; at least 0 days; an account with no
    milestone, or created after E (not known as of E), has no value."""
    accts = pd.DataFrame({"account_id": ["a1", "a2", "a3", "a4"], "name": "x",
                          "created_at": pd.to_datetime(["2025-01-01 10:00", "2025-03-05 00:00",
                                                        "2025-07-01 00:00", "2025-01-01 00:00"])})
    ev = pd.DataFrame({"account_id": ["a1", "a2", "a3"], "event": "integration_connected",
                       "timestamp": pd.to_datetime(["2025-01-20", "2025-03-01", "2025-04-01"]),
                       "user_id": "u"})
    s = subs([("s1", "a1", 10.0, "2025-01-11", None)])
    acct = reference_account_metrics({"accounts": accts, "events": ev, "subscriptions": s},
                                     as_of=date(2025, 5, 31), settings=settings()
                                     ).set_index("account_id")["time_to_value_days"]
    assert acct["a1"] == 9 and acct["a2"] == 0
    assert math.isnan(acct["a3"]) and math.isnan(acct["a4"])
