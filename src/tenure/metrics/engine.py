"""The one piece of code that turns metric declarations into numbers.

For a list of metrics, periods and a grain (per account, or per group of accounts):

1. measures are compiled to Ibis: one aggregate query per dataset for all periods (its rows
   joined to a table of the periods' window bounds), every measure of that dataset a
   conditional aggregate (``sum(x) FILTER (WHERE window AND where)``), so each dataset is
   scanned once whatever the number of metrics and periods;
2. rolled-up metrics are computed per account first and then combined over the accounts of each
   group (sum, mean or median over the population);
3. formulas are evaluated over the aggregated values (a few rows per group), with division by
   zero undefined rather than infinite.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MetricsError
from .catalog import PERIOD_NAMES, Metric, builtin, parse_window
from .datasets import (
    ACCOUNT_DIMENSIONS,
    DATASETS,
    DIMENSIONS,
    ROW_DIMENSIONS,
    Context,
    Dataset,
    account_dimensions,
    day_start,
)
from .formula import IbisTarget, PandasTarget, evaluate, parse, setting_value
from .periods import Period, months_before

PERIOD = "_period"
ACCOUNT = "account_id"


def check_names(names: Sequence[str]) -> list[str]:
    cat = builtin()
    unknown = [n for n in names if n not in cat]
    if unknown:
        raise MetricsError(f"unknown metric(s) {', '.join(unknown)}; `tenure metrics --list` "
                           "shows them all")
    return list(dict.fromkeys(names))


def check_by(by: Sequence[str]) -> tuple[str, ...]:
    bad = [b for b in by if b not in DIMENSIONS]
    if bad:
        raise MetricsError(f"cannot group by {', '.join(bad)}; use {', '.join(DIMENSIONS)}")
    return tuple(dict.fromkeys(by))


# ---------------------------------------------------------------------- windows
def _window_days(ctx: Context, spec: str) -> int:
    return int(spec) if spec.isdigit() else int(setting_value(ctx.settings, spec))


def _window_key(window: str) -> str:
    return "w_" + "".join(c if c.isalnum() else "_" for c in window)


def _bounds(ctx: Context, window: str, period: Period) -> tuple[date | None, date]:
    """First and last day (inclusive) of ``window`` for ``period``; None: no first day."""
    w = parse_window(window)
    assert w is not None  # validated with the catalogue
    if w.kind == "period":
        return period.start, period.end
    if w.kind == "to_date":
        return None, period.end
    if w.kind == "at_end":
        return period.end, period.end
    if w.kind == "at_start":
        return period.before_start, period.before_start
    n = _window_days(ctx, w.days or "")
    hi = period.end - timedelta(days=w.offset)
    return hi - timedelta(days=n - 1), hi


def _periods_table(ctx: Context, periods: list[Period], windows: set[str]) -> Any:
    """One row per period with the bounds of every window as dates and as instants, so that
    all periods are computed by one query (rows joined to the periods they fall in)."""
    import ibis

    data: dict[str, list[Any]] = {PERIOD: list(range(len(periods))),
                                  "_end_t": [day_start(p.end + timedelta(days=1))
                                             for p in periods]}
    schema: dict[str, str] = {PERIOD: "int64", "_end_t": "timestamp"}
    for w in sorted(windows):
        k = _window_key(w)
        bounds = [_bounds(ctx, w, p) for p in periods]
        data[f"{k}_lo"] = [lo for lo, _ in bounds]
        data[f"{k}_hi"] = [hi for _, hi in bounds]
        data[f"{k}_lo_t"] = [None if lo is None else day_start(lo) for lo, _ in bounds]
        data[f"{k}_hi_t"] = [day_start(hi + timedelta(days=1)) for _, hi in bounds]
        schema |= {f"{k}_lo": "date", f"{k}_hi": "date", f"{k}_lo_t": "timestamp",
                   f"{k}_hi_t": "timestamp"}
    return ibis.memtable(data, schema=schema)


def _time_column(metric: Metric) -> str:
    return metric.time or DATASETS[metric.dataset or ""].times[0]


def _in_days(col: Any, lo: Any, hi: Any, lo_t: Any, hi_t: Any) -> Any:
    """``col`` on the days lo..hi: a date compared with the days, a timestamp with the
    instants lo_t (start of lo) and hi_t (end of hi); lo None: no first day. The bounds are
    literals or columns of the periods table."""
    if col.type().is_timestamp():
        cond = col < hi_t
        return cond if lo_t is None else cond & (col >= lo_t)
    cond = col <= hi
    return cond if lo is None else cond & (col >= lo)


def _window_condition(table: Any, metric: Metric) -> Any:
    """The joined rows (dataset x period) that fall in the metric's window for the period."""
    window = metric.window or "period"
    k = _window_key(window)
    if window in ("at_end", "at_start"):
        x = table[f"{k}_hi"]
        return (table.valid_from <= x) & (table.valid_until.isnull() | (table.valid_until > x))
    open_start = window == "to_date"
    return _in_days(table[_time_column(metric)],
                    None if open_start else table[f"{k}_lo"], table[f"{k}_hi"],
                    None if open_start else table[f"{k}_lo_t"], table[f"{k}_hi_t"])


