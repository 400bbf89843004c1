"""The health-score backtest as a chart: a PNG and a self-contained HTML page.

``render_backtest(report, out_dir)`` writes ``health-backtest.png`` (four panels: churn rate per
band, calibration, ROC curve, AUC per month) and ``health-backtest.html`` (the same PNG inlined as
a data URI, plus tables of the numbers), and returns both paths.

Rendering uses a private :class:`~matplotlib.figure.Figure` on an Agg canvas, never pyplot, so it
sets no global backend and keeps no figure alive after the call.
"""

from __future__ import annotations

import base64
import html
import io
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import is_color_like, to_hex
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from ..metrics import number as _num

FIGSIZE = (12.0, 8.0)  # inches
DPI = 100  # so the PNG is 1200 x 800 pixels
FALLBACK_COLOR = "#888888"
CURRENT_COLOR = "#2b6cb0"
SUGGESTED_COLOR = "#d69e2e"
NA = "n/a"

# Matplotlib shares caches (fonts, text layout) between figures; rendering one chart at a time
# is cheap insurance for callers that run backtests from several threads.
_RENDER_LOCK = threading.Lock()


def render_backtest(
    report: dict, out_dir: Path, stem: str = "health-backtest"
) -> tuple[Path, Path]:
    """Write out_dir/stem.png and out_dir/stem.html; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = render_png(report)
    png_path = out_dir / f"{stem}.png"
    html_path = out_dir / f"{stem}.html"
    png_path.write_bytes(png)
    html_path.write_text(render_html(report, png), encoding="utf-8")
    return png_path, html_path


# --- formatting -------------------------------------------------------------------------------



def _half_up(x: float, places: int) -> str:
    """x rounded half up from its shortest decimal form: 0.0225 (really 0.02249...) -> 2.3%."""
    exact = Decimal(repr(x))
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def fmt_pct(value: Any) -> str:
    """0.0225 -> '2.3%'; None -> 'n/a'."""
    x = _num(value)
    return NA if x is None else f"{_half_up(x * 100, 1)}%"


def fmt_auc(value: Any) -> str:
    """0.78 -> '0.780'; None -> 'n/a'."""
    x = _num(value)
    return NA if x is None else _half_up(x, 3)


def fmt_lift(value: Any) -> str:
    """4.2 -> '4.2×'; None (green had no churn) -> 'n/a'."""
    x = _num(value)
    return NA if x is None else f"{x:.1f}×"


def fmt_int(value: Any) -> str:
    """40000 -> '40,000'; None -> 'n/a'."""
    x = _num(value)
    return NA if x is None else f"{round(x):,}"


def fmt_score(value: Any) -> str:
    """A score bound or mean score: '50', '6.1'."""
    x = _num(value)
    if x is None:
        return NA
    return f"{x:.0f}" if x == round(x) else f"{x:.1f}"


def _range(row: Mapping[str, Any]) -> str:
    return f"{fmt_score(row.get('from'))}–{fmt_score(row.get('to'))}"


def _rate(row: Mapping[str, Any]) -> float | None:
    """The row's churn rate, derived from its counts when the report left it out."""
    rate = _num(row.get("churn_rate"))
    if rate is not None:
        return rate
    n, churned = _num(row.get("account_months")), _num(row.get("churned"))
    return churned / n if n and churned is not None else None


def _as_date(value: Any) -> date | None:
    """An ISO string, date or datetime as a date; None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    """Text for matplotlib: '$' would start mathtext (and can fail to parse), so escape it."""
    return str(value).replace("$", r"\$")


def _color(value: Any) -> str:
    """A band's colour as '#rrggbb' (also safe to put in a style attribute), or grey."""
    if isinstance(value, str) and is_color_like(value):
        return to_hex(value)
    return FALLBACK_COLOR


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, Sequence) else []


