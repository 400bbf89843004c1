"""What the Account 360 page shows beyond the snapshot: the health components over time
(app database) and the warehouse panels (MRR history, usage, contacts, tickets, NPS / CSAT;
the timeline panel is :func:`tenure.timeline.timeline`), each one or two parameterised
queries ``WHERE account_id = ?`` with a row limit, so that a panel costs about the same at
100,000 accounts as at 300.

The warehouse readers take a DuckDB connection or cursor (``con``; the server passes the
cursor of :meth:`tenure.warehouse.Warehouse.reading`) and ``as_of``: nothing here reads the
clock. Personal columns come back as stored; callers blank them for people who may not see
them (:func:`blank_personal`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .metrics.datasets import MRR_DECIMALS, OPEN_STATUSES_EXCLUDED, day_start
from .metrics.periods import Period, periods_ending
from .store import AccountSnapshot, AppStore, HealthHistory
from .voice import SURVEY_COLUMNS, personal_columns

if TYPE_CHECKING:
    import duckdb

    from .settings import Settings

MONTHS = 12
ROW_LIMIT = 50
MAU_DAYS = 30  # the `mau` metric: distinct users with an event in the trailing 30 days


def blank_personal(rows: Sequence[dict[str, Any]], table: str) -> list[dict[str, Any]]:
    """The rows with the warehouse table's personal columns set to None."""
    hidden = personal_columns(table)
    return [{k: (None if k in hidden else v) for k, v in r.items()} for r in rows]


def scored_on(store: AppStore, account_id: str) -> date | None:
    """The day of the account's latest scoring: the as-of day of its panels."""
    with store.session() as s:
        return s.scalar(select(AccountSnapshot.as_of)
                        .where(AccountSnapshot.account_id == account_id))


# --- app database ----------------------------------------------------------------------


def component_history(store: AppStore, account_id: str) -> list[dict[str, Any]]:
    """The account's health group scores by recorded day, oldest first: ``day`` and
    ``groups`` ({group: score}); days whose history row has no groups are left out."""
    with store.session() as s:
        rows = s.execute(select(HealthHistory.day, HealthHistory.groups)
                         .where(HealthHistory.account_id == account_id)
                         .order_by(HealthHistory.day)).all()
    return [{"day": day, "groups": json.loads(groups)} for day, groups in rows if groups]


# --- subscriptions: MRR and seats --------------------------------------------------------


@dataclass
class MonthRow:
    """One calendar month (the current one runs to ``as_of``) of an account's history."""

    start: date
    end: date
    mrr: float | None = None  # None: a currency without an fx rate
    seats: int | None = None  # None: no live subscription row has seats
    events: int = 0
    active_users: int = 0

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def seat_utilisation(self) -> float | None:
        """Monthly active users / seats (the `seat_utilization` metric)."""
        return self.active_users / self.seats if self.seats else None


@dataclass
class MonthlyHistory:
    months: list[MonthRow]
    currency: str
    missing_rates: list[str] = field(default_factory=list)

    @property
    def has_seats(self) -> bool:
        return any(m.seats is not None for m in self.months)


def _subscription_rows(con: duckdb.DuckDBPyConnection, account_id: str, *,
                       cancellation: bool) -> list[tuple[Any, ...]]:
    """(valid_from, valid_until, mrr, seats, currency) of the account's subscription rows,
    ``valid_until`` as :func:`tenure.metrics.datasets.subscription_rows` defines it: valid_to,
    or canceled_at when earlier under cancellation recognition."""
    return con.execute(
        "SELECT valid_from, CASE WHEN ? AND canceled_at IS NOT NULL AND "
        "(valid_to IS NULL OR canceled_at < valid_to) THEN canceled_at ELSE valid_to END, "
        "coalesce(mrr, 0.0), seats, currency FROM subscriptions WHERE account_id = ?",
        [cancellation, account_id]).fetchall()


def _rates(con: duckdb.DuckDBPyConnection, currencies: Sequence[str]
           ) -> dict[str, list[tuple[date, float]]]:
    """The fx rates of these currencies, by date."""
    rows = con.execute("SELECT currency, date, rate FROM fx_rates WHERE currency IN "
                       f"({', '.join('?' for _ in currencies)}) ORDER BY currency, date",
                       list(currencies)).fetchall()
    out: dict[str, list[tuple[date, float]]] = {}
    for cur, day, rate in rows:
        out.setdefault(cur, []).append((day, rate))
    return out


def _rate(rates: list[tuple[date, float]], on: date) -> float:
    """The latest rate dated on or before ``on``, else the earliest (as Context.converted)."""
    before = [r for d, r in rates if d <= on]
    return before[-1] if before else rates[0][1]


