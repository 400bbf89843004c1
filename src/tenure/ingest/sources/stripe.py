"""Stripe: subscriptions and invoices, from dashboard CSV exports or API objects (JSON Lines).

Both shapes are first brought to the same fields (``_subscription_fields_*``,
``_invoice_fields_*``), then mapped once. Decisions (see docs/import.md, "Stripe"):

- account_id is ``metadata.account_id`` (the subscription's, invoice's or customer's) when
  present, else the Stripe customer id.
- MRR = unit amount x quantity, normalised to a month (year / 12, week x 52 / 12,
  day x 365 / 12) and divided by the interval count, summed over the subscription's items.
  API amounts are in minor units (cents), except in zero-decimal currencies (JPY, KRW, ...) and
  three-decimal ones (KWD, ...): Stripe, "Supported currencies". Dashboard amounts are in
  major units. Metered items count 0 (usage is billed in arrears, not recurring); discounts
  are not applied.
- Trials are not revenue: a subscription's row starts at the end of its trial, and
  subscriptions still in trial, paused, incomplete or ended during the trial are skipped.
- An export is a snapshot: one row per subscription, its current terms from its start. Past
  plan changes cannot be reconstructed from it.
- canceled_at is the day of Stripe's ``canceled_at`` when the subscription has ended or its end
  is scheduled (Stripe sets it when a cancellation is requested, possibly at the period end);
  a cancellation requested before the row starts (during the trial) counts from valid_from.
  The original instant stays in attributes.
- Invoice status: paid -> paid, open -> open, void -> void, uncollectible -> open (the
  customer still owes it and Stripe accepts payment later; the original status is kept in
  attributes as stripe_status), draft -> skipped (not issued yet).
"""

from __future__ import annotations

from ...errors import ImportFileError
from ..project import Projection, Staged, attributes_sql, record_sql
from ..readers import FileFormat
from ..schema import Table
from ..validate import lit
from . import Source
from ._sql import (
    CsvColumns,
    as_utc,
    case_map,
    epoch_or_text,
    in_list,
    json_object_sql,
    json_record_sql,
    merge_json_sql,
    pick_text,
    without_keys,
)

# Stripe, "Supported currencies": amounts in these are already whole units ...
ZERO_DECIMAL = (
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
)
# ... and in these in thousandths. (ISK, HUF and TWD stay two-decimal in the API.)
THREE_DECIMAL = ("BHD", "JOD", "KWD", "OMR", "TND")

# Billing interval -> months per interval (an interval count divides it further).
MONTHLY_FACTOR = {
    "month": "1.0", "monthly": "1.0",
    "year": "1.0 / 12", "yearly": "1.0 / 12", "annual": "1.0 / 12", "annually": "1.0 / 12",
    "week": "52.0 / 12", "weekly": "52.0 / 12",
    "day": "365.0 / 12", "daily": "365.0 / 12",
}

RUNNING = ("active", "past_due", "unpaid")  # statuses in which a subscription renews

_LIST_PAGE = (
    "a Stripe list page: write one object per line (e.g. jq -c '.data[]')"
)
_MRR_UNKNOWN = (
    "cannot compute MRR: a price has no unit amount (tiered or volume pricing?) or no "
    "recurring interval; give mrr in a canonical subscriptions file"
)


def minor_unit_divisor(currency: str) -> str:
    """SQL: what to divide a Stripe API amount by to get major units."""
    cur = f"upper({currency})"
    return (
        f"CASE WHEN {in_list(cur, ZERO_DECIMAL)} THEN 1.0 "
        f"WHEN {in_list(cur, THREE_DECIMAL)} THEN 1000.0 ELSE 100.0 END"
    )


def monthly_factor(interval: str) -> str:
    """SQL: months per billing interval, NULL for an unknown interval."""
    return case_map(f"lower(trim({interval}))", MONTHLY_FACTOR)


# --- subscriptions ---------------------------------------------------------------------------

