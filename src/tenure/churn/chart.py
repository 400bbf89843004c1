"""The evaluation as a chart: calibration (predicted probability against the churn that
followed) and ROC curves of the model, the baseline and the health score, as one PNG.

A private :class:`~matplotlib.figure.Figure` on an Agg canvas, never pyplot: no global backend,
no figure left alive after the call.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..health.chart import _RENDER_LOCK, fmt_auc

COLORS = {"model": "#2b6cb0", "baseline": "#d69e2e", "health": "#38a169"}
NAMES = {"model": "Churn model", "baseline": "Logistic baseline",
         "health": "Health score (Platt)"}


def render_png(report: dict[str, Any]) -> bytes:
    with _RENDER_LOCK:
        fig = Figure(figsize=(12.0, 5.5), dpi=100)
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.11, top=0.86, wspace=0.2)
        FigureCanvasAgg(fig)
        v = report.get("validation") or {}
        fig.suptitle(f"Churn within {report.get('horizon_days')} days, as of "
                     f"{report.get('as_of')} ({v.get('kind', '')}, {report.get('rows', 0):,} "
                     f"rows, {report.get('churned', 0):,} churned)", fontsize=13)
        cal_ax, roc_ax = fig.subplots(1, 2)
        top = 0.0
        for s, bins in (report.get("calibration") or {}).items():
            xs = [b["mean_probability"] for b in bins]
            ys = [b["churn_rate"] for b in bins]
            top = max(top, *xs, *ys) if xs else top
            cal_ax.plot(xs, ys, marker="o", color=COLORS.get(s), label=NAMES.get(s, s))
        top = min(1.0, top * 1.05 + 0.01)
        cal_ax.plot([0, top], [0, top], linestyle="--", color="#888888", label="Perfect")
        cal_ax.set_xlim(0, top)
        cal_ax.set_ylim(0, top)
        cal_ax.set_xlabel("Predicted probability (mean of a tenth of the rows)")
        cal_ax.set_ylabel("Observed churn rate")
        cal_ax.set_title("Calibration")
        cal_ax.legend(loc="upper left", fontsize=9)
        for s, pts in (report.get("roc") or {}).items():
            key = "auc" if s == "model" else f"auc_{s}"
            roc_ax.plot(pts.get("fpr", []), pts.get("tpr", []), color=COLORS.get(s),
                        label=f"{NAMES.get(s, s)}: AUC {fmt_auc(report.get(key))}")
        roc_ax.plot([0, 1], [0, 1], linestyle="--", color="#888888")
        roc_ax.set_xlabel("False positive rate")
        roc_ax.set_ylabel("True positive rate")
        roc_ax.set_title("ROC")
        roc_ax.legend(loc="lower right", fontsize=9)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def write_chart(report: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_png(report))
    return path