def _literal_window(col: Any, lo: date | None, hi: date) -> Any:
    import ibis

    return _in_days(col, None if lo is None else ibis.date(lo), ibis.date(hi),
                    None if lo is None else ibis.timestamp(day_start(lo)),
                    ibis.timestamp(day_start(hi + timedelta(days=1))))


def _where(ctx: Context, table: Any, metric: Metric, cond: Any) -> Any:
    """``cond`` and the metric's ``where`` (a null where counts as false)."""
    if not metric.where:
        return cond
    w = evaluate(parse(metric.where), lambda n: table[n], IbisTarget(), ctx.settings)
    return cond & w.fill_null(False)


def _aggregate(ctx: Context, table: Any, metric: Metric, cond: Any) -> Any:
    cond = _where(ctx, table, metric, cond)
    if metric.agg == "count":
        return table.account_id.count(where=cond)
    x = evaluate(parse(metric.of or ""), lambda n: table[n], IbisTarget(), ctx.settings)
    agg = metric.agg
    if agg == "sum":
        return x.sum(where=cond)
    if agg == "count_distinct":
        return x.nunique(where=cond)
    if agg == "mean":
        return x.mean(where=cond)
    if agg == "median":
        # quantile(0.5), not median(): Ibis 12 compiles median(where=) wrongly for Spark.
        return x.quantile(0.5, where=cond)
    if agg == "p90":
        return x.quantile(0.9, where=cond)
    if agg == "min":
        return x.min(where=cond)
    if agg == "max":
        return x.max(where=cond)
    if agg == "latest":
        return x.argmax(table[_time_column(metric)], where=cond)
    raise MetricsError(f"metric {metric.name}: unknown agg {agg}")  # pragma: no cover


def _span(bounds: list[tuple[date | None, date]]) -> tuple[date | None, date]:
    los = [lo for lo, _ in bounds]
    lo = None if any(x is None for x in los) else min(x for x in los if x is not None)
    return lo, max(hi for _, hi in bounds)


def _prefiltered(ctx: Context, ds: Dataset, ms: list[Metric], periods: list[Period]) -> Any:
    """The dataset cut to the rows some measure of some period reads, with literal bounds
    the warehouse can push down to the scan (the per-period conditions refer to the periods
    table and cannot be): each measure's days across periods and its ``where``."""
    if ds.interval or any(m.time and m.time != ds.times[0] for m in ms):
        return ds.build(ctx, None, None)
    spans = {m.name: _span([_bounds(ctx, m.window or "period", p) for p in periods])
             for m in ms}
    lo, hi = _span(list(spans.values()))
    table = ds.build(ctx, lo, hi)
    col = table[ds.times[0]]
    if ds.with_period is not None:
        return table.filter(_literal_window(col, lo, hi))
    keep = None
    for m in ms:
        cond = _where(ctx, table, m, _literal_window(col, *spans[m.name]))
        keep = cond if keep is None else keep | cond
    return table.filter(keep)


