"""The portfolio over time, computed once per scored day for the dashboard's Portfolio and
Metrics pages (and ``GET /api/v1/portfolio``).

The KPI engine (:mod:`tenure.metrics`) scans the warehouse, which takes seconds on a large
book, so the pages do not call it: the scoring run (:func:`tenure.daily.after_scoring`) calls
:func:`refresh_series`, which computes the last 12 months once and stores them in the app
database (table ``portfolio_series``, one JSON row per day and scope). A scope is
``"company"`` or ``"owner:<email>"``, one CSM's book: the engine groups by the accounts'
``owner`` in the same pass (one grouped query per dataset, whatever the number of owners).

Every figure is one of the engine's metrics (definitions in docs/metrics.md); nothing here
defines a metric. What changes during the day (the health bands and the ARR at risk of the
latest scoring) is read live from the account snapshots by :func:`health_distribution`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select

from .store import AccountSnapshot, AppStore, PortfolioSeries

if TYPE_CHECKING:
    from .access import AccountScope
    from .app import App

COMPANY = "company"
MONTHS = 12

# The monthly figures, in the order the payload lists them (names of tenure.metrics).
SERIES_METRICS = (
    "mrr", "arr", "starting_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr",
    "contraction_mrr", "churned_mrr", "net_new_mrr", "paying_accounts", "accounts_at_start",
    "churned_accounts", "logo_churn_rate", "nrr", "grr", "nps", "nps_responses", "csat",
    "csat_responses", "tickets_opened", "first_response_hours_median",
    "resolution_hours_median",
)
# The KPI tiles and which way is better (for the trend arrow's colour).
TILES = (
    ("arr", "up"), ("mrr", "up"), ("net_new_mrr", "up"), ("nrr", "up"), ("grr", "up"),
    ("logo_churn_rate", "down"), ("nps", "up"), ("csat", "up"),
    ("first_response_hours_median", "down"),
)


def owner_scope(email: str) -> str:
    """The scope of one CSM's book."""
    return f"owner:{email.strip().lower()}"


def scope_for(scope: AccountScope) -> str:
    """The series a person reads: a CSM their book's, everyone else the company's."""
    owner = scope.owner_email
    return owner_scope(owner) if owner else COMPANY


# --------------------------------------------------------------------------- computing
def compute_series(app: App, *, as_of: date) -> dict[str, dict[str, Any]]:
    """The payload of every scope as of ``as_of``: the company and each owner's book.

    A payload holds ``months`` (the last 12 calendar months, the current one to date, each
    with the metrics of :data:`SERIES_METRICS`), ``tiles`` (the current month to date against
    the previous month) and, for the company only, ``cohorts`` (cohort retention of the
    cohorts of the last 12 months; the engine has no cohort matrix per owner)."""
    from .metrics import cohort_retention, compute_metrics, context

    ctx = context(app, as_of=as_of)  # lookups and account dimensions computed once
    kw: dict[str, Any] = {"as_of": as_of, "period": "month", "periods": MONTHS,
                          "metrics": SERIES_METRICS}
    company = compute_metrics(ctx, **kw)
    by_owner = compute_metrics(ctx, by=["owner"], **kw)
    cohorts = cohort_retention(ctx, as_of=as_of)
    common = {"as_of": as_of.isoformat(),
              "currency": app.settings.company.reporting_currency,
              "nps_window_days": app.settings.metrics.nps_window_days,
              "csat_window_days": app.settings.metrics.csat_window_days}
    out = {COMPANY: _payload(company, common, scope=COMPANY)}
    out[COMPANY]["cohorts"] = _cohort_rows(cohorts, as_of=as_of)
    by_owner = by_owner[by_owner["owner"].notna()]
    for owner, rows in by_owner.groupby("owner", sort=True):
        scope = owner_scope(str(owner))
        out[scope] = _payload(rows, common, scope=scope)
        out[scope]["cohorts"] = None
    return out


def _number(value: Any) -> float | None:
    from .metrics import number

    v = number(value)
    return None if v is None else round(v, 6)


def _payload(frame: Any, common: Mapping[str, Any], *, scope: str) -> dict[str, Any]:
    months: dict[date, dict[str, Any]] = {}
    for r in frame.to_dict("records"):
        start = r["period_start"]
        month = months.setdefault(start, {"month": start.strftime("%Y-%m"),
                                          "period_start": start.isoformat(),
                                          "period_end": r["period_end"].isoformat()})
        month[r["metric"]] = _number(r["value"])
    rows = [months[k] for k in sorted(months)]
    return {"scope": scope, **common, "months": rows, "tiles": _tiles(rows)}


