"""A deliberately plain pandas reference implementation of the KPI spec.

Every formula here is written from tests/metrics/SPEC.md ("the spec"; section names are
quoted in the docstrings) without looking at the engine in ``tenure.metrics``. It is a second,
independent implementation that the engine must agree with; it favours being obviously
correct over being fast (loops over accounts and days are fine).

Days are handled as midnight ``pandas.Timestamp`` values; "as of day X" for a timestamp means
``ts < X + 1 day``. Tables come as read from the DuckDB warehouse (dates as datetime64,
timestamps as naive UTC datetime64).
"""

from __future__ import annotations

import bisect
import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from tenure.errors import MetricsError

DAY = pd.Timedelta(days=1)
FAR_FUTURE = pd.Timestamp("2200-01-01")
CANONICAL = (
    "accounts", "contacts", "subscriptions", "invoices", "events", "tickets",
    "survey_responses", "activities", "feedback",
)
DIMENSIONS = ("segment", "industry", "country", "owner", "plan", "product", "cohort")
PROGRAM_KINDS = ("webinar", "training", "community")  # spec: program_participation_rate
MOVEMENT_KINDS = ("new", "expansion", "contraction", "churn", "reactivation")

REVENUE_METRICS = (
    "mrr", "arr", "starting_mrr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
    "reactivation_mrr", "net_new_mrr", "paying_accounts", "arpa", "quick_ratio",
)
RETENTION_METRICS = (
    "accounts_at_start", "new_accounts", "churned_accounts", "logo_churn_rate",
    "gross_mrr_churn_rate", "net_mrr_churn_rate", "grr", "nrr",
)
VALUE_METRICS = ("ltv", "repeat_purchase_rate")
SATISFACTION_METRICS = (
    "nps", "nps_responses", "nps_promoters", "nps_passives", "nps_detractors", "nps_ci_low",
    "nps_ci_high", "csat", "csat_responses", "ces", "ces_responses",
)
TICKET_METRICS = (
    "tickets_opened", "tickets_per_account", "open_tickets", "urgent_open_tickets",
    "first_response_hours_median", "first_response_hours_p90", "resolution_hours_median",
    "resolution_hours_p90", "sla_breach_rate",
)
ADOPTION_METRICS = (
    "mau", "wau", "dau", "stickiness", "seats", "seat_utilization", "events_30d",
    "events_prev_30d", "usage_trend", "feature_breadth", "time_to_value_days",
    "days_since_last_touchpoint", "program_participation_rate",
)
ALL_METRICS = (
    REVENUE_METRICS + RETENTION_METRICS + VALUE_METRICS + SATISFACTION_METRICS
    + TICKET_METRICS + ADOPTION_METRICS
)
MONEY_METRICS = frozenset(
    {"mrr", "arr", "starting_mrr", "new_mrr", "expansion_mrr", "contraction_mrr",
     "churned_mrr", "reactivation_mrr", "net_new_mrr", "arpa", "ltv"}
)
ACCOUNT_METRICS = (
    "mrr", "arr", "starting_mrr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
    "reactivation_mrr", "net_new_mrr", "seats", "nps", "nps_responses", "nps_promoters",
    "nps_passives", "nps_detractors", "nps_latest", "csat", "csat_responses", "ces",
    "ces_responses", "tickets_opened", "open_tickets", "urgent_open_tickets",
    "first_response_hours_median", "first_response_hours_p90", "resolution_hours_median",
    "resolution_hours_p90", "sla_breach_rate", "mau", "wau", "dau", "stickiness",
    "seat_utilization", "events_30d", "events_prev_30d", "usage_trend", "feature_breadth",
    "time_to_value_days", "days_since_last_touchpoint", "program_activities_90d",
)
COHORT_COLUMNS = (
    "cohort", "months_since_start", "accounts", "retained_accounts", "logo_retention",
    "starting_mrr", "mrr", "revenue_retention",
)

# The spec's settings and their defaults ("Settings" section), read by name so that the
# reference works whether or not the sections exist yet on tenure.settings.Settings.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "metrics": {
        "churn_recognition": "term_end",
        "count_join_and_churn": False,
        "count_churn_and_return": False,
        "churn_denominator": "start",
        "gross_margin": 1.0,
        "nps_window_days": 180,
        "csat_window_days": 90,
        "ces_window_days": 90,
        "purchase_kinds": [],
    },
    "support": {
        "business_hours": "",
        "utc_offset_hours": 0.0,
        "sla_urgent_hours": 1.0,
        "sla_high_hours": 4.0,
        "sla_normal_hours": 8.0,
        "sla_low_hours": 24.0,
    },
    "adoption": {
        "key_features": [
            "report_created", "report_shared", "dashboard_created", "alert_created",
            "integration_synced", "data_exported", "comment_added",
        ],
        "value_milestones": ["integration_connected", "first_report_created"],
        "touchpoint_kinds": ["call", "email", "meeting", "qbr"],
        "automated_actors": ["automation"],
    },
}


@dataclass(frozen=True)
class Conventions:
    """The settings the spec names, flattened: ``cfg.get("metrics", "gross_margin")``."""

    values: dict[str, dict[str, Any]]
    reporting_currency: str = "USD"

    def get(self, section: str, name: str) -> Any:
        return self.values[section][name]


def conventions(settings: Any) -> Conventions:
    """Read the spec's settings from ``settings`` (defaults for sections not there yet)."""
    values: dict[str, dict[str, Any]] = {}
    for section, defaults in _DEFAULTS.items():
        sec = getattr(settings, section, None) if settings is not None else None
        values[section] = {
            k: (getattr(sec, k) if sec is not None and hasattr(sec, k) else v)
            for k, v in defaults.items()
        }
    company = getattr(settings, "company", None)
    currency = getattr(company, "reporting_currency", "USD") or "USD"
    return Conventions(values=values, reporting_currency=str(currency).upper())


