"""Charts of the Portfolio and Metrics pages, built from the stored series
(:mod:`tenure.portfolio_series`) as plotly figures; the pages write them as JSON data blocks
that static/charts.js draws (see :mod:`.charts`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from .charts import BAND_COLOURS

Rows = Sequence[dict[str, Any]]

MARGIN = {"l": 50, "r": 10, "t": 10, "b": 40}
# MRR movements as ChartMogul draws them: gains above the axis, losses below.
GAINS = (("new_mrr", "New", "#1565c0"), ("expansion_mrr", "Expansion", "#2e7d32"),
         ("reactivation_mrr", "Reactivation", "#00897b"))
LOSSES = (("contraction_mrr", "Contraction", "#f9a825"), ("churned_mrr", "Churned", "#c62828"))


def _months(months: Rows) -> list[str]:
    return [m["month"] for m in months]


def _values(months: Rows, name: str, scale: float = 1.0) -> list[float | None]:
    return [None if m.get(name) is None else m[name] * scale for m in months]


def _layout(fig: go.Figure, *, height: int = 300, **extra: Any) -> go.Figure:
    fig.update_layout(height=height, margin=MARGIN, legend={"orientation": "h", "y": -0.15},
                      **extra)
    return fig


def mrr_movements(months: Rows) -> go.Figure:
    """New, expansion and reactivation MRR up, contraction and churned MRR down, by month,
    with the net new MRR as a line."""
    x = _months(months)
    fig = go.Figure()
    for name, label, colour in GAINS:
        fig.add_bar(x=x, y=_values(months, name), name=label, marker_color=colour)
    for name, label, colour in LOSSES:
        fig.add_bar(x=x, y=_values(months, name, -1.0), name=label, marker_color=colour)
    fig.add_scatter(x=x, y=_values(months, "net_new_mrr"), name="Net new",
                    mode="lines+markers", line={"color": "#102a43"})
    return _layout(fig, barmode="relative", yaxis={"title": "MRR"})


def mrr_trend(months: Rows) -> go.Figure:
    """MRR at the end of each month (to date for the current one)."""
    fig = go.Figure(go.Scatter(x=_months(months), y=_values(months, "mrr"), name="MRR",
                               mode="lines+markers", line={"color": "#1565c0"}))
    return _layout(fig, yaxis={"title": "MRR", "rangemode": "tozero"}, showlegend=False)


def retention(months: Rows) -> go.Figure:
    """NRR and GRR by month, in percent."""
    x = _months(months)
    fig = go.Figure()
    fig.add_scatter(x=x, y=_values(months, "nrr", 100), name="NRR", mode="lines+markers",
                    line={"color": "#2e7d32"})
    fig.add_scatter(x=x, y=_values(months, "grr", 100), name="GRR", mode="lines+markers",
                    line={"color": "#1565c0"})
    return _layout(fig, yaxis={"title": "% of starting MRR", "ticksuffix": "%"})


def health_bands(bands: Rows) -> go.Figure:
    """Accounts per health band (bars in the band's colour) with their ARR at risk."""
    names = [b["band"] or "unscored" for b in bands]
    colours = [BAND_COLOURS.get(str(b["band"]).lower(), "#90a4ae") for b in bands]
    fig = go.Figure()
    # Bars on two axes sit side by side only in offset groups of their own.
    fig.add_bar(x=names, y=[b["accounts"] for b in bands], name="Accounts",
                marker_color=colours, offsetgroup="accounts")
    fig.add_bar(x=names, y=[b["arr_at_risk"] for b in bands], name="ARR at risk",
                marker={"color": colours, "opacity": 0.45,
                        "line": {"color": colours, "width": 1}},
                offsetgroup="risk", yaxis="y2")
    # The legend would show one band's colour for each trace: the page says which is which.
    return _layout(fig, barmode="group", showlegend=False, yaxis={"title": "accounts"},
                   yaxis2={"title": "ARR at risk", "overlaying": "y", "side": "right",
                           "showgrid": False, "rangemode": "tozero"})


def cohort_heatmap(cohorts: Rows, *, measure: str = "logo_retention") -> go.Figure:
    """A cohort retention matrix (``measure``: logo_retention or revenue_retention) in
    percent: one row per cohort month, one column per month since it started, each cell a
    square coloured by its value and labelled with it.

    Drawn as square markers rather than a plotly heatmap: a heatmap is painted on a canvas
    and shown as a data: image, and a colour bar sets style attributes, both of which the
    CSP (default-src 'self') blocks."""
    cells = [c for c in cohorts if c.get(measure) is not None]
    values = [round(100 * c[measure], 1) for c in cells]
    rows = sorted({c["cohort"] for c in cohorts})
    # The colours span the values shown (retention often stays within a few points of 100);
    # the labels carry the numbers.
    low, high = min(values, default=0.0), max(values, default=100.0)
    if high - low < 1:
        low = high - 1
    dark = low + 0.6 * (high - low)
    fig = go.Figure(go.Scatter(
        x=[c["months_since_start"] for c in cells], y=[c["cohort"] for c in cells],
        mode="markers+text", text=[f"{v:.0f}" for v in values],
        textfont={"size": 11,
                  "color": ["#ffffff" if v >= dark else "#1f2933" for v in values]},
        marker={"symbol": "square", "size": 30, "color": values, "colorscale": "Blues",
                "cmin": low, "cmax": high, "showscale": False},
        customdata=[[c["retained_accounts"], c["accounts"]] for c in cells],
        hovertemplate="cohort %{y}, month %{x}: %{marker.color:.1f}% "
                      "(%{customdata[0]} of %{customdata[1]} accounts)<extra></extra>"))
    return _layout(fig, height=max(300, 34 * len(rows) + 90), showlegend=False,
                   xaxis={"title": "months since the first payment", "dtick": 1,
                          "range": [-0.5, max((c["months_since_start"] for c in cells),
                                              default=0) + 0.5],
                          "showgrid": False, "zeroline": False},
                   yaxis={"title": "cohort", "autorange": "reversed", "type": "category",
                          "showgrid": False})


def nps_trend(months: Rows) -> go.Figure:
    """NPS at each month's end (over its trailing window) with the answers behind it."""
    x = _months(months)
    fig = go.Figure()
    # The line on the overlaying axis, so that it is drawn over the bars.
    fig.add_bar(x=x, y=_values(months, "nps_responses"), name="Responses",
                marker_color="#cfd8dc")
    fig.add_scatter(x=x, y=_values(months, "nps"), name="NPS", mode="lines+markers",
                    line={"color": "#1565c0"}, yaxis="y2")
    return _layout(fig, yaxis={"title": "responses", "side": "right", "showgrid": False},
                   yaxis2={"title": "NPS", "range": [-100, 100], "tickmode": "linear",
                           "tick0": -100, "dtick": 50, "overlaying": "y", "side": "left"})


def csat_trend(months: Rows) -> go.Figure:
    """CSAT (share of 4 and 5) at each month's end, in percent."""
    fig = go.Figure(go.Scatter(x=_months(months), y=_values(months, "csat", 100),
                               name="CSAT", mode="lines+markers",
                               line={"color": "#2e7d32"}))
    return _layout(fig, yaxis={"title": "CSAT", "range": [0, 100], "ticksuffix": "%"},
                   showlegend=False)


def support_times(months: Rows) -> go.Figure:
    """Median first-response and resolution hours of the tickets answered / resolved in
    each month."""
    x = _months(months)
    fig = go.Figure()
    fig.add_scatter(x=x, y=_values(months, "first_response_hours_median"),
                    name="First response (median)", mode="lines+markers",
                    line={"color": "#1565c0"})
    fig.add_scatter(x=x, y=_values(months, "resolution_hours_median"),
                    name="Resolution (median)", mode="lines+markers",
                    line={"color": "#6a1b9a"})
    return _layout(fig, yaxis={"title": "hours", "rangemode": "tozero"})
