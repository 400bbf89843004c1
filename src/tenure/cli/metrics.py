"""KPI commands: `tenure metrics` and `tenure cohorts`."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
import typer

from ..app import build_app
from ..metrics import number
from . import FormatOpt, HomeOpt, OutputFormat, cli, emit_rows, out, parse_date, today

AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Compute as of this date (YYYY-MM-DD; default: today)."),
]


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A result row for output: undefined numbers and dates as None."""
    return {k: (number(v) if isinstance(v, float) else None if v is pd.NaT else v)
            for k, v in record.items()}


def _shown(value: float | None, unit: str, currency: str) -> str:
    """A value as a person reads it; JSON and CSV keep the raw number."""
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "money":
        return f"{currency} {value:,.2f}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "days":
        return f"{value:,.1f} d"
    if unit == "score":
        return f"{value:,.1f}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


@cli.command()
def metrics(
    as_of: AsOfOpt = None,
    period: Annotated[
        str | None, typer.Option(
            help="month, quarter, year, or trailing days such as 30d (default: month; with "
            "--per-account, 90d).", show_default=False)
    ] = None,
    periods: Annotated[int, typer.Option(help="How many periods, ending with the one "
                                         "that contains the as-of date.", min=1, max=120)] = 1,
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Group by segment, industry, country, owner, plan, product, cohort or "
        "priority (repeatable).")] = None,
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", help="Only these metrics (repeatable; default: all).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the metrics and stop.")] = False,
    per_account: Annotated[bool, typer.Option(
        "--per-account", help="The per-account metrics table instead: one row per account, "
        "one column per metric; period metrics cover --period.")
    ] = False,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """KPIs as of a date: revenue, retention, value, satisfaction, support and adoption.

    Definitions: docs/metrics.md. JSON is a list of objects with metric, value,
    period_start, period_end and one key per --by dimension.
    """
    from ..metrics import catalog, compute_metrics

    if per_account:
        _per_account(as_of, period or "90d", metric, home, fmt)
        return
    period = period or "month"
    if list_:
        emit_rows([{"metric": m.name, "family": m.family, "unit": m.unit, "grain": m.grain,
                    "label": m.label} for m in catalog().values()], fmt, title="Metrics")
        return
    day = parse_date(as_of, "--as-of") or today()
    dims = list(by or [])
    with build_app(home) as app:
        frame = compute_metrics(app, as_of=day, period=period, periods=periods, by=dims,
                                metrics=metric or None)
        currency = app.settings.company.reporting_currency
    rows = [
        {"metric": r["metric"], "value": number(r["value"]),
         "period_start": r["period_start"], "period_end": r["period_end"],
         **{d: r[d] for d in dims}}
        for r in frame.to_dict("records")
    ]
    if fmt is not OutputFormat.table:
        emit_rows(rows, fmt, columns=["metric", "value", "period_start", "period_end", *dims])
        return
    cat = catalog()
    shown = [{"period": f"{r['period_start']} – {r['period_end']}", **{d: r[d] for d in dims},
              "metric": r["metric"], "value": _shown(r["value"], cat[r["metric"]].unit,
                                                     currency)}
             for r in rows]
    emit_rows(shown, fmt, title=f"Metrics as of {day} ({period})")
    out.print("Definitions: docs/metrics.md · `tenure metrics --list` names them all")


@cli.command()
def cohorts(
    as_of: AsOfOpt = None,
    kind: Annotated[str, typer.Option(help="logos or revenue (for the table view).")] = "logos",
    months: Annotated[int, typer.Option(help="Months since start to show in the table view.",
                                        min=1, max=120)] = 12,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Cohort retention by the month accounts first paid: logos and revenue.

    JSON and CSV give one row per cohort and month since start with accounts,
    retained_accounts, logo_retention, starting_mrr, mrr and revenue_retention.
    """
    from ..metrics import cohort_retention

    if kind not in ("logos", "revenue"):
        raise typer.BadParameter("use logos or revenue", param_hint="--kind")
    day = parse_date(as_of, "--as-of") or today()
    with build_app(home) as app:
        frame = cohort_retention(app, as_of=day)
    records = frame.to_dict("records")
    if fmt is not OutputFormat.table:
        emit_rows([_plain(r) for r in records], fmt, columns=list(frame.columns))
        return
    column = "logo_retention" if kind == "logos" else "revenue_retention"
    table: dict[str, dict[str, Any]] = {}
    for r in records:
        if r["months_since_start"] >= months:
            continue
        row = table.setdefault(r["cohort"], {"cohort": r["cohort"], "accounts": r["accounts"]})
        value = number(r[column])
        row[f"m{r['months_since_start']}"] = "" if value is None else f"{value:.0%}"
    cols = ["cohort", "accounts", *[f"m{k}" for k in range(months)]]
    emit_rows(list(table.values()), fmt, columns=cols,
              title=f"{'Logo' if kind == 'logos' else 'Revenue'} retention by start month "
              f"as of {day}")


def _per_account(as_of: str | None, period: str, metric: list[str] | None, home: Any,
                 fmt: OutputFormat) -> None:
    from ..metrics import account_metrics

    day = parse_date(as_of, "--as-of") or today()
    with build_app(home) as app:
        frame = account_metrics(app, as_of=day, period=period, metrics=metric or None)
    rows = [_plain(r) for r in frame.to_dict("records")]
    emit_rows(rows, fmt, columns=list(frame.columns),
              title=f"Per-account metrics as of {day} (period metrics over {period})")
