"""What happens at renewal and in between: churn or renew, new terms, more seats, add-ons,
and the odd churned customer coming back.

These act on a chunk's ``lifecycle.Simulation`` once a week, after health and people moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .profiles import (
    ADDON_PRICE,
    DYNAMICS,
    REASON_CODE,
    SEGMENTS,
    SHOCK_BAD_SUPPORT,
    SHOCK_CHAMPION_LEFT,
    SHOCK_REORG,
)
from .timeline import DAY_US, NEVER, IntArray, add_months

if TYPE_CHECKING:
    from .lifecycle import Simulation


RENEWED, SAVED, CHURNED = 0, 1, 2  # outcomes in the renewals log
_SEG_MIN_SEATS = np.array([s.seats[2] for s in SEGMENTS])
_SEG_MAX_PLAN = np.array([1, 2, 2])  # SMB tops out at growth
_SHOCK_REASON = {SHOCK_CHAMPION_LEFT: "champion_left", SHOCK_BAD_SUPPORT: "poor_support",
                 SHOCK_REORG: "reorg"}


def renew(sim: Simulation, d0: int) -> None:
    """Renewals falling in the week from ``d0``: the customers who decided to leave go (unless
    their CSM saves them), everyone else renews on new terms."""
    rng, n = sim.rng, sim.n
    day = sim.next_renewal
    due = (sim.status == 1) & (day >= d0) & (day < d0 + 7) & (day < sim.tl.end_day)
    if not due.any():
        return
    ending = due & (sim.decided > 0) & (sim.decided_for == day)
    save = np.array([s.save_rate for s in SEGMENTS])[sim.seg]
    saved = ending & (sim.decided == 1) & (rng.random(n) < save)
    churn = ending & ~saved
    _churn(sim, np.flatnonzero(churn), d0)
    i = np.flatnonzero(saved)
    sim.h[i] += 0.7
    sim.h_ema[i] += 0.4
    sim.price_factor[i] *= 0.9  # the save usually costs a discount
    sim.saves[i] += 1
    sim.decided[i] = 0
    kept = due & ~churn & ~saved
    sim.log.append((np.flatnonzero(kept), day[kept], RENEWED, sim.h_ema[kept].copy()))
    sim.log.append((i, day[i], SAVED, sim.h_ema[i].copy()))
    _new_terms(sim, np.flatnonzero(due & ~churn))


def _churn(sim: Simulation, i: IntArray, d0: int) -> None:
    """Accounts ``i`` leave at their renewal day: every running subscription ends there."""
    if len(i) == 0:
        return
    day = sim.next_renewal[i]
    sim.log.append((i, day.copy(), CHURNED, sim.h_ema[i].copy()))
    for product in range(3):
        sim.ledger.close_rows(i, product, day, day)
    k = sim.reactivated[i].astype(np.int64)
    sim.churn_day[i, k] = day
    sim.spans[i, 1 + 2 * k] = day * DAY_US
    sim.churn_kind[i, k] = sim.decided[i]
    sim.churn_reason[i, k] = _reason(sim, i, d0)
    sim.status[i] = 2
    sim.decided[i] = 0
    sim.surprise[i] = 0
    sim.next_renewal[i] = NEVER


def _reason(sim: Simulation, i: IntArray, d0: int) -> IntArray:
    """Why they left: the surprise, else the latest shock, else onboarding or a usual cause."""
    rng = sim.rng
    usual = np.array([REASON_CODE[r] for r in ("low_adoption", "competitor", "price")])
    reason = usual[np.searchsorted([0.55, 0.85], rng.random(len(i)), side="right")]
    week = sim.tl.week_of(np.full(len(i), d0))
    recent = week - sim.last_shock_week[i] <= 26
    for bit, name in _SHOCK_REASON.items():
        reason[recent & (sim.last_shock[i] == bit)] = REASON_CODE[name]
    reason[sim.onboarded_day[i] >= sim.next_renewal[i]] = REASON_CODE["failed_onboarding"]
    return np.where(sim.decided[i] == 2, sim.surprise[i], reason)


def _new_terms(sim: Simulation, i: IntArray) -> None:
    """A renewal that goes ahead: new price, maybe more or fewer seats or another plan."""
    if len(i) == 0:
        return
    rng, k = sim.rng, len(i)
    day = sim.next_renewal[i].copy()
    users = sim.alive_users[i]
    felt = sim.h_ema[i]
    yearly = sim.term[i] >= 12
    review = yearly | (rng.random(k) < 1 / 6)  # monthly customers rethink twice a year
    seats = sim.seats[i].copy()
    up = review & (users > seats)
    seats[up] = np.ceil(users[up] * 1.1)
    down = review & (users < 0.65 * seats) & (felt < 0.3) & (rng.random(k) < 0.6)
    seats[down] = np.maximum(_SEG_MIN_SEATS[sim.seg[i][down]], np.ceil(users[down] * 1.15))
    plan = sim.plan[i].copy()
    top = _SEG_MAX_PLAN[sim.seg[i]]
    plan_up = review & (felt > 0.9) & (plan < top) & (rng.random(k) < 0.12)
    plan_down = review & (felt < -0.3) & (plan > 0) & (rng.random(k) < 0.2)
    plan = plan + plan_up - plan_down
    changed = yearly | (seats != sim.seats[i]) | (plan != sim.plan[i])
    sim.price_factor[i] *= np.where(yearly, 1 + 0.02 + 0.05 * rng.random(k), 1.0)
    sim.seats[i], sim.plan[i] = seats, plan
    sim.term[i] = np.where((sim.term[i] >= 24) & (rng.random(k) < 0.5), 12, sim.term[i])
    c = i[changed]
    sim.ledger.close_rows(c, 0, day[changed], day[changed])
    sim.ledger.start_rows(c, 0, day[changed], seats=sim.seats[c], plan=sim.plan[c],
                          mrr=sim.core_mrr(c), bill=sim.bill(c),
                          anchor=np.where(yearly[changed], day[changed], sim.anchor[c]))
    sim.last_change[c] = day[changed]
    # A new contract period restarts the calendar of a yearly contract.
    y = i[yearly]
    sim.anchor[y], sim.cycles[y] = day[yearly], 0
    sim.cycles[i] += 1
    sim.next_renewal[i] = add_months(sim.anchor[i], sim.term[i] * sim.cycles[i])
    # Add-ons renew with the core contract unless the customer is unhappy with it.
    for a in (1, 2):
        has = sim.ledger.open[i, a]
        drop = has & (felt < -0.2) & (rng.random(k) < np.where(yearly, 0.35, 0.06))
        sim.ledger.close_rows(i[drop], a, day[drop], day[drop])
        keep = has & ~drop & yearly
        j = i[keep]
        mrr = np.round(sim.ledger.mrr[j, a] * (1.03 + 0.03 * rng.random(len(j))), 2)
        sim.ledger.close_rows(j, a, day[keep], day[keep])
        sim.ledger.start_rows(j, a, day[keep], seats=sim.ledger.seats[j, a],
                              plan=sim.ledger.plan[j, a], mrr=mrr, bill=sim.bill(j),
                              anchor=day[keep])


def expand(sim: Simulation, d0: int) -> None:
    """Seats ran out: buy more mid-term, co-termed with the running contract."""
    users = sim.alive_users
    want = (sim.status == 1) & (sim.decided == 0) & (users > sim.seats) & (
        sim.last_change <= d0 - 90) & (sim.rng.random(sim.n) < DYNAMICS.expansion_per_week)
    i = np.flatnonzero(want)
    day = sim.day_in_week(d0, len(i))
    ok = (day > sim.ledger.start[i, 0]) & (day < sim.next_renewal[i]) & (
        day < sim.tl.end_day)
    i, day = i[ok], day[ok]
    if len(i) == 0:
        return
    old = sim.ledger.mrr[i, 0].copy()
    sim.ledger.close_rows(i, 0, day, sim.next_renewal[i])
    sim.seats[i] = np.ceil(users[i] * 1.25)  # headroom for the next hires
    mrr = sim.core_mrr(i)
    sim.ledger.start_rows(i, 0, day, seats=sim.seats[i], plan=sim.plan[i], mrr=mrr,
                          bill=sim.bill(i), anchor=sim.anchor[i], prorate=mrr - old)
    sim.last_change[i] = day


def cross_sell(sim: Simulation, d0: int) -> None:
    """Happy, established customers buy an add-on as a second subscription."""
    for a in (1, 2):
        rate = DYNAMICS.cross_sell_per_week * (1.0 if a == 1 else 0.7)
        want = (sim.status == 1) & (sim.decided == 0) & ~sim.addon_ever[:, a - 1] & (
            sim.h_ema > 0.3) & (d0 - sim.created_day >= 84) & (sim.rng.random(sim.n) < rate)
        i = np.flatnonzero(want)
        day = sim.day_in_week(d0, len(i))
        ok = (day < sim.next_renewal[i]) & (day < sim.tl.end_day)
        i, day = i[ok], day[ok]
        sim.addon_ever[i, a - 1] = True
        mrr = np.round(np.array(ADDON_PRICE[a])[sim.seg[i]] * sim.fx[i], 2)
        sim.ledger.start_rows(i, a, day, seats=np.full(len(i), -1), plan=np.full(len(i), -1),
                              mrr=mrr, bill=sim.bill(i), anchor=sim.anchor[i],
                              prorate=mrr, new_subscription=True)


def reactivate(sim: Simulation, d0: int) -> None:
    """A few churned customers come back on a fresh contract."""
    first_reason = sim.churn_reason[:, 0]
    want = (sim.status == 2) & ~sim.reactivated & (first_reason != REASON_CODE["acquired"]) & (
        d0 - sim.churn_day[:, 0] >= 56) & (
        sim.rng.random(sim.n) < DYNAMICS.reactivation_per_week)
    i = np.flatnonzero(want)
    day = sim.day_in_week(d0, len(i))
    i, day = i[day < sim.tl.end_day], day[day < sim.tl.end_day]
    if len(i) == 0:
        return
    sim.status[i], sim.reactivated[i] = 1, True
    sim.spans[i, 2] = day * DAY_US
    sim.term[i] = np.where(sim.seg[i] == 0, 1, 12)
    sim.seats[i] = np.maximum(_SEG_MIN_SEATS[sim.seg[i]], np.round(sim.seats[i] * 0.8))
    sim.drift[i] = 0.0
    sim.h[i] = sim.fit[i] + 0.3
    sim.h_ema[i] = sim.h[i]
    sim.open_core(i, day)
    sim.last_change[i] = day
