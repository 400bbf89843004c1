"""Support tickets: more of them, and angrier, when an account's health falls.

Tickets per account-week are Poisson with a rate ``exp(-0.55 h)`` around the segment's base,
plus a spike for the company-wide outage weeks and for a bad support experience (that ticket
is slow and rated low). Customers on the way out ask how to export their data. Response and
resolution times depend on priority (urgent fastest); tickets still unresolved at the end of
the window are open, pending or on hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .company import Accounts
from .lifecycle import Life
from .profiles import SEGMENTS, SHOCK_BAD_SUPPORT, SHOCK_OUTAGE
from .timeline import DAY_US, HOUR_US, NEVER, IntArray, instants_text, week_offsets
from .writer import Mint, optional

# Ticket categories: (name, weight when healthy, tag, subjects).
CATEGORIES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("how_to", 30.0, ("How do I schedule a report?", "Question about dashboard filters",
                      "How to share a dashboard with a client", "Where do I change my timezone?")),
    ("bug", 22.0, ("Report shows wrong totals", "Error when saving a dashboard",
                   "Chart does not load", "Export button does nothing")),
    ("integration", 12.0, ("Salesforce sync failing", "HubSpot integration disconnected",
                           "Webhook not firing", "Data missing after sync")),
    ("billing", 8.0, ("Question about our invoice", "Update billing address",
                      "Charged for extra seats?", "Need a W-9 / VAT number on invoice")),
    ("access", 10.0, ("Cannot log in", "SSO login loop", "Reset 2FA for a user",
                      "User locked out")),
    ("performance", 8.0, ("Dashboards very slow today", "Reports time out",
                          "App unresponsive since this morning")),
    ("feature_question", 10.0, ("Is there an API for reports?", "Can we get audit logs?",
                                "Do you support custom roles?")),
    ("data_export", 0.0, ("How do we export all our data?", "Bulk export of reports",
                          "Need a full account data export")),
    ("cancellation", 0.0, ("Question about cancelling our plan", "Contract end and notice period",
                           "Downgrade options")),
)
_EXPORT = [c[0] for c in CATEGORIES].index("data_export")
_CANCEL = [c[0] for c in CATEGORIES].index("cancellation")
_PERF = [c[0] for c in CATEGORIES].index("performance")
PRIORITIES = ("low", "normal", "high", "urgent")
_PRIORITY_MIX = np.array([[0.4, 0.5, 0.08, 0.02], [0.3, 0.5, 0.15, 0.05], [0.2, 0.5, 0.22, 0.08]])
_FIRST_RESPONSE_H = np.array([12.0, 5.0, 1.5, 0.4])  # median hours by priority
_RESOLUTION_H = np.array([72.0, 36.0, 16.0, 6.0])
CHANNELS = ("email", "chat", "web", "phone")
_CHANNEL_MIX = np.array([[0.45, 0.35, 0.15, 0.05], [0.45, 0.3, 0.15, 0.1], [0.4, 0.2, 0.15, 0.25]])


@dataclass
class Tickets:
    """What the survey and feedback generators need to know about the tickets."""

    account: IntArray
    created_us: IntArray
    resolved_us: IntArray  # NEVER while unresolved
    requester: IntArray  # contact slot, -1 when unknown
    category: IntArray
    bad: npt.NDArray[np.bool_]


def _pick_rows(rng: np.random.Generator, p: npt.NDArray[np.float64]) -> IntArray:
    """One categorical draw per row of probabilities ``p``."""
    cum = np.cumsum(p, axis=1)
    u = rng.random(len(p))[:, None] * cum[:, -1:]
    return (u >= cum).sum(axis=1).astype(np.int64)


def tickets(life: Life, acc: Accounts, rng: np.random.Generator, mint: Mint,
            account_ids: npt.NDArray[np.object_], contact_ids: npt.NDArray[np.object_]
            ) -> tuple[dict[str, Any], Tickets]:
    """The tickets table rows for one chunk and the facts behind them."""
    tl = life.tl
    base = np.array([s.tickets_per_week for s in SEGMENTS])[life.segment]
    size = np.sqrt(np.maximum(life.users, 1) / 10.0)  # bigger teams file more, not linearly
    outage = (life.shocks & SHOCK_OUTAGE) > 0
    lam = base[:, None] * size * np.exp(-0.8 * life.health) * (1 + 2.5 * outage) * life.active
    lam = lam + 0.12 * life.leaving
    counts = rng.poisson(lam) + ((life.shocks & SHOCK_BAD_SUPPORT) > 0)
    a, w = np.nonzero(counts)
    c = counts[a, w]
    account, week = np.repeat(a, c), np.repeat(w, c)
    at = (tl.start_day + 7 * week) * DAY_US + week_offsets(rng, len(account),
                                                          acc.utc_offset[life.index[account]])
    keep = life.during(account, at)
    account, week, at = account[keep], week[keep], at[keep]
    n = len(account)
    # The first ticket of a bad-support week is the bad experience itself.
    first = np.r_[True, (account[1:] != account[:-1]) | (week[1:] != week[:-1])]
    bad = first & ((life.shocks[account, week] & SHOCK_BAD_SUPPORT) > 0)
    h = life.health[account, week].astype(np.float64)

    weights = np.array([c[1] for c in CATEGORIES])
    p_cat = np.tile(weights, (n, 1))
    leaving = life.leaving[account, week]
    p_cat[leaving, _EXPORT] = 25.0
    p_cat[leaving, _CANCEL] = 10.0
    p_cat[outage[account, week], _PERF] = 80.0
    category = _pick_rows(rng, p_cat)

    p_pri = _PRIORITY_MIX[life.segment[account]].copy()
    p_pri[:, 2:] *= np.exp(-0.4 * h)[:, None]  # unhappy customers escalate
    p_pri[bad | outage[account, week]] = [0.0, 0.2, 0.5, 0.3]
    priority = _pick_rows(rng, p_pri)
    channel = _pick_rows(rng, _CHANNEL_MIX[life.segment[account]])

    slow = np.where(bad, 6.0, 1.0)
    first_h = _FIRST_RESPONSE_H[priority] * slow * np.exp(0.8 * rng.standard_normal(n))
    resolve_h = _RESOLUTION_H[priority] * slow * np.exp(1.0 * rng.standard_normal(n))
    first_us = at + (first_h * HOUR_US).astype(np.int64)
    resolved_us = first_us + (resolve_h * HOUR_US).astype(np.int64)
    stuck = rng.random(n) < 0.015  # a few never get resolved
    resolved_us[stuck] = NEVER
    first_us[first_us >= tl.end_us] = NEVER
    resolved_us[resolved_us >= tl.end_us] = NEVER

    status = np.where(resolved_us < tl.end_us - 4 * DAY_US, "closed", "solved").astype(object)
    open_state = np.array(["open", "pending", "hold"], dtype=object)[
        _pick_rows(rng, np.tile([0.55, 0.35, 0.1], (n, 1)))]
    status[resolved_us == NEVER] = open_state[resolved_us == NEVER]
    status[first_us == NEVER] = "new"

    # Satisfaction after resolution: experience (health) and how slow it was relative to the
    # norm for its priority, on about a third of resolved tickets.
    rated = (resolved_us < NEVER) & (rng.random(n) < 0.32)
    score = (3.9 + 0.7 * h - 0.45 * np.log(resolve_h / _RESOLUTION_H[priority])
             - 1.5 * bad + 0.8 * rng.standard_normal(n))
    satisfaction = optional(np.clip(np.round(score), 1, 5).astype(np.int64), rated)

    joined = life.joined[account, week].astype(np.int64)
    requester = life.slots.pick(rng, account, joined, at, weighted=False)
    subject_pick = rng.integers(0, 1000, n)
    subject = np.array([CATEGORIES[k][2][j % len(CATEGORIES[k][2])]
                        for k, j in zip(category, subject_pick, strict=True)], dtype=object)
    tag = np.array([c[0] for c in CATEGORIES], dtype=object)[category]
    tag = np.where(outage[account, week], tag + ",outage", tag)
    tag = np.where(life.segment[account] == 2, tag + ",vip", tag)

    order = np.lexsort((at, account))
    columns: dict[str, Any] = {
        "ticket_id": mint.take("tkt_", n),
        "account_id": account_ids[account],
        "created_at": instants_text(at),
        "requester_id": optional(contact_ids[np.maximum(requester, 0)], requester >= 0),
        "first_response_at": instants_text(first_us),
        "resolved_at": instants_text(resolved_us),
        "priority": np.array(PRIORITIES, dtype=object)[priority],
        "status": status,
        "channel": np.array(CHANNELS, dtype=object)[channel],
        "subject": subject,
        "satisfaction": satisfaction,
        "tags": tag,
    }
    columns = {k: (v[order] if k != "ticket_id" else v) for k, v in columns.items()}
    facts = Tickets(account=account[order], created_us=at[order], resolved_us=resolved_us[order],
                    requester=requester[order], category=category[order], bad=bad[order])
    return columns, facts
