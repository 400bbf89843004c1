"""The generator's clock: days and microseconds since 1970 as int64, a weekly grid, formatting.

Dates are whole days since the Unix epoch and instants are microseconds since it (UTC), so
every domain module can work on plain numpy arrays. ``NEVER`` marks "did not happen".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Days = npt.NDArray[np.int64]
Micros = npt.NDArray[np.int64]

# Array types shared by the simulation modules.
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
WEEK_DAYS = 7
NEVER = np.int64(2**62)  # a day or instant that never comes


@dataclass(frozen=True)
class Timeline:
    """The simulated window [start_day, end_day) on a grid of weeks from start_day."""

    start_day: int
    end_day: int  # exclusive: nothing happens on or after it

    @classmethod
    def from_dates(cls, start: dt.date, end: dt.date) -> Timeline:
        epoch = dt.date(1970, 1, 1)
        return cls((start - epoch).days, (end - epoch).days)

    @property
    def n_weeks(self) -> int:
        return -(-(self.end_day - self.start_day) // WEEK_DAYS)

    @property
    def start_us(self) -> int:
        return self.start_day * DAY_US

    @property
    def end_us(self) -> int:
        return self.end_day * DAY_US

    def week_start(self, week: int) -> int:
        return self.start_day + WEEK_DAYS * week

    def week_of(self, day: Days) -> npt.NDArray[np.int64]:
        return (np.asarray(day) - self.start_day) // WEEK_DAYS

    def week_starts(self) -> Days:
        return self.start_day + WEEK_DAYS * np.arange(self.n_weeks, dtype=np.int64)

    def seasonality(self) -> npt.NDArray[np.float64]:
        """Usage factor per week: quiet over the year-end holidays, softer in August."""
        days = self.week_starts().astype("datetime64[D]")
        month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
        factor = np.ones(self.n_weeks)
        factor[month == 8] = 0.85
        factor[(month == 12) & (dom >= 20)] = 0.55
        factor[(month == 1) & (dom <= 3)] = 0.7
        return factor

    def month_index(self, day: Days) -> npt.NDArray[np.int64]:
        """Calendar months since 1970 for each day."""
        return np.asarray(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def add_months(day: Days, months: npt.ArrayLike) -> Days:
    """The same day of the month ``months`` later, clipped to the month's length."""
    d = np.asarray(day, dtype=np.int64).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + np.asarray(months, dtype=np.int64)
    first = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - first).astype(np.int64)
    return (first + np.minimum(dom, length - 1)).astype(np.int64)


def dates_text(day: Days) -> npt.NDArray[np.object_]:
    """YYYY-MM-DD, or None where the day is NEVER."""
    day = np.asarray(day, dtype=np.int64)
    known = day < NEVER
    out = np.full(day.shape, None, dtype=object)
    out[known] = np.datetime_as_string(day[known].astype("datetime64[D]"), unit="D")
    return out


def instants_text(us: Micros) -> npt.NDArray[np.object_]:
    """ISO 8601 UTC to the second with a ``Z``, or None where the instant is NEVER."""
    us = np.asarray(us, dtype=np.int64)
    known = us < NEVER
    out = np.full(us.shape, None, dtype=object)
    text = np.datetime_as_string(us[known].astype("datetime64[us]"), unit="s")
    out[known] = np.char.add(text, "Z")
    return out


_DAY_W = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.12, 0.08])
_HOUR_W = np.array([0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 3.0, 4.5, 5.0, 4.8, 3.5, 4.5,
                    4.8, 4.5, 4.0, 3.0, 1.8, 1.2, 1.0, 0.8, 0.5, 0.3])
_BINS = 4096


def _table(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Lookup table turning a uniform bin into a category with the given weights."""
    edges = np.cumsum(weights) / weights.sum()
    return np.searchsorted(edges, (np.arange(_BINS) + 0.5) / _BINS, side="right").astype(np.int64)


_DAY_TABLE, _HOUR_TABLE = _table(_DAY_W), _table(_HOUR_W)


def week_offsets(rng: np.random.Generator, n: int, utc_offset_h: npt.NDArray[np.int64]) -> Micros:
    """Random instants within a week (microseconds from its start) shaped like office work.

    Most activity falls on weekdays between 8:00 and 18:00 local time; ``utc_offset_h`` moves
    local office hours onto the UTC clock.
    """
    dow = _DAY_TABLE[rng.integers(0, _BINS, n)]
    hour = _HOUR_TABLE[rng.integers(0, _BINS, n)]
    within = rng.integers(0, HOUR_US, n)
    return dow * DAY_US + hour * HOUR_US + within - utc_offset_h.astype(np.int64) * HOUR_US
