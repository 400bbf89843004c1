"""The QBR's charts, drawn with matplotlib as SVG data URIs (the HTML stays one file and the
PDF keeps vector lines).

Each chart uses a private :class:`~matplotlib.figure.Figure` (never pyplot), so no global
backend is set and no figure outlives the call. Text is drawn as paths, so a chart looks the
same wherever it is opened, whatever fonts are installed.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Sequence
from datetime import date
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .qbr import BandInfo, GroupScore, HealthPoint, UsageMonth

INK = "#2d3748"
MUTED = "#a0aec0"
ACCENT = "#2b6cb0"
SECOND = "#dd6b20"
QUARTER_SHADE = "#ebf4ff"
# NPS classes (Bain): detractors 0-6, passives 7-8, promoters 9-10.
NPS_COLORS = ["#d64545"] * 7 + ["#e0a526"] * 2 + ["#2f9e5b"] * 2
# Typed loosely: matplotlib types rc keys as literals, the values per key.
STYLE: dict[Any, Any] = {"svg.fonttype": "path", "svg.hashsalt": "tenure-qbr", "font.size": 8.5,
         "axes.edgecolor": MUTED, "axes.labelcolor": INK, "xtick.color": INK,
         "ytick.color": INK, "axes.spines.top": False, "axes.spines.right": False}
# Matplotlib shares font and text caches between figures: one chart at a time.
_LOCK = threading.Lock()


def _svg_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _shade_quarter(ax: Axes, months: Sequence[UsageMonth]) -> None:
    idx = [i for i, m in enumerate(months) if m.in_quarter]
    if idx:
        ax.axvspan(idx[0] - 0.5, idx[-1] + 0.5, color=QUARTER_SHADE, zorder=0)


def _panel(ax: Axes, months: Sequence[UsageMonth], title: str,
           series: Sequence[tuple[str, list[float | None], str]], *, percent: bool = False,
           bars: bool = False) -> None:
    ax.set_title(title, loc="left", fontsize=9, color=INK)
    xs = list(range(len(months)))
    if not any(v is not None for _, values, _ in series for v in values):
        _empty(ax, "no data")
        return
    _shade_quarter(ax, months)
    for label, values, color in series:
        ys = [float("nan") if v is None else (100 * v if percent else v) for v in values]
        if bars:
            ax.bar(xs, ys, color=color, width=0.65, label=label)
        else:
            ax.plot(xs, ys, marker="o", markersize=3, color=color, label=label)
    ax.set_xticks(xs)
    ax.set_xticklabels([_month_label(m.month) for m in months], rotation=45, ha="right", fontsize=7)
    ax.set_ylim(bottom=0)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=7, loc="best")


def _month_label(month: str) -> str:
    """'2026-04' -> 'Apr 26'."""
    return date.fromisoformat(month + "-01").strftime("%b %y")


def usage_chart(months: Sequence[UsageMonth]) -> str:
    """Four panels over the months: MAU and WAU, active user-days, seat utilisation, feature
    breadth; the reported quarter shaded."""
    with _LOCK, matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.2, 4.6))
        axes = fig.subplots(2, 2)
        _panel(axes[0][0], months, "Active users (MAU, WAU)",
               [("MAU", [m.mau for m in months], ACCENT),
                ("WAU", [m.wau for m in months], SECOND)])
        _panel(axes[0][1], months, "Active user-days (30 days)",
               [("user-days", [m.active_user_days for m in months], ACCENT)], bars=True)
        _panel(axes[1][0], months, "Seat utilisation (MAU / seats)",
               [("seats used", [m.seat_utilization for m in months], ACCENT)], percent=True)
        _panel(axes[1][1], months, "Key features used (30 days)",
               [("features", [m.feature_breadth for m in months], ACCENT)], bars=True)
        fig.tight_layout(h_pad=1.2, w_pad=1.5)
        return _svg_uri(fig)


def health_chart(points: Sequence[HealthPoint], bands: Sequence[BandInfo], *, start: date,
                 end: date) -> str:
    """The health score from ``start`` to ``end`` on the health bands."""
    with _LOCK, matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.2, 2.6))
        ax = fig.subplots()
        ax.set_title("Health score", loc="left", fontsize=9, color=INK)
        scored = [p for p in points if p.score is not None]
        if not scored:
            _empty(ax, "no health scores in the quarter")
            return _svg_uri(fig)
        for b in bands:
            ax.axhspan(b.low, b.high, color=b.color, alpha=0.12, zorder=0)
        xs = [float(date2num(p.day)) for p in scored]
        ys = [float(p.score) for p in scored if p.score is not None]
        ax.plot(xs, ys, color=INK, marker="o", markersize=3)
        ax.set_ylim(0, 100)
        ax.set_xlim(float(date2num(start)), float(date2num(end)))
        ax.set_ylabel("score")
        for b in bands:
            ax.text(1.05, (b.low + b.high) / 2, b.label, transform=ax.get_yaxis_transform(),
                    va="center", fontsize=7, color=b.color)
        ax.xaxis.set_major_locator(AutoDateLocator(maxticks=6))
        ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
        fig.tight_layout()
        return _svg_uri(fig)


def groups_chart(groups: Sequence[GroupScore], bands: Sequence[BandInfo]) -> str:
    """Each group's score (0-100) as a bar coloured by its band."""
    with _LOCK, matplotlib.rc_context(STYLE):
        shown = [g for g in groups if g.score is not None]
        fig = Figure(figsize=(7.2, 0.45 * max(len(shown), 2) + 0.6))
        ax = fig.subplots()
        if not shown:
            _empty(ax, "no group scores")
            return _svg_uri(fig)
        ys = list(range(len(shown)))[::-1]
        colors = [_band_color(g.score, bands) for g in shown]
        ax.barh(ys, [g.score or 0 for g in shown], color=colors, height=0.6)
        for y, g in zip(ys, shown, strict=True):
            ax.text((g.score or 0) + 1.5, y, f"{g.score:.0f}", va="center", fontsize=8,
                    color=INK)
        ax.set_yticks(ys)
        ax.set_yticklabels([f"{g.label} ({g.weight:.0%})" for g in shown])
        ax.set_xlim(0, 105)
        ax.set_xlabel("group score (weight)")
        fig.tight_layout()
        return _svg_uri(fig)


def _band_color(score: float | None, bands: Sequence[BandInfo]) -> str:
    if score is None:
        return MUTED
    for i, b in enumerate(bands):
        if b.low <= score < b.high or (i == len(bands) - 1 and score == b.high):
            return b.color
    return MUTED


def nps_chart(counts: Sequence[int]) -> str:
    """Answers per NPS score 0-10, coloured detractor / passive / promoter."""
    with _LOCK, matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.2, 2.0))
        ax = fig.subplots()
        ax.set_title("NPS answers by score", loc="left", fontsize=9, color=INK)
        if not sum(counts):
            _empty(ax, "no NPS answers in the quarter")
            return _svg_uri(fig)
        ax.bar(range(11), counts, color=NPS_COLORS, width=0.7)
        ax.set_xticks(range(11))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        return _svg_uri(fig)
