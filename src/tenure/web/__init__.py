"""The dashboard (server-rendered pages) (STUB: the web work fills it)."""

from __future__ import annotations

from typing import Any


def install(api: Any) -> None:
    """Add the dashboard's pages and static files to the API application."""
