"""Metric declarations: read from TOML, validated with every problem listed at once.

The built-in catalogue is ``definitions.toml`` next to this module; it is data, not code, and
``docs/metrics.md`` is generated from it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..errors import MetricsError
from .datasets import DATASETS
from .formula import FormulaError, parse

AGGS = ("sum", "count", "count_distinct", "mean", "median", "p90", "min", "max", "latest")
ROLLUPS = ("sum", "mean", "median")
UNITS = ("money", "count", "ratio", "score", "hours", "days", "number", "date")
FAMILIES = ("revenue", "retention", "value", "satisfaction", "support", "adoption")
GRAINS = ("any", "group", "account")
WINDOW = re.compile(r"period|to_date|at_end|at_start|trailing:([\w.]+)(?::(\d+))?")
# Names a formula may read besides metrics: the period's bounds.
PERIOD_NAMES = ("period_start", "period_end")
_FIELDS = {"name", "label", "family", "unit", "grain", "description", "from", "agg", "of",
           "where", "window", "time", "formula", "rollup", "population"}


@dataclass(frozen=True)
class Metric:
    """One declared metric: a measure over a dataset, or a formula over other metrics."""

    name: str
    label: str
    family: str
    unit: str
    description: str
    grain: str = "any"
    dataset: str | None = None
    agg: str | None = None
    of: str | None = None
    where: str | None = None
    window: str | None = None
    time: str | None = None
    formula: str | None = None
    rollup: str | None = None
    population: str | None = None

    @property
    def is_measure(self) -> bool:
        return self.dataset is not None

    @property
    def fills_zero(self) -> bool:
        """Counts and sums are 0 where there are no rows; other aggregates are undefined."""
        return self.agg in ("sum", "count", "count_distinct")

    def depends_on(self) -> set[str]:
        """Metrics this one reads (formula, prior months and population)."""
        names: set[str] = set()
        for text in (self.formula, self.population):
            if text:
                e = parse(text)
                names |= set(e.names) | {m for m, _ in e.prior}
        return names - set(PERIOD_NAMES)


@dataclass(frozen=True)
class Window:
    """A parsed window: its kind and, for ``trailing:N[:M]``, N (days or a setting's dotted
    name) and M (days back from the period's end)."""

    kind: str
    days: str | None = None
    offset: int = 0


def parse_window(window: str) -> Window | None:
    """``trailing:30:30`` -> Window("trailing", "30", 30); None when not a window."""
    m = WINDOW.fullmatch(window)
    if not m:
        return None
    if m.group(1) is None:
        return Window(window)
    return Window("trailing", m.group(1), int(m.group(2) or 0))


def _window_ok(window: str, settings_paths: set[str]) -> bool:
    w = parse_window(window)
    return w is not None and (w.days is None or w.days.isdigit() or w.days in settings_paths)


def validate(raw: list[dict[str, Any]], settings_paths: set[str]) -> dict[str, Metric]:
    """Build the catalogue from raw declarations; raise MetricsError listing every problem."""
    problems: list[str] = []
    metrics: dict[str, Metric] = {}
    for i, item in enumerate(raw, start=1):
        where = f"metric #{i} ({item.get('name', '?')})"
        unknown = set(item) - _FIELDS
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        name = item.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            problems.append(f"{where}: name must be snake_case")
            continue
        if name in metrics:
            problems.append(f"{where}: declared twice")
        for key in ("label", "family", "unit", "description"):
            if not item.get(key):
                problems.append(f"{where}: {key} is missing")
        if item.get("family") and item["family"] not in FAMILIES:
            problems.append(f"{where}: family must be one of {', '.join(FAMILIES)}")
        if item.get("unit") and item["unit"] not in UNITS:
            problems.append(f"{where}: unit must be one of {', '.join(UNITS)}")
        if item.get("grain", "any") not in GRAINS:
            problems.append(f"{where}: grain must be any, group or account")
        if item.get("rollup") is not None and item["rollup"] not in ROLLUPS:
            problems.append(f"{where}: rollup must be one of {', '.join(ROLLUPS)}")
        if item.get("population") and not item.get("rollup"):
            problems.append(f"{where}: population only makes sense with a rollup")
        has_measure, has_formula = "from" in item, "formula" in item
        if has_measure == has_formula:
            problems.append(f"{where}: give either from/agg (a measure) or formula")
        if has_measure:
            ds = DATASETS.get(item["from"])
            if ds is None:
                problems.append(f"{where}: unknown dataset {item['from']!r} (known: "
                                f"{', '.join(sorted(DATASETS))})")
            agg = item.get("agg")
            if agg not in AGGS:
                problems.append(f"{where}: agg must be one of {', '.join(AGGS)}")
            if agg != "count" and not item.get("of"):
                problems.append(f"{where}: agg {agg} needs `of`")
            window = item.get("window")
            if not isinstance(window, str) or not _window_ok(window, settings_paths):
                problems.append(f"{where}: window {window!r} is not period, to_date, at_end, "
                                "at_start or trailing:DAYS[:OFFSET] (DAYS a number or a setting)")
            elif ds is not None and (window in ("at_end", "at_start")) != ds.interval:
                problems.append(f"{where}: window {window} does not suit dataset {ds.name}")
            if ds is not None:
                if item.get("time") and item["time"] not in ds.times:
                    problems.append(f"{where}: time {item['time']!r} is not a time column of "
                                    f"{ds.name} ({', '.join(ds.times)})")
                for key in ("of", "where"):
                    text = item.get(key)
                    if not text:
                        continue
                    try:
                        e = parse(text)
                    except FormulaError as exc:
                        problems.append(f"{where}: {key}: {exc}")
                        continue
                    missing = set(e.names) - set(ds.columns)
                    if missing:
                        problems.append(f"{where}: {key} reads {', '.join(sorted(missing))}, "
                                        f"not columns of {ds.name}")
                    bad = set(e.settings) - settings_paths
                    if bad:
                        problems.append(f"{where}: {key} reads unknown settings "
                                        f"{', '.join(sorted(bad))}")
        for key in ("formula", "population"):
            text = item.get(key)
            if text:
                try:
                    e = parse(text)
                except FormulaError as exc:
                    problems.append(f"{where}: {key}: {exc}")
                    continue
                bad = set(e.settings) - settings_paths
                if bad:
                    problems.append(f"{where}: {key} reads unknown settings "
                                    f"{', '.join(sorted(bad))}")
        try:
            metrics[name] = Metric(
                name=name, label=item.get("label", ""), family=item.get("family", ""),
                unit=item.get("unit", ""), description=item.get("description", ""),
                grain=item.get("grain", "any"), dataset=item.get("from"),
                agg=item.get("agg"), of=item.get("of"), where=item.get("where"),
                window=item.get("window"), time=item.get("time"), formula=item.get("formula"),
                rollup=item.get("rollup"), population=item.get("population"))
        except TypeError as exc:  # pragma: no cover - wrong TOML types
            problems.append(f"{where}: {exc}")
    for m in metrics.values():
        try:
            deps = m.depends_on()
        except FormulaError:
            continue
        for d in sorted(deps - set(metrics)):
            problems.append(f"metric {m.name}: reads {d!r}, which is not a metric")
        for d in sorted(deps & set(metrics)):
            dep = metrics[d]
            if m.grain != "group" and dep.grain == "group":
                problems.append(f"metric {m.name}: can be computed per account but reads "
                                f"the group-only metric {d}")
            if m.grain != "account" and not m.rollup and dep.grain == "account":
                problems.append(f"metric {m.name}: can be computed per group but reads the "
                                f"account-only metric {d} without a rollup")
    problems += _cycles(metrics)
    if problems:
        raise MetricsError("metric definitions have problems:\n  " + "\n  ".join(problems))
    return metrics


def _cycles(metrics: dict[str, Metric]) -> list[str]:
    state: dict[str, int] = {}
    found: list[str] = []

    def visit(n: str, path: list[str]) -> None:
        if state.get(n) == 2 or n not in metrics:
            return
        if state.get(n) == 1:
            found.append("metrics read each other in a circle: " + " -> ".join([*path, n]))
            return
        state[n] = 1
        try:
            deps = metrics[n].depends_on()
        except FormulaError:
            deps = set()
        for d in sorted(deps):
            visit(d, [*path, n])
        state[n] = 2

    for n in metrics:
        visit(n, [])
    return found


def settings_paths() -> set[str]:
    from ..settings import iter_settings

    return {dotted for dotted, _, _ in iter_settings()}


def load_raw(text: str) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MetricsError(f"metric definitions are not valid TOML: {exc}") from exc
    raw = data.get("metric", [])
    if not isinstance(raw, list):
        raise MetricsError("metric definitions: use [[metric]] tables")
    return raw


@cache
def builtin() -> dict[str, Metric]:
    """The built-in catalogue (validated once per process)."""
    text = resources.files(__package__).joinpath("definitions.toml").read_text("utf-8")
    return validate(load_raw(text), settings_paths())