def measure_queries(ctx: Context, measures: list[Metric], periods: list[Period],
                    keys: tuple[str, ...]) -> dict[str, Any]:
    """One Ibis aggregate per dataset computing its measures for all periods, keyed by
    period + keys (not executed)."""
    by_dataset: dict[str, list[Metric]] = {}
    for m in measures:
        by_dataset.setdefault(m.dataset or "", []).append(m)
    queries = {}
    for name, ms in by_dataset.items():
        ds = DATASETS[name]
        for k in keys:
            if k in ROW_DIMENSIONS and name not in ROW_DIMENSIONS[k]:
                raise MetricsError(f"{', '.join(m.name for m in ms)} cannot be grouped by {k}")
        table = _prefiltered(ctx, ds, ms, periods)
        # Accounts are grouped whole, by the dimensions they have as of the date (a
        # subscription row's own plan or product does not split an account).
        need = [k for k in keys if k in ACCOUNT_DIMENSIONS]
        if need:
            dims = account_dimensions(ctx).select(ACCOUNT, *need)
            table = table.drop(*[k for k in need if k in table.columns])
            table = table.left_join(dims, ACCOUNT)
        spans = _periods_table(ctx, periods, {m.window or "period" for m in ms})
        table = table.cross_join(spans)
        if ds.with_period is not None:
            table = ds.with_period(ctx, table)
        conds = {m.name: _window_condition(table, m) for m in ms}
        # Scan only the rows some measure needs: the union of the windows.
        any_cond = None
        for c in conds.values():
            any_cond = c if any_cond is None else any_cond | c
        scan = table.filter(any_cond)
        aggs = {m.name: _aggregate(ctx, scan, m, conds[m.name]) for m in ms}
        queries[name] = scan.group_by([PERIOD, *keys]).aggregate(**aggs)
    return queries


