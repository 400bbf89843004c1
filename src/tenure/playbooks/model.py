"""Playbooks as data: ``[[playbooks.playbook]]`` in tenure.toml over the built-in ones.

A playbook is a *trigger* (what happened to an account: its health entered a band, a
detractor answered, a renewal is near while at risk, ...), an optional ``when`` rule in the
metrics formula language (``segment == 'enterprise' and arr >= 50000``) and *actions* (make a
task, send an email, a Slack or webhook message, enrol the account in onboarding).

Workspace playbooks are merged *by name* with the built-in ones in ``default.toml``: an entry
with a built-in name replaces it, ``enabled = false`` switches one off. Validation collects
every problem with where it is (``playbooks.playbook[2] renewal-risk.trigger.within_days:
must be above 0``) and raises them together as one WorkError, so an admin fixes the
declarations in one pass.
"""

from __future__ import annotations

import math
import re
import string
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import WorkError
from ..metrics import catalog
from ..metrics.datasets import ACCOUNT_DIMENSIONS
from ..metrics.formula import FormulaError, parse
from ..settings import Settings

DEFAULT_FILE = Path(__file__).with_name("default.toml")

TASK_TYPES = ("risk", "opportunity", "lifecycle", "activity")
PRIORITIES = ("urgent", "high", "medium", "low")
CHANNELS = ("email", "slack", "webhook")
ACTION_KINDS = ("task", *CHANNELS, "enrol")
# Names a ``when`` rule reads besides the per-account metrics: the account's dimensions and
# what the latest scoring run says about it (the snapshot).
SNAPSHOT_NAMES = ("lifecycle", "score", "band", "churn_probability", "days_to_renewal")
RULE_NAMES = (*ACCOUNT_DIMENSIONS, *SNAPSHOT_NAMES)
# Placeholders of titles, steps and messages (see docs/playbooks.md).
PLACEHOLDERS = ("account", "account_id", "segment", "owner", "score", "band", "churn", "task",
                "arr", "renewal_date", "reason", "playbook", "due")
# Slack and webhook messages leave the company's systems: they carry account ids and names,
# never a person's email.
PERSONAL_PLACEHOLDERS = ("owner",)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Param:
    """One trigger parameter: its kind (number, int, bands, text), bounds and default."""

    kind: str
    default: Any = None
    low: float | None = None  # inclusive unless low_open
    high: float | None = None
    low_open: bool = False
    help: str = ""
    required: bool = False


# Every trigger kind with its parameters. A parameter without a default is required. Defaults
# that depend on settings (the lookback, the onboarding stall) are filled in by the engine.
TRIGGERS: dict[str, dict[str, Param]] = {
    "health_band": {"band": Param("text", help="the band entered, e.g. red", required=True)},
    "health_drop": {
        "points": Param("number", low=0, low_open=True, help="points fallen, at least",
                        required=True),
        "days": Param("int", 30, low=0, low_open=True, help="over this many days")},
    "churn_risk": {"min_probability": Param("number", low=0, high=1, low_open=True,
                                            help="churn probability, at least", required=True)},
    "nps_detractor": {"max_score": Param("int", 6, low=0, high=10,
                                         help="NPS answers at most this")},
    "csat_low": {"max_score": Param("int", 2, low=1, high=5, help="CSAT answers at most this")},
    "renewal_at_risk": {
        "within_days": Param("int", low=0, low_open=True, help="renewal within this many days",
                             required=True),
        "bands": Param("bands", (), help="at risk: health in one of these bands"),
        "min_probability": Param("number", None, low=0, high=1, low_open=True,
                                 help="or at risk: churn probability at least this")},
    "onboarding_overdue": {"min_days_overdue": Param(
        "int", None, low=0, help="days past a milestone's due date (default "
        "onboarding.stalled_after_days)")},
    "usage_drop": {"min_drop": Param("number", low=0, high=1, low_open=True,
                                     help="usage down by at least this share", required=True)},
    "ticket_spike": {
        "min_tickets": Param("int", low=1, help="tickets opened, at least", required=True),
        "days": Param("int", 7, low=0, low_open=True, help="within this many days")},
    "seat_utilization": {"min_ratio": Param("number", 0.9, low=0, low_open=True,
                                            help="active users / seats, at least")},
    "champion_left": {},
    "checkin_overdue": {"min_days_overdue": Param("int", 0, low=0,
                                                  help="days past the check-in's due date")},
    "metric": {"reason": Param("text", "", help="the reason in words, with {metric} values")},
}
# Triggers that read a per-account metric (computed with the `when` rules' metrics).
TRIGGER_METRICS = {"usage_drop": ("usage_trend",), "seat_utilization": ("seat_utilization",)}