def load_tables(app: Any) -> dict[str, pd.DataFrame]:
    """The canonical tables (and fx_rates when the warehouse has it) as DataFrames."""
    con = app.warehouse.con
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
               .fetchall()}
    out: dict[str, pd.DataFrame] = {}
    for name in (*CANONICAL, "fx_rates"):
        if name in present:
            out[name] = con.execute(f'SELECT * FROM "{name}"').df()
    return out


# ---------------------------------------------------------------------------------------------
# Periods ("Time")


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _add_months(d: date, n: int) -> date:
    """First day of the month n months after d's month."""
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def period_bounds(as_of: date, period: str, periods: int) -> list[tuple[date, date]]:
    """The spec's periods, oldest first: month/quarter/year to date plus the n−1 full
    calendar periods before it, or back-to-back N-day windows ending at as_of ("Time")."""
    if periods < 1:
        raise ValueError("periods must be >= 1")
    out: list[tuple[date, date]] = []
    if period in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[period]
        if period == "month":
            start = _month_start(as_of)
        elif period == "quarter":
            start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
        else:
            start = date(as_of.year, 1, 1)
        out.append((start, as_of))
        for i in range(1, periods):
            s = _add_months(start, -months * i)
            e = _add_months(s, months) - timedelta(days=1)
            out.append((s, e))
    elif period.endswith("d") and period[:-1].isdigit() and int(period[:-1]) > 0:
        n = int(period[:-1])
        for i in range(periods):
            e = as_of - timedelta(days=n * i)
            out.append((e - timedelta(days=n - 1), e))
    else:
        raise ValueError(f"unknown period {period!r}")
    return sorted(out)


# ---------------------------------------------------------------------------------------------
# Helpers


