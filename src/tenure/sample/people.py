"""The people at each account: who joins, who leaves, and picking one of them for an action.

Contacts of a chunk live in one flat array of slots; account ``i`` owns slots
``offset[i] .. offset[i] + cap[i]`` and fills them in joining order, so "the people who had
joined by week t" is always a prefix of the account's slots. That lets every generator pick a
user, requester or respondent for millions of records with one ``searchsorted``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tenure.ingest.schema import CONTACT_ROLES

from . import names
from .timeline import HOUR_US, NEVER, IntArray, instants_text

CHAMPION, ADMIN, USER, EXECUTIVE, BILLING = range(5)  # order of schema.CONTACT_ROLES
# How much of the product each role uses (events per user, relative).
ROLE_ACTIVITY = np.array([3.0, 1.5, 1.0, 0.25, 0.08])


@dataclass
class Slots:
    """Contacts of one chunk of accounts as flat arrays (see the module docstring)."""

    owner: IntArray  # chunk-local account index of each slot
    offset: IntArray  # first slot of each account
    cap: IntArray  # slots each account may fill
    used: IntArray  # slots filled so far
    role: npt.NDArray[np.int8]
    weight: npt.NDArray[np.float64]  # share of the account's product usage
    created_us: IntArray
    deleted_us: IntArray
    alive: npt.NDArray[np.bool_]

    @classmethod
    def allocate(cls, rng: np.random.Generator, cap: IntArray, segment: IntArray) -> Slots:
        offset = np.concatenate([[0], np.cumsum(cap)[:-1]]).astype(np.int64)
        total = int(cap.sum())
        owner = np.repeat(np.arange(len(cap)), cap)
        index = np.arange(total) - offset[owner]
        seg = segment[owner]
        # Founding roles by position: champion first, then admin, executive, billing (bigger
        # companies have all four); everyone after is a user, with the odd extra admin.
        role = np.full(total, USER, dtype=np.int8)
        role[index == 0] = CHAMPION
        role[(index == 1) & (seg >= 1)] = ADMIN
        role[(index == 2) & (seg >= 1)] = EXECUTIVE
        role[(index == 3) & (seg >= 1)] = BILLING
        role[(index == 1) & (seg == 0) & (rng.random(total) < 0.35)] = BILLING
        role[(index >= 4) & (rng.random(total) < 0.04)] = ADMIN
        weight = ROLE_ACTIVITY[role] * np.exp(0.8 * rng.standard_normal(total))
        return cls(
            owner=owner, offset=offset, cap=cap.astype(np.int64),
            used=np.zeros(len(cap), dtype=np.int64), role=role, weight=weight,
            created_us=np.full(total, NEVER, dtype=np.int64),
            deleted_us=np.full(total, NEVER, dtype=np.int64),
            alive=np.zeros(total, dtype=bool),
        )

    def add(self, accounts: IntArray, k: IntArray) -> tuple[IntArray, IntArray]:
        """Fill the next ``k[j]`` free slots of ``accounts[j]`` (fewer when the account is full).

        Returns the new slots and, for each, its position in ``accounts``; the caller sets
        when they joined.
        """
        k = np.minimum(k, self.cap[accounts] - self.used[accounts])
        total = int(k.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pos = np.repeat(np.arange(len(accounts)), k)
        j = np.arange(total) - np.repeat(np.cumsum(k) - k, k)
        slot = self.offset[accounts[pos]] + self.used[accounts[pos]] + j
        self.used[accounts] += k
        self.alive[slot] = True
        return slot, pos

    def remove(self, slot: IntArray, when_us: IntArray, end_us: int) -> None:
        """People leave: their contact gets ``deleted_at`` and they stop using the product.

        Someone who joined within the hour keeps their place if the window ends first.
        """
        when = np.maximum(when_us, self.created_us[slot] + HOUR_US)
        slot, when = slot[when < end_us], when[when < end_us]
        self.alive[slot] = False
        self.deleted_us[slot] = when

    def pick(
        self,
        rng: np.random.Generator,
        account: IntArray,
        joined: IntArray,
        at_us: IntArray,
        weighted: bool = True,
        allowed: npt.NDArray[np.bool_] | None = None,
        tries: int = 4,
    ) -> IntArray:
        """A person at each ``account`` who was there at ``at_us``; -1 when nobody was found.

        ``joined`` is how many slots the account had filled by then (the prefix to choose
        from). Picks follow usage weights (or are uniform), retrying people who had already
        left, joined later or are not ``allowed`` (e.g. opted out of surveys).
        """
        w = self.weight if weighted else np.ones(len(self.weight))
        cum = np.cumsum(w)
        lo_slot = self.offset[account]
        base = np.where(lo_slot > 0, cum[np.maximum(lo_slot - 1, 0)], 0.0)
        top = cum[np.maximum(lo_slot + joined - 1, 0)]
        out = np.full(len(account), -1, dtype=np.int64)
        todo = np.flatnonzero(joined > 0)
        for _ in range(tries):
            if len(todo) == 0:
                break
            target = base[todo] + rng.random(len(todo)) * (top[todo] - base[todo])
            slot = np.searchsorted(cum, target, side="right")
            slot = np.clip(slot, lo_slot[todo], lo_slot[todo] + joined[todo] - 1)
            ok = (self.created_us[slot] <= at_us[todo]) & (self.deleted_us[slot] > at_us[todo])
            if allowed is not None:
                ok &= allowed[slot]
            out[todo[ok]] = slot[ok]
            todo = todo[~ok]
        return out


def contact_columns(
    slots: Slots, rng: np.random.Generator, ids: npt.NDArray[np.object_],
    account_ids: npt.NDArray[np.object_], domains: list[str], countries: npt.NDArray[np.object_],
    opted_out: npt.NDArray[np.bool_],
) -> tuple[dict[str, object], npt.NDArray[np.object_]]:
    """The contacts table rows of a chunk and each slot's first name (None when unused).

    ``ids`` holds one contact id per slot, None for slots nobody filled.
    """
    used = np.flatnonzero(ids != None)  # noqa: E711 - elementwise test on an object array
    first, last = names.people(rng, len(used))
    title_pick = rng.integers(0, 100, len(used))
    elsewhere = rng.random(len(used)) < 0.08  # remote colleagues in another country
    owner = slots.owner[used]
    role = slots.role[used]
    taken: set[str] = set()
    full_name = np.empty(len(used), dtype=object)
    email = np.empty(len(used), dtype=object)
    title = np.empty(len(used), dtype=object)
    given = np.full(len(slots.owner), None, dtype=object)
    for j in range(len(used)):
        f, g = names.FIRST_NAMES[first[j]], names.LAST_NAMES[last[j]]
        full_name[j] = f"{f} {g}"
        email[j] = names.person_email(f, g, domains[owner[j]], taken)
        options = names.TITLES[role[j]]
        title[j] = options[title_pick[j] % len(options)]
        given[used[j]] = f
    country = countries[owner].copy()
    country[elsewhere] = np.array(["US", "GB", "DE", "IN", "CA"], dtype=object)[
        rng.integers(0, 5, int(elsewhere.sum()))]
    columns: dict[str, object] = {
        "contact_id": ids[used],
        "account_id": account_ids[owner],
        "email": email,
        "name": full_name,
        "title": title,
        "role": np.array(CONTACT_ROLES, dtype=object)[role],
        "country": country,
        "created_at": instants_text(slots.created_us[used]),
        "deleted_at": instants_text(slots.deleted_us[used]),
        "survey_opt_out": opted_out[used],
        "email_opt_out": rng.random(len(used)) < 0.07,
    }
    return columns, given
