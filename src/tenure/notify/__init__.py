"""The notification outbox (STUB: replaced by the outbox work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class _Nothing:
    def as_dict(self) -> dict[str, Any]:
        return {}


def deliver_due(app: Any, *, now: datetime) -> Any:
    return _Nothing()
