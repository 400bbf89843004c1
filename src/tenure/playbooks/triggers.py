"""The triggers: which accounts a playbook's trigger matches on a day, with the reason in words.

Each trigger reads the day's account frame (the latest snapshot of every paying account and
the metrics the playbooks need), the app database's health history, or new records in the
warehouse, and returns one :class:`Match` per (account, reason). The ``reason_key`` names
what the task is about, so that the engine opens at most one task per (account, playbook,
reason_key): state triggers (a band, a renewal, a check-in) use a key that stays the same
while the state lasts, event triggers (a survey answer, a contact who left) the record's id.

"New records" are those of the ``lookback_days`` days ending with the scoring day: a window
(as_of - lookback, as_of], so a daily run sees each record on several days and a missed run
loses nothing; the task dedup keeps it to one task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from ..health.words import say_change, say_value
from ..store import HealthHistory

if TYPE_CHECKING:
    from ..app import App


@dataclass(frozen=True)
class Match:
    """One account a trigger matched, why (in words) and what about (the dedup key)."""

    account_id: str
    reason_key: str
    reason: str


@dataclass
class Day:
    """What the triggers read for one evaluation."""

    app: App
    as_of: date
    accounts: pd.DataFrame  # one row per paying account, indexed by account_id
    lookback_days: int
    trend_days: int

    def window(self, days: int) -> tuple[date, date]:
        """First and last day of the ``days`` days ending with as_of."""
        return self.as_of - timedelta(days=days - 1), self.as_of

    def sql(self, text: str, params: list[Any]) -> list[tuple[Any, ...]]:
        return self.app.warehouse.con.execute(text, params).fetchall()


def _score(v: Any) -> str:
    return "no score" if v is None or pd.isna(v) else f"{float(v):.0f}"


def _pct(v: float) -> str:
    return f"{100 * float(v):.0f}%"


def _present(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and pd.isna(x))


def _history(day: Day, first: date) -> pd.DataFrame:
    """Health history rows from ``first`` up to the day before as_of."""
    q = (select(HealthHistory.account_id, HealthHistory.day, HealthHistory.score,
                HealthHistory.band)
         .where(HealthHistory.day >= first, HealthHistory.day < day.as_of))
    with day.app.store.session() as s:
        rows = s.execute(q).all()
    return pd.DataFrame(rows, columns=["account_id", "day", "score", "band"])


def health_band(day: Day, p: dict[str, Any]) -> list[Match]:
    """Health *entered* band B: B now, and on the latest scored day before as_of (within
    health.trend_days) it was not B. No earlier score: not "entered" (a new account is not
    news). The key is the band, so the account gets one task while it stays in it."""
    band = p["band"]
    now = day.accounts[day.accounts["band"] == band]
    if now.empty:
        return []
    hist = _history(day, day.as_of - timedelta(days=day.trend_days))
    last = hist.sort_values("day").groupby("account_id").tail(1).set_index("account_id")
    out = []
    for acc, r in now.iterrows():
        if acc not in last.index:
            continue
        before = last.loc[acc]
        if before["band"] == band:
            continue
        out.append(Match(str(acc), f"band:{band}",
                         f"health entered {band} ({_score(r['score'])}, was "
                         f"{_score(before['score'])} on {before['day']})"))
    return out


def health_drop(day: Day, p: dict[str, Any]) -> list[Match]:
    """Score fell by ``points`` or more over ``days``: today's score against the earliest
    recorded score of the ``days`` days before as_of."""
    points, days = float(p["points"]), int(p["days"])
    hist = _history(day, day.as_of - timedelta(days=days))
    hist = hist[hist["score"].notna()]
    first = hist.sort_values("day").groupby("account_id").head(1).set_index("account_id")
    out = []
    for acc, r in day.accounts.iterrows():
        if acc not in first.index or not _present(r["score"]):
            continue
        before = first.loc[acc]
        fall = float(before["score"]) - float(r["score"])
        if fall >= points:
            out.append(Match(str(acc), "drop",
                             f"health fell {fall:.0f} points ({_score(before['score'])} on "
                             f"{before['day']} to {_score(r['score'])})"))
    return out


def churn_risk(day: Day, p: dict[str, Any]) -> list[Match]:
    """The churn model's probability is at least ``min_probability``."""
    acc = day.accounts
    hit = acc[pd.to_numeric(acc["churn_probability"], errors="coerce") >= p["min_probability"]]
    return [Match(str(a), "churn", f"churn risk {_pct(r['churn_probability'])}"
                  + (f" within {int(r['churn_horizon_days'])} days"
                     if _present(r.get("churn_horizon_days")) else ""))
            for a, r in hit.iterrows()]


