"""Product usage events: how often people use the product follows the account's health.

Events per user per week are Poisson with a rate that grows with latent health
(``exp(0.9 h)``) and with the account's current number of users, dips over the holidays, and
drops when a customer is on the way out. Engaged accounts use the key features (reports,
alerts, integrations, sharing) more; add-on features appear only while the add-on runs; the
onboarding milestones are single events at the day they were reached.

Everything is vectorised over a block of accounts: draw counts per (account, week), repeat,
then draw instants, users and event kinds for all events of the block at once. Blocks are
sized so a block holds a few million events at most, whatever the chunk size or scale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .company import Accounts
from .lifecycle import Life
from .profiles import SEGMENTS
from .timeline import DAY_US, HOUR_US, NEVER, IntArray, week_offsets

# (event, properties as a JSON object, group, weight within its group). Groups: 0 everyday,
# 1 key features, 2 analytics add-on, 3 automation add-on, 4 onboarding milestones.
CATALOG: tuple[tuple[str, str, int, float], ...] = (
    ("session_started", '{"platform":"web"}', 0, 24.0),
    ("session_started", '{"platform":"mobile"}', 0, 6.0),
    ("dashboard_viewed", '{"feature":"dashboards"}', 0, 25.0),
    ("report_viewed", '{"feature":"reports"}', 0, 20.0),
    ("search_performed", '{"feature":"search"}', 0, 8.0),
    ("notification_clicked", '{"feature":"notifications"}', 0, 5.0),
    ("settings_updated", '{"feature":"settings"}', 0, 2.0),
    ("report_created", '{"feature":"reports"}', 1, 20.0),
    ("report_shared", '{"feature":"reports"}', 1, 12.0),
    ("dashboard_created", '{"feature":"dashboards"}', 1, 10.0),
    ("alert_created", '{"feature":"alerts"}', 1, 8.0),
    ("integration_synced", '{"feature":"integrations"}', 1, 15.0),
    ("data_exported", '{"feature":"exports"}', 1, 8.0),
    ("comment_added", '{"feature":"collaboration"}', 1, 10.0),
    ("analytics_query_run", '{"feature":"analytics"}', 2, 3.0),
    ("cohort_analysis_viewed", '{"feature":"analytics"}', 2, 1.0),
    ("automation_run", '{"feature":"automation"}', 3, 3.0),
    ("workflow_created", '{"feature":"automation"}', 3, 1.0),
    ("integration_connected", '{"feature":"integrations","milestone":true}', 4, 0.0),
    ("first_report_created", '{"feature":"reports","milestone":true}', 4, 0.0),
    ("invited_teammate", '{"feature":"collaboration"}', 4, 0.0),
)
EVENT_NAMES: tuple[str, ...] = tuple(c[0] for c in CATALOG)
EVENT_PROPERTIES: tuple[str, ...] = tuple(c[1] for c in CATALOG)
_KIND = {c[0]: i for i, c in enumerate(CATALOG) if c[2] == 4}
_GROUP = np.array([c[2] for c in CATALOG])
_NEEDS_INTEGRATION = np.array([c[0] == "integration_synced" for c in CATALOG])
_NEEDS_REPORT = np.array([c[0] in ("report_created", "report_shared") for c in CATALOG])
_DASHBOARD_VIEWED = EVENT_NAMES.index("dashboard_viewed")
_BLOCK_EVENTS = 1_000_000
# Calibrates the whole company to about 1,000 events per account over 2.5 years.
_VOLUME = 0.32


@dataclass
class EventBlock:
    """Events of a block of accounts, sorted by account and time (chunk-local numbers)."""

    account: IntArray
    kind: npt.NDArray[np.int16]
    at_us: IntArray
    user: IntArray  # contact slot


def rates(life: Life, scale: float) -> npt.NDArray[np.float64]:
    """Expected events per (account, week)."""
    per_user = np.array([s.events_per_user_week for s in SEGMENTS])[life.segment]
    season = life.tl.seasonality()
    lam = (per_user[:, None] * life.users * np.exp(1.1 * life.health) * season[None, :]
           * np.where(life.leaving, 0.5, 1.0))
    return lam * life.active * (scale * _VOLUME)


def _draw_kinds(rng: np.random.Generator, health: npt.NDArray[np.float64],
                addons: npt.NDArray[np.bool_]) -> npt.NDArray[np.int16]:
    n = len(health)
    p_key = 0.12 + 0.38 / (1.0 + np.exp(-1.5 * health))
    r = rng.random(n)
    group = np.where(r < p_key, 1, 0)
    group = np.where(addons[:, 0] & (r > 0.92), 2, group)
    group = np.where(addons[:, 1] & (r > 0.84) & (r <= 0.92), 3, group)
    kind = np.zeros(n, dtype=np.int16)
    for g in range(4):
        members = np.flatnonzero(g == _GROUP)
        w = np.array([CATALOG[m][3] for m in members])
        sel = group == g
        kind[sel] = members[np.searchsorted(np.cumsum(w) / w.sum(), rng.random(int(sel.sum())),
                                            side="right")]
    return kind


def _instant(day: IntArray) -> IntArray:
    """Midnight of ``day`` in microseconds, NEVER staying NEVER."""
    return np.where(day < NEVER, np.minimum(day, NEVER // DAY_US) * DAY_US, NEVER)


def _milestones(life: Life, acc: Accounts, rng: np.random.Generator, block: IntArray
                ) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """integration_connected, first_report_created and one invited_teammate per invitee."""
    tl, sl = life.tl, life.slots
    parts: list[tuple[IntArray, IntArray, IntArray]] = []
    for name, days in (("integration_connected", acc.integration_day[life.index[block]]),
                       ("first_report_created", acc.report_day[life.index[block]])):
        a = block[days < tl.end_day]
        d = days[days < tl.end_day]
        office = ((9 + 8 * rng.random(len(a))) * HOUR_US).astype(np.int64)
        at = np.maximum(d * DAY_US + office - acc.utc_offset[life.index[a]] * HOUR_US,
                        life.spans[a, 0] + HOUR_US)
        parts.append((a, np.full(len(a), _KIND[name]), at))
    # Each person invited after the founders: an invite from someone already there.
    lo, hi = sl.offset[block[0]], sl.offset[block[-1]] + sl.cap[block[-1]]
    slots = np.arange(lo, hi)
    founders = np.array([s.founders for s in SEGMENTS])[life.segment[sl.owner[slots]]]
    rank = slots - sl.offset[sl.owner[slots]]
    invited = slots[(sl.created_us[slots] < NEVER) & (rank >= founders)]
    parts.append((sl.owner[invited], np.full(len(invited), _KIND["invited_teammate"]),
                  sl.created_us[invited] - 60_000_000))
    a = np.concatenate([p[0] for p in parts]).astype(np.int64)
    kind = np.concatenate([p[1] for p in parts]).astype(np.int64)
    at = np.concatenate([p[2] for p in parts]).astype(np.int64)
    keep = life.during(a, at)
    a, kind, at = a[keep], kind[keep], at[keep]
    week = np.clip(tl.week_of(at // DAY_US), 0, tl.n_weeks - 1)
    user = sl.pick(rng, a, life.joined[a, week].astype(np.int64), at)
    ok = user >= 0
    return a[ok], kind[ok], at[ok], user[ok]


def events(life: Life, acc: Accounts, rng: np.random.Generator, scale: float
           ) -> Iterator[EventBlock]:
    """All events of a chunk, block by block of accounts."""
    lam = rates(life, scale)
    per_account = lam.sum(axis=1)
    tl = life.tl
    start = 0
    while start < life.n:
        cum = np.cumsum(per_account[start:])
        stop = start + max(1, int(np.searchsorted(cum, _BLOCK_EVENTS)))
        block = np.arange(start, min(stop, life.n))
        start = block[-1] + 1
        counts = rng.poisson(lam[block])
        a_local, week = np.nonzero(counts)
        c = counts[a_local, week]
        account = np.repeat(block[a_local], c)
        week = np.repeat(week, c)
        at = (tl.start_day + 7 * week) * DAY_US + week_offsets(
            rng, len(account), acc.utc_offset[life.index[account]])
        keep = life.during(account, at)
        account, week, at = account[keep], week[keep], at[keep]
        user = life.slots.pick(rng, account, life.joined[account, week].astype(np.int64), at)
        ok = user >= 0
        account, week, at, user = account[ok], week[ok], at[ok], user[ok]
        kind = _draw_kinds(rng, life.health[account, week].astype(np.float64),
                           life.addon[account, week])
        # Features the account has not set up yet cannot be used: those events become views.
        integ = _instant(acc.integration_day[life.index[account]])
        report = _instant(acc.report_day[life.index[account]])
        early = (_NEEDS_INTEGRATION[kind] & (at < integ)) | (_NEEDS_REPORT[kind] & (at < report))
        kind[early] = _DASHBOARD_VIEWED
        m_acc, m_kind, m_at, m_user = _milestones(life, acc, rng, block)
        account = np.concatenate([account, m_acc])
        kind = np.concatenate([kind, m_kind.astype(np.int16)])
        at = np.concatenate([at, m_at])
        user = np.concatenate([user, m_user])
        # One int64 sort key: account in the top bits, microseconds since the window's start
        # (less a day, for time zones) below; 2**50 us is 35 years.
        order = np.argsort((account << 50) + (at - (tl.start_us - DAY_US)), kind="stable")
        yield EventBlock(account=account[order], kind=kind[order], at_us=at[order],
                         user=user[order])
