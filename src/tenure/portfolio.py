"""The portfolio at a glance, as of a date: what `tenure demo` prints after importing.

A first look at a company's book computed from the canonical tables through Ibis: accounts and
paying accounts per segment with their MRR, product activity over the last 30 days, the open
support backlog and NPS over the trailing 180 days. The KPI engine (``tenure.metrics``) owns
the full, configurable definitions; this summary uses the plain ones stated in each field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import ibis

from .warehouse import Warehouse


@dataclass
class SegmentLine:
    segment: str
    accounts: int
    paying_accounts: int
    mrr: float


@dataclass
class Portfolio:
    as_of: date
    currency: str
    accounts: int
    paying_accounts: int
    mrr: float  # in the reporting currency; rows in other currencies are in mrr_other
    mrr_other: dict[str, float]
    segments: list[SegmentLine]
    contacts: int
    events_30d: int
    active_users_30d: int
    open_tickets: int
    nps_180d: float | None
    nps_responses_180d: int
    table_rows: dict[str, int] = field(default_factory=dict)

    @property
    def arr(self) -> float:
        return self.mrr * 12

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "segments"}
        d["arr"] = self.arr
        d["segments"] = [s.__dict__ for s in self.segments]
        return d


def portfolio(wh: Warehouse, *, as_of: date, currency: str) -> Portfolio:
    """Summarise the book as of the start of ``as_of`` (data before that instant)."""
    cutoff = datetime(as_of.year, as_of.month, as_of.day)
    day = ibis.date(as_of)
    accounts = wh.table("accounts")
    subs = wh.table("subscriptions")

    # MRR on day d: rows with valid_from <= d < valid_to (open valid_to: still running).
    live = subs.filter(
        (subs.valid_from <= day) & (subs.valid_to.isnull() | (subs.valid_to > day))
    )
    by_account = live.group_by(["account_id", "currency"]).agg(mrr=live.mrr.sum())
    by_currency = by_account.group_by("currency").agg(mrr=by_account.mrr.sum()).to_pyarrow()
    totals = dict(zip(by_currency["currency"].to_pylist(), by_currency["mrr"].to_pylist(),
                      strict=True))
    mrr = float(totals.pop(currency, 0.0) or 0.0)

    in_currency = (live.currency == currency).ifelse(live.mrr, 0.0)
    paying = live.group_by("account_id").agg(mrr=in_currency.sum(), pays=(live.mrr > 0).any())
    seg = (
        accounts.left_join(paying, accounts.account_id == paying.account_id)
        .mutate(segment=ibis.coalesce(accounts.segment, ibis.literal("(none)")))
        .group_by("segment")
        .agg(
            accounts=accounts.account_id.nunique(),
            paying_accounts=paying.account_id.nunique(where=paying.pays),
            mrr=paying.mrr.sum().fill_null(0),
        )
        .order_by(ibis.desc("mrr"))
        .to_pyarrow()
        .to_pylist()
    )
    segments = [SegmentLine(r["segment"], int(r["accounts"]), int(r["paying_accounts"]),
                            float(r["mrr"] or 0)) for r in seg]

    events = wh.table("events")
    recent = events.filter(
        (events.timestamp >= cutoff - timedelta(days=30)) & (events.timestamp < cutoff)
    )
    ev = recent.agg(n=recent.count(), users=recent.user_id.nunique()).to_pyarrow().to_pylist()[0]

    tickets = wh.table("tickets")
    open_t = tickets.filter(
        (tickets.created_at < cutoff)
        & (tickets.resolved_at.isnull() | (tickets.resolved_at >= cutoff))
    ).count().to_pyarrow().as_py()

    # NPS = % promoters (9-10) - % detractors (0-6), trailing 180 days.
    sr = wh.table("survey_responses")
    nps = sr.filter(
        (sr.survey == "nps")
        & (sr.responded_at >= cutoff - timedelta(days=180))
        & (sr.responded_at < cutoff)
    )
    row = nps.agg(
        n=nps.count(),
        promoters=(nps.score >= 9).sum(),
        detractors=(nps.score <= 6).sum(),
    ).to_pyarrow().to_pylist()[0]
    n = int(row["n"] or 0)
    nps_value = (100.0 * (int(row["promoters"] or 0) - int(row["detractors"] or 0)) / n
                 if n else None)

    counts = {name: int(wh.table(name).count().to_pyarrow().as_py())
              for name in ("accounts", "contacts", "subscriptions", "events")}
    return Portfolio(
        as_of=as_of,
        currency=currency,
        accounts=counts["accounts"],
        paying_accounts=sum(s.paying_accounts for s in segments),
        mrr=mrr,
        mrr_other={k: float(v) for k, v in totals.items() if v},
        segments=segments,
        contacts=counts["contacts"],
        events_30d=int(ev["n"] or 0),
        active_users_30d=int(ev["users"] or 0),
        open_tickets=int(open_t),
        nps_180d=nps_value,
        nps_responses_180d=n,
        table_rows=counts,
    )
