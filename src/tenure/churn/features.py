"""Point-in-time features: what was known about each paying account at the end of a day.

For an as-of date ``D`` one row per account paying at the end of ``D`` (MRR > 0), computed only
from data dated up to ``D``:

- ``metric.<name>``: every per-account metric of the KPI engine (``tenure.metrics.catalog``;
  dates are left out, their useful forms are the day counts below and the metrics' own
  ``*_days`` companions);
- ``change30.<name>`` / ``change90.<name>``: the relative change of the metrics in
  :data:`CHANGE_METRICS` since ``D - 30`` and ``D - 90`` days (-0.45: down 45%);
- ``health.score`` and ``health.<group>.<measure>``: the health score and each measure's
  score 0-100 (the workspace's health model, pulses from the app database up to ``D``);
- ``tenure_days`` (days since the first payment) and ``days_to_renewal`` (to the next renewal
  of a running subscription, on its yearly or monthly schedule: :func:`next_renewal`);
- ``account.<dimension>``: segment, industry, country, plan and product;
- ``attr.<key>``: every key of the accounts' ``attributes`` JSON (the columns an import did not
  know), raw; :mod:`tenure.churn.encoding` decides which are numbers and which are categories.

Account attributes are what the accounts file says *now*: they carry no date, so a month end
in the past sees today's values. Import only attributes that describe the account, not its
outcome (a "churned" or "cancel reason" column is a label, see ``--label-attribute``).

Metrics are computed once per date (:class:`PointInTime` caches them): month ends that need the
same earlier day for their changes share it. The health score is computed from the same
metrics, the way :func:`tenure.health.compute_health` does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..health import load_model
from ..health.inputs import latest_pulses, lifecycle, needed_metrics
from ..health.model import HealthModel
from ..health.scoring import score_frame
from ..metrics import catalog, context
from ..metrics.datasets import subscription_rows
from ..metrics.engine import PERIOD, compute_frame
from ..metrics.periods import Period

if TYPE_CHECKING:
    from ..app import App

ACCOUNT = "account_id"
AS_OF = "as_of"
DIMENSIONS = ("segment", "industry", "country", "plan", "product")
CHANGE_DAYS = (30, 90)
PERIOD_DAYS = 90  # the trailing period of period metrics (tickets opened, ...): account_metrics'
# Rows (accounts x dates) one query of the engine may return: a small company computes all
# its month ends at once, a large one a few at a time (bounded memory).
ROWS_PER_QUERY = 250_000
MAX_BATCH_DAYS = 36
# The metrics whose movement says something: usage, seats and money, support load and the
# customer's voice. Day counts ("days since ...") and period sums of movements are left out:
# their change over N days is N, or says the same as the level.
CHANGE_METRICS = (
    "mrr", "seats", "mau", "wau", "active_user_days", "stickiness", "seat_utilization",
    "events_30d", "feature_breadth", "tickets_opened", "open_tickets", "urgent_open_tickets",
    "nps_latest", "csat_latest", "program_activities_90d",
)
# The owner (a CSM's email) and the cohort (a calendar month) are not features: a model should
# not learn who looks after an account, and calendar months do not recur out of time.


def metric_names() -> list[str]:
    """The per-account metrics that are features (every one but dates)."""
    return [n for n, m in catalog().items() if m.grain != "group" and m.unit != "date"]


def relative_change(now: pd.Series, then: pd.Series) -> pd.Series:
    """(now - then) / |then|; 0 when both are 0, undefined (NaN) when only ``then`` is 0 or
    either is unknown (the level itself tells the model that something started)."""
    now = pd.to_numeric(now, errors="coerce").astype("float64")
    then = pd.to_numeric(then, errors="coerce").astype("float64")
    out = (now - then) / then.abs().where(then != 0)
    return out.where(~((now == 0) & (then == 0)), 0.0)


def parse_attributes(values: Iterable[Any]) -> list[dict[str, Any]]:
    """Each account's attributes JSON as a dict (empty when missing or not an object)."""
    out: list[dict[str, Any]] = []
    for v in values:
        if isinstance(v, str):
            try:
                v = json.loads(v)
            except ValueError:
                v = None
        out.append(v if isinstance(v, dict) else {})
    return out


