"""Health scores that explain and prove themselves.

A health model (``[health]`` in tenure.toml, else the built-in one; docs/health.md) scores
every paying account 0-100 from its per-account metrics and the CSM's pulse, with bands,
an explanation whose contributions add up to the score, the biggest drags in words, a daily
history with trends, and a backtest against the churn that followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ..settings import Settings
from ..store import AppStore
from .inputs import account_inputs
from .model import HealthModel, build_model
from .scoring import HealthScores, score_frame

__all__ = [
    "HealthModel",
    "HealthScores",
    "build_model",
    "compute_health",
    "load_model",
]


def load_model(settings: Settings) -> HealthModel:
    """The workspace's health model, validated (HealthModelError lists every problem)."""
    return build_model(settings.health.declared_model())


def compute_health(source: Any, *, as_of: date, settings: Settings | None = None,
                   model: HealthModel | None = None, store: AppStore | None = None,
                   profile: str | None = None, extra_metrics: Sequence[str] = ()
                   ) -> HealthScores:
    """Score every account as of the end of ``as_of`` from data up to that day.

    ``source`` is an App (its settings and app database are used), a metrics Context or an
    Ibis backend (with ``settings``). ``profile`` scores every account with that profile;
    ``extra_metrics`` are computed in the same pass and kept in ``accounts``."""
    from ..app import App

    if isinstance(source, App):
        settings = settings or source.settings
        store = store or source.store
    if settings is None:
        settings = getattr(source, "settings", None)
    if settings is None:
        raise TypeError("pass settings= when scoring over a bare warehouse backend")
    model = model or load_model(settings)
    frame = account_inputs(source, as_of=as_of, model=model, settings=settings, store=store,
                           extra_metrics=extra_metrics)
    return score_frame(frame, model, as_of=as_of, profile=profile,
                       currency=settings.company.reporting_currency)
