"""Subscription periods as the contract unfolds: one row per period of constant terms.

Each account has up to three running subscriptions (the core product and two add-ons). A
change of terms (renewal, more seats, a lower plan) closes the running row on the day it
happens (``valid_to`` is exclusive) and opens the next one under the same subscription id;
a churn closes every row; a cross-sell or a reactivation opens a new subscription id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .timeline import NEVER, FloatArray, IntArray

N_PRODUCTS = 3
_FIELDS = ("account", "sub", "product", "plan", "seats", "mrr", "valid_from", "valid_to",
           "renewal", "bill_months", "anchor", "prorate")


@dataclass
class Periods:
    """Finished subscription rows of a chunk (chunk-local account and subscription numbers)."""

    account: IntArray
    sub: IntArray
    product: IntArray
    plan: IntArray
    seats: IntArray
    mrr: FloatArray
    valid_from: IntArray
    valid_to: IntArray  # NEVER while running
    renewal: IntArray
    bill_months: IntArray  # 1 = billed monthly, 12 = billed yearly
    anchor: IntArray  # the day billing anniversaries count from
    prorate: FloatArray  # monthly amount billed pro rata from valid_from to the next anniversary

    def __len__(self) -> int:
        return len(self.account)


class Ledger:
    """The running rows of every account and the rows already closed."""

    def __init__(self, n: int) -> None:
        shape = (n, N_PRODUCTS)
        self.open = np.zeros(shape, dtype=bool)
        self.sub = np.zeros(shape, dtype=np.int64)
        self.start = np.zeros(shape, dtype=np.int64)
        self.plan = np.zeros(shape, dtype=np.int64)
        self.seats = np.zeros(shape, dtype=np.int64)
        self.mrr = np.zeros(shape)
        self.bill = np.zeros(shape, dtype=np.int64)
        self.anchor = np.zeros(shape, dtype=np.int64)
        self.prorate = np.zeros(shape)
        self.next_sub = 0
        self._closed: list[dict[str, npt.NDArray[np.generic]]] = []

    def start_rows(
        self, acc: IntArray, product: int, day: IntArray, *, seats: IntArray, plan: IntArray,
        mrr: FloatArray, bill: IntArray, anchor: IntArray, prorate: FloatArray | float = 0.0,
        new_subscription: bool = False,
    ) -> None:
        """Open a period for ``acc`` (a new subscription id when ``new_subscription``)."""
        if len(acc) == 0:
            return
        if new_subscription:
            self.sub[acc, product] = self.next_sub + np.arange(len(acc))
            self.next_sub += len(acc)
        self.open[acc, product] = True
        self.start[acc, product] = day
        self.seats[acc, product] = seats
        self.plan[acc, product] = plan
        self.mrr[acc, product] = mrr
        self.bill[acc, product] = bill
        self.anchor[acc, product] = anchor
        self.prorate[acc, product] = prorate

    def close_rows(self, acc: IntArray, product: int, day: IntArray, renewal: IntArray) -> None:
        """End the running period of ``acc`` on ``day`` (exclusive), if one is running."""
        if len(acc) == 0:
            return
        running = self.open[acc, product]
        day = np.broadcast_to(day, acc.shape)[running]
        renewal = np.broadcast_to(renewal, acc.shape)[running]
        acc = acc[running]
        if len(acc) == 0:
            return
        self._closed.append(self._snapshot(acc, product, day, renewal))
        self.open[acc, product] = False

    def _snapshot(self, acc: IntArray, product: int, day: IntArray,
                  renewal: IntArray) -> dict[str, npt.NDArray[np.generic]]:
        return {
            "account": acc.copy(), "sub": self.sub[acc, product].copy(),
            "product": np.full(len(acc), product, dtype=np.int64),
            "plan": self.plan[acc, product].copy(), "seats": self.seats[acc, product].copy(),
            "mrr": self.mrr[acc, product].copy(), "valid_from": self.start[acc, product].copy(),
            "valid_to": np.asarray(day, dtype=np.int64).copy(),
            "renewal": np.asarray(renewal, dtype=np.int64).copy(),
            "bill_months": self.bill[acc, product].copy(),
            "anchor": self.anchor[acc, product].copy(),
            "prorate": self.prorate[acc, product].copy(),
        }

    def finish(self, next_renewal: IntArray) -> Periods:
        """All rows, the running ones with an open ``valid_to``, sorted by account then date."""
        for product in range(N_PRODUCTS):
            acc = np.flatnonzero(self.open[:, product])
            if len(acc):
                never = np.full(len(acc), NEVER, dtype=np.int64)
                self._closed.append(self._snapshot(acc, product, never, next_renewal[acc]))
        if self._closed:
            cols = {f: np.concatenate([b[f] for b in self._closed]) for f in _FIELDS}
        else:
            cols = {f: np.zeros(0, dtype=np.float64 if f in ("mrr", "prorate") else np.int64)
                    for f in _FIELDS}
        order = np.lexsort((cols["valid_from"], cols["product"], cols["account"]))
        return Periods(**{f: cols[f][order] for f in _FIELDS})  # type: ignore[arg-type]