SUBSCRIPTION_JSON: dict[str, tuple[str, ...]] = {
    "object": ("$.object",),
    "id": ("$.id",),
    # An expanded customer is an object with an id; otherwise the field is the id itself.
    "customer": ("$.customer.id", "$.customer"),
    "acct": ("$.metadata.account_id", "$.customer.metadata.account_id"),
    "status": ("$.status",),
    "start": ("$.start_date", "$.start", "$.created"),
    "trial_end": ("$.trial_end",),
    "ended_at": ("$.ended_at",),
    "canceled_at": ("$.canceled_at",),
    "cancel_at": ("$.cancel_at",),
    "cancel_at_period_end": ("$.cancel_at_period_end",),
    # Since API version 2025-03-31 the current period lives on the items.
    "period_end": ("$.current_period_end", "$.items.data[0].current_period_end"),
    "currency": ("$.currency", "$.items.data[0].price.currency", "$.plan.currency"),
    "product": (
        "$.items.data[0].price.product.name",
        "$.items.data[0].price.product",
        "$.items.data[0].plan.product",
        "$.plan.product",
    ),
    "plan": (
        "$.items.data[0].price.nickname",
        "$.items.data[0].price.lookup_key",
        "$.items.data[0].price.id",
        "$.plan.nickname",
        "$.plan.id",
    ),
    "seats": ("$.quantity", "$.items.data[0].quantity"),
    "interval": ("$.items.data[0].price.recurring.interval", "$.plan.interval"),
    "interval_count": (
        "$.items.data[0].price.recurring.interval_count",
        "$.plan.interval_count",
    ),
}
SUBSCRIPTION_JSON_VALUES: dict[str, tuple[str, ...]] = {
    "items": ("$.items.data",),
    "plan_obj": ("$.plan",),
    "metadata": ("$.metadata",),
}

# Per item: where its amount, interval and quantity are (prices; legacy plans).
_ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "amount": (
        "$.price.unit_amount_decimal", "$.price.unit_amount", "$.plan.amount_decimal",
        "$.plan.amount",
    ),
    "interval": ("$.price.recurring.interval", "$.plan.interval"),
    "count": ("$.price.recurring.interval_count", "$.plan.interval_count"),
    "usage": ("$.price.recurring.usage_type", "$.plan.usage_type"),
    "quantity": ("$.quantity",),
}


def _item_mrr_minor() -> tuple[str, str]:
    """(lambda over an item's extracted values -> monthly minor units, the paths to extract)."""
    paths, f = pick_text("v", _ITEM_FIELDS)
    amount = f"TRY_CAST({f['amount']} AS DOUBLE)"
    quantity = f"coalesce(TRY_CAST({f['quantity']} AS DOUBLE), 1)"
    count = f"coalesce(TRY_CAST({f['count']} AS DOUBLE), 1)"
    contrib = (
        f"CASE WHEN {f['usage']} = 'metered' THEN 0.0 "
        f"ELSE {amount} * {quantity} * ({monthly_factor(f['interval'])}) / {count} END"
    )
    return f"lambda v: {contrib}", paths


def _subscription_fields_json() -> str:
    src = json_record_sql(SUBSCRIPTION_JSON, SUBSCRIPTION_JSON_VALUES)
    item_fn, item_paths = _item_mrr_minor()
    # Legacy subscriptions (before items) carry one plan and a quantity at the top.
    items = (
        "CASE WHEN json_array_length(items) > 0 THEN CAST(items AS JSON[]) "
        "WHEN plan_obj IS NOT NULL THEN [json_object('plan', plan_obj, 'quantity', "
        "TRY_CAST(seats AS DOUBLE))] END"
    )
    contribs = (
        f"list_transform(list_transform(_items, lambda x: json_extract_string(x, {item_paths})), "
        f"{item_fn})"
    )
    return (
        "(SELECT *, CASE WHEN _mrr_bad > 0 OR _items IS NULL THEN NULL "
        f"ELSE _mrr_minor / ({minor_unit_divisor('currency')}) END AS mrr, "
        f"CASE WHEN _items IS NULL OR _mrr_bad > 0 THEN {lit(_MRR_UNKNOWN)} END AS mrr_problem "
        "FROM (SELECT *, list_sum(_c) AS _mrr_minor, "
        "len(list_filter(_c, lambda c: c IS NULL)) AS _mrr_bad FROM ("
        f"SELECT *, {contribs} AS _c FROM (SELECT *, {items} AS _items FROM {src}))))"
    )