@dataclass(frozen=True)
class Trigger:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """One action. ``task``: type, priority, owner ("account" or an email), due_days, title,
    steps. ``email``: to ("owner" or an address), subject, body. ``slack`` / ``webhook``:
    text. ``enrol``: template (None: the account's segment's)."""

    kind: str
    type: str = "risk"
    priority: str = "medium"
    owner: str = "account"
    due_days: int = 7
    title: str = ""
    steps: tuple[str, ...] = ()
    to: str = "owner"
    subject: str = ""
    body: str = ""
    text: str = ""
    template: str | None = None


@dataclass(frozen=True)
class Playbook:
    name: str
    title: str
    description: str
    trigger: Trigger
    when: str | None
    actions: tuple[Action, ...]
    enabled: bool = True
    builtin: bool = False

    def task_action(self) -> Action | None:
        return next((a for a in self.actions if a.kind == "task"), None)

    def metrics(self) -> set[str]:
        """The per-account metrics the trigger and the ``when`` rule read."""
        names = set(TRIGGER_METRICS.get(self.trigger.kind, ()))
        if self.trigger.kind == "metric":
            names |= set(template_fields(self.trigger.params.get("reason") or "")) & (
                per_account_metrics())
        if self.when:
            names |= set(parse(self.when).names) & per_account_metrics()
        return names


def template_fields(text: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]


def per_account_metrics() -> set[str]:
    return {n for n, m in catalog().items() if m.grain != "group" and m.unit != "date"}


@cache
def _default_source() -> tuple[dict[str, Any], ...]:
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    return tuple(data["playbooks"]["playbook"])


def declared(settings: Settings) -> list[tuple[str, dict[str, Any], bool]]:
    """The playbooks in force before validation: (where, declaration, built in), built-in
    ones first in their order, a workspace entry with the same name in its place."""
    own = settings.playbooks.playbook or []
    out: list[tuple[str, dict[str, Any], bool]] = []
    by_name: dict[str, int] = {}
    for i, d in enumerate(_default_source()):
        by_name[str(d["name"])] = len(out)
        out.append((f"playbooks (built in)[{i}]", dict(d), True))
    for i, d in enumerate(own):
        where = f"playbooks.playbook[{i}]"
        name = d.get("name") if isinstance(d, dict) else None
        if isinstance(name, str) and name in by_name and out[by_name[name]][2]:
            base = out[by_name[name]][1]
            # `enabled = false` alone switches a built-in playbook off; anything more
            # replaces it whole.
            entry = {**base, **d} if set(d) <= {"name", "enabled"} else d
            out[by_name[name]] = (where, entry, False)
        else:
            if isinstance(name, str):
                by_name.setdefault(name, len(out))
            out.append((where, d if isinstance(d, dict) else {"__bad__": d}, False))
    return out


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _param(at: str, key: str, p: Param, value: Any, problems: list[str]) -> Any:
    where = f"{at}.trigger.{key}"
    if p.kind == "text":
        if not isinstance(value, str):
            problems.append(f"{where}: must be text")
            return None
        return value
    if p.kind == "bands":
        if not isinstance(value, list | tuple) or not all(isinstance(b, str) for b in value):
            problems.append(f"{where}: must be a list of band labels, e.g. [\"red\"]")
            return ()
        return tuple(value)
    if not _number(value) or (p.kind == "int" and float(value) != int(value)):
        what = "a whole number" if p.kind == "int" else "a number"
        problems.append(f"{where}: must be {what}, not {value!r}")
        return None
    v = int(value) if p.kind == "int" else float(value)
    if p.low is not None and (v <= p.low if p.low_open else v < p.low):
        problems.append(f"{where}: must be {'above' if p.low_open else 'at least'} {p.low:g}")
        return None
    if p.high is not None and v > p.high:
        problems.append(f"{where}: must be at most {p.high:g}")
        return None
    return v


