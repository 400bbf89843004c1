"""Onboarding templates as data: milestones per segment, read from ``[[onboarding.plans]]``.

A workspace's list replaces the built-in one (``default.toml``) as a whole. Validation collects
every problem with where it is (``onboarding.plans[1] smb.milestones[2] first_report``) and
raises them together, so an admin fixes the declaration in one pass.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import WorkError
from ..metrics import catalog
from ..metrics.datasets import ACCOUNT_DIMENSIONS
from ..metrics.formula import FormulaError, parse

DEFAULT_FILE = Path(__file__).with_name("default.toml")

_TEMPLATE_KEYS = {"name", "segments", "description", "milestones"}
_MILESTONE_KEYS = {"key", "title", "due_days", "event", "activity",
                   "activity_summary_contains", "metric", "value"}
# Activity kinds of the canonical activities table (DESIGN.md).
ACTIVITY_KINDS = ("call", "email", "meeting", "qbr", "note", "webinar", "training",
                  "community")


@dataclass(frozen=True)
class MilestoneTemplate:
    """One milestone: due ``due_days`` after the plan's start, completed by itself from the
    first ``event``, the first ``activity`` (whose summary contains
    ``activity_summary_contains``, when set) or when the ``metric`` rule holds; by hand when
    none is set. ``value``: reaching it means first value."""

    key: str
    title: str
    due_days: int
    event: str | None = None
    activity: str | None = None
    activity_summary_contains: str | None = None
    metric: str | None = None
    value: bool = False

    @property
    def completes_by(self) -> str:
        """How the milestone completes, in words."""
        if self.event:
            return f"event {self.event}"
        if self.activity:
            extra = (f" mentioning {self.activity_summary_contains!r}"
                     if self.activity_summary_contains else "")
            return f"activity {self.activity}{extra}"
        if self.metric:
            return f"metric {self.metric}"
        return "by hand"


@dataclass(frozen=True)
class PlanTemplate:
    """A template: the segments it serves (none: the fallback) and its milestones in order."""

    name: str
    segments: tuple[str, ...]
    milestones: tuple[MilestoneTemplate, ...]
    description: str = ""

    def milestone(self, key: str) -> MilestoneTemplate | None:
        return next((m for m in self.milestones if m.key == key), None)

    def value_keys(self) -> set[str]:
        return {m.key for m in self.milestones if m.value}

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "segments": list(self.segments),
                "description": self.description,
                "milestones": [{"key": m.key, "title": m.title, "due_days": m.due_days,
                                "completes_by": m.completes_by, "event": m.event,
                                "activity": m.activity,
                                "activity_summary_contains": m.activity_summary_contains,
                                "metric": m.metric, "value": m.value}
                               for m in self.milestones]}


@dataclass(frozen=True)
class Templates:
    """The templates in force, and how an account's segment picks one."""

    plans: tuple[PlanTemplate, ...]

    def get(self, name: str) -> PlanTemplate:
        for p in self.plans:
            if p.name == name:
                return p
        raise WorkError(f"no onboarding template named {name!r} (templates: "
                        f"{', '.join(p.name for p in self.plans)})")

    def find(self, name: str) -> PlanTemplate | None:
        return next((p for p in self.plans if p.name == name), None)

    def for_segment(self, segment: str | None) -> PlanTemplate | None:
        """The template whose segments include ``segment``, else the fallback (None when
        there is no fallback)."""
        for p in self.plans:
            if segment is not None and segment in p.segments:
                return p
        return next((p for p in self.plans if not p.segments), None)

    def metrics(self) -> list[str]:
        """The per-account metrics the milestones' rules read."""
        per_account = per_account_metrics()
        names = {n for p in self.plans for m in p.milestones if m.metric
                 for n in parse(m.metric).names}
        return sorted(names & per_account)


@cache
def _default_source() -> list[dict[str, Any]]:
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    return list(data["onboarding"]["plans"])


def per_account_metrics() -> set[str]:
    """Names of the numeric per-account metrics (what a milestone or goal can read)."""
    return {n for n, m in catalog().items() if m.grain != "group" and m.unit != "date"}


def load_templates(declared: Sequence[dict[str, Any]] | None = None) -> Templates:
    """The templates in force: ``declared`` (``settings.onboarding.plans``) when given, else
    the built-in ones. Raises WorkError listing every problem."""
    raw = _default_source() if declared is None else list(declared)
    problems: list[str] = []
    plans: list[tuple[int, PlanTemplate]] = []
    if not raw:
        problems.append("onboarding.plans: declare at least one template")
    for i, d in enumerate(raw):
        p = _template(i, d, problems)
        if p is not None:
            plans.append((i, p))
    _across(plans, problems)
    if problems:
        raise WorkError(f"the onboarding templates have {len(problems)} problem(s): "
                        + "; ".join(problems), problems)
    return Templates(plans=tuple(p for _, p in plans))


