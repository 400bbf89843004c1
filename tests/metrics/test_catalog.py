"""The metric declarations: validation lists every problem, docs are generated from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenure.errors import MetricsError
from tenure.metrics.catalog import builtin, settings_paths, validate
from tenure.metrics.docs import metrics_markdown
from tenure.metrics.formula import FormulaError, parse

ROOT = Path(__file__).resolve().parents[2]

# The metric names the contract promises (scripts rely on them).
PROMISED = (
    "mrr", "arr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
    "reactivation_mrr", "arpa", "quick_ratio", "logo_churn_rate", "gross_mrr_churn_rate",
    "net_mrr_churn_rate", "grr", "nrr", "ltv", "repeat_purchase_rate", "nps", "csat", "ces",
    "first_response_hours_median", "resolution_hours_median", "resolution_hours_p90",
    "sla_breach_rate", "dau", "mau", "stickiness", "seat_utilization",
)


def test_every_promised_metric_is_declared() -> None:
    assert not set(PROMISED) - set(builtin())


def test_docs_page_matches_the_declarations() -> None:
    page = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert page == metrics_markdown(), "regenerate: python -m tenure.metrics.docs > docs/metrics.md"
    for name in builtin():
        assert f"`{name}`" in page


def test_validation_lists_every_problem_at_once() -> None:
    raw = [
        {"name": "a", "label": "A", "family": "revenue", "unit": "money", "description": "d",
         "from": "nowhere", "agg": "sum", "of": "x", "window": "period"},
        {"name": "b", "label": "B", "family": "revenue", "unit": "furlongs",
         "description": "d", "formula": "a + missing"},
        {"name": "c", "label": "C", "family": "support", "unit": "count", "description": "d",
         "from": "tickets", "agg": "median", "window": "sometimes"},
        {"name": "d", "label": "D", "family": "support", "unit": "count", "description": "d",
         "formula": "e"},
        {"name": "e", "label": "E", "family": "support", "unit": "count", "description": "d",
         "formula": "d"},
    ]
    with pytest.raises(MetricsError) as info:
        validate(raw, settings_paths())
    text = str(info.value)
    for expected in ("unknown dataset 'nowhere'", "unit must be one of", "reads 'missing'",
                     "agg median needs `of`", "window 'sometimes'", "in a circle"):
        assert expected in text


def test_formula_language_refuses_what_it_does_not_know() -> None:
    for bad in ("__import__('os')", "a.b", "lambda: 1", "open('x')", "a if b else c",
                "1 < a < 2"):
        with pytest.raises(FormulaError):
            parse(bad)
    e = parse("settings.metrics.gross_margin * arpa / prior_months_mean(logo_churn_rate, 6)")
    assert e.names == {"arpa"}
    assert e.settings == {"metrics.gross_margin"}
    assert e.prior == (("logo_churn_rate", 6),)
