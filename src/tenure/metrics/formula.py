"""The small expression language of metric declarations.

Declarations say what to aggregate (``of``), which rows count (``where``) and how metrics
combine (``formula``) in Python-like syntax, e.g. ``"(churned_mrr + contraction_mrr) /
starting_mrr"`` or ``"survey == 'nps' and score >= 9"``. An expression is parsed once with
:mod:`ast` into a tree of allowed forms only (no attribute access except ``settings.*``, no
calls except the functions below) and then evaluated against a *target*: Ibis columns for the
row-level parts that run in the warehouse, pandas Series for formulas over aggregated values.

Division by zero or by an undefined value is undefined (null), never infinite: every ratio in
the KPI definitions is "undefined when the denominator is 0".
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

FUNCTIONS: dict[str, str] = {
    "coalesce": "first argument that is not null",
    "if_else": "if_else(condition, a, b): a where the condition holds, else b",
    "is_null": "true where the value is undefined",
    "sqrt": "square root",
    "clip": "clip(x, low, high)",
    "least": "smallest argument (undefined when any argument is)",
    "greatest": "largest argument (undefined when any argument is)",
    "days_between": "days_between(a, b): whole days from date a to date b",
    "hours_between": "hours_between(a, b): hours from timestamp a to timestamp b",
    "date": "the date of a timestamp",
    "prior_months_mean": "prior_months_mean(metric, n): mean of the metric over the n "
    "calendar months before the period's last month (months where it is undefined skipped)",
}


class FormulaError(ValueError):
    """An expression that is not in the language."""


@dataclass(frozen=True)
class Expr:
    """A parsed expression and the names it reads."""

    text: str
    tree: ast.expr
    names: frozenset[str]
    settings: frozenset[str]  # dotted settings paths such as "metrics.gross_margin"
    prior: tuple[tuple[str, int], ...]  # prior_months_mean(metric, n) uses


_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)


def _settings_path(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "settings" and parts:
        return ".".join(reversed(parts))
    return None


@cache  # declarations are parsed again at every compile; the trees are never changed
def parse(text: str) -> Expr:
    """Parse ``text``; raise FormulaError naming what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"{text!r} is not an expression: {exc.msg}") from None
    names: set[str] = set()
    settings: set[str] = set()
    prior: list[tuple[str, int]] = []

    def check(node: ast.expr) -> None:
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float | str | bool):
                raise FormulaError(f"{text!r}: constant {node.value!r} is not allowed")
        elif isinstance(node, ast.Name):
            if node.id == "settings":
                raise FormulaError(f"{text!r}: name a setting, e.g. settings.metrics.gross_margin")
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            path = _settings_path(node)
            if path is None:
                raise FormulaError(f"{text!r}: only settings.<section>.<name> may use dots")
            settings.add(path)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
            check(node.operand)
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                check(v)
        elif isinstance(node, ast.Compare) and all(isinstance(o, _CMPOPS) for o in node.ops):
            if len(node.ops) != 1:
                raise FormulaError(f"{text!r}: write chained comparisons with 'and'")
            check(node.left)
            right = node.comparators[0]
            if isinstance(node.ops[0], ast.In | ast.NotIn):
                if isinstance(right, ast.List | ast.Tuple):
                    for v in right.elts:
                        check(v)
                else:
                    check(right)  # a settings list
            else:
                check(right)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            fn = node.func.id
            if fn not in FUNCTIONS or node.keywords:
                raise FormulaError(f"{text!r}: unknown function {fn}()")
            if fn == "prior_months_mean":
                a = node.args
                if (len(a) != 2 or not isinstance(a[0], ast.Name)
                        or not isinstance(a[1], ast.Constant) or not isinstance(a[1].value, int)):
                    raise FormulaError(f"{text!r}: write prior_months_mean(metric_name, months)")
                prior.append((a[0].id, int(a[1].value)))
                return
            for v in node.args:
                check(v)
        else:
            raise FormulaError(f"{text!r}: {ast.unparse(node)!r} is not allowed here")

    check(tree)
    return Expr(text=text, tree=tree, names=frozenset(names), settings=frozenset(settings),
                prior=tuple(prior))


def setting_value(settings: Any, path: str) -> Any:
    """Read ``metrics.gross_margin`` style paths from a Settings object."""
    obj = settings
    for part in path.split("."):
        if not hasattr(obj, part):
            raise FormulaError(f"settings.{path} names no setting")
        obj = getattr(obj, part)
    return obj