def _template(i: int, d: Any, problems: list[str]) -> PlanTemplate | None:
    at = f"onboarding.plans[{i}]"
    if not isinstance(d, dict):
        problems.append(f"{at}: must be a table")
        return None
    name = d.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{at}: name is missing")
        name = f"#{i}"
    at = f"{at} {name}"
    for key in sorted(set(d) - _TEMPLATE_KEYS):
        problems.append(f"{at}: unknown key {key!r}")
    segments = d.get("segments", [])
    if not isinstance(segments, list) or not all(isinstance(s, str) and s for s in segments):
        problems.append(f"{at}: segments must be a list of segment names ([] for the "
                        "fallback template)")
        segments = []
    milestones_in = d.get("milestones")
    milestones: list[MilestoneTemplate] = []
    if not isinstance(milestones_in, list) or not milestones_in:
        problems.append(f"{at}: declare at least one milestone "
                        "([[onboarding.plans.milestones]])")
    else:
        seen: set[str] = set()
        for j, m in enumerate(milestones_in):
            ms = _milestone(f"{at}.milestones[{j}]", m, problems)
            if ms is None:
                continue
            if ms.key in seen:
                problems.append(f"{at}.milestones[{j}]: duplicate key {ms.key!r}")
            seen.add(ms.key)
            milestones.append(ms)
    return PlanTemplate(name=name, segments=tuple(segments), milestones=tuple(milestones),
                        description=str(d.get("description", "")))


def _milestone(at: str, d: Any, problems: list[str]) -> MilestoneTemplate | None:
    if not isinstance(d, dict):
        problems.append(f"{at}: must be a table")
        return None
    key = d.get("key")
    if not isinstance(key, str) or not key.strip():
        problems.append(f"{at}: key is missing")
        key = None
    else:
        at = f"{at} {key}"
    for k in sorted(set(d) - _MILESTONE_KEYS):
        problems.append(f"{at}: unknown key {k!r}")
    title = d.get("title", key)
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{at}: title must be a text")
    due = d.get("due_days")
    if not isinstance(due, int) or isinstance(due, bool) or due <= 0:
        problems.append(f"{at}: due_days must be a whole number of days above 0, not {due!r}")
    rules = [r for r in ("event", "activity", "metric") if d.get(r) is not None]
    if len(rules) > 1:
        problems.append(f"{at}: choose one of event, activity or metric, not "
                        f"{' and '.join(rules)}")
    for r in rules:
        if not isinstance(d[r], str) or not d[r].strip():
            problems.append(f"{at}: {r} must be a text")
    activity = d.get("activity")
    if isinstance(activity, str) and activity and activity not in ACTIVITY_KINDS:
        problems.append(f"{at}: unknown activity kind {activity!r} (kinds: "
                        f"{', '.join(ACTIVITY_KINDS)})")
    contains = d.get("activity_summary_contains")
    if contains is not None and (not isinstance(contains, str) or activity is None):
        problems.append(f"{at}: activity_summary_contains is a text and needs activity")
    metric = d.get("metric")
    if isinstance(metric, str) and metric.strip():
        _check_rule(at, metric, problems)
    value = d.get("value", False)
    if not isinstance(value, bool):
        problems.append(f"{at}: value must be true or false")
    if key is None or not isinstance(due, int) or not isinstance(title, str):
        return None
    return MilestoneTemplate(
        key=key, title=title, due_days=due,
        event=d.get("event") if isinstance(d.get("event"), str) else None,
        activity=activity if isinstance(activity, str) else None,
        activity_summary_contains=contains if isinstance(contains, str) else None,
        metric=metric if isinstance(metric, str) else None,
        value=value is True)


def _check_rule(at: str, rule: str, problems: list[str]) -> None:
    try:
        expr = parse(rule)
    except FormulaError as exc:
        problems.append(f"{at}: metric: {exc}")
        return
    known = per_account_metrics() | set(ACCOUNT_DIMENSIONS)
    for n in sorted(expr.names - known):
        problems.append(f"{at}: metric rule reads {n!r}, which is neither a per-account "
                        "metric nor an account attribute (see `tenure metrics --list`)")
    if expr.prior:
        problems.append(f"{at}: metric rule cannot use prior_months_mean()")
    if expr.settings:
        problems.append(f"{at}: metric rule cannot read settings")


def _across(plans: list[tuple[int, PlanTemplate]], problems: list[str]) -> None:
    names: set[str] = set()
    owner: dict[str, tuple[int, str]] = {}
    fallbacks = [p.name for _, p in plans if not p.segments]
    for i, p in plans:
        if p.name in names:
            problems.append(f"onboarding.plans: two templates named {p.name!r}")
        names.add(p.name)
        for s in p.segments:
            if s in owner:
                j, other = owner[s]
                problems.append(f"onboarding.plans: segment {s!r} is in both [{j}] {other} "
                                f"and [{i}] {p.name}")
            else:
                owner[s] = (i, p.name)
    if len(fallbacks) > 1:
        problems.append("onboarding.plans: more than one fallback template (no segments): "
                        + ", ".join(repr(n) for n in fallbacks))
