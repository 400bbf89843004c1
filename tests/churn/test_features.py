"""Point-in-time features: the same values the KPI engine and the health score give for each
date on their own, each date computed once, and a feature schema that reads the accounts'
attributes the way a person would."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from tenure import App
from tenure.churn.encoding import OTHER, build_schema
from tenure.churn.features import (
    CHANGE_METRICS,
    PointInTime,
    metric_names,
    next_renewal,
    relative_change,
)
from tenure.health import compute_health
from tenure.health.inputs import next_renewals
from tenure.metrics import account_metrics, context

MONTHS = [date(2025, 9, 30), date(2025, 10, 31), date(2025, 11, 30)]


def test_batched_features_equal_each_dates_own_metrics_and_health(company: App) -> None:
    pit = PointInTime(company)
    pit.prepare(MONTHS)
    for d in MONTHS:
        f = pit.features(d).set_index("account_id")
        ref = account_metrics(company, as_of=d).set_index("account_id")
        paying = ref.index[ref["mrr"].fillna(0) > 0]
        assert sorted(f.index) == sorted(paying), d
        for n in metric_names():
            want = pd.to_numeric(ref.loc[f.index, n]).to_numpy(dtype=float)
            got = f[f"metric.{n}"].to_numpy(dtype=float)
            np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True, err_msg=n)
        health = compute_health(company, as_of=d)
        scores = health.accounts.set_index("account_id")["score"]
        np.testing.assert_allclose(f["health.score"], scores.loc[f.index], rtol=1e-12)
        m = health.measures
        one = m[(m["group"] == "adoption") & (m["measure"] == "active_days")].set_index(
            "account_id")["score"]
        np.testing.assert_allclose(f["health.adoption.active_days"], one.loc[f.index],
                                   rtol=1e-12, equal_nan=True)
        for dim in ("segment", "industry", "country", "plan", "product"):
            assert f[f"account.{dim}"].tolist() == ref.loc[f.index, dim].tolist(), dim
        # Where the renewal date on file is on a yearly schedule and within a year, it is the
        # next renewal the health inputs read too.
        raw = next_renewals(context(company, as_of=d)).set_index("account_id")["renewal_date"]
        raw_days = (pd.to_datetime(raw) - pd.Timestamp(d)).dt.days.reindex(f.index)
        same = f["days_to_renewal"] == raw_days
        assert same.mean() > 0.3
        assert (f.loc[~same & f["days_to_renewal"].notna(), "days_to_renewal"]
                < raw_days[~same & f["days_to_renewal"].notna()]).all()


def test_changes_compare_with_the_metrics_30_and_90_days_before(company: App) -> None:
    d = date(2025, 10, 31)
    f = PointInTime(company).features(d).set_index("account_id")
    now = account_metrics(company, as_of=d).set_index("account_id")
    for days, then_day in ((30, date(2025, 10, 1)), (90, date(2025, 8, 2))):
        then = account_metrics(company, as_of=then_day).set_index("account_id")
        for n in ("active_user_days", "mrr", "urgent_open_tickets"):
            a, b = now.loc[f.index, n], then[n].reindex(f.index)
            want = [0.0 if x == 0 and y == 0 else (x - y) / abs(y) if y and y == y else np.nan
                    for x, y in zip(a, b, strict=True)]
            np.testing.assert_allclose(f[f"change{days}.{n}"], want, rtol=1e-12,
                                       equal_nan=True, err_msg=f"{n} over {days} days")


def test_each_dates_metrics_are_computed_once(company: App) -> None:
    pit = PointInTime(company)
    # June 30 - 30 days is May 31, itself a month end; Dec 31 - 90 days is Oct 2, ...
    months = [date(2025, 5, 31), date(2025, 6, 30), date(2025, 7, 31)]
    pit.rows(months)
    pit.rows(months)  # again: all cached
    pit.features(date(2025, 6, 30))
    assert len(pit.computed) == len(set(pit.computed))
    days = {d for d, _ in pit.computed}
    assert days == set(months) | {m - timedelta(days=n) for m in months for n in (30, 90)}
    assert {n for d, n in pit.computed if d == date(2025, 5, 31)} >= set(CHANGE_METRICS)

    # One month end at a time, the later first: its look-back day (May 31) is read for the
    # changes, then completed, never computed again.
    one = PointInTime(company)
    later = one.features(date(2025, 6, 30))
    one.features(date(2025, 5, 31))
    assert len(one.computed) == len(set(one.computed))
    pd.testing.assert_frame_equal(one.features(date(2025, 5, 31)),
                                  pit.features(date(2025, 5, 31)))
    pd.testing.assert_frame_equal(later, pit.features(date(2025, 6, 30)))


@pytest.mark.parametrize(("now", "then", "want"), [
    (55.0, 100.0, -0.45), (150.0, 100.0, 0.5), (0.0, 0.0, 0.0), (3.0, 0.0, np.nan),
    (np.nan, 4.0, np.nan), (2.0, -4.0, 1.5),
])
def test_relative_change(now: float, then: float, want: float) -> None:
    got = relative_change(pd.Series([now]), pd.Series([then])).iloc[0]
    assert got == pytest.approx(want, nan_ok=True)


def test_schema_reads_attributes_as_numbers_categories_or_identifiers(company: App) -> None:
    pit = PointInTime(company)
    rows = pit.rows(MONTHS)
    schema = build_schema(rows)
    kinds = {f.name: f for f in schema.features}
    # The sample's accounts file has employees (numbers as text), crm_tier (A/B/C),
    # plan_at_signup and website (one per account: an identifier, not a feature).
    assert kinds["attr.employees"].kind == "numeric"
    assert kinds["attr.crm_tier"].kind == "categorical"
    assert set(kinds["attr.crm_tier"].levels) == {"A", "B", "C"}
    assert kinds["attr.plan_at_signup"].kind == "categorical"
    assert "attr.website" not in kinds
    assert kinds["account.segment"].kind == "categorical"
    # Constant in training (every paying account pays): no feature.
    assert "metric.paying" not in kinds
    for n in CHANGE_METRICS[:3]:
        assert kinds[f"change90.{n}"].kind == "numeric"
    assert "churned" not in kinds and "account_id" not in kinds
    assert "attr.crm_tier" not in build_schema(rows, exclude=["attr.crm_tier"]).names

    # LightGBM reads a category as its level's code, an unseen level as the last code and a
    # missing one as NaN.
    tier = kinds["attr.crm_tier"]
    frame = pd.DataFrame({"attr.crm_tier": ["B", "Q", None]})
    one = type(schema)((tier,))
    assert one.matrix(frame)[:, 0].tolist()[:2] == [1.0, 3.0]
    assert np.isnan(one.matrix(frame)[2, 0])
    assert one.table(frame)["attr.crm_tier"].tolist() == ["B", OTHER, "(missing)"]


def test_next_renewal_follows_the_schedule_not_the_date_on_file() -> None:
    def subs(rows: list[tuple[str, str, str | None, str]]) -> pd.DataFrame:
        frame = pd.DataFrame(rows, columns=["subscription_id", "valid_from", "valid_until",
                                            "renewal_date"])
        frame["account_id"] = frame["subscription_id"].str.upper()
        for c in ("valid_from", "valid_until", "renewal_date"):
            frame[c] = pd.to_datetime(frame[c])
        return frame

    day = date(2025, 10, 1)
    found = next_renewal(subs([
        # Yearly: started 2024-05-23, an expansion row since 2025-09-15, renews 2026-05-23.
        ("a", "2024-05-23", "2025-09-15", "2026-05-23"),
        ("a", "2025-09-15", None, "2026-05-23"),
        # Monthly from Jan 31 (the date on file is the month after an export): Oct 31.
        ("b", "2024-01-31", None, "2026-12-31"),
        # Monthly, churned on 2025-11-10 (the churn day on file): still the next anniversary,
        # Oct 10, as for a customer who stays.
        ("c", "2024-03-10", "2025-11-10", "2025-11-10"),
        # Yearly, renewal written in place a year on: the same next renewal.
        ("d", "2025-02-01", None, "2027-02-01"),
        # Off both schedules: unknown.
        ("e", "2025-06-07", None, "2026-01-20"),
        # Ended before the day: no renewal.
        ("f", "2024-01-01", "2025-01-01", "2025-01-01"),
    ]), day)
    assert {k: v.date() for k, v in found.items()} == {
        "A": date(2026, 5, 23), "B": date(2025, 10, 31), "C": date(2025, 10, 10),
        "D": date(2026, 2, 1)}
    # A renewal on the day itself is in 0 days.
    assert next_renewal(subs([("g", "2024-10-01", None, "2025-10-01")]), day)["G"].date() == day
