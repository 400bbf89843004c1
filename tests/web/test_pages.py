"""The dashboard pages, driven in process through fastapi's TestClient: login with CSRF,
redirects for the anonymous, the scoping rule on every page and POST, changes checked in the
database, security headers and no inline script."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from plotly.offline import get_plotlyjs
from sqlalchemy import select

import tenure.web
from tenure.access import audit_entries
from tenure.store import AccountSnapshot, LoggedActivity, Task
from tenure.web.charts import plotly_base_css

from .conftest import CSM, NOW, OTHER_CSM, csrf_token, sign_in

PAGES = ("/", "/accounts", "/accounts/a-1")


# --- signing in ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_page_redirects_to_login_with_next(world, path) -> None:
    r = world.client.get(path, follow_redirects=False)
    assert r.status_code == 303
    target = urlsplit(r.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [path]


def test_login_sets_the_api_session_and_goes_to_next(world) -> None:
    form = world.client.get("/login?next=/accounts")
    assert form.status_code == 200
    r = world.client.post("/login", data={
        "email": CSM, "password": "correct horse battery", "next": "/accounts",
        "csrf_token": csrf_token(form.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/accounts"
    cookie = r.headers["set-cookie"]
    assert "tenure_session=" in cookie and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    # The same session the API takes.
    assert world.client.get("/api/v1/me").json()["email"] == CSM


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_login_without_the_right_csrf_token_is_403(world, token) -> None:
    world.client.get("/login")
    data = {"email": CSM, "password": "correct horse battery"}
    if token is not None:
        data["csrf_token"] = token
    r = world.client.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 403
    assert "tenure_session" not in world.client.cookies


def test_login_token_of_another_browser_is_refused(world) -> None:
    # A token from a page fetched by someone else does not match this browser's cookie.
    token = csrf_token(world.client.get("/login").text)
    world.client.cookies.clear()
    world.client.get("/login")  # this browser's own pre-login cookie
    world.client.cookies.set("tenure_csrf", "someone-else", path="/login")
    r = world.client.post("/login", data={"email": CSM, "password": "correct horse battery",
                                          "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403


def test_wrong_password_shows_the_form_again(world) -> None:
    form = world.client.get("/login")
    r = world.client.post("/login", data={"email": CSM, "password": "wrong password!!",
                                          "csrf_token": csrf_token(form.text)})
    assert r.status_code == 401
    assert "wrong email or password" in r.text
    assert "tenure_session" not in world.client.cookies


def test_next_cannot_leave_the_site(world) -> None:
    form = world.client.get("/login")
    r = world.client.post("/login", data={
        "email": CSM, "password": "correct horse battery", "next": "//evil.example/",
        "csrf_token": csrf_token(form.text)}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_logout_needs_the_csrf_token_and_ends_the_session(world) -> None:
    sign_in(world.client, CSM)
    assert world.client.post("/logout", follow_redirects=False).status_code == 403
    assert world.client.post("/logout", data={"csrf_token": "x"},
                             follow_redirects=False).status_code == 403
    token = csrf_token(world.client.get("/").text)
    r = world.client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert world.client.get("/", follow_redirects=False).status_code == 303


# --- what a CSM sees ----------------------------------------------------------------------


def test_csm_sees_only_their_own_accounts(world) -> None:
    sign_in(world.client, CSM)
    page = world.client.get("/accounts").text
    assert 'href="/accounts/a-1"' in page
    assert "Globex" not in page and "Initech" not in page


def test_manager_sees_every_account_and_filters(world) -> None:
    sign_in(world.client, "manager@example.com")
    page = world.client.get("/accounts").text
    assert all(n in page for n in ("Acme", "Globex", "Initech"))
    green = world.client.get("/accounts?health=green").text
    assert "Globex" in green and "Acme" not in green
    smb = world.client.get("/accounts?segment=smb&sort=name").text
    assert smb.index("Acme") < smb.index("Initech") and "Globex" not in smb
    search = world.client.get("/accounts?q=glob").text
    assert "Globex" in search and "Acme" not in search
    mine = world.client.get(f"/accounts?owner={OTHER_CSM}").text
    assert "Globex" in mine and "Acme" not in mine


def test_csm_gets_404_for_another_books_account(world) -> None:
    sign_in(world.client, CSM)
    r = world.client.get("/accounts/a-2")
    assert r.status_code == 404
    assert "Globex" not in r.text
    assert world.client.get("/accounts/no-such").status_code == 404


def test_my_day_lists_my_tasks_and_renewals(world) -> None:
    sign_in(world.client, CSM)
    page = world.client.get("/").text
    assert "Call Acme" in page and "Call Globex" not in page
    # Acme renews on 2027-01-31, 72 days after 2026-11-20: within 90 days.
    assert "2027-01-31" in page
    assert 'href="/accounts/a-1"' in page


def test_account_page_shows_the_snapshot_and_chart_data(world) -> None:
    sign_in(world.client, CSM)
    page = world.client.get("/accounts/a-1").text
    assert "Acme" in page and "fewer logins" in page and "Call Acme" in page
    chart = re.search(r'<script type="application/json" data-chart="chart-health">(.*?)'
                      r"</script>", page, re.S)
    assert chart is not None
    assert '"2026-11-01"' in chart.group(1) and "42.0" in chart.group(1)


# --- changes ------------------------------------------------------------------------------


def _task(world, account_id: str) -> Task:
    with world.app.store.session() as s:
        task = s.get(Task, world.tasks[account_id])
        s.expunge(task)
        return task


def test_completing_a_task_from_the_page_closes_it(world) -> None:
    sign_in(world.client, CSM)
    token = csrf_token(world.client.get("/accounts/a-1").text)
    r = world.client.post(f"/accounts/a-1/tasks/{world.tasks['a-1']}/complete",
                          data={"outcome": "saved", "note": "renewed early",
                                "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    task = _task(world, "a-1")
    assert (task.status, task.outcome, task.outcome_note) == ("closed", "saved",
                                                              "renewed early")
    assert task.closed_by == CSM and task.closed_at == NOW
    assert "Call Acme" not in world.client.get("/accounts/a-1").text


def test_completing_without_csrf_is_403_and_changes_nothing(world) -> None:
    sign_in(world.client, CSM)
    for data in ({"outcome": "saved"}, {"outcome": "saved", "csrf_token": "nope"}):
        r = world.client.post(f"/accounts/a-1/tasks/{world.tasks['a-1']}/complete",
                              data=data, follow_redirects=False)
        assert r.status_code == 403
    assert _task(world, "a-1").status == "open"


def test_csm_cannot_complete_another_books_task(world) -> None:
    sign_in(world.client, CSM)
    token = csrf_token(world.client.get("/").text)
    for path in (f"/accounts/a-2/tasks/{world.tasks['a-2']}/complete",
                 f"/accounts/a-1/tasks/{world.tasks['a-2']}/complete"):
        r = world.client.post(path, data={"outcome": "saved", "csrf_token": token})
        assert r.status_code == 404
    assert _task(world, "a-2").status == "open"


def test_logging_a_note_writes_a_logged_activity(world) -> None:
    sign_in(world.client, CSM)
    token = csrf_token(world.client.get("/accounts/a-1").text)
    r = world.client.post("/accounts/a-1/activities",
                          data={"kind": "note", "summary": "Talked about the renewal",
                                "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with world.app.store.session() as s:
        rows = s.execute(select(LoggedActivity)).scalars().all()
        assert [(a.account_id, a.kind, a.summary, a.actor, a.occurred_at)
                for a in rows] == [("a-1", "note", "Talked about the renewal", CSM, NOW)]


def test_logging_a_note_needs_csrf_and_the_account_in_the_book(world) -> None:
    sign_in(world.client, CSM)
    token = csrf_token(world.client.get("/").text)
    assert world.client.post("/accounts/a-1/activities",
                             data={"summary": "x"}).status_code == 403
    assert world.client.post("/accounts/a-2/activities",
                             data={"summary": "x", "csrf_token": token}).status_code == 404
    with world.app.store.session() as s:
        assert s.execute(select(LoggedActivity)).first() is None


def test_a_cross_site_post_is_refused_even_with_the_token(world) -> None:
    sign_in(world.client, CSM)
    token = csrf_token(world.client.get("/").text)
    r = world.client.post("/accounts/a-1/activities",
                          data={"summary": "x", "csrf_token": token},
                          headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


# --- the viewer ---------------------------------------------------------------------------


def test_viewer_sees_no_personal_data_and_no_forms(world) -> None:
    sign_in(world.client, "viewer@example.com")
    for path in ("/accounts", "/accounts/a-1", "/"):
        page = world.client.get(path).text
        assert "example.com" not in page.replace("viewer@example.com", ""), path
    page = world.client.get("/accounts/a-1").text
    assert "/complete" not in page and "/activities" not in page
    token = csrf_token(page)
    r = world.client.post("/accounts/a-1/activities",
                          data={"summary": "x", "csrf_token": token})
    assert r.status_code == 403
    r = world.client.post(f"/accounts/a-1/tasks/{world.tasks['a-1']}/complete",
                          data={"outcome": "saved", "csrf_token": token})
    assert r.status_code == 403
    assert _task(world, "a-1").status == "open"


# --- security -----------------------------------------------------------------------------


def test_pages_carry_the_security_headers_and_no_inline_script(world) -> None:
    sign_in(world.client, "admin@example.com")
    for path in ("/login", *PAGES, "/accounts/no-such"):
        r = world.client.get(path)
        assert r.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"
        for tag in re.findall(r"<script\b[^>]*>", r.text):
            # Only external scripts and JSON data blocks: CSP forbids inline code.
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert " style=" not in r.text and "<style" not in r.text
        assert not re.search(r"\son[a-z]+=", r.text)  # no inline event handlers


def test_plotly_is_served_from_the_package(world) -> None:
    r = world.client.get("/static/plotly.min.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "plotly.js" in r.text[:500].lower()
    assert world.client.get("/static/charts.js").status_code == 200


def test_page_errors_are_pages_and_api_errors_stay_json(world) -> None:
    sign_in(world.client, "admin@example.com")
    r = world.client.get("/accounts?health=blue")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    r = world.client.get("/api/v1/accounts/no-such")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    world.client.cookies.clear()
    assert world.client.get("/api/v1/me").status_code == 401


def test_login_is_throttled_after_five_failures(world) -> None:
    # api.login_max_failures = 5 (the default): the sixth try is refused, even when right.
    token = csrf_token(world.client.get("/login").text)
    for _ in range(5):
        r = world.client.post("/login", data={"email": CSM, "password": "wrong password!!",
                                              "csrf_token": token})
        assert r.status_code == 401
    r = world.client.post("/login", data={"email": CSM, "password": "correct horse battery",
                                          "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) == 15 * 60  # all five failed at the fixed NOW
    assert "tenure_session" not in world.client.cookies


def test_page_reads_and_changes_are_audited_as_web(world) -> None:
    sign_in(world.client, CSM)
    token = csrf_token(world.client.get("/accounts/a-1").text)
    world.client.post(f"/accounts/a-1/tasks/{world.tasks['a-1']}/complete",
                      data={"outcome": "expanded", "csrf_token": token})
    entries = audit_entries(world.app.store, user=CSM)
    assert {(e["action"], e["via"], e["account_id"]) for e in entries} >= {
        ("auth.login", "web", None), ("account.read", "web", "a-1"),
        ("task.complete", "web", "a-1")}


def test_plotly_css_matches_the_installed_plotly_js() -> None:
    # static/plotly.css holds plotly.js's base styles (it cannot inject them under the CSP):
    # an upgrade of plotly must write it again (see docs/web.md).
    css = (Path(tenure.web.__file__).parent / "static" / "plotly.css").read_text()
    assert css == plotly_base_css(get_plotlyjs())
    # The rule without which plotly's stacked SVG layers fall apart.
    assert ".js-plotly-plot .plotly .main-svg { position:absolute;" in css


def test_data_is_escaped_in_pages(world) -> None:
    with world.app.store.session() as s:
        s.get(AccountSnapshot, "a-1").name = '<script>alert("x")</script>'
    sign_in(world.client, CSM)
    for path in ("/", "/accounts", "/accounts/a-1"):
        page = world.client.get(path).text
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, path


def test_my_day_leaves_out_renewals_after_90_days(world) -> None:
    with world.app.store.session() as s:
        # 2026-11-20 + 90 days = 2027-02-18 (the last day shown); 2027-02-19 is out.
        s.get(AccountSnapshot, "a-1").renewal_date = date(2027, 2, 19)
    sign_in(world.client, CSM)
    page = world.client.get("/").text
    assert "2027-02-19" not in page and "No renewals in the next 90 days" in page
    with world.app.store.session() as s:
        s.get(AccountSnapshot, "a-1").renewal_date = date(2027, 2, 18)
    assert "2027-02-18" in world.client.get("/").text
