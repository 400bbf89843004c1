"""Privacy requests (admins only): the register of access and erasure requests, an access
request answered at once with the person's ZIP, and erasure requests filed for the next
process that may write the warehouse (see :mod:`tenure.privacy.requests`)."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from ...access import Principal, record_audit
from ...app import App
from ...privacy.requests import (
    cancel_request,
    export_registered,
    file_request,
    list_requests,
)
from ..deps import AdminUser, AppDep, Clock, WarehouseCursor
from ..errors import ERROR_RESPONSES
from ..schemas import PersonIn, PrivacyRequestList, PrivacyRequestPublic

if TYPE_CHECKING:
    import duckdb

router = APIRouter(tags=["privacy"], responses=ERROR_RESPONSES)

ZIP = "application/zip"


@router.get("/privacy/requests", response_model=PrivacyRequestList)
def get_requests(
    app: AppDep, admin: AdminUser, clock: Clock,
    status: Annotated[Literal["pending", "done", "cancelled", "failed"] | None,
                      Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    page: Annotated[int, Query(ge=1)] = 1,
) -> PrivacyRequestList:
    """The register: pending requests first (oldest due first, ``overdue`` past their due
    day), then the others, newest first."""
    rows, total = list_requests(app.store, today=clock().date(), status=status, limit=limit,
                                offset=(page - 1) * limit)
    record_audit(app.store, who=admin, action="privacy.list", via="api", now=clock(),
                 object_type="privacy_request")
    return PrivacyRequestList(items=[PrivacyRequestPublic(**r) for r in rows], total=total)


@router.post("/privacy/access", response_class=FileResponse,
             responses={200: {"content": {ZIP: {}},
                              "description": "The person's data: a ZIP of JSON files with "
                              "summary.txt and manifest.json."}})
def post_access(body: PersonIn, app: AppDep, admin: AdminUser, clock: Clock,
                cursor: WarehouseCursor) -> FileResponse:
    """An access request, answered at once: everything held about the person as a ZIP (the
    same as `tenure privacy export`), recorded in the register and the audit log. The
    register's id is in the ``X-Privacy-Request`` header."""
    return access_response(app, email=body.email, cursor=cursor, who=admin, now=clock(),
                           via="api")


def access_response(app: App, *, email: str, cursor: duckdb.DuckDBPyConnection,
                    who: Principal, now: datetime, via: str) -> FileResponse:
    """Carry out an access request and answer with its ZIP, written to a temporary file
    outside the workspace that is deleted once sent (or when the request fails)."""
    fd, name = tempfile.mkstemp(prefix="tenure-access-", suffix=".zip")
    os.close(fd)
    out = Path(name)
    try:
        row, _ = export_registered(app, email=email, out=out, now=now, cursor=cursor,
                                   who=who, acting_email=who.email, via=via)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return FileResponse(out, media_type=ZIP, filename=f"privacy-request-{row['id']}.zip",
                        headers={"X-Privacy-Request": str(row["id"])},
                        background=BackgroundTask(out.unlink, missing_ok=True))


@router.post("/privacy/erasures", response_model=PrivacyRequestPublic, status_code=202)
def post_erasure(body: PersonIn, app: AppDep, admin: AdminUser,
                 clock: Clock) -> PrivacyRequestPublic:
    """File an erasure request. It is carried out by the next `tenure privacy process` or
    scoring run (the server only reads the warehouse), so the answer is 202 with the request
    ``pending``; an erasure already pending for the email is returned as it is."""
    now = clock()
    row = file_request(app, kind="erasure", email=body.email, now=now,
                       requested_by=admin.email, via="api")
    record_audit(app.store, who=admin, action="privacy.request", via="api", now=now,
                 object_type="privacy_request", object_id=str(row["id"]))
    return PrivacyRequestPublic(**row)


@router.post("/privacy/requests/{request_id}/cancel", response_model=PrivacyRequestPublic)
def post_cancel(request_id: int, app: AppDep, admin: AdminUser,
                clock: Clock) -> PrivacyRequestPublic:
    """Cancel a pending request (filed in error): 409 when it is no longer pending."""
    row = cancel_request(app, request_id, now=clock(), who=admin, acting_email=admin.email,
                         via="api")
    return PrivacyRequestPublic(**row)
