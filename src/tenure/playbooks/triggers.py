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
    last = last[last["band"] != band]
    hit = now[now.index.isin(last.index)]
    before = last.loc[hit.index]
    return [Match(str(acc), f"band:{band}",
                  f"health entered {band} ({_score(score)}, was {_score(was)} on {on})")
            for acc, score, was, on in zip(hit.index, hit["score"], before["score"],
                                           before["day"], strict=True)]


def health_drop(day: Day, p: dict[str, Any]) -> list[Match]:
    """Score fell by ``points`` or more over ``days``: today's score against the earliest
    recorded score of the ``days`` days before as_of."""
    points, days = float(p["points"]), int(p["days"])
    hist = _history(day, day.as_of - timedelta(days=days))
    hist = hist[hist["score"].notna()]
    first = hist.sort_values("day").groupby("account_id").head(1).set_index("account_id")
    acc = day.accounts
    now = acc[acc.index.isin(first.index) & acc["score"].notna().to_numpy()]
    before = first.loc[now.index]
    fall = (before["score"].astype(float).to_numpy()
            - now["score"].astype(float).to_numpy())
    keep = fall >= points
    now, before, fall = now[keep], before[keep], fall[keep]
    return [Match(str(a), "drop",
                  f"health fell {float(f):.0f} points ({_score(was)} on {on} to "
                  f"{_score(score)})")
            for a, f, was, on, score in zip(now.index, fall, before["score"], before["day"],
                                            now["score"], strict=True)]


def churn_risk(day: Day, p: dict[str, Any]) -> list[Match]:
    """The churn model's probability is at least ``min_probability``."""
    acc = day.accounts
    hit = acc[pd.to_numeric(acc["churn_probability"], errors="coerce") >= p["min_probability"]]
    return [Match(str(a), "churn", f"churn risk {_pct(prob)}"
                  + (f" within {int(horizon)} days" if _present(horizon) else ""))
            for a, prob, horizon in zip(hit.index, hit["churn_probability"],
                                        _column(hit, "churn_horizon_days"), strict=True)]


def _column(frame: pd.DataFrame, name: str) -> Any:
    """The column's values, or None for every row when the frame lacks it."""
    return frame[name] if name in frame.columns else [None] * len(frame)


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
    acc = day.accounts
    if acc.empty:
        return []
    bands, floor = set(p.get("bands") or ()), p.get("min_probability")
    as_of = day.as_of
    days = pd.Series([(d - as_of).days if isinstance(d, date) else None
                      for d in acc["renewal_date"]], index=acc.index, dtype="float64")
    prob = pd.to_numeric(acc["churn_probability"], errors="coerce")
    risky = (prob >= floor) if floor is not None else pd.Series(False, index=acc.index)
    hit = ((days >= 0) & (days <= p["within_days"])
           & (acc["band"].isin(list(bands)) | risky)).to_numpy()
    sub = acc[hit]
    out = []
    for a, renewal, n, probability, band, score, at_risk in zip(
            sub.index, sub["renewal_date"], days[hit], sub["churn_probability"], sub["band"],
            sub["score"], risky[hit], strict=True):
        risk = (f"at {_pct(probability)} churn risk" if at_risk
                else f"with health {band} ({_score(score)})")
        out.append(Match(str(a), f"renewal:{renewal}",
                         f"renewal on {renewal} ({int(n)} days) {risk}"))
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
    # One pass over the sorted rows: a plan's milestones are consecutive. Rows without an
    # account or plan id belong to no plan (as groupby leaves them out).
    rows = rows[(rows["account_id"].notna() & rows["plan_id"].notna()
                 & rows["account_id"].isin(day.accounts.index)).to_numpy()]
    plans: dict[tuple[Any, Any], list[str]] = {}
    for acc, plan, title, late, due in zip(rows["account_id"], rows["plan_id"],
                                           rows["title"], rows["days_overdue"],
                                           rows["due_on"], strict=True):
        plans.setdefault((acc, plan), []).append(
            f"'{title}' {int(late)} days overdue (due {due})")
    return [Match(str(acc), f"onboarding:{plan}", "onboarding stalled: " + "; ".join(parts))
            for (acc, plan), parts in plans.items()]


def usage_drop(day: Day, p: dict[str, Any]) -> list[Match]:
    """Usage (events in the last 30 days against the 30 before) down by ``min_drop`` or
    more."""
    trend = pd.to_numeric(day.accounts["usage_trend"], errors="coerce")
    hit = day.accounts[trend <= -float(p["min_drop"])]
    return [Match(str(a), "usage", f"usage {say_change(v)} over 30 days")
            for a, v in zip(hit.index, hit["usage_trend"], strict=True)]


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
    return [Match(str(a), "seats", f"{say_value(v, 'ratio')} of paid "
                  "seats active in the last 30 days")
            for a, v in zip(hit.index, hit["seat_utilization"], strict=True)]


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
    out: list[Match] = []
    if rows is None or rows.empty:
        return out
    # Only the overdue rows of the day's accounts (the loop still checks the days late).
    rows = rows[rows["overdue"].astype(bool).to_numpy()
                & rows["account_id"].isin(day.accounts.index).to_numpy()]
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
    acc = day.accounts
    columns = list(acc.columns)
    # The rows' values as DataFrame.iterrows gives them (one array of the frame's values).
    return [Match(str(a), "metric",
                  text.format(**{k: _say(v) for k, v in zip(columns, row, strict=True)}))
            for a, row in zip(acc.index, acc.values.tolist(), strict=True)]


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
