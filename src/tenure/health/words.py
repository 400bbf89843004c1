"""Saying a measure's value in words, for the drags an explanation names.

A measure's ``drag`` text is a template: ``{value}`` is the raw value in the metric's unit
("42%", "2", "17 days"), ``{change}`` says a relative change ("down 42%", "up 12%"),
``{score}`` is the measure's score and ``{label}`` its label.
"""

from __future__ import annotations

import math

from .model import PULSE_WORDS, Measure


def _num(v: float, digits: int = 0) -> str:
    text = f"{v:,.{digits}f}"
    return text[:-2] if digits and text.endswith(".0") else text


def say_value(value: float, unit: str, currency: str = "USD") -> str:
    """A value in its unit, the way a CSM would say it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    v = float(value)
    if unit == "ratio":
        return f"{_num(100 * v)}%"
    if unit == "money":
        return f"{currency} {_num(v)}"
    if unit == "days":
        n = round(v)
        return f"{n:,} day" if n == 1 else f"{n:,} days"
    if unit == "hours":
        return f"{_num(v, 1)} h"
    if unit == "count":
        return _num(v)
    if unit == "score":
        return _num(v, 0 if v == round(v) else 1)
    return _num(v, 2 if abs(v) < 10 else 0)


def say_change(value: float) -> str:
    """A relative change (-0.42) as 'down 42%'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    pct = round(100 * float(value))
    if pct == 0:
        return "flat"
    return f"down {-pct}%" if pct < 0 else f"up {pct}%"


def say_pulse(value: float) -> str:
    for word, score in PULSE_WORDS.items():
        if value == score:
            return word
    return _num(value)


def drag_text(measure: Measure, value: float, score: float, currency: str = "USD") -> str:
    """The words for one measure that pulls an account's score down."""
    if measure.drag_missing and (value is None or math.isnan(float(value))):
        return measure.drag_missing.format(value="unknown", change="unknown",
                                           score=_num(score), label=measure.label)
    if measure.scoring == "pulse":
        said = say_pulse(value)
    else:
        said = say_value(value, measure.unit, currency)
    template = measure.drag or "{label} {value} (score {score})"
    return template.format(value=said, change=say_change(value), score=_num(score),
                           label=measure.label)