def _subscription_fields_csv(staged: Staged) -> str:
    cols = CsvColumns(staged)
    cols.require("a Stripe subscriptions export", {
        "id": ("id", "subscription id"),
        "customer": ("customer id", "customer", "account_id (metadata)"),
        "amount": ("amount", "plan amount", "unit amount"),
        "interval": ("interval", "plan interval", "billing interval"),
        "start": ("start (utc)", "start date (utc)", "start", "created (utc)", "created"),
    })
    f = {
        "id": cols.text("id", "subscription id"),
        "customer": cols.text("customer id", "customer"),
        "acct": cols.text("account_id (metadata)", "account id (metadata)"),
        "status": cols.text("status"),
        "start": cols.text("start (utc)", "start date (utc)", "start", "created (utc)",
                           "created"),
        "trial_end": cols.text("trial end (utc)", "trial end"),
        "ended_at": cols.text("ended at (utc)", "ended at"),
        "canceled_at": cols.text("canceled at (utc)", "canceled at"),
        "cancel_at": cols.text("cancel at (utc)", "cancel at"),
        "cancel_at_period_end": cols.text("cancel at period end"),
        "period_end": cols.text("current period end (utc)", "current period end"),
        "currency": cols.text("currency", "plan currency"),
        "product": cols.text("product", "product name", "product id"),
        "plan": cols.text("plan", "plan name", "price", "price id", "plan id"),
        "seats": cols.text("quantity"),
        "interval": cols.text("interval", "plan interval", "billing interval"),
        "interval_count": cols.text("interval count", "plan interval count"),
    }
    amount_text = cols.text("amount", "plan amount", "unit amount")
    amount = f"TRY_CAST({amount_text} AS DOUBLE)"
    # Dashboard amounts are in major units: no minor-unit division.
    mrr = (
        f"{amount} * coalesce(TRY_CAST({f['seats']} AS DOUBLE), 1) * "
        f"({monthly_factor(f['interval'])}) / "
        f"coalesce(TRY_CAST({f['interval_count']} AS DOUBLE), 1)"
    )
    problem = (
        f"CASE WHEN {amount_text} IS NULL THEN 'no Amount: cannot compute MRR' "
        f"WHEN {amount} IS NULL THEN 'bad number in Amount: ''' || {amount_text} || '''' "
        f"WHEN ({monthly_factor(f['interval'])}) IS NULL THEN 'unknown Interval ''' || "
        f"coalesce({f['interval']}, '') || ''' (expected day, week, month or year)' END"
    )
    select = [f"{v} AS {k}" for k, v in f.items()]
    extras = cols.extras(exclude_prefixes=_PERSONAL_CSV)
    return (
        "(SELECT _line, _error, 'subscription' AS object, "
        f"{', '.join(select)}, {mrr} AS mrr, {problem} AS mrr_problem, "
        f"{_attributes_or_null(extras)} AS extra FROM stage_raw)"
    )


# Dashboard columns describing the customer as a person (name, email, phone, address): not
# copied into the subscription's or invoice's attributes.
_PERSONAL_CSV = ("customer ", "billing address", "shipping", "customer phone")


def _attributes_or_null(extras: list[str]) -> str:
    return attributes_sql(extras).removesuffix(" AS attributes")