def _tiles(months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The current month to date against the whole previous month."""
    from .metrics import catalog

    names = catalog()
    now = months[-1] if months else {}
    before = months[-2] if len(months) > 1 else {}
    tiles = []
    for name, better in TILES:
        value, previous = now.get(name), before.get(name)
        change = None
        if value is not None and previous is not None:
            change = "up" if value > previous else "down" if value < previous else "flat"
        tiles.append({"metric": name, "label": names[name].label, "unit": names[name].unit,
                      "value": value, "previous": previous, "change": change,
                      "better": better})
    return tiles


def _cohort_rows(frame: Any, *, as_of: date) -> list[dict[str, Any]]:
    """cohort_retention's rows for the cohorts of the last 12 months (as it reports them)."""
    first = (as_of.year * 12 + as_of.month - 1) - (MONTHS - 1)
    since = f"{first // 12:04d}-{first % 12 + 1:02d}"
    out = []
    for r in frame.to_dict("records"):
        if r["cohort"] < since:
            continue
        out.append({"cohort": r["cohort"], "months_since_start": int(r["months_since_start"]),
                    "accounts": int(r["accounts"]),
                    "retained_accounts": int(r["retained_accounts"]),
                    "logo_retention": _number(r["logo_retention"]),
                    "starting_mrr": _number(r["starting_mrr"]), "mrr": _number(r["mrr"]),
                    "revenue_retention": _number(r["revenue_retention"])})
    return out


# --------------------------------------------------------------------------- storing
def save_series(store: AppStore, day: date, series: Mapping[str, Mapping[str, Any]], *,
                now: datetime | None = None) -> int:
    """Replace the day's rows by ``series`` (scope -> payload) in one transaction; returns
    how many rows were written."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    rows = [{"day": day, "scope": scope, "payload": json.dumps(payload, allow_nan=False),
             "computed_at": now} for scope, payload in series.items()]
    with store.session() as s:
        s.execute(delete(PortfolioSeries).where(PortfolioSeries.day == day))
        if rows:
            s.execute(insert(PortfolioSeries), rows)
    return len(rows)


def refresh_series(app: App, *, as_of: date, now: datetime | None = None) -> dict[str, Any]:
    """Compute and store the day's series (what the scoring run does for its day); returns
    what it did, for the run's report."""
    import time

    started = time.perf_counter()
    series = compute_series(app, as_of=as_of)
    written = save_series(app.store, as_of, series, now=now)
    return {"day": as_of, "scopes": written,
            "seconds": round(time.perf_counter() - started, 2)}


def latest_series(store: AppStore, scope: str) -> tuple[date, dict[str, Any]] | None:
    """The latest day's payload of ``scope``, or None when that scope has none.

    The latest day is the latest computed for any scope: a book with no row that day (an
    owner with no accounts left) gets None, never an older day's figures."""
    p = PortfolioSeries
    with store.session() as s:
        day = s.execute(select(func.max(p.day))).scalar_one_or_none()
        if day is None:
            return None
        payload = s.execute(select(p.payload).where(p.day == day, p.scope == scope)
                            ).scalar_one_or_none()
    return None if payload is None else (day, json.loads(payload))


# --------------------------------------------------------------------------- live part
def health_distribution(store: AppStore, *, scope: AccountScope) -> list[dict[str, Any]]:
    """Accounts, ARR and ARR at risk per health band of the latest scoring, over the
    accounts ``scope`` sees (one query; ARR at risk as tenure.health.history.arr_at_risk,
    the SQL expression snapshot_summary sums), healthiest band first. Unscored accounts are
    the band None, last."""
    from .health.history import _ARR, _RISK

    a = AccountSnapshot
    q = select(a.band, func.count(), func.sum(func.coalesce(_ARR, 0.0)), func.sum(_RISK),
               func.max(a.score)).group_by(a.band)
    with store.session() as s:
        rows = s.execute(scope.accounts(q)).all()
    rows = sorted(rows, key=lambda r: (r[0] is None, -(r[4] or 0.0), r[0] or ""))
    return [{"band": band, "accounts": int(n), "arr": _money(arr), "arr_at_risk": _money(risk)}
            for band, n, arr, risk, _ in rows]


def _money(v: Any) -> float:
    return round(float(v), 2) if v is not None and math.isfinite(float(v)) else 0.0


def portfolio_view(store: AppStore, *, scope: AccountScope) -> dict[str, Any]:
    """What the Portfolio and Metrics pages and ``GET /api/v1/portfolio`` show to the person
    of ``scope``: the stored series of their scope (a CSM's book; the company's for everyone
    else, and for a CSM whose book has no series, then labelled ``"company"``) and the live
    health distribution of the accounts they see (a CSM: their book, always). Cohort
    retention is the company's for everyone (``cohorts_scope``)."""
    from .health.history import latest_snapshot_day

    wanted = scope_for(scope)
    found = latest_series(store, wanted)
    if found is None and wanted != COMPANY:
        found = latest_series(store, COMPANY)
    day, payload = found if found is not None else (None, None)
    cohorts = None if payload is None else payload["cohorts"]
    if payload is not None and cohorts is None:
        # The engine has no cohort matrix per book: a CSM sees the company's, labelled so.
        company = latest_series(store, COMPANY)
        cohorts = None if company is None else company[1]["cohorts"]
    bands = health_distribution(store, scope=scope)
    return {
        "day": day,
        "scope": None if payload is None else (
            COMPANY if payload["scope"] == COMPANY else "book"),
        "currency": None if payload is None else payload["currency"],
        "nps_window_days": None if payload is None else payload["nps_window_days"],
        "csat_window_days": None if payload is None else payload["csat_window_days"],
        "months": [] if payload is None else payload["months"],
        "tiles": [] if payload is None else payload["tiles"],
        "cohorts": cohorts,
        "cohorts_scope": None if cohorts is None else COMPANY,
        "health_as_of": latest_snapshot_day(store),
        "health": bands,
        "accounts": sum(b["accounts"] for b in bands),
        "arr": round(sum(b["arr"] for b in bands), 2),
        "arr_at_risk": round(sum(b["arr_at_risk"] for b in bands), 2),
    }
