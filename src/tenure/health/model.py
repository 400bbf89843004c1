"""The health model as data: bands, measures and profiles, read from ``[health]`` in tenure.toml.

A *measure* reads one per-account metric (``tenure metrics --list``) or the CSM's pulse and
scores it 0-100 by one of five methods. A *profile* groups measures with weights; the first
profile whose ``when`` rule holds for an account scores it. *Bands* label score ranges.

Validation collects every problem with where it is (``health.profiles[1] standard.groups.
voice``) and raises them together, so an admin fixes a model in one pass.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import HealthModelError
from ..metrics import catalog
from ..metrics.formula import FormulaError, parse

DEFAULT_FILE = Path(__file__).with_name("default.toml")

SCORINGS = ("thresholds", "ranges", "percentile", "linear", "pulse")
# Totango: a measure scores good = 100, average = 60, poor = 0.
DEFAULT_THRESHOLD_SCORES = (100.0, 60.0, 0.0)
# What a pulse given as a word means (the same good / average / poor convention).
PULSE_WORDS = {"green": 100.0, "yellow": 60.0, "red": 0.0}
# Names a profile's ``when`` rule can read, besides the account's per-account metrics.
RULE_NAMES = ("segment", "industry", "country", "owner", "plan", "product", "cohort",
              "lifecycle", "tenure_days")
LIFECYCLES = ("onboarding", "active", "churned", "prospect")


@dataclass(frozen=True)
class Band:
    label: str
    low: float
    high: float
    color: str = "#888888"

    def holds(self, score: float, top: bool) -> bool:
        return self.low <= score < self.high or (top and score == self.high)


@dataclass(frozen=True)
class Range:
    low: float | None  # included; None: no lower bound
    high: float | None  # excluded; None: no upper bound
    score: float


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    scoring: str
    metric: str | None = None
    good: float | None = None
    average: float | None = None
    scores: tuple[float, float, float] = DEFAULT_THRESHOLD_SCORES
    ranges: tuple[Range, ...] = ()
    worst: float | None = None
    best: float | None = None
    higher_is_better: bool = True
    within: str | None = None
    if_missing: float | None = None
    drag: str = ""
    drag_missing: str = ""  # the words when the value is missing and if_missing scored it

    @property
    def unit(self) -> str:
        if self.scoring == "pulse" or self.metric is None:
            return "score"
        return catalog()[self.metric].unit


@dataclass(frozen=True)
class Group:
    name: str
    label: str
    weight: float
    measures: tuple[tuple[str, float], ...]  # (measure name, weight)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    when: str | None
    groups: tuple[Group, ...]

    def measure_names(self) -> list[str]:
        return list(dict.fromkeys(m for g in self.groups for m, _ in g.measures))


@dataclass(frozen=True)
class HealthModel:
    bands: tuple[Band, ...]
    measures: dict[str, Measure]
    profiles: tuple[Profile, ...]
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def band_of(self, score: float | None) -> str | None:
        if score is None or (isinstance(score, float) and math.isnan(score)):
            return None
        for i, b in enumerate(self.bands):
            if b.holds(score, top=i == len(self.bands) - 1):
                return b.label
        return None

    def profile(self, name: str) -> Profile:
        for p in self.profiles:
            if p.name == name:
                return p
        raise HealthModelError([f"health: no profile named {name!r} (profiles: "
                                f"{', '.join(p.name for p in self.profiles)})"])

    def metrics(self) -> list[str]:
        """The per-account metrics the profiles read."""
        used = {m for p in self.profiles for m in p.measure_names()}
        return sorted({self.measures[m].metric for m in used  # type: ignore[misc]
                       if self.measures[m].metric is not None})

    def uses_pulse(self) -> bool:
        return any(self.measures[m].scoring == "pulse"
                   for p in self.profiles for m in p.measure_names())


@cache
def _default_source() -> dict[str, Any]:
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    return dict(data["health"])


def model_source(health: dict[str, Any] | None) -> dict[str, Any]:
    """The declared model: the workspace's parts over the built-in ones (bands and profiles
    replace, measures merge by name)."""
    base = _default_source()
    health = health or {}
    measures = dict(base["measures"])
    measures.update(health.get("measures") or {})
    return {
        "bands": base["bands"] if health.get("bands") is None else health["bands"],
        "measures": measures,
        "profiles": base["profiles"] if health.get("profiles") is None else health["profiles"],
    }


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


class _Problems(list[str]):
    def need_number(self, where: str, key: str, value: Any, *, low: float | None = None,
                    high: float | None = None) -> float | None:
        if not _number(value):
            self.append(f"{where}: {key} must be a number, not {value!r}")
            return None
        v = float(value)
        if (low is not None and v < low) or (high is not None and v > high):
            self.append(f"{where}: {key} = {value} is outside {low:g}..{high:g}")
            return None
        return v


_MEASURE_KEYS = {
    "label", "metric", "scoring", "good", "average", "scores", "ranges", "worst", "best",
    "higher_is_better", "within", "if_missing", "drag", "drag_missing",
}


def _measure(name: str, d: Any, problems: _Problems) -> Measure | None:
    where = f"health.measures.{name}"
    if not isinstance(d, dict):
        problems.append(f"{where}: must be a table")
        return None
    for key in sorted(set(d) - _MEASURE_KEYS):
        problems.append(f"{where}: unknown key {key!r}")
    scoring = d.get("scoring")
    if scoring not in SCORINGS:
        problems.append(f"{where}: scoring must be one of {', '.join(SCORINGS)}, not "
                        f"{scoring!r}")
        return None
    metric = d.get("metric")
    metrics = catalog()
    if scoring == "pulse":
        if metric is not None:
            problems.append(f"{where}: a pulse measure reads the CSM's pulse, not a metric")
        metric = None
    elif not isinstance(metric, str) or not metric:
        problems.append(f"{where}: metric is missing")
    elif metric not in metrics:
        problems.append(f"{where}: unknown metric {metric!r} (see `tenure metrics --list`)")
    elif metrics[metric].grain == "group":
        problems.append(f"{where}: metric {metric!r} is company-wide, not per account")
    elif metrics[metric].unit == "date":
        problems.append(f"{where}: metric {metric!r} is a date; score a number of days instead")
    kw: dict[str, Any] = {}
    if scoring == "thresholds":
        good = problems.need_number(where, "good", d.get("good"))
        average = problems.need_number(where, "average", d.get("average"))
        if good is not None and average is not None:
            if good == average:
                problems.append(f"{where}: good and average must differ (good > average "
                                "when higher is better, good < average when lower is)")
            kw.update(good=good, average=average, higher_is_better=good > average)
        scores = d.get("scores", list(DEFAULT_THRESHOLD_SCORES))
        if (not isinstance(scores, list) or len(scores) != 3
                or not all(_number(s) and 0 <= s <= 100 for s in scores)):
            problems.append(f"{where}: scores must be three numbers 0-100 "
                            "[good, average, poor]")
        else:
            kw["scores"] = tuple(float(s) for s in scores)
    elif scoring == "ranges":
        kw["ranges"] = _ranges(where, d.get("ranges"), problems)
    elif scoring == "linear":
        worst = problems.need_number(where, "worst", d.get("worst"))
        best = problems.need_number(where, "best", d.get("best"))
        if worst is not None and best is not None:
            if worst == best:
                problems.append(f"{where}: worst and best must differ")
            kw.update(worst=worst, best=best)
    elif scoring == "percentile":
        hib = d.get("higher_is_better", True)
        if not isinstance(hib, bool):
            problems.append(f"{where}: higher_is_better must be true or false")
        else:
            kw["higher_is_better"] = hib
        within = d.get("within")
        if within is not None and within not in (*RULE_NAMES[:7], "lifecycle"):
            problems.append(f"{where}: within must be an account dimension "
                            f"({', '.join(RULE_NAMES[:7])}, lifecycle), not {within!r}")
        else:
            kw["within"] = within
    for key, allowed in (("good", "thresholds"), ("average", "thresholds"),
                         ("scores", "thresholds"), ("ranges", "ranges"),
                         ("worst", "linear"), ("best", "linear"),
                         ("within", "percentile"), ("higher_is_better", "percentile")):
        if key in d and scoring != allowed:
            problems.append(f"{where}: {key} belongs to scoring = \"{allowed}\", not "
                            f"\"{scoring}\"")
    if "if_missing" in d:
        kw["if_missing"] = problems.need_number(where, "if_missing", d["if_missing"],
                                                low=0, high=100)
    if "drag_missing" in d and "if_missing" not in d:
        problems.append(f"{where}: drag_missing needs if_missing (a missing value is "
                        "otherwise ignored, never a drag)")
    label, drag, drag_missing = d.get("label", name), d.get("drag", ""), d.get("drag_missing", "")
    if not all(isinstance(x, str) for x in (label, drag, drag_missing)):
        problems.append(f"{where}: label, drag and drag_missing must be text")
        return None
    for key, text in (("drag", drag), ("drag_missing", drag_missing)):
        try:
            text.format(value="", change="", score="", label="")
        except (KeyError, IndexError, ValueError) as exc:
            problems.append(f"{where}: {key} {text!r} may use only {{value}}, {{change}}, "
                            f"{{score}} and {{label}} ({exc})")
    return Measure(name=name, label=label, scoring=scoring, metric=metric, drag=drag,
                   drag_missing=drag_missing, **kw)


def _ranges(where: str, value: Any, problems: _Problems) -> tuple[Range, ...]:
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: ranges must be a non-empty list of "
                        "{ from = ..., to = ..., score = ... }")
        return ()
    out: list[Range] = []
    for i, r in enumerate(value):
        at = f"{where}.ranges[{i}]"
        if not isinstance(r, dict) or set(r) - {"from", "to", "score"}:
            problems.append(f"{at}: must be {{ from = ..., to = ..., score = ... }}")
            continue
        low = problems.need_number(at, "from", r["from"]) if "from" in r else None
        high = problems.need_number(at, "to", r["to"]) if "to" in r else None
        score = problems.need_number(at, "score", r.get("score"), low=0, high=100)
        if score is None:
            continue
        if low is not None and high is not None and low >= high:
            problems.append(f"{at}: from ({low:g}) must be below to ({high:g})")
            continue
        out.append(Range(low, high, score))
    ordered = sorted(out, key=lambda r: -math.inf if r.low is None else r.low)
    for a, b in itertools.pairwise(ordered):
        a_high = math.inf if a.high is None else a.high
        b_low = -math.inf if b.low is None else b.low
        if b_low < a_high:
            problems.append(f"{where}: ranges overlap ({_show(a)} and {_show(b)})")
    return tuple(ordered)


def _show(r: Range) -> str:
    lo = "" if r.low is None else f"{r.low:g}"
    hi = "" if r.high is None else f"{r.high:g}"
    return f"[{lo}, {hi})"


def _bands(value: Any, problems: _Problems) -> tuple[Band, ...]:
    if not isinstance(value, list) or len(value) < 2:
        problems.append("health.bands: declare at least two bands "
                        "({ label = ..., from = ..., to = ... })")
        return ()
    out: list[Band] = []
    for i, b in enumerate(value):
        at = f"health.bands[{i}]"
        if not isinstance(b, dict) or set(b) - {"label", "from", "to", "color"}:
            problems.append(f"{at}: must be {{ label = ..., from = ..., to = ..., "
                            "color = ... }")
            continue
        label = b.get("label")
        low = problems.need_number(at, "from", b.get("from"), low=0, high=100)
        high = problems.need_number(at, "to", b.get("to"), low=0, high=100)
        if not isinstance(label, str) or not label:
            problems.append(f"{at}: label is missing")
            continue
        if low is None or high is None:
            continue
        if low >= high:
            problems.append(f"{at} {label}: from ({low:g}) must be below to ({high:g})")
            continue
        out.append(Band(label, low, high, str(b.get("color", "#888888"))))
    labels = [b.label for b in out]
    for label in sorted({x for x in labels if labels.count(x) > 1}):
        problems.append(f"health.bands: label {label!r} is used twice")
    ordered = sorted(out, key=lambda b: b.low)
    for a, b in itertools.pairwise(ordered):
        if b.low < a.high:
            problems.append(f"health.bands: {a.label} ({a.low:g}-{a.high:g}) and {b.label} "
                            f"({b.low:g}-{b.high:g}) overlap")
        elif b.low > a.high:
            problems.append(f"health.bands: no band covers {a.high:g}-{b.low:g}")
    if ordered and len(ordered) == len(out) and (ordered[0].low != 0 or ordered[-1].high != 100):
        problems.append("health.bands: the bands must cover 0 to 100")
    return tuple(ordered)


def _profile(i: int, d: Any, measures: dict[str, Measure], declared: set[str],
             problems: _Problems) -> Profile | None:
    at = f"health.profiles[{i}]"
    if not isinstance(d, dict):
        problems.append(f"{at}: must be a table")
        return None
    name = d.get("name")
    if not isinstance(name, str) or not name:
        problems.append(f"{at}: name is missing")
        name = f"#{i}"
    at = f"{at} {name}"
    for key in sorted(set(d) - {"name", "description", "when", "groups"}):
        problems.append(f"{at}: unknown key {key!r}")
    when = d.get("when")
    if when is not None:
        if not isinstance(when, str) or not when.strip():
            problems.append(f"{at}: when must be a rule such as \"segment == 'enterprise'\"")
            when = None
        else:
            try:
                expr = parse(when)
            except FormulaError as exc:
                problems.append(f"{at}: when: {exc}")
            else:
                names = set(RULE_NAMES) | {m for m, d in catalog().items() if d.grain != "group"}
                for n in sorted(expr.names - names):
                    problems.append(f"{at}: when reads {n!r}, which is neither an account "
                                    "attribute nor a per-account metric")
                if expr.prior:
                    problems.append(f"{at}: when cannot use prior_months_mean()")
    groups_in = d.get("groups")
    groups: list[Group] = []
    if not isinstance(groups_in, dict) or not groups_in:
        problems.append(f"{at}: declare at least one group ([health.profiles.groups.NAME])")
    else:
        for gname, g in groups_in.items():
            group = _group(f"{at}.groups.{gname}", gname, g, declared, problems)
            if group is not None:
                groups.append(group)
    return Profile(name=name, description=str(d.get("description", "")), when=when,
                   groups=tuple(groups))


def _group(at: str, name: str, g: Any, declared: set[str], problems: _Problems) -> Group | None:
    if not isinstance(g, dict):
        problems.append(f"{at}: must be a table with weight and measures")
        return None
    for key in sorted(set(g) - {"label", "weight", "measures"}):
        problems.append(f"{at}: unknown key {key!r}")
    weight = problems.need_number(at, "weight", g.get("weight"))
    if weight is not None and weight <= 0:
        problems.append(f"{at}: weight must be above 0 (drop the group instead)")
    members = g.get("measures")
    if not isinstance(members, dict) or not members:
        problems.append(f"{at}: the group is empty (measures = {{ NAME = WEIGHT, ... }})")
        return None
    out: list[tuple[str, float]] = []
    for m, w in members.items():
        if m not in declared:
            problems.append(f"{at}: unknown measure {m!r} (declare [health.measures.{m}])")
        mw = problems.need_number(at, f"measures.{m}", w)
        if mw is not None and mw <= 0:
            problems.append(f"{at}: measure {m} has weight {w}; weights must be above 0")
        if mw is not None:
            out.append((m, mw))
    if weight is None:
        return None
    return Group(name=name, label=str(g.get("label", name)), weight=weight, measures=tuple(out))


def build_model(health: dict[str, Any] | None = None) -> HealthModel:
    """Validate ``health`` (the ``[health]`` table of tenure.toml, ``None`` for the built-in
    model) and return the model; raise HealthModelError listing every problem."""
    source = model_source(health)
    problems = _Problems()
    bands = _bands(source["bands"], problems)
    measures_in = source["measures"]
    measures: dict[str, Measure] = {}
    if not isinstance(measures_in, dict):
        problems.append("health.measures: must be tables [health.measures.NAME]")
        measures_in = {}
    for name, d in measures_in.items():
        m = _measure(name, d, problems)
        if m is not None:
            measures[name] = m
    profiles: list[Profile] = []
    profiles_in = source["profiles"]
    if not isinstance(profiles_in, list) or not profiles_in:
        problems.append("health.profiles: declare at least one profile ([[health.profiles]])")
        profiles_in = []
    for i, d in enumerate(profiles_in):
        p = _profile(i, d, measures, set(measures_in), problems)
        if p is not None:
            profiles.append(p)
    names = [p.name for p in profiles]
    for n in sorted({x for x in names if names.count(x) > 1}):
        problems.append(f"health.profiles: name {n!r} is used twice")
    if problems:
        raise HealthModelError(list(problems))
    return HealthModel(bands=bands, measures=measures, profiles=tuple(profiles), source=source)
