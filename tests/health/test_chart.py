"""The backtest chart: a PNG of the right size and a self-contained HTML page around it."""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tenure.health.chart import DPI, FIGSIZE, render_backtest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _report(*, lift: float | None, suggestion: bool) -> dict[str, Any]:
    """A small hand-made report; the rates are the counts' ratios, as the backtest gives them."""
    bands = [
        {"band": "red", "color": "#d64545", "from": 0, "to": 50,
         "account_months": 5000, "churned": 300, "churn_rate": 300 / 5000},
        {"band": "yellow", "color": "#e0b000", "from": 50, "to": 75,
         "account_months": 15000, "churned": 450, "churn_rate": 450 / 15000},
        {"band": "green", "color": "#3c9d5d", "from": 75, "to": 100,
         "account_months": 20000, "churned": 150, "churn_rate": 150 / 20000},
    ]
    calibration = []
    for i in range(10):
        n = 0 if i == 9 else 100 * (i + 1)  # the top bin is empty
        churned = (10 - i) * 2 if n else 0
        calibration.append({
            "from": i * 10, "to": (i + 1) * 10, "account_months": n,
            "mean_score": i * 10 + 5.0 if n else None, "churned": churned,
            "churn_rate": churned / n if n else None,
        })
    report: dict[str, Any] = {
        "model": "default", "from": "2025-01-31", "to": "2025-03-31", "horizon_days": 90,
        "account_months": 40000, "churned": 900, "churn_rate": 900 / 40000,
        "auc": 0.78, "lift_red_vs_green": lift,
        "bands": bands, "calibration": calibration,
        "roc": {"fpr": [0.0, 0.1, 0.3, 0.6, 1.0], "tpr": [0.0, 0.4, 0.7, 0.9, 1.0]},
        "months": [
            {"as_of": "2025-01-31", "accounts": 2000, "churned": 40, "auc": 0.77},
            {"as_of": "2025-02-28", "accounts": 2010, "churned": 35, "auc": None},
            {"as_of": "2025-03-31", "accounts": 2025, "churned": 44, "auc": 0.791},
        ],
        "suggestion": None,
    }
    if suggestion:
        report["suggestion"] = {
            "profile": "suggested-2026-11-22", "train_months": ["2025-01-31", "2025-02-28"],
            "test_months": ["2025-03-31"], "auc_current": 0.77, "auc_suggested": 0.8,
            "gain": 0.03, "roc": {"fpr": [0.0, 0.2, 1.0], "tpr": [0.0, 0.6, 1.0]},
        }
    return report


def _embedded_png(page: str) -> bytes:
    match = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match, "no inline PNG"
    return base64.b64decode(match.group(1), validate=True)


@pytest.mark.parametrize(("lift", "suggestion"), [(4.2, True), (None, False)])
def test_png_and_html(tmp_path: Path, lift: float | None, suggestion: bool) -> None:
    report = _report(lift=lift, suggestion=suggestion)
    before = copy.deepcopy(report)
    png_path, html_path = render_backtest(report, tmp_path)
    assert report == before  # the caller's report is left alone
    assert (png_path, html_path) == (tmp_path / "health-backtest.png",
                                     tmp_path / "health-backtest.html")

    png = png_path.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(png_path) as image:
        assert image.size == (round(FIGSIZE[0] * DPI), round(FIGSIZE[1] * DPI))

    page = html_path.read_text(encoding="utf-8")
    assert _embedded_png(page) == png
    assert b"http" not in png  # not even in the PNG's metadata
    assert "http://" not in page and "https://" not in page
    for band in ("red", "yellow", "green"):
        assert f"{band}</td>" in page
    assert "<td>0.780</td>" in page  # overall AUC, 3 decimals
    assert "<td>0.770</td>" in page and "<td>0.791</td>" in page  # monthly AUCs
    for rate in ("6.0%", "3.0%", "0.8%", "2.3%"):  # red, yellow, green, overall (900/40000)
        assert f"<td>{rate}</td>" in page
    assert "<td>40,000</td>" in page
    assert "<td>2025-01-31 to 2025-03-31</td>" in page
    assert "<td>90–100</td><td>0</td><td>n/a</td><td>0</td><td>n/a</td>" in page  # empty bin
    assert "<td>2025-02-28</td><td>2,010</td><td>35</td><td>n/a</td>" in page  # month, no AUC
    if lift is None:
        assert "<td>Lift, red vs green</td><td>n/a</td>" in page
    else:
        assert "<td>Lift, red vs green</td><td>4.2×</td>" in page
    if suggestion:
        assert "suggested-2026-11-22" in page
        assert "<td>0.800</td>" in page and "<td>+0.030</td>" in page
    else:
        assert "Suggested weights" not in page


def test_text_is_escaped_and_sparse_reports_render(tmp_path: Path) -> None:
    report = _report(lift=None, suggestion=False)
    report["model"] = "m&m <b>"
    report["bands"][0]["band"] = "<script>alert(1)</script>$x$"
    report["bands"][0]["color"] = 'red" onload="x'  # not a colour: falls back to grey
    report["bands"][1].update(account_months=0, churned=0, churn_rate=None)
    report["months"] = []
    report["roc"] = {"fpr": [], "tpr": []}
    _, html_path = render_backtest(report, tmp_path)
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;$x$" in page
    assert "m&amp;m &lt;b&gt;" in page
    assert "onload" not in page
    assert "<td>0–50</td><td>5,000</td>" in page
    assert "<td>50–75</td><td>0</td><td>0</td><td>n/a</td>" in page
    assert "No months." in page


def test_empty_report_custom_stem_new_directory(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"  # created on demand
    png_path, html_path = render_backtest({}, out, stem="bt")
    assert (png_path, html_path) == (out / "bt.png", out / "bt.html")
    assert png_path.read_bytes().startswith(PNG_SIGNATURE)
    assert "<td>AUC</td><td>n/a</td>" in html_path.read_text(encoding="utf-8")
