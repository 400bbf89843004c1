"""Privacy requests through the API (admins): an access request answers with the person's
ZIP and is recorded as done; an erasure request is filed pending, once per person; a pending
request can be cancelled, and only once."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import select
from tests.api.conftest import CSM, NOW, World
from tests.api.test_api import assert_error

from tenure.privacy.requests import list_requests
from tenure.store import AuditEntry


def _audit(world: World, action: str) -> list[AuditEntry]:
    with world.app.store.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_access_request_answers_with_the_persons_zip_and_is_recorded(
        world: World) -> None:
    resp = world.client.post("/api/v1/privacy/access", json={"email": " CSM@Example.com "},
                             headers=world.auth("admin"))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.content))
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["email"] == CSM
    # The CSM is a Tenure user and owns a-1's task: both records are in the ZIP.
    users = json.loads(zf.read("app/users.json"))
    assert [u["email"] for u in users] == [CSM]
    assert CSM in zf.read("summary.txt").decode()
    request_id = int(resp.headers["x-privacy-request"])
    rows, _ = list_requests(world.app.store, today=NOW.date(), status="done")
    done = {r["id"]: r for r in rows}[request_id]
    assert (done["kind"], done["email"], done["via"], done["requested_by"]) == (
        "access", CSM, "api", "admin@example.com")
    assert done["outcome"]["records"] == manifest["records"] > 0
    [entry] = _audit(world, "privacy.export")
    assert (entry.user_email, entry.via, entry.object_id) == ("admin@example.com", "api", CSM)


def test_an_erasure_is_filed_pending_once_and_can_be_cancelled_once(world: World) -> None:
    admin = world.auth("admin")
    first = world.client.post("/api/v1/privacy/erasures", json={"email": "Ann@Example.com"},
                              headers=admin)
    assert first.status_code == 202, first.text
    body = first.json()
    assert (body["status"], body["email"], body["kind"]) == ("pending", "ann@example.com",
                                                             "erasure")
    # Due a month after receipt (privacy.request_due_days, 30 by default).
    assert body["due_on"] == (NOW.date() + timedelta(days=30)).isoformat()
    again = world.client.post("/api/v1/privacy/erasures", json={"email": "ann@example.com"},
                              headers=admin)
    assert again.json()["id"] == body["id"]

    listed = world.client.get("/api/v1/privacy/requests?status=pending", headers=admin).json()
    assert {r["id"] for r in listed["items"]} == {body["id"], world.privacy_request}
    assert listed["total"] == 2 and not any(r["overdue"] for r in listed["items"])

    cancelled = world.client.post(f"/api/v1/privacy/requests/{body['id']}/cancel",
                                  headers=admin)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    # A cancelled request no longer keeps whom it was about.
    assert "ann@example.com" not in cancelled.text
    assert_error(world.client.post(f"/api/v1/privacy/requests/{body['id']}/cancel",
                                   headers=admin), 409, "conflict")
    assert_error(world.client.post("/api/v1/privacy/requests/99999/cancel", headers=admin),
                 404, "not_found")
    assert len(_audit(world, "privacy.request")) == 2
    assert [e.object_id for e in _audit(world, "privacy.cancel")] == [str(body["id"])]


def test_a_request_past_its_due_day_is_overdue(world: World) -> None:
    late = NOW.date() + timedelta(days=31)
    rows, total = list_requests(world.app.store, today=late, status="pending")
    assert total == 1 and rows[0]["overdue"]
    on_time, _ = list_requests(world.app.store, today=late - timedelta(days=1))
    assert not on_time[0]["overdue"]


def test_an_address_that_is_not_an_email_is_refused(world: World) -> None:
    for path in ("/api/v1/privacy/erasures", "/api/v1/privacy/access"):
        assert_error(world.client.post(path, json={"email": "not an email"},
                                       headers=world.auth("admin")), 400, "bad_request")