def _trigger(at: str, d: Any, bands: tuple[str, ...], problems: list[str]) -> Trigger | None:
    if not isinstance(d, dict):
        problems.append(f"{at}.trigger: must be a table with kind = one of "
                        f"{', '.join(TRIGGERS)}")
        return None
    kind = d.get("kind")
    if kind not in TRIGGERS:
        problems.append(f"{at}.trigger.kind: must be one of {', '.join(TRIGGERS)}, not "
                        f"{kind!r}")
        return None
    spec = TRIGGERS[kind]
    for key in sorted(set(d) - set(spec) - {"kind"}):
        problems.append(f"{at}.trigger: unknown key {key!r} for kind {kind!r} "
                        f"(it takes {', '.join(spec) or 'no parameters'})")
    params: dict[str, Any] = {}
    for key, p in spec.items():
        if key not in d:
            if p.required:
                problems.append(f"{at}.trigger.{key}: is missing ({p.help})")
            else:
                params[key] = p.default
            continue
        params[key] = _param(at, key, p, d[key], problems)
    if kind == "health_band" and isinstance(params.get("band"), str) and bands and (
            params["band"] not in bands):
        problems.append(f"{at}.trigger.band: {params['band']!r} is not a health band "
                        f"({', '.join(bands)})")
    if kind == "renewal_at_risk":
        for b in params.get("bands") or ():
            if bands and b not in bands:
                problems.append(f"{at}.trigger.bands: {b!r} is not a health band "
                                f"({', '.join(bands)})")
        if not params.get("bands") and params.get("min_probability") is None:
            problems.append(f"{at}.trigger: say what 'at risk' means: bands = [...] and/or "
                            "min_probability = ...")
    if kind == "metric" and isinstance(params.get("reason"), str):
        try:
            fields = template_fields(params["reason"])
        except ValueError as exc:
            problems.append(f"{at}.trigger.reason: {exc}")
            fields = []
        for f in fields:
            if f not in RULE_NAMES and f not in per_account_metrics():
                problems.append(f"{at}.trigger.reason: {{{f}}} is neither an account "
                                "attribute nor a per-account metric")
    return Trigger(kind=kind, params=params)


def _template(where: str, text: Any, problems: list[str], *, personal: bool = True) -> str:
    if not isinstance(text, str):
        problems.append(f"{where}: must be text")
        return ""
    allowed = PLACEHOLDERS if personal else tuple(
        p for p in PLACEHOLDERS if p not in PERSONAL_PLACEHOLDERS)
    try:
        used = template_fields(text)
    except ValueError as exc:
        problems.append(f"{where}: {exc} in {text!r}")
        return ""
    for f in used:
        if f not in allowed:
            why = (" (a message that leaves the company carries no one's email)"
                   if f in PERSONAL_PLACEHOLDERS else "")
            problems.append(f"{where}: unknown placeholder {{{f}}}{why}; use "
                            + ", ".join(f"{{{p}}}" for p in allowed))
    return text


_ACTION_KEYS = {
    "task": {"type", "priority", "owner", "due_days", "title", "steps"},
    "email": {"to", "subject", "body"},
    "slack": {"text"},
    "webhook": {"text"},
    "enrol": {"template"},
}