def _ts(d: date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(d).normalize()


def _blank(v: Any) -> bool:
    """Empty value: None, NaN/NaT/NA or ''."""
    if v is None:
        return True
    if isinstance(v, str):
        return v == ""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _text(v: Any) -> str | None:
    return None if _blank(v) else str(v)


def _ratio(num: float, den: float) -> float:
    """Spec: ratios with a zero or undefined denominator are undefined (NaN)."""
    if den is None or num is None or _blank(den) or _blank(num) or den == 0:
        return math.nan
    return float(num) / float(den)


def _pct(values: Iterable[float], q: float) -> float:
    """numpy's default linear interpolation between order statistics; NaN when empty."""
    arr = np.asarray(list(values), dtype=float)
    return float(np.percentile(arr, q)) if len(arr) else math.nan


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """A column, or all-None when the table lacks it."""
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def _table(tables: dict[str, pd.DataFrame], name: str, columns: Sequence[str]) -> pd.DataFrame:
    df = tables.get(name)
    if df is None:
        return _empty(columns)
    df = df.copy()
    for c in columns:
        if c not in df.columns:
            df[c] = None
    return df


def _times(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s)


def business_hours_between(
    start: pd.Timestamp, end: pd.Timestamp, window: str, utc_offset_hours: float
) -> float:
    """Hours of [start, end] inside the daily window "HH:MM-HH:MM", Monday to Friday, in local
    time = UTC + offset ("Support: durations"). Loops over the local days."""
    if end <= start:
        return 0.0
    lo_s, hi_s = window.split("-")
    lo = pd.Timedelta(hours=int(lo_s.split(":")[0]), minutes=int(lo_s.split(":")[1]))
    hi = pd.Timedelta(hours=int(hi_s.split(":")[0]), minutes=int(hi_s.split(":")[1]))
    off = pd.Timedelta(hours=utc_offset_hours)
    a, b = start + off, end + off
    total = pd.Timedelta(0)
    day = a.normalize()
    while day <= b:
        if day.weekday() < 5:
            w0, w1 = day + lo, day + hi
            x0, x1 = max(a, w0), min(b, w1)
            if x1 > x0:
                total += x1 - x0
        day += DAY
    return total.total_seconds() / 3600.0


# ---------------------------------------------------------------------------------------------
# The prepared data


@dataclass
class _MrrLine:
    """One account's MRR as a step function: value[i] holds from day[i] until day[i+1]."""

    days: list[pd.Timestamp] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def on(self, x: pd.Timestamp) -> float:
        i = bisect.bisect_right(self.days, x) - 1
        return self.values[i] if i >= 0 else 0.0


class Reference:
    """Inputs prepared once for one as_of date: converted subscriptions, MRR lines,
    movements, dimensions, and the other tables with helper columns."""

    def __init__(self, tables: dict[str, pd.DataFrame], as_of: date, settings: Any) -> None:
        self.as_of = as_of
        self.D = _ts(as_of)
        self.cfg = conventions(settings)
        self.fx = self._fx_table(tables)
        self.accounts = _table(tables, "accounts", ["account_id", "segment", "industry",
                                                   "country", "owner", "created_at"])
        self.subs = self._subscriptions(tables)
        self.invoices = self._invoices(tables)
        self.events = self._events(tables)
        self.tickets = self._tickets(tables)
        self.surveys = _table(tables, "survey_responses",
                              ["account_id", "survey", "score", "responded_at"])
        self.surveys["responded_at"] = _times(self.surveys["responded_at"])
        self.activities = _table(tables, "activities",
                                 ["account_id", "kind", "occurred_at", "actor"])
        self.activities["occurred_at"] = _times(self.activities["occurred_at"])
        self.universe = self._universe(tables)
        self.lines, self.movements, self.first_paying = self._mrr_lines()
        self.dims = self._dimensions()
        self._per_account_cache: dict[tuple[pd.Timestamp, pd.Timestamp], pd.DataFrame] = {}
        self._revenue_cache: dict[tuple[pd.Timestamp, pd.Timestamp], pd.DataFrame] = {}
        self._id_cache: dict[str, set[str]] = {}

    # -- money ("Money")

    @staticmethod
    def _fx_table(tables: dict[str, pd.DataFrame]) -> dict[str, list[tuple[pd.Timestamp, float]]]:
        fx = tables.get("fx_rates")
        out: dict[str, list[tuple[pd.Timestamp, float]]] = {}
        if fx is None:
            return out
        for cur, d, rate in zip(fx["currency"], fx["date"], fx["rate"], strict=True):
            out.setdefault(str(cur).upper(), []).append((_ts(d), float(rate)))
        for v in out.values():
            v.sort()
        return out

    def rate(self, currency: Any, on: pd.Timestamp) -> float:
        """Units of reporting currency per unit of ``currency`` on day ``on``: the latest rate
        dated on or before it, else the earliest; no rate at all is a MetricsError."""
        if _blank(currency) or str(currency).upper() == self.cfg.reporting_currency:
            return 1.0
        rates = self.fx.get(str(currency).upper())
        if not rates:
            raise MetricsError(f"no fx rate for currency {currency}")
        before = [r for d, r in rates if d <= on]
        return before[-1] if before else rates[0][1]

    def _subscriptions(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        subs = _table(tables, "subscriptions", [
            "subscription_id", "account_id", "mrr", "valid_from", "valid_to", "plan",
            "product", "seats", "currency", "canceled_at"])
        subs["valid_from"] = _times(subs["valid_from"]).dt.normalize()
        subs["valid_to"] = _times(subs["valid_to"]).dt.normalize()
        subs["mrr_conv"] = [
            float(m) * self.rate(c, vf)
            for m, c, vf in zip(subs["mrr"], subs["currency"], subs["valid_from"], strict=True)
        ]
        # "MRR": live on X when valid_from <= X < end.
        ends = []
        cancellation = self.cfg.get("metrics", "churn_recognition") == "cancellation"
        for vt, ca in zip(subs["valid_to"], _times(subs["canceled_at"]), strict=True):
            end = FAR_FUTURE if pd.isna(vt) else vt
            if cancellation and not pd.isna(ca):
                end = min(end, _ts(ca))
            ends.append(end)
        subs["end"] = pd.to_datetime(pd.Series(ends, index=subs.index, dtype="datetime64[us]"))
        subs["seats"] = pd.to_numeric(subs["seats"], errors="coerce").fillna(0).astype(float)
        return subs

    def _invoices(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        inv = _table(tables, "invoices", ["invoice_id", "account_id", "issued_at", "amount",
                                          "currency", "kind", "status"])
        inv["issued_at"] = _times(inv["issued_at"])
        # Converted although no metric sums invoice amounts: a missing rate is still an error.
        inv["amount_conv"] = [
            float(a) * self.rate(c, _ts(t))
            for a, c, t in zip(inv["amount"], inv["currency"], inv["issued_at"], strict=True)
        ]
        return inv

    @staticmethod
    def _events(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        ev = _table(tables, "events", ["account_id", "event", "timestamp", "user_id"])
        ev = ev[["account_id", "event", "timestamp", "user_id"]].copy()
        ev["timestamp"] = _times(ev["timestamp"])
        ev["day"] = ev["timestamp"].dt.normalize()
        ev["user_id"] = ev["user_id"].where(ev["user_id"].notna() & (ev["user_id"] != ""), None)
        return ev

    def _tickets(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        t = _table(tables, "tickets", ["ticket_id", "account_id", "created_at",
                                       "first_response_at", "resolved_at", "priority", "status"])
        for c in ("created_at", "first_response_at", "resolved_at"):
            t[c] = _times(t[c])
        t["prio"] = [("normal" if _blank(p) else str(p)) for p in t["priority"]]
        t["first_response_hours"] = [
            self.hours(c, f) for c, f in zip(t["created_at"], t["first_response_at"], strict=True)
        ]
        t["resolution_hours"] = [
            self.hours(c, r) for c, r in zip(t["created_at"], t["resolved_at"], strict=True)
        ]
        return t

    def hours(self, start: pd.Timestamp, end: pd.Timestamp) -> float:
        """A duration in calendar hours, or business hours when support.business_hours is set."""
        if pd.isna(start) or pd.isna(end):
            return math.nan
        window = self.cfg.get("support", "business_hours")
        if window:
            return business_hours_between(
                start, end, window, float(self.cfg.get("support", "utc_offset_hours"))
            )
        return (end - start).total_seconds() / 3600.0

    def _universe(self, tables: dict[str, pd.DataFrame]) -> list[str]:
        ids: set[str] = set()
        for name in CANONICAL:
            df = tables.get(name)
            if df is not None and "account_id" in df.columns:
                ids.update(str(a) for a in df["account_id"].unique() if not _blank(a))
        return sorted(ids)

    # -- MRR and movements ("MRR")

    def _mrr_lines(self) -> tuple[dict[str, _MrrLine], pd.DataFrame, dict[str, pd.Timestamp]]:
        D = self.D
        lines: dict[str, _MrrLine] = {}
        moves: list[tuple[str, pd.Timestamp, str, float]] = []
        first_paying: dict[str, pd.Timestamp] = {}
        for acct, rows in self.subs.groupby("account_id"):
            acct = str(acct)
            rs = list(zip(rows["valid_from"], rows["end"], rows["mrr_conv"], strict=True))
            breakpoints = sorted({vf for vf, _, _ in rs if vf <= D}
                                 | {e for _, e, _ in rs if e <= D})
            line = _MrrLine()
            prev = 0.0
            ever_paid = False
            for x in breakpoints:
                cur = round(sum(m for vf, e, m in rs if vf <= x < e), 6)
                line.days.append(x)
                line.values.append(cur)
                if cur != prev:
                    if prev == 0 and cur > 0:
                        moves.append((acct, x, "reactivation" if ever_paid else "new", cur))
                    elif prev > 0 and cur == 0:
                        moves.append((acct, x, "churn", prev))
                    elif cur > prev:
                        moves.append((acct, x, "expansion", cur - prev))
                    else:
                        moves.append((acct, x, "contraction", prev - cur))
                if cur > 0 and not ever_paid:
                    ever_paid = True
                    first_paying[acct] = x
                prev = cur
            lines[acct] = line
        mv = pd.DataFrame(moves, columns=["account_id", "day", "kind", "amount"])
        mv["day"] = pd.to_datetime(mv["day"])
        mv["amount"] = mv["amount"].astype(float)
        return lines, mv, first_paying

    def mrr_on(self, acct: str, x: pd.Timestamp) -> float:
        line = self.lines.get(acct)
        return line.on(x) if line is not None else 0.0

    def mrr_all(self, x: pd.Timestamp) -> pd.Series:
        """MRR(a, x) for every account of the universe."""
        return pd.Series({a: self.mrr_on(a, x) for a in self.universe}, dtype=float)

    # -- dimensions ("Dimensions")

    def _dimensions(self) -> pd.DataFrame:
        """segment/industry/country/owner from accounts; product from the row with the
        latest valid_from <= D (ties: highest converted mrr, then smallest subscription_id),
        plan likewise among the rows that have a plan;
        cohort = YYYY-MM of the first paying day."""
        acc = {
            str(r["account_id"]): r
            for r in self.accounts.drop_duplicates("account_id", keep="last").to_dict("records")
        }
        candidates: dict[str, list[dict[str, Any]]] = {}
        for r in self.subs[self.subs["valid_from"] <= self.D].to_dict("records"):
            candidates.setdefault(str(r["account_id"]), []).append(r)
        rows = []
        for a in self.universe:
            row: dict[str, Any] = {"account_id": a}
            ar = acc.get(a, {})
            for d in ("segment", "industry", "country", "owner"):
                row[d] = _text(ar.get(d))
            rows_a = candidates.get(a, [])
            best = _latest_row(rows_a)
            planned = _latest_row([x for x in rows_a if _text(x["plan"]) is not None])
            row["product"] = None if best is None else _text(best["product"])
            row["plan"] = None if planned is None else _text(planned["plan"])
            fp = self.first_paying.get(a)
            row["cohort"] = f"{fp.year:04d}-{fp.month:02d}" if fp is not None else None
            created = ar.get("created_at")
            row["created_day"] = None if _blank(created) else _ts(created)
            rows.append(row)
        cols = ["account_id", *DIMENSIONS, "created_day"]
        return pd.DataFrame(rows, columns=cols).set_index("account_id")

    # -- per-account building blocks for a period [S, E]

    def ticket_blocks(self, tickets: pd.DataFrame, S: pd.Timestamp, E: pd.Timestamp
                      ) -> pd.DataFrame:
        """Per-account ticket counts for [S, E] ("Support")."""
        end = E + DAY
        idx = pd.Index(self.universe)
        t = tickets
        cday = t["created_at"].dt.normalize()
        opened = t[(cday >= S) & (cday <= E)]
        resolved_later = t["resolved_at"].notna() & (t["resolved_at"] >= end)
        unresolved = t["resolved_at"].isna() & ~t["status"].isin(["solved", "closed"])
        open_ = t[(t["created_at"] < end) & (resolved_later | unresolved)]
        breached = []
        for _, r in opened.iterrows():
            target = float(self.cfg.get("support", f"sla_{r['prio']}_hours"))
            fr = r["first_response_at"]
            if not pd.isna(fr) and fr < end:
                breached.append(self.hours(r["created_at"], fr) > target)
            else:
                breached.append(self.hours(r["created_at"], end) > target)
        opened = opened.assign(breached=breached)
        out = pd.DataFrame(index=idx)
        out["tickets_opened"] = opened.groupby("account_id").size()
        out["open_tickets"] = open_.groupby("account_id").size()
        out["urgent_open_tickets"] = open_[open_["prio"] == "urgent"].groupby("account_id").size()
        out["sla_breached"] = opened.groupby("account_id")["breached"].sum()
        return out.fillna(0).astype(float)

    def revenue_block(self, S: pd.Timestamp, E: pd.Timestamp) -> pd.DataFrame:
        """Per-account MRR at S − 1 and E, movement sums in [S, E] and the churned_accounts
        conditions (a) and (b) ("Metrics over a period": revenue and retention); cached."""
        key = (S, E)
        if key in self._revenue_cache:
            return self._revenue_cache[key]
        A = pd.DataFrame(index=pd.Index(self.universe))
        A["mrr_end"] = self.mrr_all(E)
        A["mrr_start"] = self.mrr_all(S - DAY)
        A["paying_end"] = A["mrr_end"] > 0
        A["paying_start"] = A["mrr_start"] > 0
        mv = self.movements[(self.movements["day"] >= S) & (self.movements["day"] <= E)]
        for k in MOVEMENT_KINDS:
            A[k] = mv[mv["kind"] == k].groupby("account_id")["amount"].sum()
            A[f"has_{k}"] = A.index.isin(mv.loc[mv["kind"] == k, "account_id"])
        A[list(MOVEMENT_KINDS)] = A[list(MOVEMENT_KINDS)].fillna(0.0)
        churned = A["has_churn"].copy()
        if not self.cfg.get("metrics", "count_join_and_churn"):
            churned &= A["paying_start"]
        if not self.cfg.get("metrics", "count_churn_and_return"):
            churned &= ~A["paying_end"]
        A["churned_flag"] = churned
        self._revenue_cache[key] = A
        return A

    def per_account(self, S: pd.Timestamp, E: pd.Timestamp) -> pd.DataFrame:
        """Per-account building blocks of every metric over [S, E] (cached)."""
        key = (S, E)
        if key in self._per_account_cache:
            return self._per_account_cache[key]
        cfg = self.cfg
        end = E + DAY
        A = self.revenue_block(S, E).copy()
        # Value: purchases
        inv = self.invoices
        kinds = list(cfg.get("metrics", "purchase_kinds"))
        ok_status = inv["status"].map(_blank) | (inv["status"] == "paid")
        ok_kind = inv["kind"].map(_blank) | (inv["kind"].isin(kinds) if kinds else True)
        purchases = inv[(inv["issued_at"] < end) & ok_status & ok_kind]
        A["purchases"] = purchases.groupby("account_id").size()
        # Satisfaction
        sv = self.surveys
        for survey in ("nps", "csat", "ces"):
            w = int(cfg.get("metrics", f"{survey}_window_days"))
            lo = E - pd.Timedelta(days=w - 1)
            s = sv[(sv["survey"] == survey) & (sv["responded_at"] >= lo)
                   & (sv["responded_at"] < end)]
            g = s.groupby("account_id")["score"]
            A[f"{survey}_n"] = g.size()
            if survey == "nps":
                A["nps_p"] = s[s["score"] >= 9].groupby("account_id").size()
                A["nps_pass"] = s[s["score"].between(7, 8)].groupby("account_id").size()
                A["nps_d"] = s[s["score"] <= 6].groupby("account_id").size()
            elif survey == "csat":
                A["csat_good"] = s[s["score"] >= 4].groupby("account_id").size()
            else:
                A["ces_sum"] = g.sum().astype(float)
        for c in ("nps_n", "nps_p", "nps_pass", "nps_d", "csat_n", "csat_good", "ces_n",
                  "ces_sum", "purchases"):
            A[c] = A[c].fillna(0).astype(float)
        nps_all = sv[(sv["survey"] == "nps") & (sv["responded_at"] < end)]
        latest = nps_all.sort_values(["account_id", "responded_at"]).groupby("account_id").last()
        A["nps_latest"] = latest["score"].astype(float)
        # Support
        A = A.join(self.ticket_blocks(self.tickets, S, E))
        # Adoption
        ev = self.events
        e30 = ev[(ev["day"] >= E - pd.Timedelta(days=29)) & (ev["day"] <= E)]
        e7 = ev[(ev["day"] >= E - pd.Timedelta(days=6)) & (ev["day"] <= E)]
        eprev = ev[(ev["day"] >= E - pd.Timedelta(days=59)) & (ev["day"] <= E - DAY * 30)]
        u30, u7 = e30[e30["user_id"].notna()], e7[e7["user_id"].notna()]
        A["mau"] = u30.groupby("account_id")["user_id"].nunique()
        A["wau"] = u7.groupby("account_id")["user_id"].nunique()
        A["dau_sum"] = u30.drop_duplicates(["account_id", "user_id", "day"]).groupby(
            "account_id").size()
        A["events_30d"] = e30.groupby("account_id").size()
        A["events_prev_30d"] = eprev.groupby("account_id").size()
        key_features = list(cfg.get("adoption", "key_features"))
        A["feature_breadth"] = e30[e30["event"].isin(key_features)].groupby(
            "account_id")["event"].nunique()
        live = self.subs[(self.subs["valid_from"] <= E) & (self.subs["end"] > E)]
        A["seats"] = live.groupby("account_id")["seats"].sum()
        for c in ("mau", "wau", "dau_sum", "events_30d", "events_prev_30d", "feature_breadth",
                  "seats"):
            A[c] = A[c].fillna(0).astype(float)
        # time to value: start = first paying day, else created_at date. Both only as known
        # on E ("Time": as of a day means what happened on or before it): an account created
        # after E has no start yet, so no value (the spec does not say so in as many words).
        milestones = ev[ev["event"].isin(list(cfg.get("adoption", "value_milestones")))
                        & (ev["day"] <= E)]
        first_ms = milestones.groupby("account_id")["day"].min()
        ttv = {}
        for a in self.universe:
            if a not in first_ms.index:
                continue
            fp = self.first_paying.get(a)
            start = fp if fp is not None and fp <= E else self.dims.at[a, "created_day"]
            if start is None or pd.isna(start) or start > E:
                continue
            ttv[a] = max(0, (first_ms[a] - start).days)
        A["time_to_value_days"] = pd.Series(ttv, dtype=float)
        act = self.activities
        touch = act[act["kind"].isin(list(cfg.get("adoption", "touchpoint_kinds")))
                    & ~act["actor"].isin(list(cfg.get("adoption", "automated_actors")))
                    & (act["occurred_at"] < end)]
        last_touch = touch.groupby("account_id")["occurred_at"].max().dt.normalize()
        A["days_since_last_touchpoint"] = (E - last_touch).dt.days.astype(float)
        prog = act[act["kind"].isin(PROGRAM_KINDS)
                   & (act["occurred_at"] >= E - pd.Timedelta(days=89)) & (act["occurred_at"] < end)]
        A["program_activities_90d"] = prog.groupby("account_id").size()
        A["program_activities_90d"] = A["program_activities_90d"].fillna(0).astype(float)
        self._per_account_cache[key] = A
        return A

    # -- group values ("Metrics over a period")

    def logo_churn_rate(self, accts: list[str], S: pd.Timestamp, E: pd.Timestamp) -> float:
        A = self.revenue_block(S, E).loc[accts]
        den = float(A["paying_start"].sum())
        if self.cfg.get("metrics", "churn_denominator") == "start_plus_new":
            den += float(A["has_new"].sum())
        return _ratio(float(A["churned_flag"].sum()), den)

    def ticket_values(self, accts: list[str], tickets: pd.DataFrame, S: pd.Timestamp,
                      E: pd.Timestamp, paying: float) -> dict[str, float]:
        """Ticket metrics of a group of accounts, over the given tickets ("Support")."""
        end = E + DAY
        T = self.ticket_blocks(tickets, S, E).loc[accts]
        t = tickets[tickets["account_id"].isin(accts)]
        fr = t[(t["first_response_at"] >= S) & (t["first_response_at"] < end)]
        rs = t[(t["resolved_at"] >= S) & (t["resolved_at"] < end)]
        opened = float(T["tickets_opened"].sum())
        return {
            "tickets_opened": opened,
            "tickets_per_account": _ratio(opened, paying),
            "open_tickets": float(T["open_tickets"].sum()),
            "urgent_open_tickets": float(T["urgent_open_tickets"].sum()),
            "first_response_hours_median": _pct(fr["first_response_hours"], 50),
            "first_response_hours_p90": _pct(fr["first_response_hours"], 90),
            "resolution_hours_median": _pct(rs["resolution_hours"], 50),
            "resolution_hours_p90": _pct(rs["resolution_hours"], 90),
            "sla_breach_rate": _ratio(float(T["sla_breached"].sum()), opened),
        }

    def group_values(self, accts: list[str], S: pd.Timestamp, E: pd.Timestamp
                     ) -> dict[str, float]:
        """Every metric of the spec for the accounts ``accts`` over [S, E]."""
        cfg = self.cfg
        A = self.per_account(S, E).loc[accts]
        v: dict[str, float] = {}
        mrr, start = float(A["mrr_end"].sum()), float(A["mrr_start"].sum())
        new, exp, con = float(A["new"].sum()), float(A["expansion"].sum()), float(
            A["contraction"].sum())
        churn, react = float(A["churn"].sum()), float(A["reactivation"].sum())
        paying = float(A["paying_end"].sum())
        v["mrr"], v["arr"], v["starting_mrr"] = mrr, 12 * mrr, start
        v["new_mrr"], v["expansion_mrr"], v["contraction_mrr"] = new, exp, con
        v["churned_mrr"], v["reactivation_mrr"] = churn, react
        v["net_new_mrr"] = new + exp + react - con - churn
        v["paying_accounts"] = paying
        v["arpa"] = _ratio(mrr, paying)
        v["quick_ratio"] = _ratio(new + exp, con + churn)
        v["accounts_at_start"] = float(A["paying_start"].sum())
        v["new_accounts"] = float(A["has_new"].sum())
        v["churned_accounts"] = float(A["churned_flag"].sum())
        v["logo_churn_rate"] = self.logo_churn_rate(accts, S, E)
        v["gross_mrr_churn_rate"] = _ratio(churn + con, start)
        v["net_mrr_churn_rate"] = _ratio(churn + con - exp - react, start)
        v["grr"] = _ratio(start - churn - con, start)
        v["nrr"] = _ratio(start + exp - con - churn, start)
        # ltv: c = mean logo churn over the six full calendar months before E's month
        rates = []
        e_month = _month_start(E.date())
        for k in range(1, 7):
            ms = _add_months(e_month, -k)
            r = self.logo_churn_rate(accts, _ts(ms), _ts(_month_end(ms)))
            if not math.isnan(r):
                rates.append(r)
        c = sum(rates) / len(rates) if rates else math.nan
        v["ltv"] = _ratio(v["arpa"] * float(cfg.get("metrics", "gross_margin")), c)
        v["repeat_purchase_rate"] = _ratio(float((A["purchases"] >= 2).sum()),
                                           float((A["purchases"] >= 1).sum()))
        # NPS
        n, p, d = float(A["nps_n"].sum()), float(A["nps_p"].sum()), float(A["nps_d"].sum())
        v["nps_responses"], v["nps_promoters"], v["nps_detractors"] = n, p, d
        v["nps_passives"] = float(A["nps_pass"].sum())
        v.update(_nps(n, p, d))
        v["csat"] = _ratio(float(A["csat_good"].sum()), float(A["csat_n"].sum()))
        v["csat_responses"] = float(A["csat_n"].sum())
        v["ces"] = _ratio(float(A["ces_sum"].sum()), float(A["ces_n"].sum()))
        v["ces_responses"] = float(A["ces_n"].sum())
        v.update(self.ticket_values(accts, self.tickets, S, E, paying))
        # Adoption
        mau = float(A["mau"].sum())
        v["mau"], v["wau"] = mau, float(A["wau"].sum())
        v["dau"] = float(A["dau_sum"].sum()) / 30.0
        v["stickiness"] = _ratio(v["dau"], mau)
        v["seats"] = float(A["seats"].sum())
        with_seats = A[A["seats"] > 0]
        v["seat_utilization"] = _ratio(float(with_seats["mau"].sum()),
                                       float(with_seats["seats"].sum()))
        v["events_30d"] = float(A["events_30d"].sum())
        v["events_prev_30d"] = float(A["events_prev_30d"].sum())
        v["usage_trend"] = _ratio(v["events_30d"] - v["events_prev_30d"], v["events_prev_30d"])
        payers = A[A["paying_end"]]
        v["feature_breadth"] = (float(payers["feature_breadth"].mean()) if len(payers)
                                else math.nan)
        v["time_to_value_days"] = _pct(payers["time_to_value_days"].dropna(), 50)
        v["days_since_last_touchpoint"] = _pct(payers["days_since_last_touchpoint"].dropna(), 50)
        v["program_participation_rate"] = _ratio(
            float((payers["program_activities_90d"] >= 1).sum()), float(len(payers)))
        return v

    def _ids(self, name: str, df: pd.DataFrame) -> set[str]:
        if name not in self._id_cache:
            self._id_cache[name] = {str(a) for a in df["account_id"].unique()}
        return self._id_cache[name]

    def has_data(self, accts: list[str]) -> dict[str, bool]:
        """Which metric families have at least one account with data in the group."""
        s = set(accts)
        subs = bool(s & self._ids("subs", self.subs))
        surveys = {k: bool(s & self._ids(k, self.surveys[self.surveys["survey"] == k]))
                   for k in ("nps", "csat", "ces")}
        out = {m: subs for m in REVENUE_METRICS + RETENTION_METRICS + ("ltv", "seats",
               "seat_utilization", "feature_breadth", "time_to_value_days",
               "days_since_last_touchpoint", "program_participation_rate")}
        out["repeat_purchase_rate"] = bool(s & self._ids("invoices", self.invoices))
        for m in SATISFACTION_METRICS:
            out[m] = surveys[m.split("_")[0]]
        tickets = bool(s & self._ids("tickets", self.tickets))
        out.update({m: tickets for m in TICKET_METRICS})
        events = bool(s & self._ids("events", self.events))
        out.update({m: events for m in ("mau", "wau", "dau", "stickiness", "events_30d",
                                        "events_prev_30d", "usage_trend")})
        return out


def _nps(n: float, p: float, d: float) -> dict[str, float]:
    """NPS and its 95% interval ("Satisfaction"): nps ∓ 196·sqrt((p + d − (p − d)²)/n)."""
    if n == 0:
        return {"nps": math.nan, "nps_ci_low": math.nan, "nps_ci_high": math.nan}
    ps, ds = p / n, d / n
    nps = 100.0 * (p - d) / n
    half = 196.0 * math.sqrt(max(ps + ds - (ps - ds) ** 2, 0.0) / n)
    return {"nps": nps, "nps_ci_low": max(-100.0, nps - half),
            "nps_ci_high": min(100.0, nps + half)}


# ---------------------------------------------------------------------------------------------
# Public functions


_PREPARED: list[tuple[dict[str, pd.DataFrame], date, Conventions, Reference]] = []


def prepare(tables: dict[str, pd.DataFrame], as_of: date, settings: Any) -> Reference:
    """The prepared inputs, reused while the same ``tables`` dict, as_of and settings are
    passed again (the agreement tests ask several questions of one dataset)."""
    cfg = conventions(settings)
    for t, d, c, ref in _PREPARED:
        if t is tables and d == as_of and c == cfg:
            return ref
    ref = Reference(tables, as_of, settings)
    _PREPARED.insert(0, (tables, as_of, cfg, ref))
    del _PREPARED[2:]
    return ref


def _groups(ref: Reference, dims: Sequence[str]) -> list[tuple[tuple[str | None, ...], list[str]]]:
    """(dimension values, accounts) for every group; one group of everything when no dims."""
    if not dims:
        return [((), list(ref.universe))]
    groups: dict[tuple[str | None, ...], list[str]] = {}
    for a in ref.universe:
        key = tuple(ref.dims.at[a, d] for d in dims)
        groups.setdefault(key, []).append(a)
    return sorted(groups.items(), key=lambda kv: tuple("" if k is None else k for k in kv[0]))


def reference_metrics(
    tables: dict[str, pd.DataFrame],
    *,
    as_of: date,
    settings: Any,
    period: str = "month",
    periods: int = 1,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Every spec metric per period and group, tidy: metric, value, period_start, period_end,
    then one column per ``by`` dimension. With ``by`` empty every metric is reported (NaN when
    undefined); with groups, a metric is reported for groups having an account with data for it.
    ``priority`` in ``by`` reports only the ticket metrics, split by ticket priority."""
    by = tuple(by)
    for d in by:
        if d not in (*DIMENSIONS, "priority"):
            raise ValueError(f"unknown dimension {d!r}")
    ref = prepare(tables, as_of, settings)
    account_dims = tuple(d for d in by if d != "priority")
    rows: list[dict[str, Any]] = []
    for s, e in period_bounds(as_of, period, periods):
        S, E = _ts(s), _ts(e)
        for key, accts in _groups(ref, account_dims):
            labels = dict(zip(account_dims, key, strict=True))
            if "priority" in by:
                A = ref.per_account(S, E).loc[accts]
                paying = float(A["paying_end"].sum())
                mine = ref.tickets[ref.tickets["account_id"].isin(accts)]
                for prio in sorted(set(mine["prio"])):
                    vals = ref.ticket_values(accts, mine[mine["prio"] == prio], S, E, paying)
                    for m in TICKET_METRICS:
                        rows.append({"metric": m, "value": vals[m], "period_start": s,
                                     "period_end": e, **labels, "priority": prio})
                continue
            vals = ref.group_values(accts, S, E)
            present = ref.has_data(accts) if by else dict.fromkeys(ALL_METRICS, True)
            for m in ALL_METRICS:
                if present[m]:
                    rows.append({"metric": m, "value": float(vals[m]), "period_start": s,
                                 "period_end": e, **labels})
    cols = ["metric", "value", "period_start", "period_end", *by]
    out = pd.DataFrame(rows, columns=cols)
    out["value"] = out["value"].astype(float)
    return out


def reference_account_metrics(
    tables: dict[str, pd.DataFrame], *, as_of: date, settings: Any, period: str = "90d"
) -> pd.DataFrame:
    """One row per account of the accounts or subscriptions table (an account id known only
    from other tables counts in company metrics but has no row): its dimensions and the
    account-grain metrics over the latest period ending at as_of."""
    ref = prepare(tables, as_of, settings)
    s, e = period_bounds(as_of, period, 1)[-1]
    S, E = _ts(s), _ts(e)
    A = ref.per_account(S, E)
    end = E + DAY
    t = ref.tickets
    fr = t[(t["first_response_at"] >= S) & (t["first_response_at"] < end)]
    rs = t[(t["resolved_at"] >= S) & (t["resolved_at"] < end)]
    fr_of = {str(a): list(g) for a, g in fr.groupby("account_id")["first_response_hours"]}
    rs_of = {str(a): list(g) for a, g in rs.groupby("account_id")["resolution_hours"]}
    known = {str(a) for name in ("accounts", "subscriptions") if name in tables
             for a in tables[name]["account_id"].unique() if not _blank(a)}
    rows = []
    for a in ref.universe:
        if a not in known:
            continue
        r = A.loc[a]
        v: dict[str, Any] = {"account_id": a}
        for d in DIMENSIONS:
            v[d] = ref.dims.at[a, d]
        v["mrr"], v["arr"], v["starting_mrr"] = r["mrr_end"], 12 * r["mrr_end"], r["mrr_start"]
        v["new_mrr"], v["expansion_mrr"] = r["new"], r["expansion"]
        v["contraction_mrr"], v["churned_mrr"] = r["contraction"], r["churn"]
        v["reactivation_mrr"] = r["reactivation"]
        v["net_new_mrr"] = (r["new"] + r["expansion"] + r["reactivation"] - r["contraction"]
                            - r["churn"])
        v["seats"] = r["seats"]
        v["nps_responses"], v["nps_promoters"] = r["nps_n"], r["nps_p"]
        v["nps_passives"], v["nps_detractors"] = r["nps_pass"], r["nps_d"]
        v["nps"] = _nps(r["nps_n"], r["nps_p"], r["nps_d"])["nps"]
        v["nps_latest"] = r["nps_latest"]
        v["csat"] = _ratio(r["csat_good"], r["csat_n"])
        v["csat_responses"] = r["csat_n"]
        v["ces"] = _ratio(r["ces_sum"], r["ces_n"])
        v["ces_responses"] = r["ces_n"]
        v["tickets_opened"] = r["tickets_opened"]
        v["open_tickets"] = r["open_tickets"]
        v["urgent_open_tickets"] = r["urgent_open_tickets"]
        frs = fr_of.get(a, [])
        rss = rs_of.get(a, [])
        v["first_response_hours_median"] = _pct(frs, 50)
        v["first_response_hours_p90"] = _pct(frs, 90)
        v["resolution_hours_median"] = _pct(rss, 50)
        v["resolution_hours_p90"] = _pct(rss, 90)
        v["sla_breach_rate"] = _ratio(r["sla_breached"], r["tickets_opened"])
        v["mau"], v["wau"], v["dau"] = r["mau"], r["wau"], r["dau_sum"] / 30.0
        v["stickiness"] = _ratio(v["dau"], r["mau"])
        v["seat_utilization"] = _ratio(r["mau"], r["seats"])
        v["events_30d"], v["events_prev_30d"] = r["events_30d"], r["events_prev_30d"]
        v["usage_trend"] = _ratio(r["events_30d"] - r["events_prev_30d"], r["events_prev_30d"])
        v["feature_breadth"] = r["feature_breadth"]
        v["time_to_value_days"] = r["time_to_value_days"]
        v["days_since_last_touchpoint"] = r["days_since_last_touchpoint"]
        v["program_activities_90d"] = r["program_activities_90d"]
        rows.append(v)
    out = pd.DataFrame(rows, columns=["account_id", *DIMENSIONS, *ACCOUNT_METRICS])
    for m in ACCOUNT_METRICS:
        out[m] = out[m].astype(float)
    return out


def reference_cohort_retention(
    tables: dict[str, pd.DataFrame], *, as_of: date, settings: Any
) -> pd.DataFrame:
    """One row per (cohort, months_since_start) as the spec's cohort_retention docstring says:
    month k ends on the last day of month cohort+k, or on as_of for the month holding it."""
    ref = prepare(tables, as_of, settings)
    cohorts: dict[date, list[str]] = {}
    for a, fp in ref.first_paying.items():
        cohorts.setdefault(_month_start(fp.date()), []).append(a)
    rows = []
    for c in sorted(cohorts):
        accts = cohorts[c]
        k = 0
        start_mrr = math.nan
        while _add_months(c, k) <= as_of:
            m = _add_months(c, k)
            end = min(_month_end(m), as_of)
            mrrs = [ref.mrr_on(a, _ts(end)) for a in accts]
            mrr = float(sum(mrrs))
            if k == 0:
                start_mrr = mrr
            retained = float(sum(1 for x in mrrs if x > 0))
            rows.append({
                "cohort": f"{c.year:04d}-{c.month:02d}", "months_since_start": k,
                "accounts": float(len(accts)), "retained_accounts": retained,
                "logo_retention": _ratio(retained, len(accts)), "starting_mrr": start_mrr,
                "mrr": mrr, "revenue_retention": _ratio(mrr, start_mrr),
            })
            k += 1
    return pd.DataFrame(rows, columns=list(COHORT_COLUMNS))


def _latest_row(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The subscription row with the latest valid_from (ties: highest converted mrr, then
    smallest subscription_id)."""
    ordered = sorted(rows, key=lambda x: (
        -x["valid_from"].value, -x["mrr_conv"], str(x["subscription_id"])))
    return ordered[0] if ordered else None
