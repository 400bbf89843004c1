"""Playbooks (STUB: replaced by the playbook work)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


class _Nothing:
    def as_dict(self) -> dict[str, Any]:
        return {}


def evaluate_playbooks(app: Any, *, as_of: date, scores: Any, now: datetime) -> Any:
    return _Nothing()
