"""The dashboard: server-rendered pages (Jinja2, autoescaped) beside the API, under the same
sign-in, scoping rule and security headers. :func:`install` adds them to the application
:func:`tenure.api.build_api` makes; nothing is created at import time.

The pages answer errors as pages (the API keeps its JSON shape under /api/): an anonymous
request is redirected (303) to /login?next=..., an account outside the person's book is a
404 page.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AuthenticationError, TenureError
from . import account, accounts, charts, day, insights, manage, pages, privacy

HERE = Path(__file__).parent
API_PATHS = ("/api/",)


# plotly.js adds a <style> element for the maps it bundles when it loads, unless an element
# with that id is already there; the CSP would refuse it (and the browser report a
# violation), and the pages draw no maps: the base layout carries an empty element with each
# such id (tests/browser fails on any CSP violation, so an upgrade adding more is noticed).
_INLINE_STYLE = re.compile(
    r'getElementById\("([0-9A-Za-z_-]+)"\)\)\{var \w+=document\.createElement\("style"\)')


@functools.cache
def plotly_style_ids() -> tuple[str, ...]:
    """The ids of the <style> elements plotly.js would add on load (see above)."""
    return tuple(dict.fromkeys(_INLINE_STYLE.findall(charts.plotly_js().decode("utf-8"))))


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals["plotly_style_ids"] = plotly_style_ids
    env.filters["money"] = lambda v: "" if v is None else f"{v:,.0f}"
    env.filters["num"] = lambda v, d=0: "" if v is None else f"{v:,.{d}f}"
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.0f}%"
    return env


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PATHS)


def _error_page(request: Request, status: int, message: str) -> Response:
    """An error as a page, with the navigation of the signed-in person (if any)."""
    from ..api.deps import current_user

    try:
        user = current_user(request, request.app.state.tenure, request.app.state.clock)
    except TenureError:
        user = None
    return pages.render(request, "error.html", status=status, message=message, user=user,
                        title={403: "Not allowed", 404: "Not found"}.get(status, "Error"))


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def install(api: FastAPI) -> None:
    """Add the dashboard's pages and static files to the API application (after the API's
    error handlers, which it keeps for /api/ paths)."""
    from ..api.errors import status_of

    api.state.web_templates = _environment()
    handlers = dict(api.exception_handlers)

    async def login_required(request: Request, _exc: Exception) -> Response:
        return _login_redirect(request)

    async def tenure_error(request: Request, exc: Exception) -> Any:
        if not _is_page(request):
            return await handlers[TenureError](request, exc)
        assert isinstance(exc, TenureError)
        if isinstance(exc, AuthenticationError):
            return _login_redirect(request)
        return _error_page(request, status_of(exc), str(exc))

    async def http_error(request: Request, exc: Exception) -> Any:
        if not _is_page(request):
            return await handlers[StarletteHTTPException](request, exc)
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "error"
        return _error_page(request, exc.status_code, message)

    async def validation_error(request: Request, exc: Exception) -> Any:
        if not _is_page(request):
            return await handlers[RequestValidationError](request, exc)
        assert isinstance(exc, RequestValidationError)
        fields = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
        return _error_page(request, 422, f"invalid request: {fields}")

    api.add_exception_handler(pages.LoginRequired, login_required)
    api.add_exception_handler(TenureError, tenure_error)
    api.add_exception_handler(StarletteHTTPException, http_error)
    api.add_exception_handler(RequestValidationError, validation_error)

    @api.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        """plotly.js from the installed plotly package, so the CSP's 'self' allows it."""
        return Response(charts.plotly_js(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})

    for module in (pages, day, accounts, account, insights, manage, privacy):
        api.include_router(module.router)
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


__all__ = ["install"]