def _survey(day: Day, survey: str, max_score: int, say: Callable[[float, date], str]
            ) -> list[Match]:
    first, last = day.window(day.lookback_days)
    rows = day.sql(
        "SELECT response_id, account_id, score, CAST(responded_at AS DATE) AS d "
        "FROM survey_responses WHERE survey = ? AND score <= ? "
        "AND CAST(responded_at AS DATE) BETWEEN ? AND ? ORDER BY responded_at, response_id",
        [survey, max_score, first, last])
    return [Match(str(acc), f"{survey}:{rid}", say(float(score), d))
            for rid, acc, score, d in rows if acc in day.accounts.index]


def nps_detractor(day: Day, p: dict[str, Any]) -> list[Match]:
    """An NPS answer of ``max_score`` or less within the lookback: one match per answer
    (Bain: 0-6 is a detractor)."""
    return _survey(day, "nps", int(p["max_score"]),
                   lambda score, d: f"NPS {score:g} from a detractor on {d}")


def csat_low(day: Day, p: dict[str, Any]) -> list[Match]:
    """A CSAT answer (1-5) of ``max_score`` or less within the lookback, one per answer."""
    return _survey(day, "csat", int(p["max_score"]),
                   lambda score, d: f"CSAT {score:g} of 5 on {d}")


def renewal_at_risk(day: Day, p: dict[str, Any]) -> list[Match]:
    """The next renewal is within ``within_days`` and the account is at risk: its band is
    one of ``bands`` or its churn probability is at least ``min_probability``. One task per
    renewal date."""
    out = []
    bands, floor = set(p.get("bands") or ()), p.get("min_probability")
    for acc, r in day.accounts.iterrows():
        renewal = r["renewal_date"]
        if not isinstance(renewal, date):
            continue
        days = (renewal - day.as_of).days
        if not 0 <= days <= p["within_days"]:
            continue
        prob = r["churn_probability"]
        risky_prob = floor is not None and _present(prob) and float(prob) >= floor
        if not (r["band"] in bands or risky_prob):
            continue
        risk = (f"at {_pct(prob)} churn risk" if risky_prob
                else f"with health {r['band']} ({_score(r['score'])})")
        out.append(Match(str(acc), f"renewal:{renewal}",
                         f"renewal on {renewal} ({days} days) {risk}"))
    return out


def onboarding_overdue(day: Day, p: dict[str, Any]) -> list[Match]:
    """An onboarding milestone overdue by more than ``min_days_overdue`` days: one task per
    plan, naming its overdue milestones (the onboarding module says which are overdue)."""
    from .. import onboarding

    finder: Callable[..., pd.DataFrame] | None = getattr(onboarding, "overdue_milestones", None)
    if finder is None:  # the onboarding plans are not built in this version
        return []
    stalled = p.get("min_days_overdue")
    if stalled is None:
        stalled = day.app.settings.onboarding.stalled_after_days
    rows = finder(day.app.store, as_of=day.as_of, stalled_after_days=int(stalled))
    out: list[Match] = []
    if rows is None or rows.empty:
        return out
    rows = rows.sort_values(["account_id", "plan_id", "due_on"])
    for (acc, plan), g in rows.groupby(["account_id", "plan_id"], sort=False):
        if acc not in day.accounts.index:
            continue
        parts = [f"'{r.title}' {int(r.days_overdue)} days overdue (due {r.due_on})"
                 for r in g.itertuples(index=False)]
        out.append(Match(str(acc), f"onboarding:{plan}",
                         "onboarding stalled: " + "; ".join(parts)))
    return out


def usage_drop(day: Day, p: dict[str, Any]) -> list[Match]:
    """Usage (events in the last 30 days against the 30 before) down by ``min_drop`` or
    more."""
    trend = pd.to_numeric(day.accounts["usage_trend"], errors="coerce")
    hit = day.accounts[trend <= -float(p["min_drop"])]
    return [Match(str(a), "usage", f"usage {say_change(r['usage_trend'])} over 30 days")
            for a, r in hit.iterrows()]


