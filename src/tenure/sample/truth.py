"""Ground truth: what really happened, kept apart from the canonical files.

Tests and benchmarks of health scores and churn models compare against these files; they
are never imported. ``accounts``: the latent fit, onboarding, each churn with its reason and
whether it was a surprise, saves and reactivations. ``monthly_state``: the latent health per
account and month. ``renewals``: every renewal decision with the health felt at the time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from .lifecycle import Life
from .profiles import (
    CHURN_REASONS,
    SEGMENT_NAMES,
    SHOCK_BAD_SUPPORT,
    SHOCK_CHAMPION_LEFT,
    SHOCK_OUTAGE,
    SHOCK_REORG,
    SHOCK_SPONSOR,
)
from .timeline import NEVER

FILES = ("accounts", "monthly_state", "renewals")
_SHOCK_NAMES = ((SHOCK_CHAMPION_LEFT, "champion_left"), (SHOCK_BAD_SUPPORT, "bad_support"),
                (SHOCK_REORG, "reorg"), (SHOCK_SPONSOR, "new_sponsor"), (SHOCK_OUTAGE, "outage"))
_KIND = np.array([None, "signalled", "surprise"], dtype=object)
_OUTCOME = np.array(["renewed", "saved", "churned"], dtype=object)


def _dates(days: npt.NDArray[Any]) -> pa.Array:
    """Days since 1970 as an Arrow date column, null where NEVER."""
    day = np.asarray(days, dtype=np.int64)
    known = day < NEVER
    return pa.array(np.where(known, day, 0).astype("datetime64[D]"), mask=~known)


class GroundTruth:
    """Appends each chunk's ground truth to three Parquet files."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.paths = {name: folder / f"{name}.parquet" for name in FILES}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.rows = dict.fromkeys(FILES, 0)

    def _write(self, name: str, table: pa.Table) -> None:
        if name not in self._writers:
            self._writers[name] = pq.ParquetWriter(self.paths[name], table.schema)
        self._writers[name].write_table(table)
        self.rows[name] += table.num_rows

    def append(self, life: Life, account_ids: npt.NDArray[np.object_]) -> None:
        t = life.truth
        churn_day, reason, kind = t["churn_day"], t["churn_reason"], t["churn_kind"]
        reasons = np.array([r or None for r in CHURN_REASONS], dtype=object)
        self._write("accounts", pa.table({
            "account_id": pa.array(account_ids, pa.string()),
            "segment": np.array(SEGMENT_NAMES, dtype=object)[life.segment],
            "fit": np.asarray(t["fit"], dtype=np.float64),
            "stalled_onboarding": np.asarray(t["stalled"], dtype=bool),
            "onboarded_on": _dates(t["onboarded_day"]),
            "churned": churn_day[:, 0] < NEVER,
            "churned_on": _dates(churn_day[:, 0]),
            "churn_reason": pa.array(reasons[reason[:, 0]], pa.string()),
            "churn_kind": pa.array(_KIND[kind[:, 0]], pa.string()),
            "saves": np.asarray(t["saves"], dtype=np.int64),
            "reactivated_on": _dates(t["reactivated_day"]),
            "churned_again_on": _dates(churn_day[:, 1]),
            "churn_again_reason": pa.array(reasons[reason[:, 1]], pa.string()),
            "churn_again_kind": pa.array(_KIND[kind[:, 1]], pa.string()),
        }))
        self._monthly(life, account_ids)
        r = life.renewals
        acc = r["account"].astype(np.int64)
        order = np.lexsort((r["day"], acc))
        self._write("renewals", pa.table({
            "account_id": pa.array(account_ids[acc][order], pa.string()),
            "renewal_date": _dates(r["day"].astype(np.int64)[order]),
            "outcome": pa.array(_OUTCOME[r["outcome"].astype(np.int64)][order], pa.string()),
            "felt_health": np.asarray(r["felt_health"], dtype=np.float64)[order],
        }))

    def _monthly(self, life: Life, account_ids: npt.NDArray[np.object_]) -> None:
        tl = life.tl
        month = tl.month_index(tl.week_starts())
        starts = np.flatnonzero(np.r_[True, month[1:] != month[:-1]])
        weeks = np.diff(np.r_[starts, tl.n_weeks])
        health = np.add.reduceat(life.health.astype(np.float64), starts, axis=1) / weeks
        active = np.maximum.reduceat(life.active.astype(np.uint8), starts, axis=1) > 0
        leaving = np.maximum.reduceat(life.leaving.astype(np.uint8), starts, axis=1) > 0
        shocks = np.bitwise_or.reduceat(life.shocks, starts, axis=1)
        users = np.maximum.reduceat(life.users, starts, axis=1)
        created_week = tl.week_of(life.spans[:, 0] // 86_400_000_000)
        exists = np.arange(tl.n_weeks)[starts][None, :] + weeks[None, :] > created_week[:, None]
        a, m = np.nonzero(exists)
        labels = np.full(256, None, dtype=object)
        for bits in range(1, 256):
            names = [name for bit, name in _SHOCK_NAMES if bits & bit]
            labels[bits] = ",".join(names) or None
        self._write("monthly_state", pa.table({
            "account_id": pa.array(account_ids[a], pa.string()),
            "month": pa.array(month[starts][m].astype("datetime64[M]").astype("datetime64[D]")),
            "health": health[a, m],
            "engagement": 1.0 / (1.0 + np.exp(-1.5 * health[a, m])),
            "customer": active[a, m],
            "leaving": leaving[a, m],
            "users": users[a, m].astype(np.int64),
            "shocks": pa.array(labels[shocks[a, m]], pa.string()),
        }))

    def close(self) -> None:
        for w in self._writers.values():
            w.close()
