"""The published worked examples of /work/shared/KPI_DEFINITIONS.md, end to end.

Every example is written as canonical input rows (CSV files), imported with the real importer
(``tenure.import_file``) and computed by the real engine (``tenure.metrics``). The expected
numbers are the published ones, or worked out by hand in the comments from
tests/metrics/SPEC.md; none of them comes from running the code.

Conventions of the tests: ``as_of`` is a date E; a ``month`` period is [first of E's month, E];
"paying at the start" means paying on S - 1. A subscription row is live on X when
valid_from <= X < valid_to, so ``valid_to`` is the first day it no longer counts (the day the
movement is dated).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tenure import App, import_file
from tenure.metrics import account_metrics, compute_metrics

SUB_HEADER = "subscription_id,account_id,mrr,valid_from,valid_to,plan,seats,canceled_at"


# ---------------------------------------------------------------------- helpers
def load(app: App, tmp_path: Path, table: str, header: str,
         rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` as a CSV file under tmp_path and import it into ``table``; every row
    must be imported (none rejected, skipped or for an unknown account)."""
    data = [["" if v is None else v for v in r] for r in rows]
    path = tmp_path / f"{table}-{len(list(tmp_path.glob(f'{table}-*.csv')))}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header.split(","))
        w.writerows(data)
    report = import_file(app, table, path)
    assert (report.rejected, report.skipped, report.unknown_account_rows) == (0, 0, 0), report
    assert report.imported == len(data), report


def load_accounts(app: App, tmp_path: Path, ids: Iterable[str],
                  segments: dict[str, str] | None = None) -> None:
    segments = segments or {}
    load(app, tmp_path, "accounts", "account_id,name,segment",
         [(a, f"Company {a}", segments.get(a)) for a in ids])


def metrics(app: App, as_of: date, names: Sequence[str], **kw: Any) -> pd.DataFrame:
    df = compute_metrics(app, as_of=as_of, metrics=list(names), **kw)
    assert set(df["metric"]) == set(names)
    return df


def per_period(df: pd.DataFrame) -> dict[tuple[date, date], dict[str, float]]:
    """{(period_start, period_end): {metric: value}}."""
    out: dict[tuple[date, date], dict[str, float]] = {}
    for r in df.itertuples(index=False):
        cell = out.setdefault((r.period_start, r.period_end), {})
        assert r.metric not in cell
        cell[r.metric] = r.value
    return out


def single(df: pd.DataFrame) -> dict[str, float]:
    (only,) = per_period(df).values()
    return only


def per_group(df: pd.DataFrame, dim: str) -> dict[Any, dict[str, float]]:
    out: dict[Any, dict[str, float]] = {}
    for r in df.to_dict("records"):
        cell = out.setdefault(r[dim], {})
        assert r["metric"] not in cell
        cell[r["metric"]] = r["value"]
    return out