def _curve(roc: Any) -> tuple[list[float], list[float]]:
    """ROC points (fpr, tpr), dropping pairs with a missing value."""
    if not isinstance(roc, Mapping):
        return [], []
    pairs = [(_num(f), _num(t)) for f, t in zip(roc.get("fpr") or [], roc.get("tpr") or [],
                                                 strict=False)]
    kept = [(f, t) for f, t in pairs if f is not None and t is not None]
    return [f for f, _ in kept], [t for _, t in kept]


def _title(report: Mapping[str, Any]) -> str:
    horizon = _num(report.get("horizon_days"))
    days = NA if horizon is None else f"{horizon:.0f} days"
    lift = fmt_lift(report.get("lift_red_vs_green"))
    return (f"Health backtest: model {report.get('model') or NA}, horizon {days}, "
            f"AUC {fmt_auc(report.get('auc'))}, lift red vs green {lift}")


def _period(report: Mapping[str, Any]) -> str:
    return f"{report.get('from') or NA} to {report.get('to') or NA}"


# --- PNG --------------------------------------------------------------------------------------


def render_png(report: Mapping[str, Any]) -> bytes:
    """The four-panel backtest chart as PNG bytes (FIGSIZE at DPI)."""
    with _RENDER_LOCK:
        fig = Figure(figsize=FIGSIZE, dpi=DPI)
        # Fixed margins rather than constrained layout: one draw instead of two, half the time.
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.08, top=0.9, wspace=0.18, hspace=0.38)
        FigureCanvasAgg(fig)  # attaches itself to fig; savefig then renders with Agg
        fig.suptitle(_text(_title(report)), fontsize=13)
        (bands_ax, calib_ax), (roc_ax, months_ax) = fig.subplots(2, 2)
        _bands_panel(bands_ax, report)
        _calibration_panel(calib_ax, report)
        _roc_panel(roc_ax, report)
        _months_panel(months_ax, report)
        buf = io.BytesIO()
        # No "Software" chunk: it names matplotlib's web site, and the page must hold no URLs.
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666666")


def _bands_panel(ax: Axes, report: Mapping[str, Any]) -> None:
    bands = _rows(report.get("bands"))
    ax.set_title("Churn rate per band")
    ax.set_ylabel("churn rate")
    if not bands:
        _empty(ax, "no bands")
        return
    rates = [_rate(b) for b in bands]
    x = list(range(len(bands)))
    bars = ax.bar(x, [r or 0.0 for r in rates], color=[_color(b.get("color")) for b in bands],
                  edgecolor="#333333", linewidth=0.5)
    ax.set_xticks(x, labels=[_text(f"{b.get('band', '')}\n{_range(b)}") for b in bands])
    labels = [f"{fmt_pct(r)}\n{fmt_int(b.get('account_months'))} acct-months"
              for r, b in zip(rates, bands, strict=True)]
    ax.bar_label(bars, labels=labels, padding=2, fontsize=8)
    top = max((r for r in rates if r is not None), default=0.0)
    # Headroom for the two-line labels; a fixed scale when no band churned at all.
    ax.set_ylim(0, top * 1.35 if top > 0 else 0.1)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v * 100:.0f}%")


def _calibration_panel(ax: Axes, report: Mapping[str, Any]) -> None:
    bins = _rows(report.get("calibration"))
    ax.set_title("Calibration: churn rate per score bin")
    ax.set_xlabel("health score")
    ax.set_ylabel("churn rate")
    ax.set_xlim(0, 100)
    shown = [(b, _num(b.get("from")), _num(b.get("to")), _rate(b)) for b in bins]
    shown_ok = [(lo, hi, r) for _b, lo, hi, r in shown
                if lo is not None and hi is not None and r is not None]
    if not shown_ok:
        _empty(ax, "no calibration data")
        return
    for _b, lo, hi, r in shown:
        if lo is not None and hi is not None and r is None:
            # Say the bin is empty rather than let it read as "nobody churned".
            ax.text((lo + hi) / 2, 0, "no\ndata", ha="center", va="bottom", fontsize=7,
                    color="#666666")
    ax.bar([lo for lo, _, _ in shown_ok], [r for _, _, r in shown_ok],
           width=[hi - lo for lo, hi, _ in shown_ok], align="edge", color=CURRENT_COLOR,
           alpha=0.75, edgecolor="white", linewidth=0.8, label="churn rate in bin")
    overall = _num(report.get("churn_rate"))
    if overall is not None:
        ax.axhline(overall, color="#666666", linestyle="--", linewidth=1,
                   label=f"overall {fmt_pct(overall)}")
    top = max(r for _, _, r in shown_ok)
    ax.set_ylim(0, top * 1.15 if top > 0 else 0.1)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v * 100:.0f}%")
    ax.legend(loc="upper right", fontsize=8)


