"""Health scores in the app database: the daily history, the latest snapshot per account, the
trend against an earlier day, and the CSM's pulses."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import delete, func, insert, select

from ..errors import HealthError
from ..store import AccountSnapshot, AppStore, HealthHistory, HealthPulse
from .model import PULSE_WORDS
from .scoring import HealthScores

if TYPE_CHECKING:
    from ..access import AccountScope

SORTS = ("score", "risk", "arr", "name", "renewal")


def trend(score: float | None, before: float | None, tolerance: float) -> str | None:
    """up / down / flat: the move from ``before`` to ``score`` beyond ``tolerance`` points
    (None when either is unknown)."""
    if score is None or before is None or math.isnan(score) or math.isnan(before):
        return None
    if score - before > tolerance:
        return "up"
    if before - score > tolerance:
        return "down"
    return "flat"


def _r(v: Any, digits: int = 4) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else round(f, digits)


def scores_on(store: AppStore, day: date) -> dict[str, float | None]:
    """Every account's recorded score on ``day`` (accounts with no row are absent)."""
    with store.session() as s:
        rows = s.execute(select(HealthHistory.account_id, HealthHistory.score)
                         .where(HealthHistory.day == day)).all()
    return {a: sc for a, sc in rows}


def save_history(store: AppStore, scores: HealthScores,
                 churn: dict[str, float] | None = None) -> int:
    """Write (or overwrite) the day's history rows (with each account's churn probability
    when ``churn`` has one); return how many were written."""
    acc = scores.accounts
    scored = acc[acc["score"].notna()]
    groups = scores.groups
    by_account: dict[str, dict[str, float | None]] = {}
    for r in groups.itertuples(index=False):
        by_account.setdefault(r.account_id, {})[r.group] = _r(r.score, 2)
    rows = [{"account_id": r.account_id, "day": scores.as_of, "profile": r.profile,
             "score": _r(r.score), "band": r.band,
             "groups": json.dumps(by_account.get(r.account_id, {}), separators=(",", ":")),
             "churn_probability": _r((churn or {}).get(r.account_id), 6)}
            for r in scored.itertuples(index=False)]
    with store.session() as s:
        s.execute(delete(HealthHistory).where(HealthHistory.day == scores.as_of))
        if rows:
            s.execute(insert(HealthHistory), rows)
    return len(rows)


def _rounded(series: pd.Series, digits: int) -> list[float | None]:
    """A numeric column rounded, with None for missing values (for JSON)."""
    v = pd.to_numeric(series, errors="coerce").astype("float64").round(digits)
    return [None if x != x else x for x in v.tolist()]  # x != x: NaN


def explanation_json(scores: HealthScores) -> dict[str, str]:
    """Compact JSON of each scored account's groups and measures."""
    ms = scores.measures
    measures: dict[tuple[str, str], list[dict[str, Any]]] = {}
    cols = zip(ms["account_id"].tolist(), ms["group"].tolist(), ms["measure"].tolist(),
               ms["label"].tolist(), ms["metric"].tolist(), _rounded(ms["value"], 6),
               _rounded(ms["score"], 2), _rounded(ms["weight"], 5),
               _rounded(ms["contribution"], 4), _rounded(ms["cost"], 4), strict=True)
    for acc, grp, measure, label, metric, value, score, weight, contrib, cost in cols:
        measures.setdefault((acc, grp), []).append({
            "measure": measure, "label": label, "metric": metric, "value": value,
            "score": score, "weight": weight, "contribution": contrib, "cost": cost})
    gs = scores.groups
    out: dict[str, list[dict[str, Any]]] = {}
    for acc, grp, label, score, weight in zip(
            gs["account_id"].tolist(), gs["group"].tolist(), gs["label"].tolist(),
            _rounded(gs["score"], 2), _rounded(gs["weight"], 5), strict=True):
        out.setdefault(acc, []).append({"group": grp, "label": label, "score": score,
                                        "weight": weight,
                                        "measures": measures.get((acc, grp), [])})
    return {a: json.dumps(v, separators=(",", ":")) for a, v in out.items()}