def _scalar(v: Any) -> Any:
    """An attribute value as a number, a string or None (lists and objects as JSON text)."""
    if v is None or isinstance(v, bool | int | float | str):
        if isinstance(v, float) and math.isnan(v):
            return None
        return v
    return json.dumps(v, sort_keys=True)


class PointInTime:
    """Features of an App's accounts as of any dates, with metrics cached per date.

    Metrics are computed in batches: one query of the KPI engine covers several dates (each
    a period of its own, as ``compute_metrics`` computes several periods; up to
    :data:`ROWS_PER_QUERY` account-dates), so preparing two years of month ends costs a few
    queries, not a hundred.
    Each date's values are those ``account_metrics(app, as_of=date)`` gives (a test checks).
    """

    def __init__(self, app: App, *, health_model: HealthModel | None = None) -> None:
        self.app = app
        self.health_model = health_model or load_model(app.settings)
        self._metrics: dict[date, pd.DataFrame] = {}
        self._full: set[date] = set()
        self._frames: dict[tuple[date, bool], pd.DataFrame] = {}
        self._attributes: pd.DataFrame | None = None
        self._accounts: pd.DataFrame | None = None
        self._subs: pd.DataFrame | None = None
        self.computed: list[tuple[date, str]] = []  # (date, metric) each time one is computed

    def _all_metrics(self) -> list[str]:
        # The features' metrics and what the health model reads (dates for the lifecycle).
        return list(dict.fromkeys([*metric_names(), *needed_metrics(self.health_model)]))

    def prepare(self, days: Iterable[date]) -> None:
        """Compute what the features of ``days`` need and is not cached yet: every metric at
        each day, and the changing ones (:data:`CHANGE_METRICS`) 30 and 90 days before."""
        days = sorted(set(days))
        full = self._all_metrics()
        fresh = [d for d in days if d not in self._full and d not in self._metrics]
        # A day first read for the changes of a later one: only the other metrics now.
        begun = [d for d in days if d not in self._full and d in self._metrics]
        self._batch(fresh, full)
        self._batch(begun, [n for n in full if n not in CHANGE_METRICS])
        self._full.update(days)
        before = sorted({d - timedelta(days=n) for d in days for n in CHANGE_DAYS})
        self._batch([d for d in before if d not in self._metrics], list(CHANGE_METRICS))

    def _batch(self, days: list[date], names: list[str]) -> None:
        dated = [n for n in names if catalog()[n].unit == "date"]
        size = max(1, min(MAX_BATCH_DAYS, ROWS_PER_QUERY // max(len(self._static()), 1)))
        for i in range(0, len(days), size):
            chunk = days[i:i + size]
            ctx = context(self.app, as_of=max(chunk))
            periods = [Period(d - timedelta(days=PERIOD_DAYS - 1), d) for d in chunk]
            frame = compute_frame(ctx, names, periods, None)
            for k, d in enumerate(chunk):
                part = frame.loc[frame[PERIOD] == k, [ACCOUNT, *names]].reset_index(drop=True)
                for n in dated:  # as account_metrics gives them: dates, None when missing
                    days_ = pd.to_datetime(part[n]).dt.date
                    part[n] = days_.astype(object).where(days_.notna(), None)
                have = self._metrics.get(d)
                self._metrics[d] = part if have is None else have.merge(
                    part, on=ACCOUNT, how="outer")
                self.computed.extend((d, n) for n in names)

    def metrics(self, day: date) -> pd.DataFrame:
        """account_id, the account dimensions as of ``day`` (as ``account_metrics`` gives
        them), ``renewal_date`` (the next one) and every metric."""
        self.prepare([day])
        frame = self._metrics[day].merge(self._static(), on=ACCOUNT, how="left")
        frame = frame.merge(terms_as_of(self._subscriptions(), day), on=ACCOUNT, how="left")
        first = pd.to_datetime(frame["first_paid_day"])
        frame["cohort"] = first.dt.strftime("%Y-%m").astype(object).where(first.notna(), None)
        for d in (*DIMENSIONS, "owner"):
            frame[d] = frame[d].astype(object).where(frame[d].notna(), None)
        return frame

    def _static(self) -> pd.DataFrame:
        if self._accounts is None:
            t = context(self.app, as_of=date(2000, 1, 1)).table("accounts")
            self._accounts = t.select(ACCOUNT, "segment", "industry", "country",
                                      "owner").to_pandas()
        return self._accounts

    def _subscriptions(self) -> pd.DataFrame:
        if self._subs is None:
            s = subscription_rows(context(self.app, as_of=date(2000, 1, 1)))
            rows = s.select(ACCOUNT, "subscription_id", "valid_from", "valid_until", "mrr",
                            "plan", "product", "renewal_date").to_pandas()
            for c in ("valid_from", "valid_until", "renewal_date"):
                rows[c] = pd.to_datetime(rows[c])
            # The order account_dimensions picks the latest row by.
            self._subs = rows.sort_values(["valid_from", "mrr", "subscription_id"],
                                          ascending=[False, False, True], kind="stable")
        return self._subs

    def health_inputs(self, day: date, metrics: pd.DataFrame) -> pd.DataFrame:
        """The frame :func:`tenure.health.inputs.account_inputs` builds, from ``metrics``:
        the same steps (lifecycle, the CSM's pulse) on metrics computed here."""
        cfg = self.app.settings.health
        frame = lifecycle(metrics, day, cfg.onboarding_days)
        pulses = (latest_pulses(self.app.store, day, cfg.pulse_max_age_days)
                  if self.health_model.uses_pulse() else None)
        if pulses is not None and not pulses.empty:
            return frame.merge(pulses, on=ACCOUNT, how="left")
        frame["pulse"] = float("nan")
        return frame

    def attributes(self) -> pd.DataFrame:
        """account_id and one ``attr.<key>`` column per attributes key (raw values)."""
        if self._attributes is None:
            t = context(self.app, as_of=date(2000, 1, 1)).table("accounts")
            raw = t.select(ACCOUNT, "attributes").to_pandas()
            parsed = parse_attributes(raw["attributes"])
            keys = sorted({k for d in parsed for k in d})
            data = {f"attr.{k}": [_scalar(d.get(k)) for d in parsed] for k in keys}
            self._attributes = pd.DataFrame({ACCOUNT: raw[ACCOUNT].to_numpy(), **data},
                                            dtype=object)
        return self._attributes

    def features(self, day: date, *, paying_only: bool = True) -> pd.DataFrame:
        """One row per account (paying at the end of ``day``, or every account) with every
        feature column (see the module doc), sorted by account_id."""
        key = (day, paying_only)
        if key in self._frames:
            return self._frames[key]
        m = self.metrics(day)
        inputs = self.health_inputs(day, m)
        scores = score_frame(inputs, self.health_model, as_of=day)
        out = pd.DataFrame({ACCOUNT: m[ACCOUNT].to_numpy()})
        for n in metric_names():
            out[f"metric.{n}"] = pd.to_numeric(m[n], errors="coerce").astype("float64")
        for days in CHANGE_DAYS:
            then = self._metrics[day - timedelta(days=days)]
            before = m[[ACCOUNT]].merge(then[[ACCOUNT, *CHANGE_METRICS]], on=ACCOUNT,
                                        how="left")
            for n in CHANGE_METRICS:
                out[f"change{days}.{n}"] = relative_change(m[n], before[n]).to_numpy()
        out = out.merge(_health_columns(scores.accounts, scores.measures), on=ACCOUNT,
                        how="left")
        out = out.merge(inputs[[ACCOUNT, "tenure_days", "renewal_date"]], on=ACCOUNT,
                        how="left")
        renewal = pd.to_datetime(out.pop("renewal_date"))
        out["days_to_renewal"] = (renewal - pd.Timestamp(day)).dt.days.astype("float64")
        out["tenure_days"] = pd.to_numeric(out["tenure_days"], errors="coerce")
        for d in DIMENSIONS:
            out[f"account.{d}"] = m[d].astype(object).where(m[d].notna(), None).to_numpy()
        out = out.merge(self.attributes(), on=ACCOUNT, how="left")
        if paying_only:
            out = out[out["metric.mrr"].fillna(0) > 0]
        out = out.sort_values(ACCOUNT, kind="stable").reset_index(drop=True)
        self._frames[key] = out
        return out

    def rows(self, days: Sequence[date]) -> pd.DataFrame:
        """The features of the paying accounts of several dates, with an ``as_of`` column."""
        self.prepare(days)
        parts = [self.features(d).assign(**{AS_OF: d}) for d in sorted(days)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _plus_months(year: np.ndarray, month: np.ndarray, day: np.ndarray,
                 months: np.ndarray) -> pd.Series:
    """The same day of the month ``months`` later, clipped to the month's length."""
    index = year * 12 + (month - 1) + months
    first = pd.to_datetime(pd.DataFrame({"year": index // 12, "month": index % 12 + 1,
                                         "day": 1}))
    return first + pd.to_timedelta(np.minimum(day, first.dt.days_in_month.to_numpy()) - 1,
                                   unit="D")


def next_renewal(subs: pd.DataFrame, day: date) -> pd.Series:
    """Each account's next renewal on or after ``day``, from what could be known that day.

    A subscription row running across ``day`` may carry a renewal date written later: an
    export's current state, or the day the row closed (a monthly customer who churned has
    the churn day there, one who stayed a date after the export). Read as it is, that date
    tells the future. So it is read for its *schedule* only: renewals fall on the anniversaries
    of the subscription's first day, yearly when its renewal date lies a whole number of years
    after that day, monthly when a whole number of months; the next renewal is the first such
    anniversary on or after ``day`` (and not after the renewal date). A renewal date off both
    schedules says nothing about ``day``. A yearly contract's renewal is the same date whether
    the customer stays or goes, and a monthly one always renews within a month, so the day of
    churn cannot show through."""
    d = pd.Timestamp(day)
    started = subs[subs["valid_from"] <= d]
    first = started.groupby("subscription_id")["valid_from"].transform("min")
    running = started[(started["valid_until"].isna() | (started["valid_until"] > d))
                      & (started["renewal_date"] >= d)]
    if running.empty:
        return pd.Series(dtype="datetime64[ns]", name="renewal_date")
    a = first.loc[running.index]
    r = running["renewal_date"]
    ay, am, ad = (a.dt.year.to_numpy(), a.dt.month.to_numpy(), a.dt.day.to_numpy())
    total = (r.dt.year.to_numpy() - ay) * 12 + (r.dt.month.to_numpy() - am)
    on_schedule = (_plus_months(ay, am, ad, total).to_numpy() == r.to_numpy())
    step = np.where(total % 12 == 0, 12, 1)
    # The first anniversary on or after day: months from the first day to day, or one more.
    m0 = (d.year - ay) * 12 + (d.month - am)
    m0 = np.where(_plus_months(ay, am, ad, m0).to_numpy() >= d.to_datetime64(), m0, m0 + 1)
    m = total - step * ((total - m0) // step)  # the least m >= m0 on the schedule
    nxt = pd.Series(_plus_months(ay, am, ad, m).to_numpy(), index=running.index)
    nxt = nxt.where(on_schedule & (m <= total))
    out = pd.DataFrame({ACCOUNT: running[ACCOUNT].to_numpy(), "renewal_date": nxt.to_numpy()})
    return out.dropna().groupby(ACCOUNT)["renewal_date"].min()


def terms_as_of(subs: pd.DataFrame, day: date) -> pd.DataFrame:
    """account_id, plan, product and renewal_date as of ``day`` from subscription rows sorted
    latest first. Plan and product follow ``account_dimensions`` (the product of the
    latest-started row, the plan of the latest row that has one; a test holds them equal to
    the KPI engine's) for many days from one read of the rows; the renewal is
    :func:`next_renewal`."""
    d = pd.Timestamp(day)
    started = subs[subs["valid_from"] <= d]
    product = started.drop_duplicates(ACCOUNT).set_index(ACCOUNT)["product"]
    plan = started[started["plan"].notna()].drop_duplicates(ACCOUNT).set_index(ACCOUNT)["plan"]
    renewal = next_renewal(subs, day).dt.date
    out = pd.DataFrame({"product": product}).join(plan, how="outer").join(
        renewal.rename("renewal_date"), how="outer")
    return out.rename_axis(ACCOUNT).reset_index()


def _health_columns(accounts: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({ACCOUNT: accounts[ACCOUNT].to_numpy(),
                        "health.score": accounts["score"].to_numpy(dtype="float64")})
    if measures.empty:
        return out
    keyed = measures.assign(key="health." + measures["group"] + "." + measures["measure"])
    wide = keyed.pivot(index=ACCOUNT, columns="key", values="score")
    wide = wide.reindex(columns=sorted(wide.columns)).astype("float64")
    return out.merge(wide, left_on=ACCOUNT, right_index=True, how="left")

