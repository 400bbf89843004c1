"""Touchpoints: the CSM's calls, emails, meetings, QBRs and notes, and the customer's own
webinars, trainings and community posts.

Each segment has its touch model (``SegmentProfile.touch``): SMB is tech-touch (automated
lifecycle emails, a rare call), enterprise is high-touch (calls every other week, monthly
meetings, quarterly business reviews). CSMs call more when an account looks unhealthy; engaged
customers show up at webinars and in the community.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .company import Accounts
from .lifecycle import Life
from .profiles import ACTIVITY_TOPICS, COMMUNITY_KINDS, CSM_KINDS, SEGMENTS
from .timeline import DAY_US, instants_text, week_offsets
from .writer import Mint, optional

AUTOMATION_ACTOR = "automation"

_GOOD = {
    "call": "Check-in call with {who}: {topic} going well.",
    "email": "Shared best practices on {topic} with {who}.",
    "meeting": "Working session with {who} on {topic}.",
    "qbr": "Quarterly business review: adoption up, next steps on {topic}.",
    "note": "Expansion opportunity: {who} asked about more seats for {topic}.",
}
_BAD = {
    "call": "Escalation call with {who}: unhappy with {topic}.",
    "email": "Followed up with {who} on open issues with {topic}.",
    "meeting": "Recovery plan meeting with {who} about {topic}.",
    "qbr": "Quarterly business review: usage down, agreed a plan for {topic}.",
    "note": "Risk: low engagement, {topic} not adopted.",
}
_AUTOMATED = ("Automated: onboarding tips email.", "Automated: monthly product digest.",
              "Automated: we miss you, tips to get back on track.")
_COMMUNITY = {
    "webinar": "Attended webinar: {topic} masterclass.",
    "training": "Completed training course: {topic} fundamentals.",
    "community": "Posted in community: question about {topic}.",
}


def _split_templates() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every summary template, per topic, cut around the person's name: (text before, text
    after, has a name), so summaries are joined as arrays instead of formatted one by one.

    Template order: CSM kinds when well, CSM kinds when unwell, automated, community kinds.
    """
    templates = ([_GOOD[k] for k in CSM_KINDS] + [_BAD[k] for k in CSM_KINDS]
                 + list(_AUTOMATED) + [_COMMUNITY[k] for k in COMMUNITY_KINDS])
    shape = (len(templates), len(ACTIVITY_TOPICS))
    before = np.empty(shape, dtype=object)
    after = np.full(shape, "", dtype=object)
    for i, text in enumerate(templates):
        for j, topic in enumerate(ACTIVITY_TOPICS):
            parts = text.format(who="\0", topic=topic).split("\0")
            before[i, j] = parts[0]
            if len(parts) > 1:
                after[i, j] = parts[1]
    named = np.array(["{who}" in t for t in templates])
    return before, after, named


_TEXTS = _split_templates()


def activities(life: Life, acc: Accounts, rng: np.random.Generator, mint: Mint,
               account_ids: npt.NDArray[np.object_], contact_ids: npt.NDArray[np.object_],
               first_names: npt.NDArray[np.object_]) -> dict[str, Any]:
    """The activities table rows for one chunk."""
    tl = life.tl
    h = life.health.astype(np.float64)
    worry = 1.0 + 1.5 * np.maximum(-h, 0.0)  # CSMs lean in when an account slips
    engaged = 1.0 / (1.0 + np.exp(-1.5 * h))
    users = np.sqrt(np.maximum(life.users, 1))
    created_week = tl.week_of(acc.created_day[life.index])
    weeks_in = np.arange(tl.n_weeks)[None, :] - created_week[:, None]
    kinds = (*CSM_KINDS, "automated", *COMMUNITY_KINDS)
    rates: list[npt.NDArray[np.float64]] = []
    for csm_kind in CSM_KINDS:
        per_week = np.array([s.touch[csm_kind] for s in SEGMENTS])[life.segment][:, None]
        rates.append(per_week * (worry if csm_kind in ("call", "note", "email") else 1.0))
    smb = (life.segment == 0)[:, None]
    onboarding = (weeks_in >= 0) & (weeks_in < 4)
    rates.append(np.where(smb, 0.2 + 0.8 * onboarding + 0.3 * (h < -0.5), 0.03 + 0.3 * onboarding))
    for community_rate in (0.02, 0.012, 0.03):
        rates.append(community_rate * users * engaged ** 2)
    lam = np.stack([np.broadcast_to(r, h.shape) for r in rates]) * life.active[None, :, :]
    counts = rng.poisson(lam)
    k, a, w = np.nonzero(counts)
    c = counts[k, a, w]
    kind, account, week = np.repeat(k, c), np.repeat(a, c), np.repeat(w, c)
    at = (tl.start_day + 7 * week) * DAY_US + week_offsets(rng, len(account),
                                                          acc.utc_offset[life.index[account]])
    keep = life.during(account, at)
    kind, account, week, at = kind[keep], account[keep], week[keep], at[keep]
    n = len(kind)
    who = life.slots.pick(rng, account, life.joined[account, week].astype(np.int64), at)
    topic = rng.integers(0, len(ACTIVITY_TOPICS), n)
    pick = rng.integers(0, 1000, n)
    unwell = life.health[account, week] < -0.3
    owner = np.array(acc.csms, dtype=object)[acc.owner[life.index[account]]]
    n_csm = len(CSM_KINDS)
    csm, automated = kind < n_csm, kind == n_csm
    person = optional(first_names[np.maximum(who, 0)], who >= 0)
    person[person == None] = "the team"  # noqa: E711 - elementwise on an object array
    actor = np.where(csm, owner, np.where(automated, AUTOMATION_ACTOR, optional(
        contact_ids[np.maximum(who, 0)], who >= 0)))
    template = np.select(
        [csm, automated],
        [kind + n_csm * unwell, 2 * n_csm + np.where(unwell, 2, pick % 2)],
        2 * n_csm + len(_AUTOMATED) + kind - n_csm - 1)
    before, after, named = _TEXTS
    summary = before[template, topic] + np.where(named[template], person, "") + after[
        template, topic]
    kind_text = np.array([x if x != "automated" else "email" for x in kinds], dtype=object)[kind]
    order = np.lexsort((at, account))
    return {
        "activity_id": mint.take("act_", n),
        "account_id": account_ids[account][order],
        "kind": kind_text[order],
        "occurred_at": instants_text(at)[order],
        "actor": actor[order],
        "summary": summary[order],
    }