def _finite(v: Any) -> float | None:
    f = _r(v, 2)
    return f if f is None or math.isfinite(f) else None


def latest_snapshot_day(store: AppStore) -> date | None:
    with store.session() as s:
        return s.execute(select(func.max(AccountSnapshot.as_of))).scalar()


def save_snapshots(store: AppStore, scores: HealthScores, before: dict[str, float | None], *,
                   tolerance: float, currency: str, scored_at: datetime | None = None,
                   risk: pd.DataFrame | None = None) -> int:
    """Replace the snapshot of every account with this scoring (one transaction).

    ``risk`` (account_id, churn_probability, churn_horizon_days, churn_drivers, churn_model,
    expected_lifetime_months, clv) adds the churn model's view where there is one."""
    acc = scores.accounts
    explained = explanation_json(scores)
    stamp = scored_at or datetime.now(UTC).replace(tzinfo=None)
    by_account: dict[str, dict[str, Any]] = {}
    if risk is not None and not risk.empty:
        for rec in risk.to_dict("records"):
            by_account[rec["account_id"]] = {
                "churn_probability": _r(rec["churn_probability"], 6),
                "churn_horizon_days": int(rec["churn_horizon_days"]),
                "churn_drivers": json.dumps(list(rec["churn_drivers"])),
                "churn_model": rec["churn_model"],
                "expected_lifetime_months": _finite(rec["expected_lifetime_months"]),
                "clv": _r(rec["clv"], 2)}
    empty = dict.fromkeys(("churn_probability", "churn_horizon_days", "churn_drivers",
                           "churn_model", "expected_lifetime_months", "clv"))
    rows = []
    for r in acc.itertuples(index=False):
        score = _r(r.score)
        prior = before.get(r.account_id) if score is not None else None
        rows.append({**by_account.get(r.account_id, empty),
            "account_id": r.account_id, "as_of": scores.as_of, "name": r.name,
            "segment": r.segment, "owner": r.owner, "lifecycle": r.lifecycle,
            "mrr": _r(r.mrr, 2), "currency": currency,
            "renewal_date": r.renewal_date if isinstance(r.renewal_date, date) else None,
            "profile": r.profile if score is not None else None, "score": score,
            "band": r.band, "score_before": _r(prior),
            "trend": trend(score, prior, tolerance),
            "top_drag": r.drags[0] if r.drags else None,
            "drags": json.dumps(list(r.drags)), "explanation": explained.get(r.account_id),
            "scored_at": stamp})
    with store.session() as s:
        s.execute(delete(AccountSnapshot))
        if rows:
            s.execute(insert(AccountSnapshot), rows)
    return len(rows)


def snapshots(store: AppStore, *, band: str | None = None, owner: str | None = None,
              segment: str | None = None, sort: str = "score",
              limit: int | None = None,
              scope: AccountScope | None = None) -> list[dict[str, Any]]:
    """Snapshot rows for `tenure accounts`: scored accounts first (lowest score, highest ARR
    at risk, ...), then the unscored. ``scope`` limits them to what a person may see (their
    personal fields are blanked for a viewer)."""
    if sort not in SORTS:
        raise HealthError(f"--sort {sort!r}: use one of {', '.join(SORTS)}")
    q = select(AccountSnapshot)
    if band:
        with store.session() as s:
            known = {b for b in s.execute(select(AccountSnapshot.band).distinct()).scalars()
                     if b is not None}
        match = {b.lower(): b for b in known}.get(band.lower())
        if match is None and known:
            raise HealthError(f"--health {band!r}: the bands are {', '.join(sorted(known))}")
        q = q.where(AccountSnapshot.band == (match or band))
    if owner:
        q = q.where(func.lower(AccountSnapshot.owner) == owner.lower())
    if segment:
        q = q.where(AccountSnapshot.segment == segment)
    if scope is not None:
        q = scope.accounts(q)
    with store.session() as s:
        found = [_snapshot_dict(x) for x in s.execute(q).scalars()]
    if scope is not None:
        found = [scope.redact(r) for r in found]
    if not found and latest_snapshot_day(store) is None:
        raise HealthError("no scores yet: run `tenure score` first")
    found.sort(key=_sort_key(sort))
    return found[:limit] if limit else found


