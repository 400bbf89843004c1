"""Errors in one JSON shape, for every status the API answers with::

    {"error": {"code": "not_found", "message": "no account 'a-9'"}}

``code`` is stable (scripts may switch on it); ``message`` is for people. A 422 adds
``"fields": [{"field": "body.outcome", "message": "..."}]``; a 429 carries a ``Retry-After``
header; a 401 carries ``WWW-Authenticate: Bearer``.

| status | code |
|---|---|
| 400 | bad_request |
| 401 | unauthenticated |
| 403 | forbidden |
| 404 | not_found |
| 405 | method_not_allowed |
| 422 | validation_error |
| 429 | too_many_requests |
| 500 | internal_error |
| 503 | unavailable (the warehouse is being written by an import or scoring run; Retry-After) |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    AuthenticationError,
    Conflict,
    LoginThrottled,
    NotVisible,
    PermissionDenied,
    TenureError,
    WarehouseBusy,
)

CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 422: "validation_error",
         429: "too_many_requests", 500: "internal_error", 503: "unavailable"}


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[dict[str, str]] | None = None


class ErrorResponse(BaseModel):
    """The shape of every error answer."""

    error: ErrorBody


def error_response(status: int, message: str, *, headers: Mapping[str, str] | None = None,
                   fields: list[dict[str, str]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": CODES.get(status, "error"), "message": message}
    if fields is not None:
        body["fields"] = fields
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def status_of(exc: TenureError) -> int:
    if isinstance(exc, LoginThrottled):
        return 429
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotVisible):
        return 404
    if isinstance(exc, WarehouseBusy):
        return 503
    if isinstance(exc, Conflict):
        return 409
    return 400


# Documented on every route (the OpenAPI "responses").
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": name.replace("_", " ")}
    for code, name in CODES.items() if code in (400, 401, 403, 404, 422, 429)}


def install(api: FastAPI) -> None:
    """Turn every error into the one shape."""

    async def tenure_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TenureError)
        status = status_of(exc)
        headers = {}
        if isinstance(exc, LoginThrottled | WarehouseBusy):
            headers["Retry-After"] = str(exc.retry_after)
        elif status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return error_response(status, str(exc), headers=headers)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else CODES.get(
            exc.status_code, "error").replace("_", " ")
        return error_response(exc.status_code, message, headers=exc.headers)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        fields = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                  for e in exc.errors()]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return error_response(422, f"invalid request: {summary}", fields=fields)

    api.add_exception_handler(TenureError, tenure_error)
    api.add_exception_handler(StarletteHTTPException, http_error)
    api.add_exception_handler(RequestValidationError, validation_error)