def flat(d: Any, prefix: tuple[Any, ...] = ()) -> Any:
    """Nested dicts as one dict keyed by tuples (pytest.approx compares flat mappings)."""
    if not isinstance(d, dict):
        return d
    out: dict[Any, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out |= flat(v, (*prefix, k))
        else:
            out[(*prefix, k) if prefix else k] = v
    return out


def approx(expected: Any) -> Any:
    """Within 1e-9 relative or 1e-6 absolute, NaN equal to NaN; nested dicts are flattened,
    so compare them with ``flat(got)``."""
    return pytest.approx(flat(expected), rel=1e-9, abs=1e-6, nan_ok=True)


def months(first: date, last: date) -> list[tuple[date, date]]:
    """Calendar months from first's to last's month; the last one ends on ``last``."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        start = date(y, m, 1)
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        end = last if (y, m) == (last.year, last.month) else date.fromordinal(
            date(ny, nm, 1).toordinal() - 1)
        out.append((start, end))
        y, m = ny, nm
    return out


# ---------------------------------------------------------------------- MRR movements
GOLD_YEARLY = 2000 / 12  # 4 x Gold at $500/year billed $2,000 → $166.67 a month
MOVEMENTS = ("new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "reactivation_mrr")


def load_chartmogul_sequence(app: App, tmp_path: Path) -> None:
    """ChartMogul's five steps, each in its own month, for one account:

    1. 2025-01-15 4 x Gold yearly, $2,000 a year, paid until 2026-01-15.
    2. 2025-02-10 adds 2 x Silver monthly ($60).
    3. Cancels Silver on 2025-03-03; its paid month ends 2025-03-10.
    4. Cancels Gold on 2025-04-20; the paid year ends 2026-01-15.
    5. 2026-02-05 subscribes again to 3 x Gold monthly ($150).
    """
    load_accounts(app, tmp_path, ["acme"])
    load(app, tmp_path, "subscriptions", SUB_HEADER, [
        ("gold-y", "acme", repr(GOLD_YEARLY), "2025-01-15", "2026-01-15", "gold", 4,
         "2025-04-20"),
        ("silver-m", "acme", "60", "2025-02-10", "2025-03-10", "silver", 2, "2025-03-03"),
        ("gold-m", "acme", "150", "2026-02-05", None, "gold", 3, None),
    ])


def expected_sequence(events: dict[date, dict[str, float]],
                      mrr_after: dict[date, float]) -> dict[tuple[date, date], dict[str, float]]:
    """Every month Jan 2025 .. Feb 2026: zero movements except ``events`` (by month start);
    mrr carried forward from ``mrr_after`` (by month start)."""
    out = {}
    mrr = 0.0
    for span in months(date(2025, 1, 1), date(2026, 2, 28)):
        row = dict.fromkeys(MOVEMENTS, 0.0)
        row.update(events.get(span[0], {}))
        mrr = mrr_after.get(span[0], mrr)
        row["mrr"] = mrr
        out[span] = row
    return out


def test_chartmogul_sequence_churn_at_term_end(app: App, tmp_path: Path) -> None:
    load_chartmogul_sequence(app, tmp_path)
    df = metrics(app, date(2026, 2, 28), ["mrr", *MOVEMENTS], period="month", periods=14)
    # Hand-worked: step 4 is cancelled in April 2025 but, by default (term_end), churn is
    # recognised when the paid year ends: 2026-01-15, i.e. in January 2026.
    expected = expected_sequence(
        events={
            date(2025, 1, 1): {"new_mrr": GOLD_YEARLY},          # 1. new business 166.67
            date(2025, 2, 1): {"expansion_mrr": 60.0},           # 2. expansion 60
            date(2025, 3, 1): {"contraction_mrr": 60.0},         # 3. contraction 60
            date(2026, 1, 1): {"churned_mrr": GOLD_YEARLY},      # 4. churn 166.67 at term end
            date(2026, 2, 1): {"reactivation_mrr": 150.0},       # 5. reactivation 150
        },
        mrr_after={
            date(2025, 1, 1): GOLD_YEARLY,
            date(2025, 2, 1): GOLD_YEARLY + 60,
            date(2025, 3, 1): GOLD_YEARLY,
            date(2026, 1, 1): 0.0,
            date(2026, 2, 1): 150.0,
        })
    assert flat(per_period(df)) == approx(expected)
    assert pytest.approx(166.67, abs=0.005) == GOLD_YEARLY  # the published rounding


def test_chartmogul_sequence_churn_at_cancellation(app: App, tmp_path: Path) -> None:
    load_chartmogul_sequence(app, tmp_path)
    app.settings.metrics.churn_recognition = "cancellation"
    df = metrics(app, date(2026, 2, 28), ["mrr", *MOVEMENTS], period="month", periods=14)
    # With cancellation recognition a row stops counting on canceled_at: Silver on 2025-03-03
    # (still a March contraction), Gold on 2025-04-20, so the churn moves to April 2025 and
    # MRR is 0 from then until the reactivation in February 2026 (still a reactivation: the
    # account paid before).
    expected = expected_sequence(
        events={
            date(2025, 1, 1): {"new_mrr": GOLD_YEARLY},
            date(2025, 2, 1): {"expansion_mrr": 60.0},
            date(2025, 3, 1): {"contraction_mrr": 60.0},
            date(2025, 4, 1): {"churned_mrr": GOLD_YEARLY},
            date(2026, 2, 1): {"reactivation_mrr": 150.0},
        },
        mrr_after={
            date(2025, 1, 1): GOLD_YEARLY,
            date(2025, 2, 1): GOLD_YEARLY + 60,
            date(2025, 3, 1): GOLD_YEARLY,
            date(2025, 4, 1): 0.0,
            date(2026, 2, 1): 150.0,
        })
    assert flat(per_period(df)) == approx(expected)


# ---------------------------------------------------------------------- MRR churn rates
RATES = ("starting_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "reactivation_mrr",
         "gross_mrr_churn_rate", "net_mrr_churn_rate", "grr", "nrr", "quick_ratio")


def load_gross_churn_example(app: App, tmp_path: Path, *, unsegmented: bool = False) -> None:
    """Start $100 on 2025-02-28, then in March: churn $10, contraction $10, expansion $10.

    lost (smb):      $10, ends 2025-03-15                       → churn 10
    shrinks (smb):   $40 until 2025-03-10, then $30             → contraction 10
    grows (ent.):    $50 until 2025-03-20, then $60             → expansion 10
    steady (no segment, only with ``unsegmented``): $25 all along.
    """
    ids = ["lost", "shrinks", "grows"] + (["steady"] if unsegmented else [])
    load_accounts(app, tmp_path, ids, {"lost": "smb", "shrinks": "smb", "grows": "enterprise"})
    rows = [
        ("l1", "lost", "10", "2024-11-01", "2025-03-15", "basic", 1, None),
        ("s1", "shrinks", "40", "2024-11-01", "2025-03-10", "pro", 4, None),
        ("s2", "shrinks", "30", "2025-03-10", None, "pro", 3, None),
        ("g1", "grows", "50", "2024-11-01", "2025-03-20", "pro", 5, None),
        ("g2", "grows", "60", "2025-03-20", None, "pro", 6, None),
    ]
    if unsegmented:
        rows.append(("t1", "steady", "25", "2024-11-01", None, "basic", 1, None))
    load(app, tmp_path, "subscriptions", SUB_HEADER, rows)


def test_gross_and_net_mrr_churn_grr_nrr(app: App, tmp_path: Path) -> None:
    load_gross_churn_example(app, tmp_path)
    v = single(metrics(app, date(2025, 3, 31), RATES))
    assert v == approx({
        "starting_mrr": 100.0, "expansion_mrr": 10.0,
        "contraction_mrr": 10.0, "churned_mrr": 10.0, "reactivation_mrr": 0.0,
        "gross_mrr_churn_rate": 0.20,   # (10 + 10) / 100
        "net_mrr_churn_rate": 0.10,     # (10 + 10 - 10 - 0) / 100
        "grr": 0.80,                    # (100 - 10 - 10) / 100
        "nrr": 0.90,                    # (100 + 10 - 10 - 10) / 100
        "quick_ratio": 0.5,             # (0 + 10) / (10 + 10)
    })


def test_nrr_above_one(app: App, tmp_path: Path) -> None:
    """Start $1,000, -$100, +$200 → NRR 1.10 (and GRR 0.90, net churn -0.10)."""
    load_accounts(app, tmp_path, ["up", "down"])
    load(app, tmp_path, "subscriptions", SUB_HEADER, [
        ("u1", "up", "600", "2024-10-01", "2025-03-05", "pro", None, None),
        ("u2", "up", "800", "2025-03-05", None, "pro", None, None),      # +200 expansion
        ("d1", "down", "400", "2024-10-01", "2025-03-25", "pro", None, None),
        ("d2", "down", "300", "2025-03-25", None, "pro", None, None),    # -100 contraction
    ])
    v = single(metrics(app, date(2025, 3, 31), ["starting_mrr", "nrr", "grr",
                                                 "net_mrr_churn_rate"]))
    assert v == approx({
        "starting_mrr": 1000.0,
        "nrr": 1.10,                  # (1000 + 200 - 100) / 1000
        "grr": 0.90,                  # (1000 - 0 - 100) / 1000
        "net_mrr_churn_rate": -0.10,  # (0 + 100 - 200 - 0) / 1000: can be negative
    })


def test_seats_without_seat_counts(app: App, tmp_path: Path) -> None:
    """seats = sum of the seats of the rows live on E; rows without a seat count add nothing:
    0 (not an error, not undefined) when no row has one."""
    load_accounts(app, tmp_path, ["a1"])
    load(app, tmp_path, "subscriptions", SUB_HEADER, [
        ("x1", "a1", "100", "2025-01-01", None, "pro", None, None)])
    assert single(metrics(app, date(2025, 3, 31), ["mrr", "seats"])) == approx(
        {"mrr": 100.0, "seats": 0.0})


def test_mrr_rates_by_segment(app: App, tmp_path: Path) -> None:
    load_gross_churn_example(app, tmp_path, unsegmented=True)
    df = metrics(app, date(2025, 3, 31), ["starting_mrr", "mrr", "gross_mrr_churn_rate",
                                          "net_mrr_churn_rate", "grr", "nrr"], by=["segment"])
    assert set(df.columns) == {"metric", "value", "period_start", "period_end", "segment"}
    assert flat(per_group(df, "segment")) == approx({
        # smb = lost + shrinks: start 10 + 40 = 50; churn 10, contraction 10; end 0 + 30
        "smb": {"starting_mrr": 50.0, "mrr": 30.0, "gross_mrr_churn_rate": 0.4,
                "net_mrr_churn_rate": 0.4, "grr": 0.6, "nrr": 0.6},
        # enterprise = grows: start 50, expansion 10; end 60
        "enterprise": {"starting_mrr": 50.0, "mrr": 60.0, "gross_mrr_churn_rate": 0.0,
                       "net_mrr_churn_rate": -0.2, "grr": 1.0, "nrr": 1.2},
        # the account without a segment is its own group, reported as null
        None: {"starting_mrr": 25.0, "mrr": 25.0, "gross_mrr_churn_rate": 0.0,
               "net_mrr_churn_rate": 0.0, "grr": 1.0, "nrr": 1.0},
    })


# ---------------------------------------------------------------------- logo churn
LOGO = ("accounts_at_start", "new_accounts", "churned_accounts", "logo_churn_rate")
LOGO_AS_OF = date(2025, 3, 31)


def load_logo_churn_example(app: App, tmp_path: Path) -> None:
    """March 2025. 100 accounts pay on 2025-02-28 (s001..s100, $100 since 2025-01-01).

    Churned in March (12 churn movements):
      s001..s009 end 2025-03-15, s010 ends 2025-03-01 (first day of the period) → 10 gone
      s011 ends 2025-03-10 and comes back 2025-03-20 (churn and return)         → 1
      j01 joins 2025-03-05 and ends 2025-03-25 (join and churn)                  → 1
    Not churned in March: s012 ends 2025-04-01 (still paying on 03-31); s013..s100.
    New in March: j01 and j02..j05 (join 2025-03-12, stay) → 5 new accounts.
    Before March: p01 paid 2025-01-01 .. 2025-02-20; not at start, not churned in March.
    """
    starters = [f"s{i:03d}" for i in range(1, 101)]
    joiners = [f"j{i:02d}" for i in range(1, 6)]
    load_accounts(app, tmp_path, [*starters, *joiners, "p01"])
    ends = {f"s{i:03d}": "2025-03-15" for i in range(1, 10)}
    ends |= {"s010": "2025-03-01", "s011": "2025-03-10", "s012": "2025-04-01"}
    rows: list[tuple[Any, ...]] = [
        (f"sub-{a}", a, "100", "2025-01-01", ends.get(a), "pro", None, None) for a in starters]
    rows += [
        ("sub-s011-back", "s011", "100", "2025-03-20", None, "pro", None, None),
        ("sub-j01", "j01", "100", "2025-03-05", "2025-03-25", "pro", None, None),
        *[(f"sub-{j}", j, "100", "2025-03-12", None, "pro", None, None) for j in joiners[1:]],
        ("sub-p01", "p01", "100", "2025-01-01", "2025-02-20", "pro", None, None),
    ]
    load(app, tmp_path, "subscriptions", SUB_HEADER, rows)


def test_logo_churn_published(app: App, tmp_path: Path) -> None:
    load_logo_churn_example(app, tmp_path)
    v = single(metrics(app, LOGO_AS_OF, LOGO))
    # ChartMogul standard: 12 churned, minus the one that came back, minus the one that joined
    # in the period → 10; accounts at start 100 → 0.10.
    assert v == approx({"accounts_at_start": 100.0, "new_accounts": 5.0,
                        "churned_accounts": 10.0, "logo_churn_rate": 0.10})


# ---------------------------------------------------------------------- LTV
def load_ltv_example(app: App, tmp_path: Path) -> None:
    """All subscriptions $100 a month.

    c01..c24 pay from 2024-06-01. December 2024: c21..c24 end 2024-12-10 (4 of 24).
    Each month m of January..June 2025: c0m ends on the 10th and a new account n0m starts
    that day, so 20 accounts pay at every month start and one churns: 1/20 = 0.05 a month.
    July 2025 (the current month at as_of 2025-07-20): c07 and c08 end 2025-07-10, no
    replacement → 18 accounts pay on 2025-07-20, MRR 1,800, ARPA 100.
    """
    old = [f"c{i:02d}" for i in range(1, 25)]
    new = [f"n{i:02d}" for i in range(1, 7)]
    load_accounts(app, tmp_path, [*old, *new])
    ends = {f"c{m:02d}": f"2025-{m:02d}-10" for m in range(1, 7)}
    ends |= {"c07": "2025-07-10", "c08": "2025-07-10"}
    ends |= {f"c{i}": "2024-12-10" for i in range(21, 25)}
    rows: list[tuple[Any, ...]] = [
        (f"sub-{a}", a, "100", "2024-06-01", ends.get(a), "pro", None, None) for a in old]
    rows += [(f"sub-n{m:02d}", f"n{m:02d}", "100", f"2025-{m:02d}-10", None, "pro", None, None)
             for m in range(1, 7)]
    load(app, tmp_path, "subscriptions", SUB_HEADER, rows)


def test_ltv_published_and_undefined_without_churn(app: App, tmp_path: Path) -> None:
    load_ltv_example(app, tmp_path)
    as_of = date(2025, 7, 20)
    v = single(metrics(app, as_of, ["arpa", "paying_accounts", "ltv"]))
    # churn = mean logo churn of Jan..Jun 2025 = 0.05 (not December's 4/24, not July's 2/20);
    # LTV = ARPA / churn = 100 / 0.05 = 2,000.
    assert v == approx({"arpa": 100.0, "paying_accounts": 18.0, "ltv": 2000.0})
    # the monthly churn it averages, each month on its own
    monthly = per_period(metrics(app, as_of, ["logo_churn_rate"], periods=8))
    assert [r["logo_churn_rate"] for r in monthly.values()] == approx(
        [4 / 24, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 2 / 20])

    # a gross margin of 0.8 multiplies ARPA: 100 x 0.8 / 0.05 = 1,600
    app.settings.metrics.gross_margin = 0.8
    assert single(metrics(app, as_of, ["ltv"]))["ltv"] == approx(1600.0)
    app.settings.metrics.gross_margin = 1.0

    # As of 2024-11-30 the six months before are May..Oct 2024: May and June have no account
    # paying at their start (undefined, skipped), July..October churn 0 of 24 → mean 0 →
    # LTV undefined (NaN), never infinite. ARPA itself is defined (100).
    v = single(metrics(app, date(2024, 11, 30), ["arpa", "ltv"]))
    assert v["arpa"] == approx(100.0)
    assert math.isnan(v["ltv"])


# ---------------------------------------------------------------------- repeat purchases
INV_HEADER = "invoice_id,account_id,issued_at,amount,kind,status"


def test_repeat_purchase_rate(app: App, tmp_path: Path) -> None:
    """1,000 of 3,000 scaled down to 10 of 30: b01..b10 have two purchases, b11..b30 one.

    Rows that are not purchases: b11 also has a void invoice, b12 an open one, b13 a paid one
    issued after as_of; r01 has only a refunded invoice (not a buyer at all).
    First invoices are kind subscription; the second of b01..b05 is services, of b06..b10
    has no kind (always counts), and status is empty on b06..b10's (counts as paid).
    """
    buyers = [f"b{i:02d}" for i in range(1, 31)]
    load_accounts(app, tmp_path, [*buyers, "r01"])
    rows: list[tuple[Any, ...]] = [
        (f"i1-{a}", a, "2025-02-01T10:00:00Z", "100", "subscription", "paid") for a in buyers]
    rows += [(f"i2-b{i:02d}", f"b{i:02d}", "2025-05-01T10:00:00Z", "50", "services", "paid")
             for i in range(1, 6)]
    rows += [(f"i2-b{i:02d}", f"b{i:02d}", "2025-05-01T10:00:00Z", "50", None, None)
             for i in range(6, 11)]
    rows += [
        ("x-b11", "b11", "2025-03-01T10:00:00Z", "70", "addon", "void"),
        ("x-b12", "b12", "2025-03-01T10:00:00Z", "70", "addon", "open"),
        ("x-b13", "b13", "2025-07-01T00:00:00Z", "70", "addon", "paid"),
        ("x-r01", "r01", "2025-03-01T10:00:00Z", "70", "one_off", "refunded"),
    ]
    load(app, tmp_path, "invoices", INV_HEADER, rows)
    as_of = date(2025, 6, 30)
    v = single(metrics(app, as_of, ["repeat_purchase_rate"]))
    assert v["repeat_purchase_rate"] == approx(10 / 30)
    assert v["repeat_purchase_rate"] == pytest.approx(0.333, abs=0.0005)  # as published

    # purchase_kinds = ["subscription"]: b01..b05's services invoice no longer counts, the
    # kind-less ones of b06..b10 still do → 5 / 30
    app.settings.metrics.purchase_kinds = ["subscription"]
    assert single(metrics(app, as_of, ["repeat_purchase_rate"]))[
        "repeat_purchase_rate"] == approx(5 / 30)


# ---------------------------------------------------------------------- NPS and CSAT
RESP_HEADER = "response_id,account_id,survey,score,responded_at"
NPS_COUNTS = [1, 3, 5, 4, 7, 15, 22, 51, 85, 73, 59]  # scores 0..10


def test_nps_published_with_window_and_interval(app: App, tmp_path: Path) -> None:
    """As of 2025-06-30 the 180-day window is 2025-01-02 .. 2025-06-30.

    The 325 published answers (scores 0..10 with the counts above) are dated inside: one 10 at
    the window's first instant (2025-01-02 00:00 UTC), one 9 at 2025-07-01T01:30+02:00
    (= 2025-06-30 23:30 UTC), the rest in May. Not counted: a 0 on 2025-01-01 23:59:59 UTC
    (E - 180: 181 days counting both ends, the day before the window), a 0 at 2025-07-01
    00:00 UTC, a 3 at 2025-06-30T23:30-02:00 (= 2025-07-01 01:30 UTC), and a CSAT answer.
    """
    accounts = ["a1", "a2", "a3", "a4", "a5"]
    load_accounts(app, tmp_path, accounts)
    scores = [s for s, c in enumerate(NPS_COUNTS) for _ in range(c)]
    scores.remove(10)
    scores.remove(9)
    rows: list[tuple[Any, ...]] = [
        (f"r{i:03d}", accounts[i % 5], "nps", s,
         f"2025-05-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z")
        for i, s in enumerate(scores)]
    rows += [
        ("edge-in-1", "a1", "nps", 10, "2025-01-02T00:00:00Z"),
        ("edge-in-2", "a2", "nps", 9, "2025-07-01T01:30:00+02:00"),
        ("edge-out-1", "a3", "nps", 0, "2025-01-01T23:59:59Z"),
        ("edge-out-2", "a4", "nps", 0, "2025-07-01T00:00:00Z"),
        ("edge-out-3", "a5", "nps", 3, "2025-06-30T23:30:00-02:00"),
        ("csat-1", "a1", "csat", 1, "2025-06-01T00:00:00Z"),
    ]
    load(app, tmp_path, "survey_responses", RESP_HEADER, rows)
    v = single(metrics(app, date(2025, 6, 30), [
        "nps", "nps_responses", "nps_promoters", "nps_passives", "nps_detractors",
        "nps_ci_low", "nps_ci_high"]))
    n, p, d = 325, 73 + 59, 1 + 3 + 5 + 4 + 7 + 15 + 22  # promoters 132, detractors 57
    assert (p, d) == (132, 57)
    nps = 100 * (p - d) / n                                  # 23.0769...
    half = 196 * math.sqrt((p / n + d / n - (p / n - d / n) ** 2) / n)  # 7.9021...
    assert v == approx({
        "nps_responses": 325.0, "nps_promoters": 132.0, "nps_passives": 51.0 + 85.0,
        "nps_detractors": 57.0, "nps": nps, "nps_ci_low": nps - half,
        "nps_ci_high": nps + half})
    assert v["nps"] == pytest.approx(23.08, abs=0.005)       # as published
    assert (v["nps_ci_low"], v["nps_ci_high"]) == pytest.approx((15.1747, 30.9791), abs=1e-4)


def test_csat_published_with_window(app: App, tmp_path: Path) -> None:
    """10x5, 20x4, 10x3, 5x2, 5x1 → 30 / 50 = 0.60. As of 2025-06-30 the 90-day window is
    2025-04-02 .. 2025-06-30: one of the fives is at 2025-04-02 00:00 UTC (inside); a 1 at
    2025-04-01 23:59:59 UTC and a 1 at 2025-07-01 00:00 UTC are outside; an NPS 0 is another
    survey."""
    load_accounts(app, tmp_path, ["a1", "a2"])
    scores = [5] * 9 + [4] * 20 + [3] * 10 + [2] * 5 + [1] * 5
    rows: list[tuple[Any, ...]] = [
        (f"c{i:02d}", ("a1", "a2")[i % 2], "csat", s, f"2025-06-{1 + i % 28:02d}T12:00:00Z")
        for i, s in enumerate(scores)]
    rows += [
        ("edge-in", "a1", "csat", 5, "2025-04-02T00:00:00Z"),
        ("edge-out-1", "a1", "csat", 1, "2025-04-01T23:59:59Z"),
        ("edge-out-2", "a2", "csat", 1, "2025-07-01T00:00:00Z"),
        ("nps-1", "a2", "nps", 0, "2025-06-01T00:00:00Z"),
    ]
    load(app, tmp_path, "survey_responses", RESP_HEADER, rows)
    v = single(metrics(app, date(2025, 6, 30), ["csat", "csat_responses"]))
    assert v == approx({"csat": 0.60, "csat_responses": 50.0})


# ---------------------------------------------------------------------- periods
def test_quarter_boundaries(app: App, tmp_path: Path) -> None:
    """as_of 2025-05-14, two quarters: Q1 = 2025-01-01..03-31, Q2 = 2025-04-01..05-14.

    q3: $30 from 2024-12-31 (new in Q4 2024: Q1's starting MRR).
    q2: $50 from 2025-01-01 (new on Q1's first day), ends 2025-05-15 (after as_of).
    q1: $100 from 2025-03-31 (new on Q1's last day), +$20 row from 2025-04-01 (expansion on
        Q2's first day).
    """
    load_accounts(app, tmp_path, ["q1", "q2", "q3"])
    load(app, tmp_path, "subscriptions", SUB_HEADER, [
        ("q3a", "q3", "30", "2024-12-31", None, "basic", None, None),
        ("q2a", "q2", "50", "2025-01-01", "2025-05-15", "basic", None, None),
        ("q1a", "q1", "100", "2025-03-31", None, "pro", None, None),
        ("q1b", "q1", "20", "2025-04-01", None, "addon", None, None),
    ])
    df = metrics(app, date(2025, 5, 14), ["starting_mrr", "mrr", "new_mrr", "expansion_mrr",
                                          "churned_mrr"], period="quarter", periods=2)
    assert flat(per_period(df)) == approx({
        (date(2025, 1, 1), date(2025, 3, 31)): {
            "starting_mrr": 30.0, "mrr": 180.0, "new_mrr": 150.0, "expansion_mrr": 0.0,
            "churned_mrr": 0.0},
        (date(2025, 4, 1), date(2025, 5, 14)): {
            "starting_mrr": 180.0, "mrr": 200.0, "new_mrr": 0.0, "expansion_mrr": 20.0,
            "churned_mrr": 0.0},
    })


# ---------------------------------------------------------------------- support
TICKET_HEADER = "ticket_id,account_id,created_at,first_response_at,resolved_at,priority,status"


def test_response_and_resolution_times(app: App, tmp_path: Path) -> None:
    """March 2025, calendar hours.

    first response (answered in March): t1 1h, t2 2h, t3 3h, t4 4h, t5 10h (created in
    February, answered 03-01) → [1, 2, 3, 4, 10]: median 3, p90 at rank 0.9 x 4 = 3.6 →
    4 + 0.6 x (10 - 4) = 7.6. Not counted: t6 (answered in February, 100h), t7 (answered
    after March).
    resolution (resolved in March): t1 2h, t2 4h, t3 6h, t4 8h, t5 30h → median 6,
    p90 8 + 0.6 x (30 - 8) = 21.2. Not counted: t6 (February), t7 (April).
    Opened in March: t1..t4, t7 = 5. Open at the end of March: t7 (resolved in April) = 1.
    """
    load_accounts(app, tmp_path, ["a1"])
    load(app, tmp_path, "tickets", TICKET_HEADER, [
        ("t1", "a1", "2025-03-03T08:00:00Z", "2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z",
         "normal", "solved"),
        ("t2", "a1", "2025-03-04T08:00:00Z", "2025-03-04T10:00:00Z", "2025-03-04T12:00:00Z",
         "normal", "solved"),
        ("t3", "a1", "2025-03-05T08:00:00Z", "2025-03-05T11:00:00Z", "2025-03-05T14:00:00Z",
         "high", "closed"),
        ("t4", "a1", "2025-03-06T08:00:00Z", "2025-03-06T12:00:00Z", "2025-03-06T16:00:00Z",
         "low", "solved"),
        ("t5", "a1", "2025-02-28T20:00:00Z", "2025-03-01T06:00:00Z", "2025-03-02T02:00:00Z",
         None, "solved"),
        ("t6", "a1", "2025-02-10T00:00:00Z", "2025-02-14T04:00:00Z", "2025-02-15T00:00:00Z",
         "normal", "solved"),
        ("t7", "a1", "2025-03-31T20:00:00Z", "2025-04-01T02:00:00Z", "2025-04-02T00:00:00Z",
         "normal", "solved"),
    ])
    v = single(metrics(app, date(2025, 3, 31), [
        "first_response_hours_median", "first_response_hours_p90", "resolution_hours_median",
        "resolution_hours_p90", "tickets_opened", "open_tickets"]))
    assert v == approx({
        "first_response_hours_median": 3.0, "first_response_hours_p90": 7.6,
        "resolution_hours_median": 6.0, "resolution_hours_p90": 21.2,
        "tickets_opened": 5.0, "open_tickets": 1.0})


def test_business_hours(app: App, tmp_path: Path) -> None:
    """Created Friday 2025-03-07 16:00 UTC, answered Monday 2025-03-10 10:00 UTC."""
    load_accounts(app, tmp_path, ["a1"])
    load(app, tmp_path, "tickets", TICKET_HEADER, [
        ("b1", "a1", "2025-03-07T16:00:00Z", "2025-03-10T10:00:00Z", None, "normal", "open")])
    names = ["first_response_hours_median"]
    as_of = date(2025, 3, 31)
    # calendar: Fri 16:00 → Mon 10:00 = 8 + 48 + 10 = 66 hours
    assert single(metrics(app, as_of, names))[names[0]] == approx(66.0)
    # 09:00-17:00 Monday to Friday: Friday 16-17 (1h) + Monday 09-10 (1h) = 2 hours
    app.settings.support.business_hours = "09:00-17:00"
    assert single(metrics(app, as_of, names))[names[0]] == approx(2.0)
    # local time UTC+2: created Fri 18:00 local (after hours, 0h), answered Mon 12:00 local
    # (09-12, 3h) = 3 hours
    app.settings.support.utc_offset_hours = 2.0
    assert single(metrics(app, as_of, names))[names[0]] == approx(3.0)


def test_sla_breach_rate(app: App, tmp_path: Path) -> None:
    """Targets (defaults): urgent 1h, high 4h, normal 8h (also no priority), low 24h.

    created in March 2025 (as_of 2025-03-31, the period ends 2025-04-01 00:00 UTC):
      s1 urgent, answered after 0.5h                         → ok
      s2 urgent, answered after 2h                           → breach
      s3 high, answered after exactly 4h (not longer)        → ok
      s4 no priority (normal), answered after 9h             → breach
      s5 low, unanswered, created 03-31 10:00: 14h by the end → ok
      s6 normal, unanswered, created 03-30 10:00: 38h        → breach
      s7 normal, created 03-31 20:00, answered 04-02: 4h unanswered by the end → ok
    not in the period: s8 urgent created in February, never answered.
    rate 3 / 7; per priority: urgent 1/2, high 0/1, normal 2/3 (s4, s6, s7), low 0/1.
    """
    load_accounts(app, tmp_path, ["a1"])
    load(app, tmp_path, "tickets", TICKET_HEADER, [
        ("s1", "a1", "2025-03-10T10:00:00Z", "2025-03-10T10:30:00Z", None, "urgent", "open"),
        ("s2", "a1", "2025-03-11T10:00:00Z", "2025-03-11T12:00:00Z", None, "urgent", "open"),
        ("s3", "a1", "2025-03-12T10:00:00Z", "2025-03-12T14:00:00Z", None, "high", "open"),
        ("s4", "a1", "2025-03-13T10:00:00Z", "2025-03-13T19:00:00Z", None, None, "open"),
        ("s5", "a1", "2025-03-31T10:00:00Z", None, None, "low", "new"),
        ("s6", "a1", "2025-03-30T10:00:00Z", None, None, "normal", "new"),
        ("s7", "a1", "2025-03-31T20:00:00Z", "2025-04-02T09:00:00Z", None, "normal", "open"),
        ("s8", "a1", "2025-02-27T10:00:00Z", None, None, "urgent", "new"),
    ])
    as_of = date(2025, 3, 31)
    assert single(metrics(app, as_of, ["sla_breach_rate"]))["sla_breach_rate"] == approx(3 / 7)
    by = per_group(metrics(app, as_of, ["sla_breach_rate"], by=["priority"]), "priority")
    assert flat(by) == approx({
        "urgent": {"sla_breach_rate": 0.5}, "high": {"sla_breach_rate": 0.0},
        "normal": {"sla_breach_rate": 2 / 3}, "low": {"sla_breach_rate": 0.0}})


# ---------------------------------------------------------------------- adoption
EVENT_HEADER = "account_id,event,timestamp,user_id"
ACTIVITY_HEADER = "activity_id,account_id,kind,occurred_at,actor"


def load_adoption_example(app: App, tmp_path: Path) -> None:
    """as_of E = 2025-03-31: trailing 30 days = 03-02..03-31, 7 days = 03-25..03-31, the 30
    days before = 01-31..03-01.

    Accounts (all $100): A pays from 2025-01-01 (created 2024-12-01), 10 seats; B from
    2025-01-05, 5 seats; C from 2025-01-20, 0 seats; X from 2025-01-01, 0 seats, no events,
    no touchpoints; D created 2024-09-01, never pays.
    """
    load(app, tmp_path, "accounts", "account_id,name,created_at", [
        ("A", "A Inc", "2024-12-01T00:00:00Z"), ("B", "B Inc", "2024-12-15T00:00:00Z"),
        ("C", "C Inc", "2025-01-01T00:00:00Z"), ("X", "X Inc", "2024-12-01T00:00:00Z"),
        ("D", "D Inc", "2024-09-01T00:00:00Z")])
    load(app, tmp_path, "subscriptions", SUB_HEADER, [
        ("sa", "A", "100", "2025-01-01", None, "pro", 10, None),
        ("sb", "B", "100", "2025-01-05", None, "pro", 5, None),
        ("sc", "C", "100", "2025-01-20", None, "pro", 0, None),
        ("sx", "X", "100", "2025-01-01", None, "pro", 0, None),
    ])
    load(app, tmp_path, "events", EVENT_HEADER, [
        # last 30 days
        ("A", "report_created", "2025-03-31T10:00:00Z", "u1"),
        ("A", "report_created", "2025-03-31T11:00:00Z", "u1"),
        ("A", "dashboard_created", "2025-03-02T00:00:00Z", "u2"),   # first day of the 30
        ("A", "login", "2025-03-10T09:00:00Z", "u2"),
        ("A", "login", "2025-03-25T00:00:00Z", "u2"),               # first day of the 7
        ("A", "integration_synced", "2025-03-20T05:00:00Z", None),  # no user
        ("B", "login", "2025-03-24T23:59:59Z", "u1"),               # a day before the 7
        ("C", "login", "2025-03-15T12:00:00Z", "u1"),
        # the 30 days before
        ("A", "login", "2025-03-01T23:59:59Z", "u3"),
        ("A", "login", "2025-02-15T12:00:00Z", "u2"),
        ("B", "login", "2025-01-31T00:00:00Z", "u1"),
        # neither window
        ("B", "login", "2025-01-30T23:59:59Z", "u1"),
        ("B", "login", "2025-04-01T00:00:00Z", "u9"),               # after as_of
        # value milestones
        ("A", "integration_connected", "2025-01-11T08:00:00Z", None),
        ("A", "first_report_created", "2025-01-25T08:00:00Z", None),
        ("B", "first_report_created", "2025-01-09T08:00:00Z", None),
        ("C", "integration_connected", "2025-01-15T08:00:00Z", None),
        ("D", "integration_connected", "2024-12-10T08:00:00Z", None),
    ])
    load(app, tmp_path, "activities", ACTIVITY_HEADER, [
        ("v1", "A", "call", "2025-03-21T15:00:00Z", "csm@example.com"),
        ("v2", "A", "email", "2025-03-29T09:00:00Z", "automation"),     # automated
        ("v3", "A", "call", "2025-04-02T09:00:00Z", "csm@example.com"),  # after as_of
        ("v4", "B", "meeting", "2025-03-01T10:00:00Z", "csm@example.com"),
        ("v5", "B", "note", "2025-03-30T10:00:00Z", "csm@example.com"),  # not a touchpoint
        ("v6", "C", "qbr", "2025-03-26T10:00:00Z", None),                # no actor: a person
        ("v7", "D", "call", "2025-03-31T10:00:00Z", "csm@example.com"),  # D does not pay
    ])


def test_adoption_company_and_per_account(app: App, tmp_path: Path) -> None:
    load_adoption_example(app, tmp_path)
    company = single(metrics(app, date(2025, 3, 31), [
        "mau", "wau", "dau", "stickiness", "seats", "seat_utilization", "events_30d",
        "events_prev_30d", "usage_trend", "time_to_value_days",
        "days_since_last_touchpoint"]))
    df = account_metrics(app, as_of=date(2025, 3, 31), metrics=[
        "mau", "time_to_value_days", "days_since_last_touchpoint"]).set_index("account_id")
    accounts = {a: {k: float(df.at[a, k]) for k in ("mau", "time_to_value_days",
                                                      "days_since_last_touchpoint")}
                for a in df.index}
    nan = math.nan
    # one assertion, so that every mismatch is listed
    assert flat({"company": company, "account": accounts}) == approx({"company": {
        # users are (account, user): A/u1, A/u2, B/u1, C/u1 in the 30 days (A/u3 only on
        # 03-01; the user-less event is no user)
        "mau": 4.0,
        # 03-25..03-31: A/u1 (03-31), A/u2 (03-25); not B/u1 (03-24 23:59:59)
        "wau": 2.0,
        # active user-days: A/u1 {03-31}, A/u2 {03-02, 03-10, 03-25}, B/u1 {03-24},
        # C/u1 {03-15} = 6 → 6 / 30
        "dau": 0.2,
        "stickiness": 0.2 / 4,
        "seats": 15.0,
        # MAU of accounts with seats (A 2 + B 1) / seats 15; C's user has no seat
        "seat_utilization": 3 / 15,
        # 2 + 3 (A/u2) + 1 (no user) + 1 (B) + 1 (C) = 8; before: 03-01 23:59:59, 02-15,
        # 01-31 00:00 = 3
        "events_30d": 8.0,
        "events_prev_30d": 3.0,
        "usage_trend": (8 - 3) / 3,
        # A: 2025-01-01 → 01-11 = 10; B: 01-05 → 01-09 = 4; C: 01-20 → 01-15 = -5 → 0;
        # median over paying accounts that reached one (not X, not D) = 4
        "time_to_value_days": 4.0,
        # A: 03-21 (the 03-29 email is by automation, 04-02 is after) → 10; B: 03-01 (the
        # note is no touchpoint) → 30; C: 03-26 → 5; median 10 (D does not pay, X has none)
        "days_since_last_touchpoint": 10.0,
    }, "account": {
        "A": {"mau": 2.0, "time_to_value_days": 10.0, "days_since_last_touchpoint": 10.0},
        "B": {"mau": 1.0, "time_to_value_days": 4.0, "days_since_last_touchpoint": 30.0},
        "C": {"mau": 1.0, "time_to_value_days": 0.0, "days_since_last_touchpoint": 5.0},
        # D never paid: its start is its creation, 2024-09-01 → 2024-12-10 = 100 days
        "D": {"mau": 0.0, "time_to_value_days": 100.0, "days_since_last_touchpoint": 0.0},
        # X reached no milestone and had no touchpoint: undefined, not 0
        "X": {"mau": 0.0, "time_to_value_days": nan, "days_since_last_touchpoint": nan},
    }})