def _subscriptions(fields: str, from_json: bool) -> str:
    ended = "coalesce(ended_at, CASE WHEN lower(status) = 'canceled' THEN canceled_at END)"
    scheduled = (
        "coalesce(cancel_at, CASE WHEN lower(cancel_at_period_end) IN ('true', '1', 'yes') "
        "THEN period_end END)"
    )
    valid_from = (
        f"CASE WHEN {as_utc('trial_end')} > {as_utc('start')} THEN trial_end ELSE start END"
    )
    # Only a cancellation that ends the subscription; one requested during the trial counts
    # from the row's start (the check canceled_at >= valid_from would otherwise reject it).
    canceled_from = (
        f"CASE WHEN {as_utc('canceled_at')} < {as_utc('_valid_from')} THEN _valid_from "
        "ELSE canceled_at END"
    )
    canceled = (
        "CASE WHEN coalesce(_ended, _scheduled) IS NOT NULL "
        f"THEN {epoch_or_text(canceled_from)} END"
    )
    # API objects: their metadata (less the account id used above); CSV: unknown columns.
    metadata = f"NULLIF(CAST({without_keys('metadata', ('account_id',))} AS VARCHAR), '{{}}')"
    extra = json_object_sql([("metadata", f"{metadata}::JSON")]) if from_json else "extra"
    attributes = merge_json_sql(
        "extra_attrs",
        json_object_sql([
            ("stripe_status", "to_json(status)"),
            ("stripe_customer", "to_json(customer)"),
            ("interval", "to_json(interval)"),
            ("interval_count", "to_json(TRY_CAST(interval_count AS BIGINT))"),
            ("canceled_at", f"to_json({epoch_or_text('canceled_at')})"),
        ]),
    )
    skip = (
        "CASE WHEN object IS NOT NULL AND object NOT IN ('subscription', 'list') THEN "
        "object || ' object' || CASE WHEN object = 'invoice' THEN ' (import it into invoices)' "
        "ELSE ' (not a subscription)' END "
        "WHEN lower(status) IN ('incomplete', 'incomplete_expired') "
        "THEN 'incomplete subscription (its first payment never succeeded)' "
        "WHEN lower(status) = 'trialing' THEN 'in trial (no MRR until it converts)' "
        "WHEN lower(status) = 'paused' THEN 'paused (the trial ended without payment)' "
        f"WHEN {as_utc('_ended')} <= {as_utc('trial_end')} THEN 'ended during its trial' END"
    )
    return (
        "SELECT _line, CASE WHEN _error IS NOT NULL THEN _error "
        f"WHEN object = 'list' THEN {lit(_LIST_PAGE)} "
        "WHEN _skip IS NULL THEN mrr_problem END AS _error, _skip, "
        "id AS subscription_id, coalesce(acct, customer) AS account_id, mrr, "
        f"{epoch_or_text('_valid_from')} AS valid_from, product, plan, seats, "
        "currency, "
        f"{epoch_or_text('coalesce(_ended, _scheduled)')} AS valid_to, "
        f"CASE WHEN {in_list('lower(status)', RUNNING)} AND _ended IS NULL "
        f"AND _scheduled IS NULL THEN {epoch_or_text('period_end')} END AS renewal_date, "
        f"{canceled} AS canceled_at, "
        f"{attributes} AS attributes "
        f"FROM (SELECT *, {skip} AS _skip FROM (SELECT *, {ended} AS _ended, "
        f"{scheduled} AS _scheduled, {valid_from} AS _valid_from, {extra} AS extra_attrs "
        f"FROM {fields}))"
    )


# --- invoices --------------------------------------------------------------------------------

INVOICE_JSON: dict[str, tuple[str, ...]] = {
    "object": ("$.object",),
    "id": ("$.id",),
    "customer": ("$.customer.id", "$.customer"),
    "acct": (
        "$.metadata.account_id",
        "$.subscription_details.metadata.account_id",
        "$.parent.subscription_details.metadata.account_id",
        "$.customer.metadata.account_id",
    ),
    "total": ("$.total",),
    "amount_paid": ("$.amount_paid",),
    "amount_due": ("$.amount_due",),
    "currency": ("$.currency",),
    "status": ("$.status",),
    # Issued = finalized; drafts (not issued) are skipped anyway.
    "issued": ("$.status_transitions.finalized_at", "$.created"),
    "billing_reason": ("$.billing_reason",),
    "subscription": (
        "$.subscription.id",
        "$.subscription",
        "$.parent.subscription_details.subscription",
    ),
    "number": ("$.number",),
}


def _invoice_fields_json() -> str:
    src = json_record_sql(INVOICE_JSON)
    div = minor_unit_divisor("currency")
    return (
        f"(SELECT *, TRY_CAST(total AS DOUBLE) / ({div}) AS amount, "
        f"TRY_CAST(amount_paid AS DOUBLE) / ({div}) AS paid, "
        f"TRY_CAST(amount_due AS DOUBLE) / ({div}) AS due, "
        "CASE WHEN total IS NOT NULL AND TRY_CAST(total AS DOUBLE) IS NULL "
        "THEN 'bad number in total: ''' || total || '''' END AS amount_problem, "
        f"NULL::JSON AS extra FROM {src})"
    )