def keyed(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Group keys as objects with None for a missing value, so that frames from different
    queries merge (an all-null column would come back as floats, a null as NaN or None)."""
    for k in keys:
        if k in frame and k != PERIOD:
            col = frame[k].astype(object)
            frame[k] = col.where(col.notna(), None)
    return frame


def _measure_frames(ctx: Context, measures: list[Metric], periods: list[Period],
                    keys: tuple[str, ...]) -> list[pd.DataFrame]:
    return [keyed(_frame(q), keys)
            for q in measure_queries(ctx, measures, periods, keys).values()]


def _frame(expr: Any) -> pd.DataFrame:
    """Run an Ibis expression into pandas through Arrow (Ibis's own to_pandas converts value
    by value, which costs more than the query on small results)."""
    return expr.to_pyarrow().to_pandas(date_as_object=False)


# ---------------------------------------------------------------------- closure
def _plan(names: Sequence[str], grouped: bool) -> tuple[list[Metric], list[Metric],
                                                        list[Metric]]:
    """Split what ``names`` need into measures, rolled-up metrics and formulas (in
    dependency order) at this grain."""
    cat = builtin()
    measures: dict[str, Metric] = {}
    rollups: dict[str, Metric] = {}
    formulas: dict[str, Metric] = {}

    def need(n: str) -> None:
        if n in PERIOD_NAMES or n in measures or n in rollups or n in formulas:
            return
        m = cat[n]
        if grouped and m.rollup:
            rollups[n] = m
            return
        if m.is_measure:
            measures[n] = m
            return
        for d in sorted(parse(m.formula or "").names):
            need(d)
        formulas[n] = m

    for n in names:
        need(n)
    return list(measures.values()), list(rollups.values()), list(formulas.values())


# ---------------------------------------------------------------------- evaluation
def compute_frame(ctx: Context, names: Sequence[str], periods: list[Period],
                  by: tuple[str, ...] | None) -> pd.DataFrame:
    """Values of ``names`` (and what they read) for each period and group.

    ``by=None`` computes per account (key ``account_id``); a tuple of dimensions computes per
    group (the empty tuple: the whole company). Columns: ``_period`` (index into periods), the
    keys, one column per metric.
    """
    grouped = by is not None
    keys: tuple[str, ...] = by if by is not None else (ACCOUNT,)
    measures, rollups, formulas = _plan(names, grouped)
    frames = _measure_frames(ctx, measures, periods, keys)
    if rollups:
        frames.append(_rollup_frame(ctx, rollups, periods, by or ()))
    index = _universe(ctx, frames, periods, keys, grouped)
    out = index
    for f in frames:
        out = out.merge(f, on=[PERIOD, *keys], how="left")
    for m in measures:
        if m.fills_zero:
            out[m.name] = pd.to_numeric(out[m.name], errors="coerce").astype("float64").fillna(0)
    for m in rollups:
        if m.rollup == "sum":
            out[m.name] = out[m.name].astype("float64").fillna(0)
    _apply_formulas(ctx, out, formulas, periods, by)
    return out


def _universe(ctx: Context, frames: list[pd.DataFrame], periods: list[Period],
              keys: tuple[str, ...], grouped: bool) -> pd.DataFrame:
    """Every (period, group) to report: the groups accounts have, and any seen in the data."""
    seen = [f[list(keys)] for f in frames if len(f)]
    if not grouped or all(k in ACCOUNT_DIMENSIONS for k in keys):
        dims = dimensions_frame(ctx)
        seen.append(dims[list(keys)])
    if not keys:
        groups = pd.DataFrame(index=[0])
    else:
        groups = (pd.concat(seen, ignore_index=True).drop_duplicates()
                  if seen else pd.DataFrame(columns=list(keys)))
    periods_df = pd.DataFrame({PERIOD: range(len(periods))})
    return periods_df.merge(groups, how="cross") if keys else periods_df


def dimensions_frame(ctx: Context) -> pd.DataFrame:
    """The account dimensions as a frame, once per context."""
    return ctx.cached(  # type: ignore[no-any-return]
        "dims_frame",
        lambda: keyed(_frame(account_dimensions(ctx)), (ACCOUNT, *ACCOUNT_DIMENSIONS)))


def _rollup_frame(ctx: Context, rollups: list[Metric], periods: list[Period],
                  by: tuple[str, ...]) -> pd.DataFrame:
    """Per-account values combined over each group's accounts."""
    for k in by:
        if k not in ACCOUNT_DIMENSIONS:
            raise MetricsError(f"{', '.join(m.name for m in rollups)} cannot be grouped by {k}")
    inputs: list[str] = []
    for m in rollups:
        inputs.append(m.name)
        if m.population:
            inputs += sorted(parse(m.population).names - set(PERIOD_NAMES))
    acc = compute_frame(ctx, list(dict.fromkeys(inputs)), periods, None)
    if by:
        acc = acc.merge(dimensions_frame(ctx)[[ACCOUNT, *by]], on=ACCOUNT, how="left")
    cols: dict[str, pd.Series] = {}
    group_cols = [PERIOD, *by]
    for m in rollups:
        values = acc[m.name].astype("float64")
        if m.population:
            target = PandasTarget(acc.index)
            keep = evaluate(parse(m.population), lambda n: _col(acc, n, periods),
                            target, ctx.settings)
            values = values.where(pd.Series(keep, index=acc.index).fillna(False).astype(bool))
        g = values.groupby([acc[c] for c in group_cols], dropna=False)
        if m.rollup == "sum":
            cols[m.name] = g.sum(min_count=1)
        elif m.rollup == "mean":
            cols[m.name] = g.mean()
        else:
            cols[m.name] = g.median()
    out = pd.DataFrame(cols).reset_index()
    out.columns = [*group_cols, *cols]
    return keyed(out, by)


def _col(frame: pd.DataFrame, name: str, periods: list[Period]) -> Any:
    if name == "period_end":
        return frame[PERIOD].map(lambda i: pd.Timestamp(periods[i].end))
    if name == "period_start":
        return frame[PERIOD].map(lambda i: pd.Timestamp(periods[i].start))
    return frame[name]


def _apply_formulas(ctx: Context, out: pd.DataFrame, formulas: list[Metric],
                    periods: list[Period], by: tuple[str, ...] | None) -> None:
    target = PandasTarget(out.index)
    for m in formulas:
        expr = parse(m.formula or "")
        prior = {spec: _prior_mean(ctx, out, spec, periods, by) for spec in expr.prior}
        value = evaluate(expr, lambda n: _col(out, n, periods), target, ctx.settings, prior)
        if isinstance(value, pd.Series):
            out[m.name] = pd.to_numeric(value, errors="coerce").astype("float64")
        else:
            out[m.name] = float(value)
        out[m.name] = out[m.name].replace([np.inf, -np.inf], np.nan)


def _prior_mean(ctx: Context, out: pd.DataFrame, spec: tuple[str, int],
                periods: list[Period], by: tuple[str, ...] | None) -> pd.Series:
    """prior_months_mean(metric, n): the metric over the n whole months before each period's
    last month, averaged over the months where it is defined."""
    name, n = spec
    aux: list[Period] = sorted({p for period in periods for p in months_before(period.end, n)})
    keys = list(by) if by is not None else [ACCOUNT]
    frame = compute_frame(ctx, [name], aux, by)
    rows = []
    for i, period in enumerate(periods):
        wanted = {aux.index(p) for p in months_before(period.end, n)}
        part = frame[frame[PERIOD].isin(wanted)]
        mean = part.groupby(keys, dropna=False)[name].mean() if keys else pd.Series(
            [part[name].mean()])
        df = mean.reset_index() if keys else pd.DataFrame({name: mean.values})
        df[PERIOD] = i
        rows.append(df)
    means = keyed(pd.concat(rows, ignore_index=True).rename(columns={name: "_prior"}), keys)
    merged = out[[PERIOD, *keys]].merge(means, on=[PERIOD, *keys], how="left")
    return pd.Series(merged["_prior"].to_numpy(), index=out.index)