def _live(valid_from: date, valid_until: date | None, day: date) -> bool:
    """Live on ``day``: valid_from <= day < valid_until (the `at_end` window)."""
    return valid_from <= day and (valid_until is None or valid_until > day)


def _months(as_of: date, months: int) -> list[Period]:
    return periods_ending(as_of, "month", months)


def monthly_mrr(con: duckdb.DuckDBPyConnection, *, account_id: str, as_of: date,
                settings: Settings, months: int = MONTHS) -> MonthlyHistory:
    """MRR and seats at the end of each of the last ``months`` calendar months (the current
    one ending on ``as_of``): the `mrr` and `seats` metrics of docs/metrics.md for this
    account, i.e. the sum over the subscription rows live that day, MRR converted to the
    reporting currency at the latest fx rate of the row's currency on or before its
    valid_from. Two queries (the subscription rows; their fx rates when a row is in another
    currency)."""
    periods = _months(as_of, months)
    reporting = settings.company.reporting_currency
    subs = _subscription_rows(con, account_id,
                              cancellation=settings.metrics.churn_recognition == "cancellation")
    foreign = sorted({c for *_, c in subs if c is not None and c != reporting})
    rates = _rates(con, foreign) if foreign else {}
    missing = [c for c in foreign if c not in rates]
    rows = []
    for p in periods:
        live = [r for r in subs if _live(r[0], r[1], p.end)]
        mrr: float | None = 0.0
        for valid_from, _, amount, _, cur in live:
            if cur is None or cur == reporting:
                mrr = None if mrr is None else mrr + amount
            elif cur in rates:
                mrr = None if mrr is None else mrr + amount * _rate(rates[cur], valid_from)
            else:
                mrr = None
        seated = [r[3] for r in live if r[3] is not None]
        rows.append(MonthRow(start=p.start, end=p.end,
                             mrr=None if mrr is None else round(mrr, MRR_DECIMALS),
                             seats=sum(seated) if seated else None))
    return MonthlyHistory(months=rows, currency=reporting, missing_rates=missing)


def monthly_usage(con: duckdb.DuckDBPyConnection, *, account_id: str, as_of: date,
                  settings: Settings, months: int = MONTHS) -> MonthlyHistory:
    """Events in each of the last ``months`` calendar months, active users at each month's
    end (the `mau` metric: distinct users with an event in the 30 days to that day) and seat
    utilisation (active users / seats live that day). Two queries (events, subscription
    rows)."""
    periods = _months(as_of, months)
    first = min(periods[0].start, periods[0].end - timedelta(days=MAU_DAYS - 1))
    found = con.execute(
        "WITH p AS (SELECT unnest(?::INTEGER[]) AS i, unnest(?::TIMESTAMP[]) AS lo, "
        "unnest(?::TIMESTAMP[]) AS mau_lo, unnest(?::TIMESTAMP[]) AS hi) "
        "SELECT p.i, count(*) FILTER (WHERE e.timestamp >= p.lo), "
        "count(DISTINCT e.user_id) FILTER (WHERE e.timestamp >= p.mau_lo) "
        "FROM events e JOIN p ON e.timestamp >= least(p.lo, p.mau_lo) AND e.timestamp < p.hi "
        "WHERE e.account_id = ? AND e.timestamp >= ? AND e.timestamp < ? GROUP BY p.i",
        [list(range(len(periods))), [day_start(p.start) for p in periods],
         [day_start(p.end - timedelta(days=MAU_DAYS - 1)) for p in periods],
         [day_start(p.end + timedelta(days=1)) for p in periods], account_id,
         day_start(first), day_start(as_of + timedelta(days=1))]).fetchall()
    by_period = {i: (events, users) for i, events, users in found}
    subs = _subscription_rows(con, account_id,
                              cancellation=settings.metrics.churn_recognition == "cancellation")
    rows = []
    for i, p in enumerate(periods):
        events, users = by_period.get(i, (0, 0))
        seated = [r[3] for r in subs if r[3] is not None and _live(r[0], r[1], p.end)]
        rows.append(MonthRow(start=p.start, end=p.end, events=int(events),
                             active_users=int(users), seats=sum(seated) if seated else None))
    return MonthlyHistory(months=rows, currency=settings.company.reporting_currency)


# --- people, tickets, surveys -------------------------------------------------------------


def _dicts(cursor: Any, columns: Sequence[str]) -> list[dict[str, Any]]:
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


CONTACT_COLUMNS = ("contact_id", "name", "email", "title", "role", "created_at",
                   "deleted_at", "country", "email_opt_out", "survey_opt_out")


