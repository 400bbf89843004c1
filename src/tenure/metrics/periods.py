"""Reporting periods: closed ranges of days ending at the as-of date.

``month``, ``quarter`` and ``year`` are calendar periods (the one containing the as-of date
runs to that date, earlier ones are whole); ``Nd`` is a trailing window of N days, with
earlier periods laid back to back before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..errors import MetricsError

CALENDAR = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True, order=True)
class Period:
    """Days ``start`` .. ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def before_start(self) -> date:
        """The day whose state counts as the period's starting state."""
        return self.start - timedelta(days=1)


def check_period(text: str) -> str:
    """Normalise a period name; raise MetricsError on anything else."""
    t = text.strip().lower()
    if t in CALENDAR or re.fullmatch(r"[1-9]\d{0,3}d", t):
        return t
    raise MetricsError(
        f"period {text!r}: use month, quarter, year or a number of days such as 30d"
    )


def _month_start(d: date, months: int) -> date:
    """First day of the calendar block of ``months`` months that contains d."""
    index = (d.year * 12 + d.month - 1) // months * months
    return date(index // 12, index % 12 + 1, 1)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def periods_ending(as_of: date, period: str, count: int = 1) -> list[Period]:
    """The ``count`` periods of kind ``period`` ending with the one that contains as_of."""
    kind = check_period(period)
    if count < 1:
        raise MetricsError("periods must be at least 1")
    out: list[Period] = []
    if kind in CALENDAR:
        months = CALENDAR[kind]
        start = _month_start(as_of, months)
        out.append(Period(start, as_of))
        for _ in range(count - 1):
            prev = _add_months(start, -months)
            out.append(Period(prev, start - timedelta(days=1)))
            start = prev
    else:
        days = int(kind[:-1])
        end = as_of
        for _ in range(count):
            out.append(Period(end - timedelta(days=days - 1), end))
            end = end - timedelta(days=days)
    return sorted(out)


def months_before(end: date, n: int) -> list[Period]:
    """The n whole calendar months before the month containing ``end``."""
    first = _month_start(end, 1)
    out = []
    for k in range(n, 0, -1):
        s = _add_months(first, -k)
        out.append(Period(s, _add_months(s, 1) - timedelta(days=1)))
    return out


def month_end(d: date) -> date:
    return _add_months(_month_start(d, 1), 1) - timedelta(days=1)
