"""The app uvicorn imports in each worker process of `tenure serve --workers N`.

uvicorn starts several workers only from an import string, so each worker builds its own
application here, from the workspace named by ``$TENURE_HOME`` (which `tenure serve` sets),
with its own database connections: nothing is shared between the processes but the files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def create() -> FastAPI:
    """The API and dashboard of the workspace in ``$TENURE_HOME`` (uvicorn's ``--factory``)."""
    from ..app import build_app
    from . import build_api

    app = build_app(None)  # --home, else $TENURE_HOME: set by `tenure serve`
    app.store.migrate()
    api = build_api(app)
    api.router.on_shutdown.append(app.close)
    return api


__all__ = ["create"]
