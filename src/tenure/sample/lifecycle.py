"""The life of a chunk of accounts, week by week: latent health, people, contract, churn.

Each account has a latent health ``h``: a mean-reverting random walk around the account's own
level (its fit, which wanders slowly), knocked by shocks (the champion leaves, a bad support
experience, a reorg; a new executive sponsor lifts it) and held down while onboarding is
unfinished. Usage, tickets, surveys and touchpoints are all drawn from ``h`` afterwards.

Churn happens at renewal. Customers on monthly terms cancel with a weekly hazard that grows as
their felt health (a smoothed ``h``) falls; annual customers decide at notice time, 90 days
before renewal. Once decided they disengage (``h`` slides, people leave), which is the decline
a health score can see. Some churns are surprises that no signal foretells (budget cuts,
acquisitions) and a CSM saves some of the customers who decided to leave. What happens at the
renewal itself (and expansions, cross-sells, reactivations) is in ``renewals``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import renewals
from .company import Accounts
from .contracts import Ledger, Periods
from .people import CHAMPION, ROLE_ACTIVITY, Slots
from .profiles import (
    DYNAMICS,
    FX_FROM_USD,
    PLAN_SEAT_PRICE,
    REASON_CODE,
    SEGMENTS,
    SHOCK_BAD_SUPPORT,
    SHOCK_CHAMPION_LEFT,
    SHOCK_OUTAGE,
    SHOCK_REORG,
    SHOCK_SPONSOR,
)
from .timeline import DAY_US, HOUR_US, NEVER, BoolArray, FloatArray, IntArray, Timeline, add_months

_ZOMBIE_DAYS = 30


@dataclass
class Life:
    """One chunk's simulated history: weekly matrices (account x week) and what it left."""

    tl: Timeline
    index: IntArray  # global account numbers of the chunk
    segment: IntArray
    health: npt.NDArray[np.float32]
    active: BoolArray  # a customer for at least part of the week
    leaving: BoolArray  # decided to leave (disengaging)
    shocks: npt.NDArray[np.uint8]
    users: npt.NDArray[np.int32]  # people with access at the end of the week
    joined: npt.NDArray[np.int32]  # contact slots filled by the end of the week
    addon: BoolArray  # (account, week, add-on) running
    spans: IntArray  # (account, 4): customer from/to, and again after a reactivation (us)
    slots: Slots
    periods: Periods
    truth: dict[str, npt.NDArray[Any]]
    renewals: dict[str, npt.NDArray[Any]]

    @property
    def n(self) -> int:
        return len(self.index)

    def during(self, account: IntArray, at_us: IntArray) -> BoolArray:
        """Whether each account was a customer at each instant (and it is inside the window)."""
        s = self.spans[account]
        return (((at_us >= s[:, 0]) & (at_us < s[:, 1])) | ((at_us >= s[:, 2]) & (at_us < s[:, 3]))
                ) & (at_us >= self.tl.start_us) & (at_us < self.tl.end_us)


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


