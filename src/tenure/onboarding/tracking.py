"""Evidence from the warehouse that onboarding milestones were reached.

For each open milestone: the first product event of its name, or the first activity of its
kind (whose summary contains the text, when one is set), on or after the plan's start and up
to the end of the as-of day; or its metric rule holding over the account's metrics as of the
day. One warehouse query per kind of rule, whatever the number of plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from ..metrics import account_metrics
from ..metrics.datasets import day_start
from ..metrics.formula import PandasTarget, evaluate, parse
from .templates import MilestoneTemplate, per_account_metrics

if TYPE_CHECKING:
    from ..app import App


@dataclass(frozen=True)
class OpenMilestone:
    """An open milestone of an active plan and the template rule that completes it."""

    milestone_id: int
    account_id: str
    started_on: date
    rule: MilestoneTemplate


@dataclass(frozen=True)
class Evidence:
    day: date
    text: str


def find_evidence(app: App, items: list[OpenMilestone], *, as_of: date
                  ) -> dict[int, Evidence]:
    """Evidence for each milestone of ``items`` that its rule shows reached by ``as_of``,
    by milestone id."""
    found: dict[int, Evidence] = {}
    end = day_start(as_of + timedelta(days=1))
    events = [i for i in items if i.rule.event]
    if events:
        found |= _first_records(app, events, end, table="events", kind_col="event",
                                time_col="timestamp", what="event")
    activities = [i for i in items if i.rule.activity]
    if activities:
        found |= _first_records(app, activities, end, table="activities", kind_col="kind",
                                time_col="occurred_at", what="activity")
    rules = [i for i in items if i.rule.metric]
    if rules:
        found |= _metric_rules(app, rules, as_of)
    return found


def _first_records(app: App, items: list[OpenMilestone], end: datetime, *, table: str,
                   kind_col: str, time_col: str, what: str) -> dict[int, Evidence]:
    """The first row of ``table`` per milestone whose kind matches, on or after the start."""
    wanted = pd.DataFrame({
        "m_id": [i.milestone_id for i in items],
        "m_account": [i.account_id for i in items],
        "m_kind": [i.rule.event or i.rule.activity for i in items],
        "m_text": [(i.rule.activity_summary_contains or "").lower() for i in items],
        "m_start": [day_start(i.started_on) for i in items],
    })
    want = ibis.memtable(wanted)
    t = app.warehouse.ibis.table(table)
    j = want.join(t, [want.m_account == t.account_id, want.m_kind == t[kind_col]])
    cond = (j[time_col] >= j.m_start) & (j[time_col] < end)
    if what == "activity":
        # A kickoff is a meeting whose summary says so: case-insensitive, empty text = any.
        cond &= j.summary.fill_null("").lower().find(j.m_text) >= 0
    first = j.filter(cond).group_by("m_id").aggregate(first=j[time_col].min())
    rows = first.to_pandas()
    by_id = {i.milestone_id: i for i in items}
    out: dict[int, Evidence] = {}
    for m_id, ts in zip(rows["m_id"], rows["first"], strict=True):
        item = by_id[int(m_id)]
        day = pd.Timestamp(ts).date()
        name = item.rule.event or item.rule.activity
        out[item.milestone_id] = Evidence(day, f"{what} {name} on {day.isoformat()}")
    return out


def _metric_rules(app: App, items: list[OpenMilestone], as_of: date) -> dict[int, Evidence]:
    """Rules over per-account metrics as of the day: completed that day when they hold (the
    day it first held is not known without daily history, so the day seen is recorded)."""
    exprs = {i.rule.metric: parse(i.rule.metric) for i in items if i.rule.metric}
    per_account = {n for e in exprs.values() for n in e.names}
    names = sorted(per_account & per_account_metrics()) or ["mrr"]
    frame = account_metrics(app, as_of=as_of, metrics=names)
    frame = frame[frame["account_id"].isin({i.account_id for i in items})].set_index(
        "account_id")
    out: dict[int, Evidence] = {}
    if frame.empty:
        return out
    target = PandasTarget(frame.index)
    holds: dict[str, pd.Series] = {}
    for text, expr in exprs.items():
        assert text is not None
        res = evaluate(expr, lambda n: frame[n], target, app.settings)
        holds[text] = pd.Series(res, index=frame.index).fillna(False).astype(bool)
    for i in items:
        rule = i.rule.metric
        assert rule is not None
        if i.account_id in frame.index and bool(holds[rule].get(i.account_id, False)):
            values = ", ".join(f"{n} = {_say(frame.at[i.account_id, n])}"
                               for n in sorted(exprs[rule].names) if n in frame.columns)
            out[i.milestone_id] = Evidence(
                as_of, f"{rule} held on {as_of.isoformat()}" + (f" ({values})" if values
                                                                 else ""))
    return out


def _say(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)
