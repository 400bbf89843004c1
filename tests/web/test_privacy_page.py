"""The Privacy page (admins): the register with due days, an access request answered with the
person's ZIP, an erasure filed only when the email is typed twice alike, cancelling a pending
request, and the CSRF check on every form."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

from tenure.privacy.requests import list_requests

from .conftest import CSM, NOW, csrf_token, sign_in


def _cells(html: str, request_id: int) -> list[str]:
    row = re.search(rf"<tr>\s*<td>{request_id}</td>(.*?)</tr>", html, re.S)
    assert row, f"no row for request {request_id}"
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_the_register_and_its_forms(world) -> None:
    client = world.client
    sign_in(client, "admin@example.com")
    page = client.get("/admin/privacy")
    assert page.status_code == 200
    due = (NOW.date() + timedelta(days=30)).isoformat()
    assert _cells(page.text, world.privacy_request)[:5] == [
        "erasure", "gone@example.com", "pending", NOW.strftime("%Y-%m-%d %H:%M"), due]
    assert "1 pending" in page.text
    token = csrf_token(page.text)

    # The two emails differ: nothing is filed.
    bad = client.post("/admin/privacy/erasures", data={
        "email": "ann@example.com", "confirm": "anne@example.com", "csrf_token": token})
    assert bad.status_code == 400 and "The two emails differ" in bad.text
    assert list_requests(world.app.store, today=NOW.date())[1] == 1

    filed = client.post("/admin/privacy/erasures", data={
        "email": "Ann@example.com", "confirm": "ann@example.com", "csrf_token": token},
        follow_redirects=False)
    assert filed.status_code == 303
    shown = client.get(filed.headers["location"]).text
    assert "Erasure request filed" in shown and "2 pending" in shown
    rows, _ = list_requests(world.app.store, today=NOW.date(), status="pending")
    new = next(r for r in rows if r["email"] == "ann@example.com")
    assert (new["requested_by"], new["via"]) == ("admin@example.com", "web")

    # An access request: the answer is the ZIP.
    got = client.post("/admin/privacy/access", data={"email": CSM, "csrf_token": token})
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(got.content)).read("manifest.json"))
    assert manifest["email"] == CSM and manifest["records"] > 0

    cancelled = client.post(f"/admin/privacy/requests/{new['id']}/cancel",
                            data={"csrf_token": token}, follow_redirects=False)
    assert cancelled.status_code == 303
    after = client.get("/admin/privacy").text
    cells = _cells(after, new["id"])
    assert cells[2] == "cancelled" and "ann@example.com" not in after
    assert _cells(after, int(got.headers["x-privacy-request"]))[:3] == ["access", CSM, "done"]


def test_a_form_without_its_csrf_token_is_refused(world) -> None:
    sign_in(world.client, "admin@example.com")
    for path, data in (("/admin/privacy/erasures", {"email": "a@b.example",
                                                     "confirm": "a@b.example"}),
                       ("/admin/privacy/access", {"email": CSM}),
                       (f"/admin/privacy/requests/{world.privacy_request}/cancel", {})):
        assert world.client.post(path, data=data).status_code == 403, path
    assert list_requests(world.app.store, today=NOW.date())[1] == 1
