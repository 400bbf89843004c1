"""The portfolio at a glance, as of a date: what `tenure demo` prints after importing.

A handful of the KPI engine's metrics (``tenure.metrics``; definitions in docs/metrics.md) for
the month to date, for the company and per segment, plus how many accounts the book holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import App

# What the summary shows, in order.
SUMMARY_METRICS = (
    "mrr", "arr", "paying_accounts", "new_mrr", "churned_mrr", "nrr", "grr",
    "logo_churn_rate", "nps", "nps_responses", "csat", "open_tickets",
    "first_response_hours_median", "mau", "events_30d",
)
SEGMENT_METRICS = ("paying_accounts", "mrr", "nrr", "nps", "open_tickets")


@dataclass
class Portfolio:
    as_of: date
    currency: str
    accounts: int
    period_start: date
    kpis: dict[str, float | None]
    segments: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "period_start": self.period_start,
                "currency": self.currency, "accounts": self.accounts, **self.kpis,
                "segments": self.segments}


def portfolio(app: App, *, as_of: date) -> Portfolio:
    """The book as of the end of ``as_of``, month to date."""
    from .metrics import compute_metrics, context, number

    ctx = context(app, as_of=as_of)  # one context: lookups and dimensions computed once
    company = compute_metrics(ctx, as_of=as_of, metrics=SUMMARY_METRICS)
    kpis = {r["metric"]: number(r["value"]) for r in company.to_dict("records")}
    by_segment = compute_metrics(ctx, as_of=as_of, metrics=SEGMENT_METRICS, by=["segment"])
    segments: dict[str, dict[str, Any]] = {}
    for r in by_segment.to_dict("records"):
        name = r["segment"] or "(none)"
        segments.setdefault(name, {"segment": name})[r["metric"]] = number(r["value"])
    accounts = app.warehouse.con.execute("SELECT count(*) FROM accounts").fetchall()[0][0]
    return Portfolio(
        as_of=as_of,
        currency=app.settings.company.reporting_currency,
        accounts=int(accounts),
        period_start=company["period_start"].iloc[0],
        kpis=kpis,
        segments=sorted(segments.values(), key=lambda s: -(s.get("mrr") or 0)),
    )
