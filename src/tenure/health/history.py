"""Health scores in the app database: the daily history, the latest snapshot per account, the
trend against an earlier day, and the CSM's pulses."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Select, and_, case, delete, func, insert, or_, select

from ..errors import HealthError
from ..store import AccountExplanation, AccountSnapshot, AppStore, HealthHistory, HealthPulse
from ..store.models import owner_key
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


def checkin_days(row: Any, cadence: Callable[[str | None], int]) -> tuple[date | None,
                                                                          date | None]:
    """(last touchpoint, next check-in due) of a row of the scoring frame, by the rule of
    :func:`tenure.checkins.checkins`: due ``cadence`` days after the last touchpoint (the
    metric ``last_touchpoint_day``), else after the first paid day, else after the
    creation; none for an account that does not pay or a segment with cadence 0."""
    from ..checkins import day_of, next_checkin

    last = day_of(getattr(row, "last_touchpoint_day", None))
    mrr = _r(row.mrr)
    if mrr is None or mrr <= 0:
        return last, None
    days = cadence(None if pd.isna(row.segment) else str(row.segment))
    return last, next_checkin(last, day_of(getattr(row, "first_paid_day", None)),
                              day_of(getattr(row, "created_day", None)), days)


def save_snapshots(store: AppStore, scores: HealthScores, before: dict[str, float | None], *,
                   tolerance: float, currency: str, scored_at: datetime | None = None,
                   risk: pd.DataFrame | None = None,
                   cadence: Callable[[str | None], int] | None = None) -> int:
    """Replace the snapshot of every account with this scoring (one transaction).

    ``risk`` (account_id, churn_probability, churn_horizon_days, churn_drivers, churn_model,
    expected_lifetime_months, clv) adds the churn model's view where there is one.
    ``cadence`` (days between check-ins of a segment: :func:`tenure.checkins.cadence_for`)
    sets the last touchpoint and the next check-in day (:func:`checkin_days`)."""
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
        last_touch, due = checkin_days(r, cadence) if cadence is not None else (None, None)
        rows.append({**by_account.get(r.account_id, empty),
            "last_touchpoint_on": last_touch, "checkin_due_on": due,
            "account_id": r.account_id, "as_of": scores.as_of, "name": r.name,
            "segment": r.segment, "owner": owner_key(r.owner), "lifecycle": r.lifecycle,
            "mrr": _r(r.mrr, 2), "currency": currency,
            "renewal_date": r.renewal_date if isinstance(r.renewal_date, date) else None,
            "profile": r.profile if score is not None else None, "score": score,
            "band": r.band, "score_before": _r(prior),
            "trend": trend(score, prior, tolerance),
            "top_drag": r.drags[0] if r.drags else None,
            "drags": json.dumps(list(r.drags)), "scored_at": stamp})
    explanations = [{"account_id": a, "explanation": e} for a, e in explained.items()]
    with store.session() as s:
        s.execute(delete(AccountSnapshot))
        s.execute(delete(AccountExplanation))
        if rows:
            s.execute(insert(AccountSnapshot), rows)
        if explanations:
            s.execute(insert(AccountExplanation), explanations)
    return len(rows)


def snapshots(store: AppStore, *, band: str | None = None, owner: str | None = None,
              segment: str | None = None, sort: str = "score",
              limit: int | None = None, search: str | None = None,
              scope: AccountScope | None = None) -> list[dict[str, Any]]:
    """Snapshot rows for `tenure accounts`: scored accounts first (lowest score, highest ARR
    at risk, ...), then the unscored, filtered and ordered by the database (the order of
    :func:`snapshot_page`). ``scope`` limits them to what a person may see (their personal
    fields are blanked for a viewer)."""
    if sort not in SORTS:
        raise HealthError(f"--sort {sort!r}: use one of {', '.join(SORTS)}")
    q = _filtered(store, select(AccountSnapshot), band=band, owner=owner, segment=segment,
                  search=search, scope=scope).order_by(*_sql_order(sort, store.dialect))
    if limit:
        q = q.limit(limit)
    with store.session() as s:
        found = [_snapshot_dict(x) for x in s.execute(q).scalars()]
    if scope is not None:
        found = [scope.redact(r) for r in found]
    if not found and latest_snapshot_day(store) is None:
        raise HealthError("no scores yet: run `tenure score` first")
    return found


def like_pattern(text: str) -> str:
    """``%text%`` for a case-insensitive substring match with ``LIKE ... ESCAPE '\\'``: the
    wildcards % and _ (and the escape character) in ``text`` stand for themselves."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(store: AppStore, q: Select[Any], *, band: str | None, owner: str | None,
              segment: str | None, scope: AccountScope | None, search: str | None = None
              ) -> Select[Any]:
    """``q`` over account_snapshots limited by band (matched case-insensitively against the
    bands in use), owner, segment, a search (a case-insensitive substring of the name or the
    account id) and scope."""
    if band:
        with store.session() as s:
            known = {b for b in s.execute(select(AccountSnapshot.band).distinct()).scalars()
                     if b is not None}
        match = {b.lower(): b for b in known}.get(band.lower())
        if match is None and known:
            raise HealthError(f"--health {band!r}: the bands are {', '.join(sorted(known))}")
        q = q.where(AccountSnapshot.band == (match or band))
    if owner:
        q = q.where(AccountSnapshot.owner == owner_key(owner))
    if segment:
        q = q.where(AccountSnapshot.segment == segment)
    if search:
        # lower() on both sides: SQLite's LIKE ignores ASCII case only, PostgreSQL's none.
        # (SQLite's lower() folds ASCII only too: a non-ASCII name matches in its own case.)
        pattern = like_pattern(search)
        q = q.where(or_(func.lower(AccountSnapshot.name).like(pattern, escape="\\"),
                        func.lower(AccountSnapshot.account_id).like(pattern, escape="\\")))
    if scope is not None:
        q = scope.accounts(q)
    return q


