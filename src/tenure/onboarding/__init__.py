"""Onboarding plans (STUB: replaced by the onboarding work)."""

from __future__ import annotations

from datetime import date
from typing import Any


class _Nothing:
    def as_dict(self) -> dict[str, Any]:
        return {}


def update_onboarding(app: Any, *, as_of: date) -> Any:
    return _Nothing()
