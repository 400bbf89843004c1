"""The customer base: who the accounts are, when they signed, what they bought first.

Everything here is drawn once for all accounts up front (a few small arrays even at 100,000
accounts) so that account ids follow signing order and hierarchies stay inside one chunk; the
week-by-week life of each account is simulated chunk by chunk in ``lifecycle``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import names
from .profiles import (
    COUNTRIES,
    FX_FROM_USD,
    INDUSTRIES,
    LOCAL_CURRENCY_SHARE,
    PLAN_SEAT_PRICE,
    SEGMENTS,
    VENDOR_DOMAIN,
)
from .timeline import DAY_US, NEVER, FloatArray, IntArray, Timeline, week_offsets


@dataclass
class Accounts:
    """Static facts about every account, indexed by account number (signing order)."""

    segment: IntArray
    created_day: IntArray
    created_us: IntArray
    country: IntArray
    currency: IntArray
    utc_offset: IntArray
    industry: IntArray
    employees: IntArray
    name: list[str]
    domain: list[str]
    owner: IntArray  # index into csms
    parent: IntArray  # account number of the parent, -1 when none
    seats: IntArray  # seats bought at signing
    plan: IntArray
    term: IntArray  # contract months: 1, 12, 24 or 36
    seat_price: FloatArray  # monthly price per seat in the account's currency, after discount
    fit: FloatArray  # the account's own level of latent health
    stalled: npt.NDArray[np.bool_]
    integration_day: IntArray  # onboarding milestones, NEVER when not reached
    report_day: IntArray
    invite_day: IntArray
    team: IntArray  # users invited when onboarding reaches invited_teammate
    csms: list[str]
    csm_segment: IntArray

    def __len__(self) -> int:
        return len(self.segment)


def _pick(rng: np.random.Generator, p: FloatArray, n: int) -> IntArray:
    return np.searchsorted(np.cumsum(p) / np.sum(p), rng.random(n), side="right").astype(np.int64)


def _created_days(rng: np.random.Generator, n: int, tl: Timeline) -> IntArray:
    """A founding base in the first three months, then growth: more sign-ups every month."""
    span = tl.end_day - tl.start_day
    first = max(1, min(90, span // 4))
    founding = rng.random(n) < 0.3
    u = rng.random(n)
    later = first + (span - 1 - first) * np.sqrt(u)  # density rising linearly with time
    offset = np.where(founding, u * first, later)
    return np.sort(tl.start_day + np.floor(offset).astype(np.int64))


def _assign_csms(
    rng: np.random.Generator, segment: IntArray
) -> tuple[list[str], IntArray, IntArray]:
    """8-20 CSMs, each working mostly one segment; the team follows the workload."""
    n = len(segment)
    load = np.array([s.csm_load for s in SEGMENTS]) * np.bincount(segment, minlength=3)
    n_csm = int(np.clip(round(6 + n / 250), 8, 20))
    per_seg = np.maximum(1, np.floor(n_csm * load / max(load.sum(), 1.0))).astype(np.int64)
    while per_seg.sum() < n_csm:
        per_seg[np.argmax(load / per_seg)] += 1
    csm_segment = np.repeat(np.arange(3), per_seg)
    csms = names.csm_emails(rng, len(csm_segment), VENDOR_DOMAIN)
    start = np.concatenate([[0], np.cumsum(per_seg)[:-1]])
    owner = start[segment] + (rng.random(n) * per_seg[segment]).astype(np.int64)
    stray = rng.random(n) < 0.08  # a few accounts sit with a CSM from another team
    owner[stray] = rng.integers(0, len(csms), int(stray.sum()))
    return csms, owner, csm_segment


def _onboarding(
    rng: np.random.Generator, segment: IntArray, created: IntArray
) -> tuple[npt.NDArray[np.bool_], IntArray, IntArray, IntArray]:
    """Milestone days: quick for most, late or never for stalled accounts."""
    n = len(segment)
    stall_rate = np.array([s.stall_rate for s in SEGMENTS])[segment]
    limit = np.array([s.onboarding_days for s in SEGMENTS])[segment]
    stalled = rng.random(n) < stall_rate

    def milestone(lo: float, share: float) -> IntArray:
        quick = created + np.floor(lo + rng.random(n) * limit * share).astype(np.int64)
        late = created + np.floor(35 + rng.random(n) * 150).astype(np.int64)
        never = rng.random(n) < 0.45
        return np.where(stalled, np.where(never, NEVER, late), quick)

    invite = milestone(0, 0.5)
    integration = milestone(1, 0.8)
    report = np.where(integration < NEVER, np.maximum(milestone(1, 1.0), integration + 1), NEVER)
    return stalled, integration, report, invite


def draw_accounts(rng: np.random.Generator, n: int, tl: Timeline, chunk_size: int) -> Accounts:
    """Draw the whole customer base for ``n`` accounts."""
    share = np.array([s.share for s in SEGMENTS])
    segment = _pick(rng, share, n)
    created_day = _created_days(rng, n, tl)
    country = _pick(rng, np.array([c[1] for c in COUNTRIES]), n)
    local = np.array([c[2] for c in COUNTRIES])[country]
    currency = np.where(rng.random(n) < LOCAL_CURRENCY_SHARE, local, 0)
    utc_offset = np.array([c[3] for c in COUNTRIES], dtype=np.int64)[country]
    created_us = created_day * DAY_US + np.clip(week_offsets(rng, n, utc_offset) % DAY_US, 0,
                                                DAY_US - 1)
    industry = rng.integers(0, len(INDUSTRIES), n)

    seats = np.zeros(n, dtype=np.int64)
    plan = np.zeros(n, dtype=np.int64)
    term = np.zeros(n, dtype=np.int64)
    discount = np.zeros(n)
    employees = np.zeros(n, dtype=np.int64)
    for k, prof in enumerate(SEGMENTS):
        idx = np.flatnonzero(segment == k)
        med, sigma, lo, hi = prof.seats
        seats[idx] = np.clip(np.round(med * np.exp(sigma * rng.standard_normal(len(idx)))), lo, hi)
        plan[idx] = _pick(rng, np.array(prof.plan_mix), len(idx))
        terms = np.array(list(prof.term_mix))
        term[idx] = terms[_pick(rng, np.array(list(prof.term_mix.values())), len(idx))]
        d_lo, d_hi = prof.discount
        discount[idx] = d_lo + rng.random(len(idx)) * (d_hi - d_lo)
        e_med, e_sigma = prof.employees
        employees[idx] = np.maximum(seats[idx] + 2, np.round(e_med * np.exp(
            e_sigma * rng.standard_normal(len(idx)))))
    fx = np.array(FX_FROM_USD)[currency]
    seat_price = np.round(np.array(PLAN_SEAT_PRICE)[plan] * fx * (1 - discount), 2)

    fit = 0.35 + 0.5 * rng.standard_normal(n)
    stalled, integration, report, invite = _onboarding(rng, segment, created_day)
    founders = np.array([s.founders for s in SEGMENTS])[segment]
    team = np.maximum(founders, np.round(seats * (0.7 + 0.25 * rng.random(n)))).astype(np.int64)

    csms, owner, csm_segment = _assign_csms(rng, segment)
    used: set[str] = set()
    name, domain = names.company_names(rng, industry, used)
    parent = _hierarchies(rng, segment, chunk_size, name, domain, owner, used)
    return Accounts(
        segment=segment, created_day=created_day, created_us=created_us, country=country,
        currency=currency, utc_offset=utc_offset, industry=industry, employees=employees,
        name=name, domain=domain, owner=owner, parent=parent, seats=seats, plan=plan, term=term,
        seat_price=seat_price, fit=fit, stalled=stalled, integration_day=integration,
        report_day=report, invite_day=invite, team=team, csms=csms, csm_segment=csm_segment,
    )


def _hierarchies(
    rng: np.random.Generator, segment: IntArray, chunk_size: int, name: list[str],
    domain: list[str], owner: IntArray, used: set[str],
) -> IntArray:
    """A few mid-market and enterprise accounts are regional arms of an earlier big account.

    The parent is always earlier in the same chunk, so a chunk's accounts file is complete.
    """
    n = len(segment)
    parent = np.full(n, -1, dtype=np.int64)
    big = segment >= 1
    for i in np.flatnonzero(big & (rng.random(n) < 0.04)):
        lo = (i // chunk_size) * chunk_size
        candidates = np.flatnonzero((segment[lo:i] == 2) & (parent[lo:i] < 0)) + lo
        if len(candidates) == 0:
            continue
        p = int(candidates[rng.integers(0, len(candidates))])
        region = names.SUBSIDIARY_REGIONS[int(rng.integers(0, len(names.SUBSIDIARY_REGIONS)))]
        sub_domain = f"{names.slug(region)}.{domain[p]}"
        if sub_domain in used:  # that parent already has an arm in this region
            continue
        used.add(sub_domain)
        parent[i] = p
        name[i] = f"{name[p]} {region}"
        domain[i] = sub_domain
        owner[i] = owner[p]
    return parent


def crm_tier(acc: Accounts, idx: IntArray) -> list[str]:
    """The CRM's A/B/C tier: roughly the segment, with the odd upgraded account."""
    tiers = np.array(["C", "B", "A"])[acc.segment[idx]]
    big_smb = (acc.segment[idx] == 0) & (acc.seats[idx] >= 20)
    tiers[big_smb] = "B"
    return [str(t) for t in tiers]
