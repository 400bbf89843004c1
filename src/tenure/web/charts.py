"""Charts of the pages, drawn by plotly (figures built here, drawn in the browser by
plotly.js served from the plotly package itself: no CDN, nothing inline, so the CSP
``default-src 'self'`` holds)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

BAND_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}


@functools.cache
def plotly_js() -> bytes:
    """plotly.min.js as the installed plotly package ships it (read once, on first use)."""
    return get_plotlyjs().encode("utf-8")


# A figure as plotly.js takes it ({"data": [...], "layout": {...}}). Built as plain data, not
# as go.Figure: validating a figure costs milliseconds of CPU per chart, on every page view.
Figure = dict[str, Any]


def as_script_json(fig: go.Figure | Mapping[str, Any]) -> str:
    """The figure's JSON, safe inside <script type="application/json">: no "<" can close the
    element early ("\\u003c" is the same character to JSON.parse)."""
    text = (fig.to_json() if isinstance(fig, go.Figure)
            else json.dumps(fig, separators=(",", ":"), allow_nan=False))
    return text.replace("<", "\\u003c")


def _num(v: Any) -> float | None:
    """A number for JSON: None for a missing one (NaN is not JSON)."""
    return None if v is None or v != v else float(v)  # v != v: NaN


_LAYOUT: dict[str, Any] = {"height": 280, "margin": {"l": 50, "r": 10, "t": 10, "b": 40}}
_LEGEND = {"orientation": "h", "y": -0.2}
_PALETTE = ("#1565c0", "#2e7d32", "#f9a825", "#6a1b9a", "#00838f", "#c62828", "#546e7a")


def health_history(points: pd.DataFrame) -> Figure:
    """An account's health score by day (``points``: day, score, band), coloured by band."""
    return {"data": [{
        "type": "scatter", "mode": "lines+markers", "name": "health",
        "x": [d.isoformat() for d in points["day"]],
        "y": [_num(v) for v in points["score"].tolist()],
        "marker": {"color": [BAND_COLOURS.get(str(b).lower(), "#546e7a")
                             for b in points["band"]]},
        "line": {"color": "#546e7a"}}],
        "layout": {**_LAYOUT, "margin": {"l": 40, "r": 10, "t": 10, "b": 40},
                   "yaxis": {"range": [0, 100], "title": {"text": "score"}},
                   "showlegend": False}}


def health_components(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Each health group's score by recorded day (``rows``: day, groups {group: score},
    oldest first), one line per group that has a score on some day."""
    groups = sorted({g for r in rows for g, v in r["groups"].items() if v is not None})
    days = [r["day"].isoformat() for r in rows]
    return {"data": [{"type": "scatter", "mode": "lines+markers", "name": g, "x": days,
                      "y": [_num(r["groups"].get(g)) for r in rows],
                      "line": {"color": _PALETTE[i % len(_PALETTE)]}}
                     for i, g in enumerate(groups)],
            "layout": {**_LAYOUT, "legend": _LEGEND,
                       "yaxis": {"range": [0, 100], "title": {"text": "score"}}}}


def mrr_history(months: Sequence[Any], currency: str) -> Figure:
    """MRR at the end of each month (``months``: MonthRow, with label and mrr)."""
    return {"data": [{"type": "bar", "name": "MRR", "x": [m.label for m in months],
                      "y": [_num(m.mrr) for m in months], "marker": {"color": "#1565c0"}}],
            "layout": {**_LAYOUT, "showlegend": False,
                       "yaxis": {"title": {"text": f"MRR ({currency})"},
                                 "rangemode": "tozero"}}}


def usage(months: Sequence[Any]) -> Figure:
    """Events per month (bars, right axis) and active users at each month's end (line)."""
    labels = [m.label for m in months]
    return {"data": [
        {"type": "bar", "name": "events", "x": labels, "y": [m.events for m in months],
         "yaxis": "y2", "marker": {"color": "#bbdefb"}},
        {"type": "scatter", "mode": "lines+markers", "name": "active users", "x": labels,
         "y": [m.active_users for m in months], "line": {"color": "#1565c0"}}],
        "layout": {**_LAYOUT, "legend": _LEGEND,
                   "yaxis": {"title": {"text": "active users"}, "rangemode": "tozero"},
                   "yaxis2": {"title": {"text": "events"}, "overlaying": "y",
                              "side": "right", "rangemode": "tozero",
                              "showgrid": False}}}

# plotly.js keeps its base styles as an object literal of selector -> declarations, with X
# for the plot's root and Y for the notifier (its build/plotcss.js).
_PLOTCSS = re.compile(r'(?:"([^"]+)"|([A-Z])):(?:\'([^\']*)\'|"([^"]*)")')
_ROOTS = {"X": ".js-plotly-plot .plotly", "Y": ".plotly-notifier"}


def plotly_base_css(js: str) -> str:
    """plotly.js's base styles as a style sheet, taken from plotly.min.js.

    Under the CSP ``style-src 'self'`` plotly.js cannot add them itself (it adds a <style>
    element); the pages link this sheet as ``link#plotly.js-style-global.no-inline-styles``,
    which tells plotly.js not to try. static/plotly.css is this function's output for the
    installed plotly (a test says when an upgrade needs it written again)."""
    version = re.search(r"plotly\.js v([\d.]+)", js[:500])
    start = js.index('{"X,X div"')
    depth = 0
    for end in range(start, len(js)):
        depth += {"{": 1, "}": -1}.get(js[end], 0)
        if depth == 0:
            break
    lines = [f"/* plotly.js v{version.group(1) if version else '?'}: its base styles, "
             "written by tenure.web.charts.plotly_base_css. */"]
    for quoted, letter, single, double in _PLOTCSS.findall(js[start + 1:end]):
        selector = re.sub(r"[XY]", lambda m: _ROOTS[m.group(0)], quoted or letter)
        lines.append(f"{selector} {{ {single or double} }}")
    return "\n".join(lines) + "\n"