class Target:
    """How the forms of the language are built on one kind of value."""

    def literal(self, value: Any) -> Any:
        return value

    def div(self, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def isin(self, a: Any, values: list[Any]) -> Any:
        raise NotImplementedError

    def call(self, fn: str, args: list[Any]) -> Any:
        raise NotImplementedError

    def and_(self, a: Any, b: Any) -> Any:
        return a & b

    def or_(self, a: Any, b: Any) -> Any:
        return a | b

    def not_(self, a: Any) -> Any:
        return ~a


class IbisTarget(Target):
    """Row-level expressions over an Ibis table's columns."""

    def literal(self, value: Any) -> Any:
        import ibis

        return ibis.literal(value)

    def div(self, a: Any, b: Any) -> Any:
        import ibis

        return ibis.ifelse(b == 0, ibis.null(), a / b)

    def isin(self, a: Any, values: list[Any]) -> Any:
        if not values:
            import ibis

            return ibis.literal(False)
        return a.isin(values)

    def call(self, fn: str, args: list[Any]) -> Any:
        import ibis

        if fn == "coalesce":
            return ibis.coalesce(*args)
        if fn == "if_else":
            return ibis.ifelse(args[0], args[1], args[2])
        if fn == "is_null":
            return args[0].isnull()
        if fn == "sqrt":
            return args[0].sqrt()
        if fn == "clip":
            return args[0].clip(lower=args[1], upper=args[2])
        if fn in ("least", "greatest"):
            # SQL's least/greatest skip nulls; the language's are undefined on a null.
            any_null = args[0].isnull()
            for a in args[1:]:
                any_null = any_null | a.isnull()
            value = ibis.least(*args) if fn == "least" else ibis.greatest(*args)
            return ibis.ifelse(any_null, ibis.null(), value)
        if fn == "days_between":
            return args[1].delta(args[0], unit="day")
        if fn == "hours_between":
            return hours_between(args[0], args[1])
        if fn == "date":
            return args[0].date()
        raise FormulaError(f"{fn}() cannot run in the warehouse")


def hours_between(a: Any, b: Any) -> Any:
    """Calendar hours from timestamp a to b, counted in milliseconds: DuckDB's epoch keeps
    fractions of a second, Spark's drops them."""
    return b.delta(a, unit="millisecond").cast("float64") / 3_600_000


def _series(x: Any, index: pd.Index) -> pd.Series:
    if isinstance(x, pd.Series):
        return x
    return pd.Series(x, index=index, dtype=object if x is None else None)


class PandasTarget(Target):
    """Formulas over aggregated values: one pandas Series per metric, aligned on the index."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index

    def div(self, a: Any, b: Any) -> Any:
        a = pd.to_numeric(_series(a, self.index), errors="coerce").astype("float64")
        b = pd.to_numeric(_series(b, self.index), errors="coerce").astype("float64")
        return a / b.where(b != 0)

    def isin(self, a: Any, values: list[Any]) -> Any:
        return _series(a, self.index).isin(values)

    def and_(self, a: Any, b: Any) -> Any:
        return _series(a, self.index).fillna(False).astype(bool) & _series(
            b, self.index).fillna(False).astype(bool)

    def or_(self, a: Any, b: Any) -> Any:
        return _series(a, self.index).fillna(False).astype(bool) | _series(
            b, self.index).fillna(False).astype(bool)

    def not_(self, a: Any) -> Any:
        return ~_series(a, self.index).fillna(False).astype(bool)

    def call(self, fn: str, args: list[Any]) -> Any:
        s = [_series(a, self.index) for a in args]
        if fn == "coalesce":
            out = s[0]
            for nxt in s[1:]:
                out = out.where(out.notna(), nxt)
            return out
        if fn == "if_else":
            cond = s[0].fillna(False).astype(bool)
            return s[1].where(cond, s[2]).astype("float64")
        if fn == "is_null":
            return s[0].isna()
        if fn == "sqrt":
            return np.sqrt(s[0].astype("float64"))
        if fn == "clip":
            return s[0].astype("float64").clip(lower=s[1].astype("float64"),
                                               upper=s[2].astype("float64"))
        if fn in ("least", "greatest"):
            # Undefined when any argument is: the time to value of an account that never
            # reached value is not 0.
            frame = pd.concat([pd.to_numeric(x, errors="coerce").astype("float64") for x in s],
                              axis=1)
            return (frame.min(axis=1, skipna=False) if fn == "least"
                    else frame.max(axis=1, skipna=False))
        if fn == "days_between":
            a, b = (pd.to_datetime(x) for x in s)
            return (b - a).dt.days.astype("float64")
        raise FormulaError(f"{fn}() cannot be used in a formula over metrics")


def evaluate(
    expr: Expr,
    lookup: Callable[[str], Any],
    target: Target,
    settings: Any,
    prior: Mapping[tuple[str, int], Any] | None = None,
) -> Any:
    """Evaluate ``expr`` with names resolved by ``lookup`` on ``target``."""

    def ev(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else target.literal(node.value)
        if isinstance(node, ast.Name):
            return lookup(node.id)
        if isinstance(node, ast.Attribute):
            path = _settings_path(node)
            assert path is not None
            value = setting_value(settings, path)
            return value if isinstance(value, list | str) else target.literal(value)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            return target.div(a, b)
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else target.not_(v)
        if isinstance(node, ast.BoolOp):
            out = ev(node.values[0])
            for v in node.values[1:]:
                nxt = ev(v)
                out = target.and_(out, nxt) if isinstance(node.op, ast.And) else target.or_(
                    out, nxt)
            return out
        if isinstance(node, ast.Compare):
            a, op, right = ev(node.left), node.ops[0], node.comparators[0]
            if isinstance(op, ast.In | ast.NotIn):
                if isinstance(right, ast.List | ast.Tuple):
                    values = [v.value for v in right.elts if isinstance(v, ast.Constant)]
                else:
                    values = list(ev(right))
                res = target.isin(a, values)
                return target.not_(res) if isinstance(op, ast.NotIn) else res
            b = ev(right)
            if isinstance(op, ast.Eq):
                return a == b
            if isinstance(op, ast.NotEq):
                return a != b
            if isinstance(op, ast.Lt):
                return a < b
            if isinstance(op, ast.LtE):
                return a <= b
            if isinstance(op, ast.Gt):
                return a > b
            return a >= b
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            if node.func.id == "prior_months_mean":
                a0, a1 = node.args
                assert isinstance(a0, ast.Name) and isinstance(a1, ast.Constant)
                if prior is None:
                    raise FormulaError("prior_months_mean() is only allowed in formulas")
                months = int(a1.value)  # type: ignore[arg-type]
                return prior[(a0.id, months)]
            return target.call(node.func.id, [ev(a) for a in node.args])
        raise FormulaError(f"cannot evaluate {ast.unparse(node)!r}")  # pragma: no cover

    return ev(expr.tree)

