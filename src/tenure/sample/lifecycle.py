"""The life of a chunk of accounts, week by week: latent health, people, contract, churn.

Each account has a latent health ``h``: a mean-reverting random walk around the account's own
level (its fit, which wanders slowly), knocked by shocks (the champion leaves, a bad support
experience, a reorg; a new executive sponsor lifts it) and held down while onboarding is
unfinished. Usage, tickets, surveys and touchpoints are all drawn from ``h`` afterwards.

Churn happens at renewal. Customers on monthly terms cancel with a weekly hazard that grows as
their felt health (a smoothed ``h``) falls; annual customers decide at notice time, 90 days
before renewal. Once decided they disengage (``h`` slides, people leave), which is the decline
a health score can see. Some churns are surprises that no signal foretells (budget cuts,
acquisitions) and a CSM saves some of the customers who decided to leave.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .company import Accounts
from .contracts import Ledger, Periods
from .people import CHAMPION, ROLE_ACTIVITY, Slots
from .profiles import (
    ADDON_PRICE,
    CHURN_REASONS,
    DYNAMICS,
    FX_FROM_USD,
    PLAN_SEAT_PRICE,
    SEGMENTS,
    SHOCK_BAD_SUPPORT,
    SHOCK_CHAMPION_LEFT,
    SHOCK_OUTAGE,
    SHOCK_REORG,
    SHOCK_SPONSOR,
)
from .timeline import DAY_US, HOUR_US, NEVER, Timeline, add_months

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_SEG_MIN_SEATS = np.array([s.seats[2] for s in SEGMENTS])
_SEG_MAX_PLAN = np.array([1, 2, 2])
_REASON = {r: i for i, r in enumerate(CHURN_REASONS)}
_SHOCK_REASON = {SHOCK_CHAMPION_LEFT: "champion_left", SHOCK_BAD_SUPPORT: "poor_support",
                 SHOCK_REORG: "reorg"}
RENEWED, SAVED, CHURNED = 0, 1, 2
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
    truth: dict[str, npt.NDArray[np.generic]]
    renewals: dict[str, npt.NDArray[np.generic]]

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


class _Simulation:
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
        self._log: list[tuple[IntArray, IntArray, int, FloatArray]] = []

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
    def _core_mrr(self, i: IntArray) -> FloatArray:
        price = np.round(np.array(PLAN_SEAT_PRICE)[self.plan[i]] * self.fx[i] * self.price_factor[i], 2)
        return np.round(price * self.seats[i], 2)

    def _bill(self, i: IntArray) -> IntArray:
        return np.where(self.term[i] == 1, 1, 12)

    def _day_in_week(self, d0: int, k: int) -> IntArray:
        return d0 + self.rng.integers(0, 7, k)

    def _instant_in_week(self, d0: int, k: int) -> IntArray:
        span = min(7 * DAY_US, self.tl.end_us - d0 * DAY_US)
        return d0 * DAY_US + (self.rng.random(k) * span).astype(np.int64)

    def _open_core(self, i: IntArray, day: IntArray) -> None:
        self.anchor[i], self.cycles[i] = day, 1
        self.next_renewal[i] = add_months(day, self.term[i])
        self.ledger.start_rows(i, 0, day, seats=self.seats[i], plan=self.plan[i],
                               mrr=self._core_mrr(i), bill=self._bill(i), anchor=day,
                               new_subscription=True)

    # -- one week --------------------------------------------------------------------------
    def week(self, t: int) -> None:
        d0 = self.tl.week_start(t)
        self.shock_bits = np.zeros(self.n, dtype=np.uint8)
        self._sign_up(t, d0)
        self._drift(t, d0)
        self._people(t, d0)
        self.alive_users = self._alive_users()
        self._decide(d0)
        self._renew(d0)
        self._expand(d0)
        self._cross_sell(d0)
        self._reactivate(d0)
        self._record(t)

    def _sign_up(self, t: int, d0: int) -> None:
        new = np.flatnonzero((self.created_day >= d0) & (self.created_day < d0 + 7))
        if len(new) == 0:
            return
        self.status[new] = 1
        self.spans[new, 0] = self.created_us[new]
        self.h[new] = self.fit[new] + 0.2 + 0.3 * self.rng.standard_normal(len(new))
        self.h_ema[new] = self.h[new]
        self._open_core(new, self.created_day[new])
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
                                      _REASON["budget_cut"], _REASON["acquired"])

    def _people(self, t: int, d0: int) -> None:
        rng, sl, live = self.rng, self.slots, self.status == 1
        left = np.flatnonzero(self.shock_bits & SHOCK_CHAMPION_LEFT)
        if len(left):
            sl.remove(self.champion[left], self._instant_in_week(d0, len(left)))
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
        sl.created_us[slot] = np.maximum(self._instant_in_week(d0, len(slot)),
                                         self.created_us[grow[pos]] + HOUR_US)
        self._crown(grow, slot, pos)
        # People leave, more so from unhappy accounts and in a reorg; the champion only by shock.
        alive = np.flatnonzero(sl.alive)
        owner = sl.owner[alive]
        p = (DYNAMICS.contact_leave_per_week * np.exp(-0.5 * self.h[owner])
             * np.where(self.decided[owner] == 1, 3.0, 1.0)
             + np.where(self.shock_bits[owner] & SHOCK_REORG, 0.25, 0.0))
        go = (rng.random(len(alive)) < p) & (self.status[owner] == 1) & (alive != self.champion[owner])
        if go.any():
            sl.remove(alive[go], self._instant_in_week(d0, int(go.sum())))

    def _crown(self, accounts: IntArray, slot: IntArray, pos: IntArray) -> None:
        """The first person to join after the champion left becomes the new champion."""
        if len(slot) == 0:
            return
        first = np.r_[True, pos[1:] != pos[:-1]]
        acc = accounts[pos[first]]
        want = self.pending_champion[acc]
        s = slot[first][want]
        self.slots.role[s] = CHAMPION
        self.slots.weight[s] = ROLE_ACTIVITY[CHAMPION] * np.exp(0.5 * self.rng.standard_normal(len(s)))
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

    def _renew(self, d0: int) -> None:
        rng, n = self.rng, self.n
        day = self.next_renewal
        due = (self.status == 1) & (day >= d0) & (day < d0 + 7) & (day < self.tl.end_day)
        if not due.any():
            return
        ending = due & (self.decided > 0) & (self.decided_for == day)
        save = np.array([s.save_rate for s in SEGMENTS])[self.seg]
        saved = ending & (self.decided == 1) & (rng.random(n) < save)
        churn = ending & ~saved
        self._churn(np.flatnonzero(churn), d0)
        i = np.flatnonzero(saved)
        self.h[i] += 0.7
        self.h_ema[i] += 0.4
        self.price_factor[i] *= 0.9  # the save usually costs a discount
        self.saves[i] += 1
        self.decided[i] = 0
        self._log.append((np.flatnonzero(due & ~churn & ~saved), day[due & ~churn & ~saved],
                          RENEWED, self.h_ema[due & ~churn & ~saved].copy()))
        self._log.append((i, day[i], SAVED, self.h_ema[i].copy()))
        self._terms(np.flatnonzero(due & ~churn))

    def _churn(self, i: IntArray, d0: int) -> None:
        if len(i) == 0:
            return
        day = self.next_renewal[i]
        self._log.append((i, day.copy(), CHURNED, self.h_ema[i].copy()))
        for product in range(3):
            self.ledger.close_rows(i, product, day, day)
        k = self.reactivated[i].astype(np.int64)
        self.churn_day[i, k] = day
        self.spans[i, 1 + 2 * k] = day * DAY_US
        self.churn_kind[i, k] = self.decided[i]
        self.churn_reason[i, k] = self._reason(i, d0)
        self.status[i] = 2
        self.decided[i] = 0
        self.surprise[i] = 0
        self.next_renewal[i] = NEVER

    def _reason(self, i: IntArray, d0: int) -> IntArray:
        """Why they left: the surprise, else the latest shock, else onboarding or a usual cause."""
        rng = self.rng
        usual = np.array([_REASON["low_adoption"], _REASON["competitor"], _REASON["price"]])
        reason = usual[np.searchsorted([0.55, 0.85], rng.random(len(i)), side="right")]
        week = self.tl.week_of(np.full(len(i), d0))
        recent = week - self.last_shock_week[i] <= 26
        for bit, name in _SHOCK_REASON.items():
            reason[recent & (self.last_shock[i] == bit)] = _REASON[name]
        reason[self.onboarded_day[i] >= self.next_renewal[i]] = _REASON["failed_onboarding"]
        return np.where(self.decided[i] == 2, self.surprise[i], reason)

    def _alive_users(self) -> IntArray:
        return np.bincount(self.slots.owner[self.slots.alive], minlength=self.n).astype(np.int64)

    def _terms(self, i: IntArray) -> None:
        """A renewal that goes ahead: new price, maybe more or fewer seats or another plan."""
        if len(i) == 0:
            return
        rng, k = self.rng, len(i)
        day = self.next_renewal[i].copy()
        users = self.alive_users[i]
        felt = self.h_ema[i]
        yearly = self.term[i] >= 12
        review = yearly | (rng.random(k) < 1 / 6)  # monthly customers rethink twice a year
        seats = self.seats[i].copy()
        up = review & (users > seats)
        seats[up] = np.ceil(users[up] * 1.1)
        down = review & (users < 0.65 * seats) & (felt < 0.3) & (rng.random(k) < 0.6)
        seats[down] = np.maximum(_SEG_MIN_SEATS[self.seg[i][down]], np.ceil(users[down] * 1.15))
        plan = self.plan[i].copy()
        plan_up = review & (felt > 0.9) & (plan < _SEG_MAX_PLAN[self.seg[i]]) & (rng.random(k) < 0.12)
        plan_down = review & (felt < -0.3) & (plan > 0) & (rng.random(k) < 0.2)
        plan = plan + plan_up - plan_down
        changed = yearly | (seats != self.seats[i]) | (plan != self.plan[i])
        self.price_factor[i] *= np.where(yearly, 1 + 0.02 + 0.05 * rng.random(k), 1.0)
        self.seats[i], self.plan[i] = seats, plan
        self.term[i] = np.where((self.term[i] >= 24) & (rng.random(k) < 0.5), 12, self.term[i])
        c = i[changed]
        self.ledger.close_rows(c, 0, day[changed], day[changed])
        self.ledger.start_rows(c, 0, day[changed], seats=self.seats[c], plan=self.plan[c],
                               mrr=self._core_mrr(c), bill=self._bill(c),
                               anchor=np.where(yearly[changed], day[changed], self.anchor[c]))
        self.last_change[c] = day[changed]
        # A new contract period restarts the calendar of a yearly contract.
        y = i[yearly]
        self.anchor[y], self.cycles[y] = day[yearly], 0
        self.cycles[i] += 1
        self.next_renewal[i] = add_months(self.anchor[i], self.term[i] * self.cycles[i])
        # Add-ons renew with the core contract unless the customer is unhappy with it.
        for a in (1, 2):
            has = self.ledger.open[i, a]
            drop = has & (felt < -0.2) & (rng.random(k) < np.where(yearly, 0.35, 0.06))
            self.ledger.close_rows(i[drop], a, day[drop], day[drop])
            keep = has & ~drop & yearly
            j = i[keep]
            mrr = np.round(self.ledger.mrr[j, a] * (1.03 + 0.03 * rng.random(len(j))), 2)
            self.ledger.close_rows(j, a, day[keep], day[keep])
            self.ledger.start_rows(j, a, day[keep], seats=self.ledger.seats[j, a],
                                   plan=self.ledger.plan[j, a], mrr=mrr, bill=self._bill(j),
                                   anchor=day[keep])

    def _expand(self, d0: int) -> None:
        """Seats ran out: buy more mid-term, co-termed with the running contract."""
        users = self.alive_users
        want = (self.status == 1) & (self.decided == 0) & (users > self.seats) & (
            self.last_change <= d0 - 28) & (self.rng.random(self.n) < DYNAMICS.expansion_per_week)
        i = np.flatnonzero(want)
        day = self._day_in_week(d0, len(i))
        ok = (day > self.ledger.start[i, 0]) & (day < self.next_renewal[i]) & (day < self.tl.end_day)
        i, day = i[ok], day[ok]
        if len(i) == 0:
            return
        old = self.ledger.mrr[i, 0].copy()
        self.ledger.close_rows(i, 0, day, self.next_renewal[i])
        self.seats[i] = np.ceil(users[i] * 1.25)  # headroom for the next hires
        mrr = self._core_mrr(i)
        self.ledger.start_rows(i, 0, day, seats=self.seats[i], plan=self.plan[i], mrr=mrr,
                               bill=self._bill(i), anchor=self.anchor[i], prorate=mrr - old)
        self.last_change[i] = day

    def _cross_sell(self, d0: int) -> None:
        """Happy, established customers buy an add-on as a second subscription."""
        for a in (1, 2):
            rate = DYNAMICS.cross_sell_per_week * (1.0 if a == 1 else 0.7)
            want = (self.status == 1) & (self.decided == 0) & ~self.addon_ever[:, a - 1] & (
                self.h_ema > 0.3) & (d0 - self.created_day >= 84) & (self.rng.random(self.n) < rate)
            i = np.flatnonzero(want)
            day = self._day_in_week(d0, len(i))
            ok = (day < self.next_renewal[i]) & (day < self.tl.end_day)
            i, day = i[ok], day[ok]
            self.addon_ever[i, a - 1] = True
            mrr = np.round(np.array(ADDON_PRICE[a])[self.seg[i]] * self.fx[i], 2)
            self.ledger.start_rows(i, a, day, seats=np.full(len(i), -1), plan=np.full(len(i), -1),
                                   mrr=mrr, bill=self._bill(i), anchor=self.anchor[i],
                                   prorate=mrr, new_subscription=True)

    def _reactivate(self, d0: int) -> None:
        """A few churned customers come back on a fresh contract."""
        first_reason = self.churn_reason[:, 0]
        want = (self.status == 2) & ~self.reactivated & (first_reason != _REASON["acquired"]) & (
            d0 - self.churn_day[:, 0] >= 56) & (self.rng.random(self.n) < DYNAMICS.reactivation_per_week)
        i = np.flatnonzero(want)
        day = self._day_in_week(d0, len(i))
        i, day = i[day < self.tl.end_day], day[day < self.tl.end_day]
        if len(i) == 0:
            return
        self.status[i], self.reactivated[i] = 1, True
        self.spans[i, 2] = day * DAY_US
        self.term[i] = np.where(self.seg[i] == 0, 1, 12)
        self.seats[i] = np.maximum(_SEG_MIN_SEATS[self.seg[i]], np.round(self.seats[i] * 0.8))
        self.drift[i] = 0.0
        self.h[i] = self.fit[i] + 0.3
        self.h_ema[i] = self.h[i]
        self._open_core(i, day)
        self.last_change[i] = day

    def _record(self, t: int) -> None:
        self.health[:, t] = self.h
        d0 = self.tl.week_start(t)
        ended = ((self.churn_day >= d0) & (self.churn_day < d0 + 7)).any(axis=1)
        self.active[:, t] = (self.status == 1) | ended
        self.leaving[:, t] = self.decided == 1
        self.shocks[:, t] = self.shock_bits
        self.users[:, t] = self._alive_users()  # after this week's reactivations
        self.joined[:, t] = self.slots.used
        self.addon[:, t, :] = self.ledger.open[:, 1:]

    def finish(self, index: IntArray) -> Life:
        renewals = {
            "account": np.concatenate([x[0] for x in self._log]).astype(np.int64),
            "day": np.concatenate([x[1] for x in self._log]).astype(np.int64),
            "outcome": np.concatenate([np.full(len(x[0]), x[2]) for x in self._log]).astype(np.int64),
            "felt_health": np.concatenate([x[3] for x in self._log]),
        } if self._log else {k: np.zeros(0) for k in ("account", "day", "outcome", "felt_health")}
        truth: dict[str, npt.NDArray[np.generic]] = {
            "churn_day": self.churn_day, "churn_reason": self.churn_reason,
            "churn_kind": self.churn_kind, "saves": self.saves, "fit": self.fit,
            "stalled": self.stalled, "onboarded_day": self.onboarded_day,
            "reactivated_day": np.where(self.reactivated, self.spans[:, 2] // DAY_US, NEVER),
        }
        return Life(
            tl=self.tl, index=index, segment=self.seg, health=self.health, active=self.active,
            leaving=self.leaving, shocks=self.shocks, users=self.users, joined=self.joined,
            addon=self.addon, spans=self.spans, slots=self.slots,
            periods=self.ledger.finish(self.next_renewal), truth=truth, renewals=renewals,
        )


def simulate(acc: Accounts, index: IntArray, tl: Timeline, rng: np.random.Generator,
             outage_weeks: frozenset[int]) -> Life:
    """Simulate the accounts ``index`` (global numbers) over the whole timeline."""
    sim = _Simulation(acc, index, tl, rng, outage_weeks)
    for t in range(tl.n_weeks):
        sim.week(t)
    return sim.finish(index)
