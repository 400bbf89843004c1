"""Subscription rows and the invoices they produce.

Subscriptions are billed on anniversaries of the contract's anchor day: monthly contracts
every month (``mrr``), annual and multi-year contracts once a year in advance (``12 * mrr``).
Seats bought mid-term and add-ons sold mid-term are billed pro rata up to the next
anniversary. Services (onboarding, training) and one-off purchases come on top. Most
invoices are paid; recent ones may still be open, unhappy customers pay late, and a few are
voided or refunded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tenure.ingest.schema import INVOICE_KINDS

from .company import Accounts
from .contracts import Periods
from .lifecycle import Life
from .profiles import CURRENCIES, FX_FROM_USD, PLANS, PRODUCTS, SEGMENTS
from .timeline import (
    DAY_US,
    HOUR_US,
    NEVER,
    IntArray,
    Timeline,
    add_months,
    dates_text,
    instants_text,
)
from .writer import Mint, optional

_MONTH_DAYS = 30.44


def subscriptions(periods: Periods, sub_ids: npt.NDArray[np.object_],
                  account_ids: npt.NDArray[np.object_], currency: npt.NDArray[np.object_]
                  ) -> dict[str, Any]:
    """The subscriptions table rows for one chunk (``sub_ids`` by chunk-local number)."""
    p = periods
    core = p.product == 0
    return {
        "subscription_id": sub_ids[p.sub],
        "account_id": account_ids[p.account],
        "mrr": p.mrr,
        "valid_from": dates_text(p.valid_from),
        "product": np.array(PRODUCTS, dtype=object)[p.product],
        "plan": optional(np.array(PLANS, dtype=object)[np.maximum(p.plan, 0)], core),
        "seats": optional(p.seats, core),
        "currency": currency[p.account],
        "valid_to": dates_text(p.valid_to),
        "renewal_date": dates_text(p.renewal),
        # Churn is recognised at term end in the sample; the decision day is not exported.
        "canceled_at": np.full(len(p.mrr), None, dtype=object),
    }


def _anniversaries(p: Periods, tl: Timeline) -> tuple[IntArray, IntArray]:
    """(row, day) for every billing anniversary inside each row's [valid_from, valid_to)."""
    stop = np.minimum(p.valid_to, tl.end_day)
    first_k = np.maximum(0, (tl.month_index(p.valid_from) - tl.month_index(p.anchor))
                         // p.bill_months - 1)
    last_k = (tl.month_index(stop) - tl.month_index(p.anchor)) // p.bill_months + 1
    n = np.maximum(last_k - first_k + 1, 0)
    row = np.repeat(np.arange(len(p)), n)
    k = first_k[row] + np.arange(len(row)) - np.repeat(np.cumsum(n) - n, n)
    day = add_months(p.anchor[row], k * p.bill_months[row])
    ok = (day >= p.valid_from[row]) & (day < stop[row])
    return row[ok], day[ok]


def _next_anniversary(p: Periods, tl: Timeline) -> IntArray:
    """The first billing anniversary strictly after each row's valid_from."""
    k = (tl.month_index(p.valid_from) - tl.month_index(p.anchor)) // p.bill_months
    day = add_months(p.anchor, k * p.bill_months)
    for _ in range(2):
        k = np.where(day <= p.valid_from, k + 1, k)
        day = add_months(p.anchor, k * p.bill_months)
    return day


def invoices(life: Life, acc: Accounts, rng: np.random.Generator, mint: Mint,
             account_ids: npt.NDArray[np.object_], currency: npt.NDArray[np.object_]
             ) -> dict[str, Any]:
    """The invoices table rows for one chunk."""
    tl, p = life.tl, life.periods
    row, day = _anniversaries(p, tl)
    regular = p.mrr[row] * p.bill_months[row]
    regular_kind = np.where(p.product[row] == 0, 0, 1)
    # Mid-term purchases: the added monthly amount until the next anniversary.
    mid = (p.prorate > 0) & (p.valid_from < tl.end_day)
    nxt = _next_anniversary(p, tl)
    months = (nxt - p.valid_from) / _MONTH_DAYS
    mid &= months < p.bill_months - 0.05  # on an anniversary the regular invoice covers it
    accounts = [p.account[row], p.account[mid]]
    days = [day, p.valid_from[mid]]
    amounts = [regular, p.prorate[mid] * months[mid]]
    kinds = [regular_kind, np.where(p.product[mid] == 0, 0, 1)]
    # Services: onboarding packages at signing, trainings later; one-off purchases.
    seg = life.segment
    prob = np.array([s.services[0] for s in SEGMENTS])[seg]
    lo = np.array([s.services[1] for s in SEGMENTS])[seg]
    hi = np.array([s.services[2] for s in SEGMENTS])[seg]
    created = acc.created_day[life.index]
    sold = np.flatnonzero(rng.random(life.n) < prob)
    accounts.append(sold)
    days.append(created[sold] + rng.integers(0, 15, len(sold)))
    amounts.append(np.round((lo[sold] + rng.random(len(sold)) * (hi[sold] - lo[sold])) / 100) * 100)
    kinds.append(np.full(len(sold), 2))
    weeks = life.active.sum(axis=1)
    n_extra = rng.poisson(weeks / 52 * np.where(seg == 0, 0.1, 0.35))
    extra = np.repeat(np.arange(life.n), n_extra)
    accounts.append(extra)
    days.append(tl.start_day + rng.integers(0, tl.end_day - tl.start_day, len(extra)))
    amounts.append(np.round(np.exp(rng.normal(6.0, 0.8, len(extra))) * (1 + seg[extra]), 0))
    kinds.append(np.where(rng.random(len(extra)) < 0.5, 2, 3))

    account = np.concatenate(accounts).astype(np.int64)
    day = np.concatenate(days).astype(np.int64)
    amount = np.round(np.concatenate(amounts), 2)
    kind = np.concatenate(kinds).astype(np.int64)
    # Issued in the early morning UTC, never before the account existed that day.
    at = day * DAY_US + rng.integers(6 * HOUR_US, 10 * HOUR_US, len(day))
    at = np.maximum(at, np.where(day == created[account], life.spans[account, 0], at))
    keep = life.during(account, at) & (amount > 0)
    account, day, at, amount, kind = account[keep], day[keep], at[keep], amount[keep], kind[keep]
    n = len(account)
    week = np.clip(tl.week_of(day), 0, tl.n_weeks - 1)
    h = life.health[account, week].astype(np.float64)
    recent = day >= tl.end_day - 30
    p_open = np.where(recent, 0.55, 0.01 + 0.06 / (1.0 + np.exp(3.0 * h)))
    u = rng.random(n)
    status = np.select([u < p_open, u < p_open + 0.012, u < p_open + 0.02],
                       ["open", "void", "refunded"], "paid").astype(object)
    order = np.lexsort((kind, at, account))
    return {
        "invoice_id": mint.take("inv_", n),
        "account_id": account_ids[account][order],
        "issued_at": instants_text(at)[order],
        "amount": amount[order],
        "currency": currency[account][order],
        "kind": np.array(INVOICE_KINDS, dtype=object)[kind][order],
        "status": status[order],
    }


def currencies(acc: Accounts, index: IntArray) -> npt.NDArray[np.object_]:
    return np.array(CURRENCIES, dtype=object)[acc.currency[index]]


__all__ = ["NEVER", "currencies", "invoices", "subscriptions"]


def fx_rates(tl: Timeline) -> dict[str, list[Any]]:
    """Monthly rates (USD per unit) of the other billing currencies over the window, the
    company's reporting currency being USD. Prices were set at fixed list rates, so the
    rates are constant: converting any month's MRR gives the same dollars."""
    first, last = tl.month_index(np.array([tl.start_day, tl.end_day - 1]))
    starts = np.arange(first, last + 1).astype("datetime64[M]").astype("datetime64[D]")
    months = dates_text(starts.astype(np.int64))
    out: dict[str, list[Any]] = {"currency": [], "date": [], "rate": []}
    for code, per_usd in zip(CURRENCIES, FX_FROM_USD, strict=True):
        if code == "USD":
            continue
        for m in months:
            out["currency"].append(code)
            out["date"].append(m)
            out["rate"].append(round(1.0 / per_usd, 6))
    return out
