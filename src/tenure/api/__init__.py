"""The REST API under /api/v1 (FastAPI): :func:`build_api` makes it for a workspace; nothing
is created at import time. The OpenAPI document is at /api/v1/openapi.json; errors have one
shape (see :mod:`.errors`); every response carries the security headers (see
:mod:`.security`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from ..app import App
from . import errors
from .deps import session_signer, utc_now
from .routes import ROUTERS
from .security import SecurityHeaders

PREFIX = "/api/v1"


def build_api(app: App, *, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """The API for an opened workspace (its app database migrated by the caller).
    ``clock`` gives the time (UTC, naive); tests pass a fixed one."""
    api = FastAPI(
        title="Tenure API",
        version="1",
        description="Customer success data: accounts, health, tasks. Authenticate with a "
        "personal API token (`Authorization: Bearer ...`, made by `tenure user token`) or "
        "the session cookie set by POST /api/v1/auth/login. Errors: "
        '`{"error": {"code": ..., "message": ...}}`.',
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # the Swagger page loads scripts from a CDN, which the CSP forbids
        redoc_url=None,
    )
    api.state.tenure = app
    api.state.clock = clock
    api.state.signer = session_signer(app)
    errors.install(api)
    for router in ROUTERS:
        api.include_router(router, prefix=PREFIX)
    from ..web import install as install_web

    install_web(api)  # the dashboard's pages beside the API, under the same security
    api.add_middleware(SecurityHeaders)
    return api


__all__ = ["PREFIX", "build_api"]