def ticket_spike(day: Day, p: dict[str, Any]) -> list[Match]:
    """At least ``min_tickets`` tickets opened within the ``days`` days ending with as_of."""
    first, last = day.window(int(p["days"]))
    rows = day.sql(
        "SELECT account_id, count(*) FROM tickets WHERE CAST(created_at AS DATE) "
        "BETWEEN ? AND ? GROUP BY account_id HAVING count(*) >= ? ORDER BY account_id",
        [first, last, int(p["min_tickets"])])
    return [Match(str(acc), "tickets", f"{n} tickets opened in {p['days']} days")
            for acc, n in rows if acc in day.accounts.index]


def seat_utilization(day: Day, p: dict[str, Any]) -> list[Match]:
    """Active users / paid seats at least ``min_ratio``: room to expand."""
    ratio = pd.to_numeric(day.accounts["seat_utilization"], errors="coerce")
    hit = day.accounts[ratio >= float(p["min_ratio"])]
    return [Match(str(a), "seats", f"{say_value(r['seat_utilization'], 'ratio')} of paid "
                  "seats active in the last 30 days")
            for a, r in hit.iterrows()]


def champion_left(day: Day, p: dict[str, Any]) -> list[Match]:
    """A contact with the champion role left (deleted_at) within the lookback; one task per
    contact. The reason names the contact by id: tasks carry no one's name."""
    first, last = day.window(day.lookback_days)
    rows = day.sql(
        "SELECT contact_id, account_id, CAST(deleted_at AS DATE) FROM contacts "
        "WHERE role = 'champion' AND CAST(deleted_at AS DATE) BETWEEN ? AND ? "
        "ORDER BY deleted_at, contact_id", [first, last])
    return [Match(str(acc), f"champion:{cid}", f"champion contact {cid} left on {d}")
            for cid, acc, d in rows if acc in day.accounts.index]


def checkin_overdue(day: Day, p: dict[str, Any]) -> list[Match]:
    """No touchpoint within the segment's cadence, more than ``min_days_overdue`` days late.
    The key is the due date, which moves on with the next touchpoint."""
    from ..checkins import checkins

    rows = checkins(day.app, as_of=day.as_of)
    out = []
    for r in rows.itertuples(index=False):
        if not r.overdue or int(r.days_overdue) <= int(p.get("min_days_overdue") or 0):
            continue
        if r.account_id not in day.accounts.index:
            continue
        last = (f"last touchpoint {r.last_touchpoint_day} ({int(r.days_since)} days ago)"
                if _present(r.last_touchpoint_day) else "no touchpoint yet")
        out.append(Match(str(r.account_id), f"checkin:{r.due_on}",
                         f"check-in {int(r.days_overdue)} days overdue: {last}, cadence "
                         f"{int(r.cadence_days)} days for {r.segment or 'its segment'}"))
    return out


def metric(day: Day, p: dict[str, Any]) -> list[Match]:
    """Every account (the playbook's ``when`` rule is the condition); the reason is the
    trigger's ``reason`` template filled with the account's values."""
    text = p.get("reason") or "the rule holds"
    out = []
    for acc, r in day.accounts.iterrows():
        values = {k: _say(v) for k, v in r.items()}
        out.append(Match(str(acc), "metric", text.format(**values)))
    return out


def _say(v: Any) -> Any:
    if isinstance(v, float):
        return "unknown" if pd.isna(v) else f"{v:,.4g}"
    return v


TRIGGER_FUNCTIONS: dict[str, Callable[[Day, dict[str, Any]], list[Match]]] = {
    "health_band": health_band,
    "health_drop": health_drop,
    "churn_risk": churn_risk,
    "nps_detractor": nps_detractor,
    "csat_low": csat_low,
    "renewal_at_risk": renewal_at_risk,
    "onboarding_overdue": onboarding_overdue,
    "usage_drop": usage_drop,
    "ticket_spike": ticket_spike,
    "seat_utilization": seat_utilization,
    "champion_left": champion_left,
    "checkin_overdue": checkin_overdue,
    "metric": metric,
}
