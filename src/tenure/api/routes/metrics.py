"""Portfolio KPIs for the caller's accounts.

Served from the latest scoring's per-account snapshots, summed in the app database (one
query, scoped: a CSM gets their own book's figures), not from the KPI engine
(:func:`tenure.metrics.compute_metrics`), which scans the warehouse on every call and
knows nothing of books. The company KPIs over time (NRR, GRR, cohorts) are
`tenure metrics`'s job."""

from __future__ import annotations

from fastapi import APIRouter

from ...health.history import snapshot_summary
from ..deps import AppDep, Clock, Scope
from ..errors import ERROR_RESPONSES
from ..schemas import PortfolioMetrics

router = APIRouter(tags=["metrics"], responses=ERROR_RESPONSES)


@router.get("/metrics", response_model=PortfolioMetrics)
def get_metrics(app: AppDep, scope: Scope, clock: Clock) -> PortfolioMetrics:
    """Accounts, scored accounts, mean health score, accounts per band, MRR, ARR, ARR at
    risk, and renewals in the next 90 days, over the accounts the caller may see."""
    return PortfolioMetrics(**snapshot_summary(app.store, as_of=clock().date(), scope=scope))