def contacts(con: duckdb.DuckDBPyConnection, *, account_id: str, limit: int = ROW_LIMIT
             ) -> tuple[list[dict[str, Any]], int]:
    """The account's contacts, current ones first, by name (at most ``limit``), and how many
    it has, each with the privacy law that covers them (``jurisdiction``, from their
    country: :func:`tenure.privacy.consent.jurisdiction`). One query."""
    from .privacy.consent import jurisdiction

    rows = _dicts(con.execute(
        f"SELECT {', '.join(CONTACT_COLUMNS)}, count(*) OVER () FROM contacts "
        "WHERE account_id = ? ORDER BY deleted_at IS NOT NULL, lower(coalesce(name, email)), "
        "contact_id LIMIT ?", [account_id, limit]), (*CONTACT_COLUMNS, "_total"))
    total = rows[0].pop("_total") if rows else 0
    for r in rows[1:]:
        r.pop("_total")
    for r in rows:
        r["jurisdiction"] = jurisdiction(r["country"])
    return rows, int(total)


TICKET_COLUMNS = ("ticket_id", "created_at", "status", "priority", "channel", "subject",
                  "requester_id", "first_response_at", "resolved_at", "satisfaction")


def tickets(con: duckdb.DuckDBPyConnection, *, account_id: str, limit: int = ROW_LIMIT
            ) -> tuple[list[dict[str, Any]], int, int]:
    """The account's newest tickets (at most ``limit``), with its number of tickets and of
    open ones (unresolved and not solved or closed, as the `open_tickets` metric counts
    them). One query."""
    closed = ", ".join(f"'{s}'" for s in OPEN_STATUSES_EXCLUDED)  # constants, not input
    rows = _dicts(con.execute(
        f"SELECT {', '.join(TICKET_COLUMNS)}, count(*) OVER (), "
        f"count(*) FILTER (WHERE resolved_at IS NULL AND status NOT IN ({closed})) OVER () "
        "FROM tickets WHERE account_id = ? ORDER BY created_at DESC, ticket_id LIMIT ?",
        [account_id, limit]), (*TICKET_COLUMNS, "_total", "_open"))
    total = int(rows[0]["_total"]) if rows else 0
    open_ = int(rows[0]["_open"]) if rows else 0
    for r in rows:
        del r["_total"], r["_open"]
    return rows, total, open_


@dataclass
class Voice:
    """NPS and CSAT over their trailing windows to ``as_of`` and the newest answers."""

    nps: float | None
    nps_responses: int
    promoters: int
    detractors: int
    csat: float | None
    csat_responses: int
    responses: list[dict[str, Any]]


def voice(con: duckdb.DuckDBPyConnection, *, account_id: str, as_of: date,
          settings: Settings, limit: int = ROW_LIMIT) -> Voice:
    """NPS (100 x (promoters - detractors) / answers, over metrics.nps_window_days) and CSAT
    (share of answers 4 or 5, over metrics.csat_window_days), as the `nps` and `csat` metrics
    define them for an account; and the newest ``limit`` survey answers. Two queries."""
    end = day_start(as_of + timedelta(days=1))
    m = settings.metrics
    nps_from = day_start(as_of - timedelta(days=m.nps_window_days - 1))
    csat_from = day_start(as_of - timedelta(days=m.csat_window_days - 1))
    n, promoters, detractors, c, satisfied = con.execute(
        "SELECT count(*) FILTER (WHERE survey = 'nps' AND responded_at >= ?), "
        "count(*) FILTER (WHERE survey = 'nps' AND responded_at >= ? AND score >= 9), "
        "count(*) FILTER (WHERE survey = 'nps' AND responded_at >= ? AND score <= 6), "
        "count(*) FILTER (WHERE survey = 'csat' AND responded_at >= ?), "
        "count(*) FILTER (WHERE survey = 'csat' AND responded_at >= ? AND score >= 4) "
        "FROM survey_responses WHERE account_id = ? AND responded_at < ?",
        [nps_from, nps_from, nps_from, csat_from, csat_from, account_id, end]).fetchone() \
        or (0, 0, 0, 0, 0)
    answers = _dicts(con.execute(
        f"SELECT {', '.join(SURVEY_COLUMNS)} FROM survey_responses WHERE account_id = ? "
        "AND responded_at < ? ORDER BY responded_at DESC, response_id LIMIT ?",
        [account_id, end, limit]), SURVEY_COLUMNS)
    return Voice(nps=100 * (promoters - detractors) / n if n else None, nps_responses=n,
                 promoters=promoters, detractors=detractors,
                 csat=satisfied / c if c else None, csat_responses=c, responses=answers)


__all__ = ["CONTACT_COLUMNS", "MONTHS", "ROW_LIMIT", "TICKET_COLUMNS", "MonthRow",
           "MonthlyHistory", "Voice", "blank_personal", "component_history", "contacts",
           "monthly_mrr", "monthly_usage", "scored_on", "tickets", "voice"]