def _action(at: str, d: Any, problems: list[str]) -> Action | None:
    if not isinstance(d, dict):
        problems.append(f"{at}: must be a table with kind = one of {', '.join(ACTION_KINDS)}")
        return None
    kind = d.get("kind")
    if kind not in ACTION_KINDS:
        problems.append(f"{at}.kind: must be one of {', '.join(ACTION_KINDS)}, not {kind!r}")
        return None
    for key in sorted(set(d) - _ACTION_KEYS[kind] - {"kind"}):
        problems.append(f"{at}: unknown key {key!r} for a {kind} action (it takes "
                        f"{', '.join(sorted(_ACTION_KEYS[kind]))})")
    kw: dict[str, Any] = {}
    if kind == "task":
        if d.get("type", "risk") not in TASK_TYPES:
            problems.append(f"{at}.type: must be one of {', '.join(TASK_TYPES)}, not "
                            f"{d.get('type')!r}")
        if d.get("priority", "medium") not in PRIORITIES:
            problems.append(f"{at}.priority: must be one of {', '.join(PRIORITIES)}, not "
                            f"{d.get('priority')!r}")
        owner = d.get("owner", "account")
        if not isinstance(owner, str) or (owner != "account" and "@" not in owner):
            problems.append(f"{at}.owner: must be \"account\" (the account's owner) or an "
                            f"email, not {owner!r}")
        due = d.get("due_days", 7)
        if not _number(due) or float(due) != int(due) or due < 0:
            problems.append(f"{at}.due_days: must be a whole number of days, at least 0")
            due = 7
        steps = d.get("steps", [])
        if not isinstance(steps, list):
            problems.append(f"{at}.steps: must be a list of texts")
            steps = []
        kw.update(type=d.get("type", "risk"), priority=d.get("priority", "medium"),
                  owner=owner if isinstance(owner, str) else "account", due_days=int(due),
                  title=_template(f"{at}.title", d.get("title", "{reason}"), problems),
                  steps=tuple(_template(f"{at}.steps[{j}]", s, problems)
                              for j, s in enumerate(steps)))
    elif kind == "email":
        to = d.get("to", "owner")
        if not isinstance(to, str) or (to != "owner" and "@" not in to):
            problems.append(f"{at}.to: must be \"owner\" (the task's owner) or an email, "
                            f"not {to!r}")
        kw.update(to=to if isinstance(to, str) else "owner",
                  subject=_template(f"{at}.subject", d.get("subject", ""), problems),
                  body=_template(f"{at}.body", d.get("body", ""), problems))
    elif kind in ("slack", "webhook"):
        kw["text"] = _template(f"{at}.text", d.get("text", ""), problems, personal=False)
    elif kind == "enrol":
        template = d.get("template")
        if template is not None and not isinstance(template, str):
            problems.append(f"{at}.template: must be the name of an onboarding template")
        kw["template"] = template if isinstance(template, str) else None
    return Action(kind=kind, **kw)


def _when(at: str, when: Any, problems: list[str]) -> str | None:
    if when is None:
        return None
    if not isinstance(when, str) or not when.strip():
        problems.append(f"{at}.when: must be a rule such as \"segment == 'enterprise'\"")
        return None
    try:
        expr = parse(when)
    except FormulaError as exc:
        problems.append(f"{at}.when: {exc}")
        return None
    for n in sorted(expr.names - set(RULE_NAMES) - per_account_metrics()):
        problems.append(f"{at}.when reads {n!r}, which is neither an account attribute "
                        f"({', '.join(RULE_NAMES)}) nor a per-account metric")
    if expr.prior or expr.settings:
        problems.append(f"{at}.when: cannot use prior_months_mean() or settings")
    return when


_KEYS = {"name", "title", "description", "enabled", "trigger", "when", "actions"}


def _playbook(where: str, d: dict[str, Any], builtin: bool, bands: tuple[str, ...],
              problems: list[str]) -> Playbook | None:
    if "__bad__" in d:
        problems.append(f"{where}: must be a table ([[playbooks.playbook]])")
        return None
    name = d.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        problems.append(f"{where}.name: must be lower-case letters, digits, - or _ "
                        f"(e.g. renewal-risk), not {name!r}")
        name = f"#{where}"
    at = f"{where} {name}"
    for key in sorted(set(d) - _KEYS):
        problems.append(f"{at}: unknown key {key!r}")
    enabled = d.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.append(f"{at}.enabled: must be true or false")
    for key in ("title", "description"):
        if key in d and not isinstance(d[key], str):
            problems.append(f"{at}.{key}: must be text")
    trigger = _trigger(at, d.get("trigger"), bands, problems)
    when = _when(at, d.get("when"), problems)
    actions_in = d.get("actions")
    actions: list[Action] = []
    if not isinstance(actions_in, list) or not actions_in:
        problems.append(f"{at}.actions: declare at least one action "
                        f"([[playbooks.playbook.actions]] with kind = "
                        f"{' | '.join(ACTION_KINDS)})")
    else:
        for j, a in enumerate(actions_in):
            act = _action(f"{at}.actions[{j}]", a, problems)
            if act is not None:
                actions.append(act)
    kinds = [a.kind for a in actions]
    if kinds.count("task") > 1:
        problems.append(f"{at}.actions: at most one task action per playbook")
    if trigger is not None and trigger.kind == "metric" and when is None and (
            "when" not in d):
        problems.append(f"{at}.when: a metric trigger needs a when rule (the condition)")
    if trigger is None:
        return None
    title = d.get("title") if isinstance(d.get("title"), str) else name
    return Playbook(name=name, title=str(title), description=str(d.get("description", "")),
                    trigger=trigger, when=when, actions=tuple(actions),
                    enabled=enabled is not False, builtin=builtin)