# ARR and ARR at risk as SQL expressions, the same arithmetic as _snapshot_dict and
# arr_at_risk: ARR = 12 x MRR; at risk = churn probability (else (100 - score) / 100, else 0)
# x ARR. (ARR is not rounded to cents here: only accounts within half a cent of each other
# could sort differently from the Python order.)
_ARR = 12 * AccountSnapshot.mrr
_RISK = func.coalesce(AccountSnapshot.churn_probability,
                      (100 - AccountSnapshot.score) / 100.0, 0.0) * func.coalesce(_ARR, 0.0)


def _sql_order(sort: str, dialect: str, *, ranged: bool = False) -> tuple[Any, ...]:
    """ORDER BY terms of each sort: lowest score, highest ARR at risk (:func:`arr_at_risk`),
    highest ARR, name, soonest renewal; the unscored (or undated) last and the account id
    breaking ties; "checkin": the check-in due longest ago first. Text compares by code
    point, as Python does: SQLite's default (BINARY) does; PostgreSQL needs the "C"
    collation instead of the database's locale. ``ranged``: the query keeps only rows with
    a renewal (or check-in) day in a range, so the NULLs need no placing."""
    a = AccountSnapshot

    def text(expr: Any) -> Any:
        return expr.collate("C") if dialect == "postgresql" else expr

    if sort == "score":
        keys: tuple[Any, ...] = (a.score.is_(None), a.score)
    elif sort == "risk":
        keys = (and_(a.score.is_(None), a.churn_probability.is_(None)), _RISK.desc())
    elif sort == "arr":
        keys = (func.coalesce(_ARR, 0.0).desc(),)
    elif sort == "renewal" and ranged:
        keys = (a.renewal_date,)  # no NULL in a range: the index gives the order
    elif sort == "renewal":
        keys = (a.renewal_date.is_(None), a.renewal_date)
    elif sort == "checkin":
        keys = (a.checkin_due_on,) if ranged else (a.checkin_due_on.is_(None),
                                                    a.checkin_due_on)
    else:
        # SQLite's lower() folds ASCII only; names differing in non-ASCII case may order
        # differently from Python's str.lower().
        keys = (text(func.lower(func.coalesce(a.name, ""))),)
    return (*keys, text(a.account_id))


