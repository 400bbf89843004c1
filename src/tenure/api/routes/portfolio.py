"""The portfolio over time for the caller: ``GET /api/v1/portfolio``.

The series (KPI tiles, MRR movements, NRR/GRR, NPS, CSAT and support times by month, cohort
retention) are those the scoring run stored for its day (:mod:`tenure.portfolio_series`): the
route reads one row and never runs the KPI engine. A CSM gets their book's series (the
company's, labelled so, when their book has none); the health bands and ARR at risk are the
latest scoring's, over the accounts the caller sees.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from ...portfolio_series import portfolio_view
from ..deps import AppDep, Scope
from ..errors import ERROR_RESPONSES

router = APIRouter(tags=["metrics"], responses=ERROR_RESPONSES)


class SeriesMonth(BaseModel):
    """One calendar month (the current one to date) of the KPI engine's metrics
    (docs/metrics.md); null where a metric is undefined (a ratio over zero)."""

    month: str
    period_start: date
    period_end: date
    mrr: float | None
    arr: float | None
    starting_mrr: float | None
    new_mrr: float | None
    expansion_mrr: float | None
    reactivation_mrr: float | None
    contraction_mrr: float | None
    churned_mrr: float | None
    net_new_mrr: float | None
    paying_accounts: float | None
    accounts_at_start: float | None
    churned_accounts: float | None
    logo_churn_rate: float | None
    nrr: float | None
    grr: float | None
    nps: float | None
    nps_responses: float | None
    csat: float | None
    csat_responses: float | None
    tickets_opened: float | None
    first_response_hours_median: float | None
    resolution_hours_median: float | None


class KpiTile(BaseModel):
    """A metric this month to date against the whole previous month."""

    metric: str
    label: str
    unit: str
    value: float | None
    previous: float | None
    change: Literal["up", "down", "flat"] | None
    better: Literal["up", "down"]


class CohortCell(BaseModel):
    """A cell of tenure.metrics.cohort_retention."""

    cohort: str
    months_since_start: int
    accounts: int
    retained_accounts: int
    logo_retention: float | None
    starting_mrr: float | None
    mrr: float | None
    revenue_retention: float | None


class BandRow(BaseModel):
    """Accounts, ARR and ARR at risk of one health band (null: unscored)."""

    band: str | None
    accounts: int
    arr: float
    arr_at_risk: float


class PortfolioSeriesOut(BaseModel):
    """The portfolio over time for the caller. ``scope``: "book" (a CSM's own accounts),
    "company", or null before the first scoring run. Cohort retention is the company's
    (``cohorts_scope``): the KPI engine has no cohort matrix per book."""

    day: date | None
    scope: Literal["company", "book"] | None
    currency: str | None
    nps_window_days: int | None
    csat_window_days: int | None
    months: list[SeriesMonth]
    tiles: list[KpiTile]
    cohorts: list[CohortCell] | None
    cohorts_scope: Literal["company"] | None
    health_as_of: date | None
    health: list[BandRow]
    accounts: int
    arr: float
    arr_at_risk: float


@router.get("/portfolio", response_model=PortfolioSeriesOut)
def get_portfolio(app: AppDep, scope: Scope) -> PortfolioSeriesOut:
    """KPI tiles with their trend, MRR movements, NRR/GRR, NPS, CSAT and support times over
    the last 12 months, cohort retention, and the health bands with ARR at risk."""
    return PortfolioSeriesOut(**portfolio_view(app.store, scope=scope))