def build_playbooks(settings: Settings) -> list[Playbook]:
    """Every declared playbook (enabled or not), validated; WorkError lists every problem."""
    from ..health import load_model

    bands = tuple(b.label for b in load_model(settings).bands)
    problems: list[str] = []
    out: list[Playbook] = []
    for where, d, builtin in declared(settings):
        p = _playbook(where, d, builtin, bands, problems)
        if p is not None:
            out.append(p)
    names = [p.name for p in out]
    for n in sorted({x for x in names if names.count(x) > 1}):
        problems.append(f"playbooks: name {n!r} is used twice")
    if problems:
        raise WorkError(f"the playbooks have {len(problems)} problem(s): "
                        + "; ".join(problems), problems)
    return out


def load_playbooks(settings: Settings) -> list[Playbook]:
    """The enabled playbooks, in declaration order (built-in ones first)."""
    return [p for p in build_playbooks(settings) if p.enabled]


def describe_trigger(t: Trigger) -> str:
    """A trigger in words, for `tenure playbooks list`."""
    p = t.params
    if t.kind == "health_band":
        return f"health entered {p['band']}"
    if t.kind == "health_drop":
        return f"health fell {p['points']:g}+ points in {p['days']} days"
    if t.kind == "churn_risk":
        return f"churn risk at least {100 * p['min_probability']:.0f}%"
    if t.kind == "nps_detractor":
        return f"an NPS answer of {p['max_score']} or less (new)"
    if t.kind == "csat_low":
        return f"a CSAT answer of {p['max_score']} or less (new)"
    if t.kind == "renewal_at_risk":
        risk = []
        if p.get("bands"):
            risk.append("health " + " or ".join(p["bands"]))
        if p.get("min_probability") is not None:
            risk.append(f"churn risk at least {100 * p['min_probability']:.0f}%")
        return f"renewal within {p['within_days']} days while {' or '.join(risk)}"
    if t.kind == "onboarding_overdue":
        extra = p.get("min_days_overdue")
        return "an onboarding milestone overdue" + (
            f" by more than {extra} days" if extra else "")
    if t.kind == "usage_drop":
        return f"usage down {100 * p['min_drop']:.0f}%+ over 30 days"
    if t.kind == "ticket_spike":
        return f"{p['min_tickets']}+ tickets opened in {p['days']} days"
    if t.kind == "seat_utilization":
        return f"seat utilisation at least {100 * p['min_ratio']:.0f}%"
    if t.kind == "champion_left":
        return "a champion contact left (new)"
    if t.kind == "checkin_overdue":
        extra = p.get("min_days_overdue") or 0
        return "no touchpoint within the segment's cadence" + (
            f" (more than {extra} days late)" if extra else "")
    return "the when rule holds"


def describe_action(a: Action) -> str:
    """An action in words, for `tenure playbooks list`."""
    if a.kind == "task":
        owner = "the account owner" if a.owner == "account" else a.owner
        return f"{a.priority} {a.type} task for {owner}, due in {a.due_days} days"
    if a.kind == "email":
        return "email to " + ("the task owner" if a.to == "owner" else a.to)
    if a.kind == "slack":
        return "Slack message"
    if a.kind == "webhook":
        return "webhook message"
    return "enrol in onboarding" + (f" ({a.template})" if a.template else "")
