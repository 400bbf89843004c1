"""The datasets metrics are declared over: canonical tables, prepared as Ibis expressions.

Most datasets are a canonical table with money converted to the reporting currency and a few
derived columns. Two are built: ``movements`` (ChartMogul's MRR movements, one row per account
and day on which its MRR changed) and ``active_days`` (one row per user and day of activity).

Everything here is an Ibis expression over whatever backend holds the canonical tables, so the
same code runs on DuckDB and on Spark. Nothing reads the clock: the period and the as-of date
come in as arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import MetricsError
from .formula import hours_between

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from ..settings import Settings

MRR_DECIMALS = 6
OPEN_STATUSES_EXCLUDED = ("solved", "closed")


def day_start(d: date) -> datetime:
    return datetime.combine(d, time())


@dataclass
class Context:
    """One computation: the backend holding the canonical tables, settings and as-of date."""

    backend: Any
    settings: Settings
    as_of: date
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def has_table(self, name: str) -> bool:
        return self._lookup(name) is not None

    def _lookup(self, name: str) -> ir.Table | None:
        # Asking for the table itself: Ibis 12's list_tables() fails on DuckDB 2.0.
        key = f"table:{name}"
        if key not in self._cache:
            from ibis.common.exceptions import TableNotFound

            try:
                self._cache[key] = self.backend.table(name)
            except TableNotFound:
                self._cache[key] = None
        return self._cache[key]  # type: ignore[no-any-return]

    def table(self, name: str) -> ir.Table:
        t = self._lookup(name)
        if t is None:
            raise MetricsError(f"the warehouse has no {name} table; import it first")
        return t

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    # ------------------------------------------------------------------ money
    def _foreign_currencies(self, table: str) -> dict[str, bool]:
        """The currencies of ``table`` other than the reporting one, each with whether
        fx_rates has a rate for it (one query)."""
        t = self.table(table)
        rep = self.settings.company.reporting_currency
        foreign = t.filter(t.currency.notnull() & (t.currency != rep)).select(
            "currency").distinct()
        if self.has_table("fx_rates"):
            rates = self.table("fx_rates").select(_rated="currency").distinct()
            foreign = foreign.left_join(rates, foreign.currency == rates._rated)
            rows = foreign.select("currency", has_rate=foreign._rated.notnull()).to_pyarrow()
            return dict(zip(rows["currency"].to_pylist(), rows["has_rate"].to_pylist(),
                            strict=True))
        return dict.fromkeys(foreign.to_pyarrow()["currency"].to_pylist(), False)

    def converted(self, table: str, amount: str, on: str, key: tuple[str, ...]) -> ir.Table:
        """``table`` with ``amount`` in the reporting currency, each row converted at the latest
        fx rate dated on or before its ``on`` date (else the currency's earliest rate)."""
        import ibis

        t = self.table(table)
        foreign = self._foreign_currencies(table)
        if not foreign:
            return t
        missing = sorted(c for c, rated in foreign.items() if not rated)
        if missing:
            raise MetricsError(
                f"{table} has amounts in {', '.join(missing)} but fx_rates has no rate for "
                f"{'it' if len(missing) == 1 else 'them'}; import fx_rates (currency, date, rate "
                f"= {self.settings.company.reporting_currency} per unit)")
        rates = self.table("fx_rates")
        on_day = t[on].date() if t[on].type().is_timestamp() else t[on]
        rows = t.mutate(_on=on_day)
        r = rates.rename(_cur="currency", _date="date", _rate="rate")
        cand = rows.join(r, [rows.currency == r._cur, r._date <= rows._on])
        latest = cand.group_by(list(key)).aggregate(_latest=cand._rate.argmax(cand._date))
        first = rates.group_by("currency").aggregate(_first=rates.rate.argmin(rates.date))
        first = first.rename(_fcur="currency")
        out = rows.left_join(latest, list(key)).left_join(
            first, rows.currency == first._fcur)
        rep = self.settings.company.reporting_currency
        rate = ibis.ifelse(out.currency.isnull() | (out.currency == rep), 1.0,
                           ibis.coalesce(out._latest, out._first))
        return out.mutate(**{amount: out[amount] * rate}).select(t.columns)

    # ------------------------------------------------------------------ durations
    def support_hours(self, a: ir.TimestampValue, b: ir.TimestampValue) -> ir.FloatingValue:
        """Hours from a to b: calendar hours, or business hours (support.business_hours,
        Monday to Friday, local time = UTC + support.utc_offset_hours)."""
        window = self.settings.support.business_window
        if window is None:
            return hours_between(a, b)
        return (self._business_seconds(b, window) - self._business_seconds(a, window)) / 3600

    def _business_seconds(self, ts: ir.TimestampValue, window: tuple[float, float]) -> Any:
        """Business seconds from a Monday before 1970 to ts; differences of this are the
        business time between two instants (no table of days needed, so it runs anywhere)."""
        import ibis

        start, end = window[0] * 3600.0, window[1] * 3600.0
        length = end - start
        # Whole seconds as a double first: on Spark a float literal is a DECIMAL, and decimal
        # arithmetic would round the result.
        local = (ts.epoch_seconds().cast("int64").cast("float64")
                 + int(self.settings.support.utc_offset_hours * 3600))
        day = (local / 86400).floor()
        since_monday = day + 3  # 1970-01-01 was a Thursday
        weeks = (since_monday / 7).floor()
        dow = since_monday - weeks * 7
        seconds = local - day * 86400
        in_day = ibis.ifelse(dow < 5, (seconds - start).clip(lower=0, upper=length), 0.0)
        return weeks * 5 * length + ibis.least(dow, 5) * length + in_day


@dataclass(frozen=True)
class Dataset:
    """A dataset: its columns (besides account_id), its time columns (the first is the
    default) and whether rows are intervals (live from valid_from until valid_until)."""

    name: str
    columns: tuple[str, ...]
    times: tuple[str, ...]
    # build(ctx, first_day, last_day): the rows; the days (None: unbounded) are a hint a
    # builder may use to cut its source before expensive work.
    build: Callable[[Context, date | None, date | None], ir.Table]
    interval: bool = False
    doc: str = ""
    # Columns that depend on the period: computed on the rows joined with the periods table,
    # whose ``_end_t`` is the instant the period ends (midnight after its last day).
    with_period: Callable[[Context, ir.Table], ir.Table] | None = None


# ---------------------------------------------------------------------- subscriptions
def subscription_rows(ctx: Context) -> ir.Table:
    """Subscription rows in the reporting currency with the day they stop counting
    (``valid_until``, exclusive): valid_to, or canceled_at under cancellation recognition."""

    def build() -> ir.Table:
        import ibis

        s = ctx.converted("subscriptions", "mrr", "valid_from", ("subscription_id", "valid_from"))
        until = s.valid_to
        if (ctx.settings.metrics.churn_recognition == "cancellation"
                and "canceled_at" in s.columns):
            until = ibis.ifelse(
                s.canceled_at.notnull() & (s.valid_to.isnull() | (s.canceled_at < s.valid_to)),
                s.canceled_at, s.valid_to)
        return s.select(
            "account_id", "subscription_id", "valid_from", valid_until=until,
            mrr=s.mrr.fill_null(0.0), seats=s.seats, plan=s.plan, product=s.product,
            renewal_date=s.renewal_date)

    return ctx.cached("subscription_rows", build)  # type: ignore[no-any-return]


def movements(ctx: Context) -> ir.Table:
    """ChartMogul's MRR movements: for each day an account's MRR changes, the kind (new,
    expansion, contraction, churn, reactivation) and the amount (>= 0)."""

    def build() -> ir.Table:
        import ibis

        s = subscription_rows(ctx)
        starts = s.select("account_id", day=s.valid_from, delta=s.mrr)
        ends = s.filter(s.valid_until.notnull()).select(
            "account_id", day=s.valid_until, delta=-s.mrr)
        changes = starts.union(ends, distinct=False)
        daily = changes.group_by(["account_id", "day"]).aggregate(delta=changes.delta.sum())
        w = ibis.window(group_by="account_id", order_by="day")
        cur = daily.mutate(cur=daily.delta.cumsum().over(w).round(MRR_DECIMALS))
        cur = cur.mutate(cur=ibis.ifelse(cur.cur.abs() < 10 ** -MRR_DECIMALS, 0.0, cur.cur))
        cur = cur.mutate(prev=cur.cur.lag().over(w).fill_null(0.0),
                         paid=ibis.ifelse(cur.cur > 0, 1, 0))
        cur = cur.mutate(paid_before=cur.paid.cumsum().over(w) - cur.paid)
        kind = (
            ibis.cases(
                ((cur.prev <= 0) & (cur.cur > 0) & (cur.paid_before > 0), "reactivation"),
                ((cur.prev <= 0) & (cur.cur > 0), "new"),
                ((cur.prev > 0) & (cur.cur <= 0), "churn"),
                ((cur.prev > 0) & (cur.cur > cur.prev), "expansion"),
                ((cur.prev > 0) & (cur.cur < cur.prev), "contraction"),
                else_=ibis.null("string"),
            )
        )
        amount = ibis.cases(
            ((cur.prev <= 0) & (cur.cur > 0), cur.cur),
            ((cur.prev > 0) & (cur.cur <= 0), cur.prev),
            else_=(cur.cur - cur.prev).abs(),
        )
        out = cur.mutate(kind=kind, amount=amount)
        return out.filter(out.kind.notnull()).select("account_id", "day", "kind", "amount")

    return ctx.cached("movements", build)  # type: ignore[no-any-return]


def _subscriptions(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    return subscription_rows(ctx)


def _movements(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    return movements(ctx)


def _invoices(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    import ibis

    def build() -> ir.Table:
        t = ctx.converted("invoices", "amount", "issued_at", ("invoice_id",))
        kinds = ctx.settings.metrics.purchase_kinds
        kind_ok = t.kind.isnull() | (t.kind.isin(kinds) if kinds else ibis.literal(True))
        paid = t.status.isnull() | (t.status == "paid")
        return t.select("account_id", "issued_at", "amount", "kind", "status",
                        is_purchase=paid & kind_ok)

    return ctx.cached("invoices", build)  # type: ignore[no-any-return]


def _responses(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    t = ctx.table("survey_responses")
    return t.select("account_id", "survey", "score", "responded_at", "contact_id")


def sla_target_hours(ctx: Context, priority: ir.StringValue) -> ir.FloatingValue:
    import ibis

    sup = ctx.settings.support
    return ibis.cases(
        (priority == "urgent", sup.sla_urgent_hours),
        (priority == "high", sup.sla_high_hours),
        (priority == "low", sup.sla_low_hours),
        else_=sup.sla_normal_hours,
    )


def _tickets(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    return ctx.cached("tickets", lambda: _ticket_base(ctx))  # type: ignore[no-any-return]


def _tickets_in_period(ctx: Context, base: ir.Table) -> ir.Table:
    import ibis

    end_at = base._end_t
    responded = base.first_response_at.notnull() & (base.first_response_at < end_at)
    waited = ctx.support_hours(base.created_at, end_at)
    open_at_end = ibis.ifelse(
        base.resolved_at.isnull(), ~base.status.isin(OPEN_STATUSES_EXCLUDED).fill_null(False),
        base.resolved_at >= end_at)
    breached = ibis.ifelse(responded, base.first_response_hours > base.sla_target_hours,
                           waited > base.sla_target_hours)
    return base.mutate(is_open_at_end=open_at_end, sla_breached=breached)


def _ticket_base(ctx: Context) -> ir.Table:
    t = ctx.table("tickets")
    priority = t.priority.fill_null("normal")
    return t.select(
        "account_id", "created_at", "first_response_at", "resolved_at", "status",
        "satisfaction", priority=priority,
        first_response_hours=ctx.support_hours(t.created_at, t.first_response_at),
        resolution_hours=ctx.support_hours(t.created_at, t.resolved_at),
        sla_target_hours=sla_target_hours(ctx, priority),
    )


def _events(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    return ctx.table("events").select("account_id", "event", "timestamp", "user_id")


def _active_days(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    import ibis

    def build() -> ir.Table:
        e = ctx.table("events")
        keep = e.user_id.notnull()
        # Cut the events before the distinct: a filter on the derived day would not reach
        # the scan.
        if hi is not None:
            keep = keep & (e.timestamp < ibis.timestamp(day_start(hi + timedelta(days=1))))
        if lo is not None:
            keep = keep & (e.timestamp >= ibis.timestamp(day_start(lo)))
        e = e.filter(keep)
        return e.select("account_id", "user_id", day=e.timestamp.date()).distinct()

    return ctx.cached(f"active_days:{lo}:{hi}", build)  # type: ignore[no-any-return]


def _activities(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    return ctx.table("activities").select("account_id", "kind", "occurred_at", "actor")


def _accounts(ctx: Context, lo: date | None, hi: date | None) -> ir.Table:
    t = ctx.table("accounts")
    return t.select("account_id", "created_at", created_day=t.created_at.date())


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("subscriptions", ("mrr", "seats", "plan", "product", "subscription_id",
                                  "renewal_date", "valid_from", "valid_until"),
                ("valid_from",), _subscriptions, interval=True,
                doc="Subscription rows, mrr in the reporting currency; live on day X when "
                "valid_from <= X < valid_until (valid_to, or canceled_at under cancellation "
                "recognition)."),
        Dataset("movements", ("day", "kind", "amount"), ("day",), _movements,
                doc="ChartMogul MRR movements: one row per account and day its MRR changed, "
                "with kind new / expansion / contraction / churn / reactivation and amount."),
        Dataset("invoices", ("issued_at", "amount", "kind", "status", "is_purchase"),
                ("issued_at",), _invoices,
                doc="Invoices, amount in the reporting currency; is_purchase marks paid "
                "invoices of the purchase kinds."),
        Dataset("responses", ("survey", "score", "responded_at", "contact_id"),
                ("responded_at",), _responses, doc="Survey responses."),
        Dataset("tickets", ("created_at", "first_response_at", "resolved_at", "status",
                            "priority", "satisfaction", "first_response_hours",
                            "resolution_hours", "sla_target_hours", "is_open_at_end",
                            "sla_breached"),
                ("created_at", "first_response_at", "resolved_at"), _tickets,
                with_period=_tickets_in_period,
                doc="Tickets with durations in (business) hours, the SLA target of their "
                "priority (empty priority = normal), whether they were open at the end of "
                "the period and whether they breached their SLA."),
        Dataset("events", ("event", "timestamp", "user_id"), ("timestamp",), _events,
                doc="Product events."),
        Dataset("active_days", ("user_id", "day"), ("day",), _active_days,
                doc="One row per (account, user, day) with at least one event by the user."),
        Dataset("activities", ("kind", "occurred_at", "actor"), ("occurred_at",), _activities,
                doc="Touchpoints and programme activities."),
        Dataset("accounts", ("created_at", "created_day"), ("created_at",), _accounts,
                doc="Accounts and when they were created."),
    )
}

# Dimensions an account has as of a date; `priority` belongs to tickets only.
ACCOUNT_DIMENSIONS = ("segment", "industry", "country", "owner", "plan", "product", "cohort")
ROW_DIMENSIONS = {"priority": ("tickets",)}
DIMENSIONS = ACCOUNT_DIMENSIONS + tuple(ROW_DIMENSIONS)


def start_cohorts(ctx: Context) -> ir.Table:
    """account_id and cohort: the first day of the month the account first paid (on or
    before as_of); accounts that never paid have no row."""
    import ibis

    m = movements(ctx)
    first = m.filter((m.kind == "new") & (m.day <= ibis.date(ctx.as_of)))
    return first.group_by("account_id").aggregate(cohort=first.day.min().truncate("M"))


def account_dimensions(ctx: Context) -> ir.Table:
    """One row per account (accounts and subscriptions) with its dimensions as of as_of."""

    def build() -> ir.Table:
        import ibis

        d = ctx.as_of
        s = subscription_rows(ctx)
        ids = ctx.table("accounts").select("account_id").union(
            s.select("account_id"), distinct=True)
        acc = ctx.table("accounts").select("account_id", "segment", "industry", "country",
                                           "owner")
        live = s.filter(s.valid_from <= ibis.date(d))

        def latest(rows: ir.Table, column: str) -> ir.Table:
            w = ibis.window(group_by="account_id",
                            order_by=[rows.valid_from.desc(), rows.mrr.desc(),
                                      rows.subscription_id.asc()])
            ranked = rows.mutate(_rank=ibis.row_number().over(w))
            return ranked.filter(ranked._rank == 0).select("account_id", column)

        # The product of the latest-started row; the plan of the latest row that has one (an
        # add-on bought later has no plan and does not blank the account's plan).
        product = latest(live, "product")
        plan = latest(live.filter(live.plan.notnull()), "plan")
        return (ids.left_join(acc, "account_id").left_join(plan, "account_id")
                .left_join(product, "account_id").left_join(start_cohorts(ctx), "account_id")
                .select("account_id", "segment", "industry", "country", "owner", "plan",
                        "product", "cohort"))

    return ctx.cached("dimensions", build)  # type: ignore[no-any-return]