class Simulation:
    """Mutable state of a chunk while the weeks go by (see the module docstring)."""

    def __init__(self, acc: Accounts, index: IntArray, tl: Timeline, rng: np.random.Generator,
                 outage_weeks: frozenset[int]) -> None:
        self.tl, self.rng, self.outages = tl, rng, outage_weeks
        n = len(index)
        self.n, W = n, tl.n_weeks
        a = acc
        self.seg = a.segment[index]
        self.created_day = a.created_day[index]
        self.created_us = a.created_us[index]
        self.utc = a.utc_offset[index]
        self.fit = a.fit[index]
        self.term = a.term[index].copy()
        self.seats = a.seats[index].copy()
        self.plan = a.plan[index].copy()
        self.fx = np.array(FX_FROM_USD)[a.currency[index]]
        self.price_factor = a.seat_price[index] / (np.array(PLAN_SEAT_PRICE)[self.plan] * self.fx)
        self.team = a.team[index]
        self.invite_day = a.invite_day[index]
        self.onboarded_day = np.maximum.reduce(
            [a.integration_day[index], a.report_day[index], a.invite_day[index]])
        self.stalled = a.stalled[index]
        self.founders = np.array([s.founders for s in SEGMENTS])[self.seg]

        self.h = self.fit.copy()
        self.h_ema = self.h.copy()
        self.drift = np.zeros(n)
        self.status = np.zeros(n, dtype=np.int8)  # 0 not yet, 1 customer, 2 churned
        self.anchor = np.zeros(n, dtype=np.int64)
        self.cycles = np.zeros(n, dtype=np.int64)
        self.next_renewal = np.full(n, NEVER, dtype=np.int64)
        self.decided = np.zeros(n, dtype=np.int8)  # 0 staying, 1 leaving, 2 surprise exit
        self.decided_for = np.full(n, -1, dtype=np.int64)
        self.considered_for = np.full(n, -1, dtype=np.int64)
        self.surprise = np.zeros(n, dtype=np.int64)  # reason index of a pending surprise
        self.last_shock = np.zeros(n, dtype=np.int64)
        self.last_shock_week = np.full(n, -999, dtype=np.int64)
        self.last_change = np.zeros(n, dtype=np.int64)
        self.addon_ever = np.zeros((n, 2), dtype=bool)
        self.pending_champion = np.zeros(n, dtype=bool)
        self.reactivated = np.zeros(n, dtype=bool)
        self.spans = np.full((n, 4), NEVER, dtype=np.int64)
        self.churn_day = np.full((n, 2), NEVER, dtype=np.int64)
        self.churn_reason = np.zeros((n, 2), dtype=np.int64)
        self.churn_kind = np.zeros((n, 2), dtype=np.int64)
        self.saves = np.zeros(n, dtype=np.int64)
        self.log: list[tuple[IntArray, IntArray, int, FloatArray]] = []  # renewal decisions
        self.shock_bits = np.zeros(n, dtype=np.uint8)  # this week's shocks
        self.alive_users = np.zeros(n, dtype=np.int64)  # people with access, this week

        cap = (3 * self.seats + 8).astype(np.int64)
        self.slots = Slots.allocate(rng, cap, self.seg)
        self.champion = self.slots.offset.copy()
        self.ledger = Ledger(n)

        self.health = np.zeros((n, W), dtype=np.float32)
        self.active = np.zeros((n, W), dtype=bool)
        self.leaving = np.zeros((n, W), dtype=bool)
        self.shocks = np.zeros((n, W), dtype=np.uint8)
        self.users = np.zeros((n, W), dtype=np.int32)
        self.joined = np.zeros((n, W), dtype=np.int32)
        self.addon = np.zeros((n, W, 2), dtype=bool)

    # -- helpers ---------------------------------------------------------------------------
    def core_mrr(self, i: IntArray) -> FloatArray:
        list_price = np.array(PLAN_SEAT_PRICE)[self.plan[i]]
        price = np.round(list_price * self.fx[i] * self.price_factor[i], 2)
        return np.round(price * self.seats[i], 2)

    def bill(self, i: IntArray) -> IntArray:
        return np.where(self.term[i] == 1, 1, 12)

    def day_in_week(self, d0: int, k: int) -> IntArray:
        return d0 + self.rng.integers(0, 7, k)

    def instant_in_week(self, d0: int, k: int) -> IntArray:
        span = min(7 * DAY_US, self.tl.end_us - d0 * DAY_US)
        return d0 * DAY_US + (self.rng.random(k) * span).astype(np.int64)

    def open_core(self, i: IntArray, day: IntArray) -> None:
        self.anchor[i], self.cycles[i] = day, 1
        self.next_renewal[i] = add_months(day, self.term[i])
        self.ledger.start_rows(i, 0, day, seats=self.seats[i], plan=self.plan[i],
                               mrr=self.core_mrr(i), bill=self.bill(i), anchor=day,
                               new_subscription=True)

    # -- one week --------------------------------------------------------------------------
    def week(self, t: int) -> None:
        d0 = self.tl.week_start(t)
        self.shock_bits = np.zeros(self.n, dtype=np.uint8)
        self._sign_up(t, d0)
        self._drift(t, d0)
        self._people(t, d0)
        self.alive_users = self.alive_users_now()
        self._decide(d0)
        renewals.renew(self, d0)
        renewals.expand(self, d0)
        renewals.cross_sell(self, d0)
        renewals.reactivate(self, d0)
        self._record(t)

    def _sign_up(self, t: int, d0: int) -> None:
        new = np.flatnonzero((self.created_day >= d0) & (self.created_day < d0 + 7))
        if len(new) == 0:
            return
        self.status[new] = 1
        self.spans[new, 0] = self.created_us[new]
        self.h[new] = self.fit[new] + 0.2 + 0.3 * self.rng.standard_normal(len(new))
        self.h_ema[new] = self.h[new]
        self.open_core(new, self.created_day[new])
        self.last_change[new] = self.created_day[new]
        slot, pos = self.slots.add(new, self.founders[new])
        rank = slot - self.slots.offset[new[pos]]
        when = self.created_us[new[pos]] + rank * self.rng.integers(0, 3 * HOUR_US, len(slot))
        self.slots.created_us[slot] = np.minimum(when, self.tl.end_us - 1)

    def _drift(self, t: int, d0: int) -> None:
        dyn, rng, n = DYNAMICS, self.rng, self.n
        live = self.status == 1
        self.drift += dyn.level_drift * rng.standard_normal(n)
        self.drift *= 0.995  # keep the wandering bounded over many years
        stalled = (self.onboarded_day > d0) & (d0 - self.created_day >= 28)
        level = self.fit + self.drift + np.where(stalled, dyn.stall_penalty, 0.0)
        self.h += dyn.reversion * (level - self.h) + dyn.noise * rng.standard_normal(n)
        self.h += np.where(self.decided == 1, dyn.leaving_drift, 0.0)
        for bit, (rate, effect) in (
            (SHOCK_CHAMPION_LEFT, dyn.champion_left), (SHOCK_BAD_SUPPORT, dyn.bad_support),
            (SHOCK_REORG, dyn.reorg), (SHOCK_SPONSOR, dyn.new_sponsor),
        ):
            hit = live & (rng.random(n) < rate / 52)
            if bit == SHOCK_CHAMPION_LEFT:
                hit &= (self.champion >= 0) & self.slots.alive[np.maximum(self.champion, 0)]
            self.h[hit] += effect * (0.7 + 0.6 * rng.random(int(hit.sum())))
            self.shock_bits[hit] |= bit
            if bit != SHOCK_SPONSOR:
                self.last_shock[hit], self.last_shock_week[hit] = bit, t
        if t in self.outages:
            hit = live & (rng.random(n) < 0.6)
            self.h[hit] -= 0.15
            self.shock_bits[hit] |= SHOCK_OUTAGE
        self.h_ema += DYNAMICS.ema * (self.h - self.h_ema)
        # Budget cuts and acquisitions: invisible in every signal, they end at the renewal.
        hit = live & (self.surprise == 0) & (rng.random(n) < np.array(
            [s.surprise_per_year for s in SEGMENTS])[self.seg] / 52)
        self.surprise[hit] = np.where(rng.random(int(hit.sum())) < 0.65,
                                      REASON_CODE["budget_cut"], REASON_CODE["acquired"])

    def _people(self, t: int, d0: int) -> None:
        rng, sl, live = self.rng, self.slots, self.status == 1
        left = np.flatnonzero(self.shock_bits & SHOCK_CHAMPION_LEFT)
        if len(left):
            sl.remove(self.champion[left], self.instant_in_week(d0, len(left)), self.tl.end_us)
            self.champion[left] = -1
            self.pending_champion[left] = True
        # The team arrives when onboarding reaches "invited_teammate".
        inv = np.flatnonzero(live & (self.invite_day >= d0) & (self.invite_day < d0 + 7))
        slot, pos = sl.add(inv, np.maximum(self.team[inv] - sl.used[inv], 0))
        office = ((8 + 9 * rng.random(len(slot))) * HOUR_US).astype(np.int64)
        when = self.invite_day[inv[pos]] * DAY_US + office - self.utc[inv[pos]] * HOUR_US
        sl.created_us[slot] = np.clip(when, self.created_us[inv[pos]] + HOUR_US, self.tl.end_us - 1)
        self._crown(inv, slot, pos)
        # Engaged accounts keep inviting people; disengaging ones stop.
        grow = np.flatnonzero(live & (self.invite_day < d0))
        growth = np.array([s.seat_growth for s in SEGMENTS])[self.seg[grow]]
        lam = (self.seats[grow] * growth * DYNAMICS.contact_add_per_seat_week
               * np.exp(0.8 * self.h[grow])
               * np.where(self.decided[grow] == 1, 0.2, 1.0))
        slot, pos = sl.add(grow, rng.poisson(lam))
        sl.created_us[slot] = np.maximum(self.instant_in_week(d0, len(slot)),
                                         self.created_us[grow[pos]] + HOUR_US)
        self._crown(grow, slot, pos)
        # People leave, more so from unhappy accounts and in a reorg; the champion only by shock.
        alive = np.flatnonzero(sl.alive)
        owner = sl.owner[alive]
        p = (DYNAMICS.contact_leave_per_week * np.exp(-0.5 * self.h[owner])
             * np.where(self.decided[owner] == 1, 3.0, 1.0)
             + np.where(self.shock_bits[owner] & SHOCK_REORG, 0.25, 0.0))
        go = (rng.random(len(alive)) < p) & (self.status[owner] == 1) & (
            alive != self.champion[owner])
        if go.any():
            sl.remove(alive[go], self.instant_in_week(d0, int(go.sum())), self.tl.end_us)

    def _crown(self, accounts: IntArray, slot: IntArray, pos: IntArray) -> None:
        """The first person to join after the champion left becomes the new champion."""
        if len(slot) == 0:
            return
        first = np.r_[True, pos[1:] != pos[:-1]]
        acc = accounts[pos[first]]
        want = self.pending_champion[acc]
        s = slot[first][want]
        self.slots.role[s] = CHAMPION
        spread = np.exp(0.5 * self.rng.standard_normal(len(s)))
        self.slots.weight[s] = ROLE_ACTIVITY[CHAMPION] * spread
        self.champion[acc[want]] = s
        self.pending_champion[acc[want]] = False

    def _decide(self, d0: int) -> None:
        rng, live = self.rng, self.status == 1
        felt = -DYNAMICS.churn_slope * self.h_ema
        monthly = live & (self.term == 1) & (self.decided == 0)
        a_m = np.array([s.churn_monthly for s in SEGMENTS])[self.seg]
        cancel = monthly & (rng.random(self.n) < _sigmoid(a_m + felt))
        annual = live & (self.term >= 12) & (self.decided == 0) & (
            self.considered_for != self.next_renewal) & (self.next_renewal - d0 <= 90)
        a_y = np.array([s.churn_annual for s in SEGMENTS])[self.seg]
        leave = annual & (rng.random(self.n) < _sigmoid(a_y + felt))
        self.considered_for[annual] = self.next_renewal[annual]
        surprise = live & (self.surprise > 0) & (self.decided != 2)
        for mask, code in ((cancel | leave, 1), (surprise, 2)):
            i = np.flatnonzero(mask)
            self.decided[i] = code
            # Small customers drift away before they cancel: a monthly customer who has made up
            # their mind stops at the first renewal at least a month away (zombie weeks).
            soon = (self.term[i] == 1) & (self.next_renewal[i] - d0 < _ZOMBIE_DAYS)
            later = add_months(self.anchor[i], self.term[i] * (self.cycles[i] + 1))
            self.decided_for[i] = np.where(soon, later, self.next_renewal[i])

    def alive_users_now(self) -> IntArray:
        return np.bincount(self.slots.owner[self.slots.alive], minlength=self.n).astype(np.int64)

    def _record(self, t: int) -> None:
        self.health[:, t] = self.h
        d0 = self.tl.week_start(t)
        ended = ((self.churn_day >= d0) & (self.churn_day < d0 + 7)).any(axis=1)
        self.active[:, t] = (self.status == 1) | ended
        self.leaving[:, t] = self.decided == 1
        self.shocks[:, t] = self.shock_bits
        self.users[:, t] = self.alive_users_now()  # after this week's reactivations
        self.joined[:, t] = self.slots.used
        self.addon[:, t, :] = self.ledger.open[:, 1:]

    def finish(self, index: IntArray) -> Life:
        decisions: dict[str, npt.NDArray[Any]] = {
            "account": np.concatenate([x[0] for x in self.log]).astype(np.int64),
            "day": np.concatenate([x[1] for x in self.log]).astype(np.int64),
            "outcome": np.concatenate([np.full(len(x[0]), x[2], dtype=np.int64)
                                       for x in self.log]),
            "felt_health": np.concatenate([x[3] for x in self.log]),
        } if self.log else {k: np.zeros(0) for k in ("account", "day", "outcome", "felt_health")}
        truth: dict[str, npt.NDArray[Any]] = {
            "churn_day": self.churn_day, "churn_reason": self.churn_reason,
            "churn_kind": self.churn_kind, "saves": self.saves, "fit": self.fit,
            "stalled": self.stalled, "onboarded_day": self.onboarded_day,
            "reactivated_day": np.where(self.reactivated, self.spans[:, 2] // DAY_US, NEVER),
        }
        return Life(
            tl=self.tl, index=index, segment=self.seg, health=self.health, active=self.active,
            leaving=self.leaving, shocks=self.shocks, users=self.users, joined=self.joined,
            addon=self.addon, spans=self.spans, slots=self.slots,
            periods=self.ledger.finish(self.next_renewal), truth=truth, renewals=decisions,
        )


def simulate(acc: Accounts, index: IntArray, tl: Timeline, rng: np.random.Generator,
             outage_weeks: frozenset[int]) -> Life:
    """Simulate the accounts ``index`` (global numbers) over the whole timeline."""
    sim = Simulation(acc, index, tl, rng, outage_weeks)
    for t in range(tl.n_weeks):
        sim.week(t)
    return sim.finish(index)
