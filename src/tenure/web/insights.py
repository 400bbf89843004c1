"""Portfolio and Metrics: the book over time, from the series the scoring run stored for its
day (:mod:`tenure.portfolio_series`; no page runs the KPI engine) and the health bands of the
latest scoring, through the person's scope: a CSM sees their book (the company's series,
labelled so, when their book has none), everyone else the company; a viewer's pages carry no
personal data (no owner appears in them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api.deps import AppDep, Clock
from ..portfolio_series import portfolio_view
from . import insight_charts
from .charts import as_script_json
from .pages import page_user, render
from .pages import scope_of as _scope

router = APIRouter(include_in_schema=False)


def _view(request: Request, app: AppDep, clock: Clock) -> tuple[Any, dict[str, Any]]:
    user = page_user(request, app, clock)
    return user, portfolio_view(app.store, scope=_scope(user))


@router.get("/portfolio")
def portfolio_page(request: Request, app: AppDep, clock: Clock) -> HTMLResponse:
    """KPI tiles with their trend, MRR movements, NRR/GRR over time, the health bands and
    ARR at risk."""
    user, view = _view(request, app, clock)
    months = view["months"]
    charts: dict[str, str] = {}
    if months:
        charts |= {"chart-mrr": as_script_json(insight_charts.mrr_trend(months)),
                   "chart-movements": as_script_json(insight_charts.mrr_movements(months)),
                   "chart-retention": as_script_json(insight_charts.retention(months))}
    if view["health"]:
        charts["chart-health"] = as_script_json(insight_charts.health_bands(view["health"]))
    return render(request, "portfolio.html", user=user, v=view, charts=charts)


@router.get("/metrics")
def metrics_page(request: Request, app: AppDep, clock: Clock) -> HTMLResponse:
    """Cohort retention, NPS, CSAT and support times over the last 12 months."""
    user, view = _view(request, app, clock)
    months = view["months"]
    charts: dict[str, str] = {}
    if view["cohorts"]:
        charts |= {
            "chart-cohort-logos": as_script_json(insight_charts.cohort_heatmap(
                view["cohorts"], measure="logo_retention")),
            "chart-cohort-revenue": as_script_json(insight_charts.cohort_heatmap(
                view["cohorts"], measure="revenue_retention"))}
    if months:
        charts |= {"chart-nps": as_script_json(insight_charts.nps_trend(months)),
                   "chart-csat": as_script_json(insight_charts.csat_trend(months)),
                   "chart-support": as_script_json(insight_charts.support_times(months))}
    return render(request, "metrics.html", user=user, v=view, charts=charts)