def _invoice_fields_csv(staged: Staged) -> str:
    cols = CsvColumns(staged)
    cols.require("a Stripe invoices export", {
        "id": ("id", "invoice id"),
        "customer": ("customer id", "customer", "account_id (metadata)"),
        "amount": ("total", "amount due", "amount"),
        "date": ("finalized at (utc)", "date (utc)", "created (utc)", "date", "created"),
    })
    paid_flag = cols.text("paid")
    status = cols.text("status")
    f = {
        "id": cols.text("id", "invoice id"),
        "customer": cols.text("customer id", "customer"),
        "acct": cols.text("account_id (metadata)", "account id (metadata)"),
        "currency": cols.text("currency"),
        # Older exports have no Status, only Paid (true/false).
        "status": f"coalesce({status}, CASE WHEN lower({paid_flag}) IN ('true', '1', 'yes') "
        f"THEN 'paid' WHEN {paid_flag} IS NOT NULL THEN 'open' END)",
        "issued": cols.text("finalized at (utc)", "date (utc)", "created (utc)", "date",
                            "created"),
        "billing_reason": cols.text("billing reason"),
        "subscription": cols.text("subscription", "subscription id"),
        "number": cols.text("number", "invoice number"),
    }
    total = cols.text("total", "amount due", "amount")
    paid = cols.text("amount paid")
    due = cols.text("amount due")
    select = [f"{v} AS {k}" for k, v in f.items()]
    extras = cols.extras(exclude_prefixes=_PERSONAL_CSV)
    return (
        "(SELECT _line, _error, 'invoice' AS object, "
        f"{', '.join(select)}, TRY_CAST({total} AS DOUBLE) AS amount, "
        f"TRY_CAST({paid} AS DOUBLE) AS paid, TRY_CAST({due} AS DOUBLE) AS due, "
        f"CASE WHEN {total} IS NOT NULL AND TRY_CAST({total} AS DOUBLE) IS NULL "
        f"THEN 'bad number in Total: ''' || {total} || '''' END AS amount_problem, "
        f"{_attributes_or_null(extras)} AS extra FROM stage_raw)"
    )


INVOICE_STATUS = {
    "paid": "'paid'",
    "open": "'open'",
    "uncollectible": "'open'",
    "void": "'void'",
}


def _invoices(fields: str) -> str:
    st = "lower(status)"
    skip = (
        "CASE WHEN object IS NOT NULL AND object NOT IN ('invoice', 'list') THEN "
        "object || ' object' || CASE WHEN object = 'subscription' "
        "THEN ' (import it into subscriptions)' ELSE ' (not an invoice)' END "
        f"WHEN {st} = 'draft' THEN 'draft invoice (not issued yet)' "
        f"WHEN {st} = 'deleted' THEN 'deleted draft invoice' END"
    )
    kind = (
        "CASE WHEN billing_reason LIKE 'subscription%' THEN 'subscription' "
        "WHEN billing_reason = 'manual' THEN 'one_off' "
        "WHEN billing_reason IS NULL AND subscription IS NOT NULL THEN 'subscription' END"
    )
    attributes = merge_json_sql(
        "extra",
        json_object_sql([
            ("stripe_status", "to_json(status)"),
            ("stripe_customer", "to_json(customer)"),
            ("number", "to_json(number)"),
            ("subscription", "to_json(subscription)"),
            ("billing_reason", "to_json(billing_reason)"),
            ("amount_paid", "to_json(paid)"),
            ("amount_due", "to_json(due)"),
        ]),
    )
    return (
        "SELECT _line, CASE WHEN _error IS NOT NULL THEN _error "
        f"WHEN object = 'list' THEN {lit(_LIST_PAGE)} "
        "WHEN _skip IS NULL THEN amount_problem END AS _error, _skip, "
        "id AS invoice_id, coalesce(acct, customer) AS account_id, "
        f"{epoch_or_text('issued')} AS issued_at, amount, currency, "
        f"{kind} AS kind, {case_map(st, INVOICE_STATUS, st)} AS status, "
        f"{attributes} AS attributes "
        f"FROM (SELECT *, {skip} AS _skip FROM {fields})"
    )


# --- the source ------------------------------------------------------------------------------

_TEXT = "VARCHAR"


def project(table: Table, staged: Staged) -> Projection:
    """Stripe subscriptions or invoices (dashboard CSV or API JSON Lines) as canonical rows."""
    from_json = staged.fmt is FileFormat.JSONL
    if table.name == "subscriptions":
        fields = _subscription_fields_json() if from_json else _subscription_fields_csv(staged)
        sql = _subscriptions(fields, from_json)
        money = "mrr"
    elif table.name == "invoices":
        fields = _invoice_fields_json() if from_json else _invoice_fields_csv(staged)
        sql = _invoices(fields)
        money = "amount"
    else:  # pragma: no cover - Source.check allows only the two tables
        raise ImportFileError(f"the stripe source fills subscriptions and invoices, not {table}")
    types = {c: _TEXT for c in table.column_names}
    types[money] = "DOUBLE"
    return Projection(sql=sql, types=types, record_sql=record_sql(staged))


SOURCE = Source(
    name="stripe",
    doc="Stripe subscriptions and invoices: dashboard CSV exports or API objects as JSON "
    "Lines. MRR is normalised to a month; amounts are converted from minor units.",
    tables=("subscriptions", "invoices"),
    formats=(FileFormat.CSV, FileFormat.JSONL),
    project=project,
)
