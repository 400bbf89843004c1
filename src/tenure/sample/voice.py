"""The voice of the customer: NPS, CSAT and CES answers with comments, and feature requests.

Scores follow the latent health plus noise (NPS ``7.3 + 1.9 h``, CSAT ``4 + 0.75 h``), so they
foretell churn only imperfectly. NPS is asked in two campaigns a year (March and September)
with a trickle in between; CSAT in the product all year; CES after some resolved tickets.
Detractors complain in their comments, promoters praise, passives hedge.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .company import Accounts
from .lifecycle import Life
from .support import Tickets
from .timeline import DAY_US, NEVER, IntArray, instants_text, week_offsets
from .writer import Mint, optional

COMPLAINTS: tuple[str, ...] = (
    "Reports take forever to load.",
    "Support took days to get back to us.",
    "Too expensive for what we actually use.",
    "The Salesforce sync keeps breaking.",
    "Hard to get the team to adopt it.",
    "We still can't schedule exports, which we were promised.",
    "Since our main admin left nobody really knows how to use it.",
    "Dashboards are confusing and the numbers don't match our CRM.",
)
HEDGES: tuple[str, ...] = (
    "Does the job, but setup was harder than expected.",
    "Good product, pricing is a bit high.",
    "Fine for reporting, we would like better alerts.",
    "Works well once configured; the learning curve is steep.",
    "Solid, though the mobile app is limited.",
)
PRAISE: tuple[str, ...] = (
    "The automation saves our team hours every week.",
    "Our CSM is fantastic and always responsive.",
    "Dashboards finally give leadership one source of truth.",
    "Easy to use and the support team is great.",
    "Best reporting tool we have tried.",
    "The integrations just work.",
)

# Feature requests: (feature, popularity, product status, what customers write).
FEATURES: tuple[tuple[str, float, str, tuple[str, ...]], ...] = (
    ("salesforce_sync", 10.0, "planned", (
        "Two-way Salesforce sync would save us a lot of manual work.",
        "Please support custom Salesforce objects in the sync.")),
    ("custom_roles", 8.0, "shipped", (
        "We need custom roles so contractors only see their dashboards.",
        "Granular permissions per team, please.")),
    ("scheduled_exports", 7.0, "planned", (
        "Schedule CSV exports to our SFTP every night.",
        "Automatic weekly export of all reports would help finance.")),
    ("sso_scim", 7.0, "shipped", (
        "SCIM provisioning with Okta is a must for our IT team.",
        "Support SSO with Azure AD.")),
    ("api_webhooks", 6.0, "planned", (
        "Webhooks when a report changes would let us automate alerts.",
        "A public API for dashboards.")),
    ("slack_alerts", 6.0, "shipped", (
        "Send alerts to Slack channels.",
        "Slack notifications for threshold alerts.")),
    ("forecasting", 6.0, "new", (
        "Built-in forecasting on time series would be great.",
        "Predict next quarter from our historical data.")),
    ("audit_log", 5.0, "planned", (
        "An audit log of who changed what, for compliance.",
        "We need an exportable audit trail for SOC 2.")),
    ("warehouse_sync", 5.0, "new", (
        "Sync directly with Snowflake.",
        "Let us read from BigQuery without exports.")),
    ("pdf_reports", 4.0, "shipped", (
        "Branded PDF reports for our clients.",
        "Export dashboards to PDF with our logo.")),
    ("offline_mobile", 3.0, "declined", (
        "Offline mode in the mobile app for field teams.",)),
    ("dark_mode", 2.0, "declined", ("Dark mode, please!",)),
)
SOURCES = ("call", "ticket", "survey", "portal", "community")


def _campaign_weeks(life: Life) -> npt.NDArray[np.float64]:
    days = life.tl.week_starts().astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return np.where(np.isin(month, (3, 9)) & (dom <= 14), 1.0, 0.0)


def _comment(rng: np.random.Generator, band: IntArray, p: npt.NDArray[np.float64]
             ) -> npt.NDArray[np.object_]:
    """A template comment by band (0 complain, 1 hedge, 2 praise) on a share ``p`` of answers."""
    pools = (COMPLAINTS, HEDGES, PRAISE)
    pick = rng.integers(0, 1000, len(band))
    say = rng.random(len(band)) < p
    return np.array([pools[b][k % len(pools[b])] if s else None
                     for b, k, s in zip(band, pick, say, strict=True)], dtype=object)


def surveys(life: Life, acc: Accounts, tickets: Tickets, rng: np.random.Generator, mint: Mint,
            account_ids: npt.NDArray[np.object_], contact_ids: npt.NDArray[np.object_],
            opted_out: npt.NDArray[np.bool_]) -> dict[str, Any]:
    """NPS, CSAT and CES responses of one chunk."""
    tl = life.tl
    # Engaged people answer surveys; disengaged ones ignore them (silence is a signal too).
    engaged = 1.0 / (1.0 + np.exp(-1.5 * life.health))
    users = life.users * life.active * (0.4 + engaged)
    parts: list[tuple[IntArray, IntArray, int]] = []
    for code, lam in ((0, users * (0.08 * _campaign_weeks(life) + 0.0015)[None, :]),  # NPS
                      (1, users * 0.0015)):  # CSAT
        counts = rng.poisson(lam)
        a, w = np.nonzero(counts)
        c = counts[a, w]
        parts.append((np.repeat(a, c), np.repeat(w, c), code))
    account = np.concatenate([p[0] for p in parts])
    week = np.concatenate([p[1] for p in parts])
    survey = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    at = (tl.start_day + 7 * week) * DAY_US + week_offsets(rng, len(account),
                                                          acc.utc_offset[life.index[account]])
    # CES: "how easy was it to get your issue solved", asked of the requester after about 12%
    # of resolved tickets.
    asked = (tickets.resolved_us < NEVER) & (rng.random(len(tickets.account)) < 0.12)
    later = (rng.random(int(asked.sum())) * 2 * DAY_US).astype(np.int64)
    account = np.concatenate([account, tickets.account[asked]])
    at = np.concatenate([at, tickets.resolved_us[asked] + later])
    survey = np.concatenate([survey, np.full(int(asked.sum()), 2)])
    asker = np.concatenate([np.full(len(week), -2), tickets.requester[asked]])  # -2: anyone
    bad = np.concatenate([np.zeros(len(week), dtype=bool), tickets.bad[asked]])
    keep = life.during(account, at)
    account, at, survey, asker, bad = account[keep], at[keep], survey[keep], asker[keep], bad[keep]
    week = np.clip(tl.week_of(at // DAY_US), 0, tl.n_weeks - 1)
    sl = life.slots
    anyone = asker == -2
    who = asker.copy()
    who[anyone] = sl.pick(rng, account[anyone], life.joined[account[anyone], week[anyone]].astype(
        np.int64), at[anyone], weighted=False, allowed=~opted_out)
    named = np.maximum(who, 0)
    gone = ~anyone & ((who < 0) | opted_out[named] | (sl.deleted_us[named] <= at))
    who[gone] = -1
    ok = who >= 0
    account, at, survey, week, who, bad = (x[ok] for x in (account, at, survey, week, who, bad))
    n = len(account)
    h = life.health[account, week].astype(np.float64) - 0.8 * life.leaving[account, week]
    noise = rng.standard_normal(n)
    nps = np.clip(np.round(7.3 + 1.9 * h + 1.6 * noise), 0, 10)
    csat = np.clip(np.round(4.0 + 0.75 * h + 0.8 * noise), 1, 5)
    ces = np.clip(np.round(5.2 + 0.9 * h - 2.0 * bad + 1.1 * noise), 1, 7)
    score = np.select([survey == 0, survey == 1], [nps, csat], ces).astype(np.int64)
    band = np.select([survey == 0, survey == 1],
                     [np.digitize(nps, [7, 9]), np.digitize(csat, [3, 4])],
                     np.digitize(ces, [4, 6]))
    p_comment = np.select([survey == 2, band == 0, band == 1], [0.05, 0.45, 0.22], 0.33)
    order = np.lexsort((at, account))
    return {
        "response_id": mint.take("rsp_", n),
        "account_id": account_ids[account][order],
        "survey": np.array(["nps", "csat", "ces"], dtype=object)[survey][order],
        "score": score[order],
        "responded_at": instants_text(at)[order],
        "contact_id": contact_ids[who][order],
        "comment": _comment(rng, band, p_comment)[order],
    }


def feedback(life: Life, acc: Accounts, rng: np.random.Generator, mint: Mint,
             account_ids: npt.NDArray[np.object_], contact_ids: npt.NDArray[np.object_]
             ) -> dict[str, Any]:
    """Feature requests: engaged customers ask for more; popular features are asked often."""
    tl = life.tl
    base = np.array([0.012, 0.035, 0.09])[life.segment]
    engaged = 1.0 / (1.0 + np.exp(-1.5 * life.health))
    counts = rng.poisson(base[:, None] * (0.5 + engaged) * life.active)
    a, w = np.nonzero(counts)
    c = counts[a, w]
    account, week = np.repeat(a, c), np.repeat(w, c)
    at = (tl.start_day + 7 * week) * DAY_US + week_offsets(rng, len(account),
                                                          acc.utc_offset[life.index[account]])
    pop = np.array([f[1] for f in FEATURES])
    feature = np.searchsorted(np.cumsum(pop) / pop.sum(), rng.random(len(account)), side="right")
    # A shipped feature stops being requested once it ships (its own day in the window).
    span = tl.end_day - tl.start_day
    ship_day = tl.start_day + (np.arange(len(FEATURES)) * 37 % 100 * span) // 100
    shipped = np.array([f[2] == "shipped" for f in FEATURES])
    keep = life.during(account, at) & ~(
        shipped[feature] & (at >= ship_day[feature] * DAY_US))
    account, week, at, feature = account[keep], week[keep], at[keep], feature[keep]
    n = len(account)
    who = life.slots.pick(rng, account, life.joined[account, week].astype(np.int64), at)
    src_p = np.array([[0.05, 0.3, 0.2, 0.35, 0.1], [0.3, 0.25, 0.15, 0.2, 0.1],
                      [0.5, 0.2, 0.1, 0.15, 0.05]])[life.segment[account]]
    source = (rng.random(n)[:, None] * src_p.sum(1, keepdims=True) >= np.cumsum(src_p, 1)).sum(1)
    status = np.array([f[2] for f in FEATURES], dtype=object)[feature]
    status[at >= tl.end_us - 30 * DAY_US] = "new"  # not triaged yet
    pick = rng.integers(0, 1000, n)
    text = np.array([FEATURES[f][3][k % len(FEATURES[f][3])]
                     for f, k in zip(feature, pick, strict=True)], dtype=object)
    order = np.lexsort((at, account))
    return {
        "feedback_id": mint.take("fbk_", n),
        "account_id": account_ids[account][order],
        "created_at": instants_text(at)[order],
        "text": text[order],
        "contact_id": optional(contact_ids[np.maximum(who, 0)], who >= 0)[order],
        "source": np.array(SOURCES, dtype=object)[source][order],
        "feature": np.array([f[0] for f in FEATURES], dtype=object)[feature][order],
        "status": status[order],
    }