def snapshot_page(store: AppStore, *, band: str | None = None, owner: str | None = None,
                  segment: str | None = None, search: str | None = None,
                  sort: str = "score", page: int = 1, limit: int = 50,
                  renewal_between: tuple[date, date] | None = None,
                  checkin_due_before: date | None = None, exclude: Collection[str] = (),
                  only: Collection[str] | None = None, scope: AccountScope | None = None
                  ) -> tuple[list[dict[str, Any]], int]:
    """One page of :func:`snapshots` (the same filters and order), filtered, sorted and
    sliced by the database; with the number of rows on all pages. ``renewal_between``
    (first, last day): only renewals in that range; ``checkin_due_before``: only accounts
    whose next check-in was due before that day (sort "checkin": longest overdue first);
    ``exclude``: account ids left out; ``only``: only these account ids."""
    if sort not in (*SORTS, "checkin"):
        raise HealthError(f"--sort {sort!r}: use one of {', '.join(SORTS)}")
    if page < 1 or limit < 1:
        raise HealthError("page and limit start at 1")
    a = AccountSnapshot
    q = _filtered(store, select(a), band=band, owner=owner, segment=segment, search=search,
                  scope=scope)
    if renewal_between is not None:
        q = q.where(a.renewal_date >= renewal_between[0], a.renewal_date <= renewal_between[1])
    if checkin_due_before is not None:
        q = q.where(a.checkin_due_on < checkin_due_before)
    if exclude:
        q = q.where(a.account_id.not_in(list(exclude)))
    if only is not None:
        q = q.where(a.account_id.in_(list(only)))
    with store.session() as s:
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        ranged = (sort == "renewal" and renewal_between is not None) or (
            sort == "checkin" and checkin_due_before is not None)
        ordered = q.order_by(*_sql_order(sort, store.dialect, ranged=ranged))
        rows = [_snapshot_dict(x) for x in s.execute(
            ordered.offset((page - 1) * limit).limit(limit)).scalars()]
    if scope is not None:
        rows = [scope.redact(r) for r in rows]
    return rows, int(total)


def snapshot_summary(store: AppStore, *, as_of: date, renewal_days: int = 90,
                     scope: AccountScope | None = None) -> dict[str, Any]:
    """The latest scoring summed up over the accounts ``scope`` sees, in the database:
    accounts, scored accounts, mean score, accounts per band, MRR, ARR, ARR at risk (as
    :func:`arr_at_risk`), and renewals within ``renewal_days`` after ``as_of`` (count, ARR)."""
    a = AccountSnapshot
    soon = and_(a.renewal_date >= as_of, a.renewal_date <= as_of + timedelta(days=renewal_days))
    base = select(
        func.count(), func.count(a.score), func.avg(a.score), func.sum(a.mrr),
        func.sum(_RISK), func.sum(case((soon, 1), else_=0)),
        func.sum(case((soon, func.coalesce(_ARR, 0.0)), else_=0.0)), func.max(a.as_of))
    bands = select(a.band, func.count()).where(a.band.is_not(None)).group_by(a.band)
    if scope is not None:
        base, bands = scope.accounts(base), scope.accounts(bands)
    with store.session() as s:
        n, scored, mean, mrr, risk, renewals, renewal_arr, day = s.execute(base).one()
        per_band = {b: int(c) for b, c in s.execute(bands.order_by(a.band))}
    return {"as_of": day, "accounts": int(n), "scored": int(scored),
            "average_score": _r(mean, 2), "bands": per_band,
            "mrr": _r(mrr or 0.0, 2), "arr": _r(12 * (mrr or 0.0), 2),
            "arr_at_risk": _r(risk or 0.0, 2), "renewals_in_window": int(renewals or 0),
            "renewal_arr_in_window": _r(renewal_arr or 0.0, 2),
            "renewal_window_days": renewal_days}


def arr_at_risk(*, churn_probability: float | None, score: float | None,
                arr: float | None) -> float:
    """ARR at risk: churn probability x ARR when the churn model has spoken, else
    (100 - score) / 100 x ARR; 0 for an account with neither."""
    p = churn_probability
    if p is None:
        p = (100 - score) / 100 if score is not None else 0.0
    return p * (arr or 0)


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
        "last_touchpoint_on": x.last_touchpoint_on, "checkin_due_on": x.checkin_due_on,
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
        ex = s.get(AccountExplanation, account_id)
        out["explanation"] = json.loads(ex.explanation) if ex and ex.explanation else []
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