def _roc_panel(ax: Axes, report: Mapping[str, Any]) -> None:
    ax.set_title("ROC curve")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="chance (0.500)")
    fpr, tpr = _curve(report.get("roc"))
    if fpr:
        label = f"{report.get('model') or 'current'} (AUC {fmt_auc(report.get('auc'))})"
        ax.plot(fpr, tpr, color=CURRENT_COLOR, linewidth=2, label=_text(label))
    suggestion = report.get("suggestion")
    if isinstance(suggestion, Mapping):
        # The two curves that --suggest compares: both on the judged (test) months only.
        c_fpr, c_tpr = _curve(suggestion.get("roc_current"))
        if c_fpr:
            label = f"current (AUC {fmt_auc(suggestion.get('auc_current'))}, test months)"
            ax.plot(c_fpr, c_tpr, color=CURRENT_COLOR, linewidth=1.2, linestyle=":",
                    label=_text(label))
        s_fpr, s_tpr = _curve(suggestion.get("roc"))
        if s_fpr:
            label = (f"{suggestion.get('profile') or 'suggested'} "
                     f"(AUC {fmt_auc(suggestion.get('auc_suggested'))}, test months)")
            ax.plot(s_fpr, s_tpr, color=SUGGESTED_COLOR, linewidth=2, label=_text(label))
    if not fpr and not (isinstance(suggestion, Mapping) and _curve(suggestion.get("roc"))[0]):
        _empty(ax, "no ROC data")
    ax.legend(loc="lower right", fontsize=8)


def _months_panel(ax: Axes, report: Mapping[str, Any]) -> None:
    ax.set_title("AUC per month")
    ax.set_ylabel("AUC")
    points = sorted((d, a) for d, a in ((_as_date(m.get("as_of")), _num(m.get("auc")))
                                        for m in _rows(report.get("months")))
                    if d is not None and a is not None)
    if not points:
        _empty(ax, "no monthly AUC")
        ax.set_ylim(0, 1)
        return
    aucs = [a for _, a in points]
    # Dates as Matplotlib date numbers: the date locators and formatters below read those.
    xs = [float(date2num(d)) for d, _ in points]
    ax.plot(xs, aucs, color=CURRENT_COLOR, marker="o", markersize=4,
            linewidth=1.5, label="AUC at month end")
    ax.axhline(0.5, color="#999999", linestyle="--", linewidth=1, label="chance")
    overall = _num(report.get("auc"))
    if overall is not None:
        ax.axhline(overall, color=CURRENT_COLOR, linestyle=":", linewidth=1,
                   label=f"overall {fmt_auc(overall)}")
    ax.set_ylim(min(0.4, min(aucs) - 0.05), 1.0)
    if len(points) <= 12:
        # Few months: tick each month end (the automatic locator would tick days in between).
        ax.set_xticks(xs, labels=[d.strftime("%Y-%m") for d, _ in points])
        ax.tick_params(axis="x", labelrotation=45)  # twelve labels side by side overlap
    else:
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.legend(loc="lower right", fontsize=8)