def arr_at_risk(*, churn_probability: float | None, score: float | None,
                arr: float | None) -> float:
    """ARR at risk: churn probability x ARR when the churn model has spoken, else
    (100 - score) / 100 x ARR; 0 for an account with neither."""
    p = churn_probability
    if p is None:
        p = (100 - score) / 100 if score is not None else 0.0
    return p * (arr or 0)


def _sort_key(sort: str):  # type: ignore[no-untyped-def]
    inf = float("inf")
    if sort == "score":
        return lambda r: (r["score"] is None, r["score"] if r["score"] is not None else inf,
                          r["account_id"])
    if sort == "risk":
        return lambda r: (r["score"] is None and r["churn_probability"] is None,
                          -arr_at_risk(churn_probability=r["churn_probability"],
                                       score=r["score"], arr=r["arr"]), r["account_id"])
    if sort == "arr":
        return lambda r: (-(r["arr"] or 0), r["account_id"])
    if sort == "renewal":
        return lambda r: (r["renewal_date"] is None, r["renewal_date"] or date.max,
                          r["account_id"])
    return lambda r: ((r["name"] or "").lower(), r["account_id"])


def _snapshot_dict(x: AccountSnapshot) -> dict[str, Any]:
    return {
        "account_id": x.account_id, "name": x.name, "segment": x.segment, "owner": x.owner,
        "lifecycle": x.lifecycle, "score": x.score, "band": x.band, "trend": x.trend,
        "score_before": x.score_before, "top_drag": x.top_drag,
        "drags": json.loads(x.drags) if x.drags else [],
        "mrr": x.mrr, "arr": round(12 * x.mrr, 2) if x.mrr is not None else None,
        "currency": x.currency, "renewal_date": x.renewal_date, "profile": x.profile,
        "churn_probability": x.churn_probability, "churn_horizon_days": x.churn_horizon_days,
        "churn_drivers": json.loads(x.churn_drivers) if x.churn_drivers else [],
        "churn_model": x.churn_model, "expected_lifetime_months": x.expected_lifetime_months,
        "clv": x.clv, "as_of": x.as_of,
    }


def snapshot(store: AppStore, account_id: str) -> dict[str, Any]:
    """One account's snapshot with its explanation."""
    with store.session() as s:
        x = s.get(AccountSnapshot, account_id)
        if x is None:
            if latest_snapshot_day(store) is None:
                raise HealthError("no scores yet: run `tenure score` first")
            raise HealthError(f"no account {account_id!r} in the latest scoring run")
        out = _snapshot_dict(x)
        out["explanation"] = json.loads(x.explanation) if x.explanation else []
    return out


def history(store: AppStore, account_id: str) -> pd.DataFrame:
    """An account's recorded scores, oldest first."""
    with store.session() as s:
        rows = s.execute(select(HealthHistory.day, HealthHistory.score, HealthHistory.band,
                                HealthHistory.profile)
                         .where(HealthHistory.account_id == account_id)
                         .order_by(HealthHistory.day)).all()
    return pd.DataFrame(rows, columns=["day", "score", "band", "profile"])


def parse_pulse(value: str) -> float:
    """'green' / 'yellow' / 'red' or a number 0-100."""
    v = value.strip().lower()
    if v in PULSE_WORDS:
        return PULSE_WORDS[v]
    try:
        f = float(v)
    except ValueError:
        f = math.nan
    if not 0 <= f <= 100:
        raise HealthError(f"pulse {value!r}: use green, yellow, red or a score 0-100")
    return f


def add_pulse(store: AppStore, account_id: str, score: float, *, day: date,
              note: str | None = None, author: str | None = None) -> None:
    with store.session() as s:
        s.add(HealthPulse(account_id=account_id, day=day, score=score, note=note,
                          author=author, created_at=datetime.now(UTC).replace(tzinfo=None)))

