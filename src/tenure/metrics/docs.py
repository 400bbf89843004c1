"""docs/metrics.md, generated from the metric declarations (``definitions.toml``).

Regenerate with ``python -m tenure.metrics.docs > docs/metrics.md``; a test fails when the page
and the declarations drift apart.
"""

from __future__ import annotations

from .catalog import FAMILIES, Metric, builtin
from .datasets import DATASETS, DIMENSIONS
from .formula import FUNCTIONS

_GRAIN = {"any": "company, group, account", "group": "company, group", "account": "account"}
_TITLES = {
    "revenue": "Revenue",
    "retention": "Retention",
    "value": "Value",
    "satisfaction": "Satisfaction",
    "support": "Support",
    "adoption": "Adoption and engagement",
}


def _how(m: Metric) -> str:
    """The declaration in words a reader can check: formula, or aggregate over a dataset."""
    if m.formula:
        how = f"`{m.formula}`"
    else:
        what = "rows" if m.agg == "count" else f"`{m.of}`"
        how = f"{m.agg} of {what} over `{m.dataset}`"
        if m.where:
            how += f" where `{m.where}`"
        window = m.window or "period"
        time = f" by `{m.time}`" if m.time else ""
        how += f", window `{window}`{time}"
    if m.rollup:
        how += f"; per account, then {m.rollup} over accounts"
        if m.population:
            how += f" where `{m.population}`"
    return how.replace("|", "\\|")


def metrics_markdown() -> str:
    cat = builtin()
    lines = [
        "# Metrics",
        "",
        "Generated from `src/tenure/metrics/definitions.toml` by "
        "`python -m tenure.metrics.docs`; do not edit by hand.",
        "",
        "Every metric is computed **as of** a date D from data on or before D, over a period "
        "(`month`, `quarter`, `year`: the calendar period containing D, up to D, and whole "
        "periods before it; `Nd`: trailing N days), for the whole company, per group of "
        "accounts (`--by` " + ", ".join(f"`{d}`" for d in DIMENSIONS) + "), or per account. "
        "Rates are fractions (0.10), NPS is on -100..100, money is in the reporting currency "
        "(`company.reporting_currency`; other currencies converted with `fx_rates`), "
        "durations in hours unless the name says days. A ratio whose denominator is 0 is "
        "undefined (null), never infinite.",
        "",
        "Windows: `period` = the period's days; `to_date` = everything up to its last day; "
        "`at_end` / `at_start` = rows live on the period's last day / on the day before it "
        "starts; `trailing:N` = the N days ending on the period's last day, `trailing:N:M` = "
        "the N days ending M days earlier (N may name a setting). Grain says where a metric "
        "means something.",
        "",
    ]
    for family in FAMILIES:
        lines += [f"## {_TITLES[family]}", "",
                  "| metric | unit | grain | definition | computed as |",
                  "|---|---|---|---|---|"]
        for m in cat.values():
            if m.family != family:
                continue
            desc = m.description.replace("|", "\\|")
            lines.append(f"| `{m.name}` | {m.unit} | {_GRAIN[m.grain]} | {m.label}: {desc} "
                         f"| {_how(m)} |")
        lines.append("")
    lines += ["## Datasets", "",
              "The rows measures aggregate; every dataset also has `account_id`.", "",
              "| dataset | columns | meaning |", "|---|---|---|"]
    for ds in DATASETS.values():
        cols = ", ".join(f"`{c}`" for c in ds.columns)
        lines.append(f"| `{ds.name}` | {cols} | {ds.doc} |")
    lines += ["", "## Expression language", "",
              "`of`, `where`, `formula` and `population` are Python-like expressions: numbers, "
              "'strings', lists, `+ - * /`, comparisons, `in`, `and`/`or`/`not`, "
              "`settings.<section>.<name>`, and these functions:", ""]
    lines += [f"- `{name}`: {text}" for name, text in FUNCTIONS.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - a docs generator
    print(metrics_markdown(), end="")