# --- HTML -------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
img { max-width: 100%; height: auto; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em;
          border: 1px solid #555; vertical-align: middle; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, raw_first: bool = False,
           caption: str | None = None) -> str:
    """An HTML table; cells are escaped unless raw_first marks the first as pre-built HTML."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = [c if raw_first and i == 0 else _e(c) for i, c in enumerate(row)]
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _months_span(months: Any) -> str:
    """['2025-01-31', ..., '2025-06-30'] -> '2025-01-31 to 2025-06-30 (6 months)'."""
    items = [str(m) for m in months] if isinstance(months, Sequence) and not isinstance(
        months, str) else []
    if not items:
        return NA
    if len(items) == 1:
        return f"{items[0]} (1 month)"
    return f"{items[0]} to {items[-1]} ({len(items)} months)"


def render_html(report: Mapping[str, Any], png: bytes) -> str:
    """A self-contained page: explanation, the chart inlined, and the numbers as tables."""
    horizon = _num(report.get("horizon_days"))
    horizon_text = NA if horizon is None else f"{horizon:.0f} days"
    summary = [
        ("Model", str(report.get("model") or NA)),
        ("Period (month ends)", _period(report)),
        ("Horizon", horizon_text),
        ("AUC", fmt_auc(report.get("auc"))),
        ("Lift, red vs green", fmt_lift(report.get("lift_red_vs_green"))),
        ("Account-months", fmt_int(report.get("account_months"))),
        ("Churned", fmt_int(report.get("churned"))),
        ("Churn rate", fmt_pct(report.get("churn_rate"))),
    ]
    bands = [
        (f'<span class="swatch" style="background:{_color(b.get("color"))}"></span>'
         f"{_e(b.get('band', ''))}",
         _range(b), fmt_int(b.get("account_months")), fmt_int(b.get("churned")), fmt_pct(_rate(b)))
        for b in _rows(report.get("bands"))
    ]
    calibration = [
        (_range(b), fmt_int(b.get("account_months")), fmt_score(b.get("mean_score")),
         fmt_int(b.get("churned")), fmt_pct(_rate(b)))
        for b in _rows(report.get("calibration"))
    ]
    months = [
        (str(m.get("as_of") or NA), fmt_int(m.get("accounts")), fmt_int(m.get("churned")),
         fmt_auc(m.get("auc")))
        for m in _rows(report.get("months"))
    ]
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_e(_title(report))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>Health score backtest: {_e(report.get('model') or NA)}</h1>",
        "<p>A backtest replays the health score on history. At each month end in the period, every"
        " paying account is scored using only the data available up to that day, and the score is"
        f" compared with whether the account churned within the next {_e(horizon_text)}. Each"
        " scored account at a month end is one account-month. AUC is the chance that an account"
        " that churned scored lower than one that did not (0.5 is a coin toss, 1.0 is perfect);"
        " lift is the red band's churn rate divided by the green band's.</p>",
        f'<img src="{data_uri}" alt="{_e(_title(report))}">',
        "<h2>Summary</h2>",
        _table(("Measure", "Value"), summary),
        "<h2>Bands</h2>",
        _table(("Band", "Score range", "Account-months", "Churned", "Churn rate"), bands,
               raw_first=True) if bands else "<p>No bands.</p>",
        "<h2>Calibration</h2>",
        _table(("Score bin", "Account-months", "Mean score", "Churned", "Churn rate"),
               calibration) if calibration else "<p>No calibration data.</p>",
        "<h2>Months</h2>",
        _table(("Month end", "Accounts", "Churned", "AUC"), months)
        if months else "<p>No months.</p>",
    ]
    suggestion = report.get("suggestion")
    if isinstance(suggestion, Mapping):
        gain = _num(suggestion.get("gain"))
        rows = [
            ("Profile", str(suggestion.get("profile") or NA)),
            ("Trained on", _months_span(suggestion.get("train_months"))),
            ("Tested on", _months_span(suggestion.get("test_months"))),
            ("AUC, current weights (test months)", fmt_auc(suggestion.get("auc_current"))),
            ("AUC, suggested weights (test months)", fmt_auc(suggestion.get("auc_suggested"))),
            ("Gain", NA if gain is None else f"{gain:+.3f}"),
        ]
        parts += ["<h2>Suggested weights</h2>", _table(("Measure", "Value"), rows)]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
