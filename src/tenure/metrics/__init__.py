"""KPIs: revenue, retention, value, satisfaction, support and adoption metrics.

Metrics are declared as data (``definitions.toml``; published in docs/metrics.md) and computed
as of a date over periods, for the whole company, per group of accounts, or per account::

    compute_metrics(app, as_of=date(2026, 6, 30), period="month", by=["segment"])
    account_metrics(app, as_of=date(2026, 6, 30))
    cohort_retention(app, as_of=date(2026, 6, 30))

``source`` is a :class:`tenure.App` or any Ibis backend that holds the canonical tables (DuckDB,
Spark, ...); with a bare backend, pass ``settings``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import MetricsError
from .catalog import Metric, builtin
from .cohorts import cohort_retention
from .datasets import ACCOUNT_DIMENSIONS, DIMENSIONS, Context
from .engine import ACCOUNT, PERIOD, check_by, check_names, compute_frame, dimensions_frame, keyed
from .periods import Period, check_period, periods_ending

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = [
    "DIMENSIONS",
    "Metric",
    "MetricsError",
    "Period",
    "account_metrics",
    "catalog",
    "cohort_retention",
    "compute_metrics",
    "context",
    "number",
]


def catalog() -> dict[str, Metric]:
    """Every declared metric by name, in declaration order."""
    return dict(builtin())


def context(source: Any, *, as_of: date, settings: Settings | None = None) -> Context:
    """A computation context over an App or an Ibis backend. A context passed in is used as
    it is (its lookups and account dimensions are computed once for several calls)."""
    from ..app import App

    if isinstance(source, Context):
        if source.as_of != as_of or (settings is not None and settings is not source.settings):
            raise MetricsError("a context computes for its own as-of date and settings")
        return source
    if isinstance(source, App):
        return Context(backend=source.warehouse.ibis, settings=settings or source.settings,
                       as_of=as_of)
    if settings is None:
        raise MetricsError("pass settings= when computing over a bare warehouse backend")
    return Context(backend=source, settings=settings, as_of=as_of)


def _format_dims(frame: pd.DataFrame, dims: Sequence[str]) -> pd.DataFrame:
    if "cohort" in dims and "cohort" in frame:
        frame["cohort"] = [None if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m")
                           for v in frame["cohort"]]
    return keyed(frame, dims)


def number(value: Any) -> float | None:
    """A metric value for JSON and people: a finite float, or None where it is undefined
    (None, NaN, infinity, or something that is not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def compute_metrics(
    source: Any,
    *,
    as_of: date,
    settings: Settings | None = None,
    period: str = "month",
    periods: int = 1,
    by: Sequence[str] = (),
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A tidy table: one row per metric, period and group, with columns ``metric``,
    ``value``, ``period_start``, ``period_end`` and one per ``by`` dimension."""
    names = check_names(metrics) if metrics else [
        m.name for m in builtin().values() if m.grain != "account"]
    per_account = [n for n in names if builtin()[n].grain == "account"]
    if per_account:
        raise MetricsError(f"{', '.join(per_account)} exist per account only; see "
                           "account_metrics (`tenure accounts`)")
    dims = check_by(by)
    spans = periods_ending(as_of, check_period(period), periods)
    ctx = context(source, as_of=as_of, settings=settings)
    frame = compute_frame(ctx, names, spans, dims)
    frame["period_start"] = frame[PERIOD].map(lambda i: spans[i].start)
    frame["period_end"] = frame[PERIOD].map(lambda i: spans[i].end)
    tidy = frame.melt(id_vars=["period_start", "period_end", *dims], value_vars=names,
                      var_name="metric", value_name="value")
    tidy["value"] = tidy["value"].astype("float64")
    tidy = _format_dims(tidy, dims)
    order = {n: i for i, n in enumerate(names)}
    tidy["_order"] = tidy["metric"].map(order)
    tidy = tidy.sort_values(["period_start", *dims, "_order"], na_position="last",
                            kind="stable")
    return tidy[["metric", "value", "period_start", "period_end", *dims]].reset_index(
        drop=True)


def account_metrics(
    source: Any,
    *,
    as_of: date,
    settings: Settings | None = None,
    period: str = "90d",
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per account (accounts and subscriptions tables) as of ``as_of``: its
    dimensions, then one column per per-account metric; period metrics (tickets opened,
    response times, ...) cover the trailing ``period`` ending at ``as_of``."""
    names = check_names(metrics) if metrics else [
        m.name for m in builtin().values() if m.grain != "group"]
    company = [n for n in names if builtin()[n].grain == "group"]
    if company:
        raise MetricsError(f"{', '.join(company)} cannot be computed per account")
    spans = periods_ending(as_of, check_period(period), 1)
    ctx = context(source, as_of=as_of, settings=settings)
    frame = compute_frame(ctx, names, spans, None)
    dims = dimensions_frame(ctx)
    # The accounts of the accounts and subscriptions tables. An account id known only from
    # other tables (reported as unknown at import) counts in company metrics but has no row.
    out = dims.merge(frame.drop(columns=[PERIOD]), on=ACCOUNT, how="left")
    out = _format_dims(out, ACCOUNT_DIMENSIONS)
    for n in names:
        if builtin()[n].unit == "date":
            days = pd.to_datetime(out[n]).dt.date
            out[n] = days.astype(object).where(days.notna(), None)
    return out[[ACCOUNT, *ACCOUNT_DIMENSIONS, *names]].sort_values(ACCOUNT).reset_index(
        drop=True)

