"""Charts of the pages, drawn by plotly (figures built here, drawn in the browser by
plotly.js served from the plotly package itself: no CDN, nothing inline, so the CSP
``default-src 'self'`` holds)."""

from __future__ import annotations

import functools
import re

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

BAND_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}


@functools.cache
def plotly_js() -> bytes:
    """plotly.min.js as the installed plotly package ships it (read once, on first use)."""
    return get_plotlyjs().encode("utf-8")


def as_script_json(fig: go.Figure) -> str:
    """The figure's JSON, safe inside <script type="application/json">: no "<" can close the
    element early ("\\u003c" is the same character to JSON.parse)."""
    return fig.to_json().replace("<", "\\u003c")


def health_history(points: pd.DataFrame) -> go.Figure:
    """An account's health score by day (``points``: day, score, band), coloured by band."""
    fig = go.Figure(go.Scatter(
        x=[d.isoformat() for d in points["day"]], y=points["score"].tolist(),
        mode="lines+markers", name="health",
        marker={"color": [BAND_COLOURS.get(str(b).lower(), "#546e7a")
                          for b in points["band"]]},
        line={"color": "#546e7a"}))
    fig.update_layout(height=280, margin={"l": 40, "r": 10, "t": 10, "b": 40},
                      yaxis={"range": [0, 100], "title": "score"}, showlegend=False)
    return fig


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
