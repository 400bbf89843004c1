"""Account 360: the page (app database only) and its warehouse panels, checked against
independent references: the panels' rows against SQL written here on the sample company's
warehouse, MRR and usage recomputed by hand from the raw rows, personal data absent for a
viewer, the scoping rule on every panel, the snooze form in the database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any

import plotly.graph_objects as go
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.health.test_cli_health import make_demo
from tests.workspaces import shared_workspace

from tenure.access import add_user, audit_entries
from tenure.api import build_api
from tenure.app import App, build_app
from tenure.store import HealthHistory, OnboardingMilestone, OnboardingPlan, SuccessGoal, Task

from .conftest import CSM, NOW, PASSWORD, csrf_token, sign_in

PANELS = ("mrr", "usage", "contacts", "tickets", "voice", "timeline")
PERSONAL_PANELS = ("contacts", "tickets", "voice", "timeline")


def _task(world, account_id: str) -> Task:
    with world.app.store.session() as s:
        task = s.get(Task, world.tasks[account_id])
        s.expunge(task)
        return task


def assert_no_inline_code(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, tag
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


def chart_json(html: str, chart_id: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" data-chart="{chart_id}">(.*?)'
                      r"</script>", html, re.S)
    assert found, f"no chart {chart_id}"
    fig = json.loads(found.group(1))
    go.Figure(fig)  # a figure plotly accepts (validated here, not on each page view)
    return dict(fig)


# --- the page and its forms (the small world of tests/api) ---------------------------------


def test_page_links_every_panel_and_loads_them_with_a_script(world) -> None:
    sign_in(world.client, CSM)
    page = world.client.get("/accounts/a-1").text
    for name in PANELS:
        # A section panels.js fills, with a plain link that works without JavaScript.
        assert f'data-panel="/accounts/a-1/panels/{name}"' in page
        assert f'href="/accounts/a-1/panels/{name}"' in page
    assert '<script src="/static/panels.js" defer></script>' in page
    assert_no_inline_code(page)
    js = world.client.get("/static/panels.js")
    assert js.status_code == 200 and "same-origin" in js.text
    assert "tenureCharts" in world.client.get("/static/charts.js").text


def test_snoozing_from_the_page_sets_the_task_aside(world) -> None:
    sign_in(world.client, CSM)
    page = world.client.get("/accounts/a-1").text
    assert f'action="/accounts/a-1/tasks/{world.tasks["a-1"]}/snooze"' in page
    r = world.client.post(f"/accounts/a-1/tasks/{world.tasks['a-1']}/snooze",
                          data={"until": "2026-12-01", "csrf_token": csrf_token(page)},
                          follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/accounts/a-1?done=snooze"
    task = _task(world, "a-1")
    assert (task.status, task.snoozed_until) == ("snoozed", date(2026, 12, 1))
    page = world.client.get("/accounts/a-1").text
    assert "Open tasks (0)" in page and "Snoozed (1)" in page and "until 2026-12-01" in page
    entries = audit_entries(world.app.store, user=CSM)
    assert any((e["action"], e["via"], e["object_id"], e["detail"]) ==
               ("task.snooze", "web", str(world.tasks["a-1"]), {"until": "2026-12-01"})
               for e in entries)


def test_snoozing_needs_the_csrf_token_a_later_day_and_the_book(world) -> None:
    sign_in(world.client, CSM)
    token = csrf_token(world.client.get("/").text)
    path = f"/accounts/a-1/tasks/{world.tasks['a-1']}/snooze"
    for data in ({"until": "2026-12-01"}, {"until": "2026-12-01", "csrf_token": "nope"}):
        assert world.client.post(path, data=data).status_code == 403
    # Today (NOW is 2026-11-20) is not a later day.
    assert world.client.post(path, data={"until": "2026-11-20",
                                         "csrf_token": token}).status_code == 400
    assert _task(world, "a-1").status == "open"
    for other in (f"/accounts/a-2/tasks/{world.tasks['a-2']}/snooze",
                  f"/accounts/a-1/tasks/{world.tasks['a-2']}/snooze"):
        r = world.client.post(other, data={"until": "2026-12-01", "csrf_token": token})
        assert r.status_code == 404
    assert _task(world, "a-2").status == "open"


def test_a_viewer_may_not_snooze(world) -> None:
    sign_in(world.client, "viewer@example.com")
    page = world.client.get("/accounts/a-1").text
    assert "/snooze" not in page
    r = world.client.post(f"/accounts/a-1/tasks/{world.tasks['a-1']}/snooze",
                          data={"until": "2026-12-01", "csrf_token": csrf_token(page)})
    assert r.status_code == 403
    assert _task(world, "a-1").status == "open"


@pytest.mark.parametrize("name", [*PANELS, "no-such-panel"])
def test_a_csm_gets_404_for_a_panel_of_another_book(world, name) -> None:
    sign_in(world.client, CSM)
    for account in ("a-2", "no-such-account"):
        assert world.client.get(f"/accounts/{account}/panels/{name}").status_code == 404


def test_an_anonymous_panel_request_goes_to_the_login(world) -> None:
    r = world.client.get("/accounts/a-1/panels/tickets", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_onboarding_and_success_plan_progress(world) -> None:
    with world.app.store.session() as s:
        plan = OnboardingPlan(account_id="a-1", template="smb", started_on=date(2026, 11, 1),
                              status="active", created_at=NOW)
        s.add(plan)
        s.flush()
        for i, (key, due, done) in enumerate((
                ("kickoff", date(2026, 11, 5), date(2026, 11, 4)),
                ("integration", date(2026, 11, 12), None),    # 8 days overdue on NOW
                ("first_report", date(2026, 12, 1), None))):
            s.add(OnboardingMilestone(plan_id=plan.id, account_id="a-1", key=key,
                                      title=key.replace("_", " ").title(), position=i,
                                      due_on=due, completed_on=done,
                                      completed_by=CSM if done else None))
        s.add(SuccessGoal(account_id="a-1", title="More weekly users", metric="mau",
                          baseline=10.0, target=30.0, current=15.0, progress=0.25,
                          status="open", created_by=CSM, created_at=NOW, updated_at=NOW))
    sign_in(world.client, CSM)
    page = world.client.get("/accounts/a-1").text
    assert '<progress max="3" value="1">' in page
    assert "1 of 3 milestones" in page and "1 overdue" in page
    assert "8 days overdue" in page
    assert "Roll out to sales" in page and "More weekly users" in page
    assert '<progress max="1" value="0.25">' in page
    # A viewer: the progress without who completed what.
    sign_in(world.client, "viewer@example.com")
    page = world.client.get("/accounts/a-1").text
    assert "1 of 3 milestones" in page and "example.com" not in page.replace(
        "viewer@example.com", "")


def test_component_trend_is_drawn_from_the_history_groups(world) -> None:
    with world.app.store.session() as s:
        for row in s.scalars(select(HealthHistory).where(HealthHistory.account_id == "a-1")):
            row.groups = json.dumps({"adoption": row.score, "support": 70.0})
    sign_in(world.client, CSM)
    fig = chart_json(world.client.get("/accounts/a-1").text, "chart-components")
    lines = {t["name"]: (t["x"], t["y"]) for t in fig["data"]}
    assert lines == {"adoption": (["2026-11-01", "2026-11-20"], [50.0, 42.0]),
                     "support": (["2026-11-01", "2026-11-20"], [70.0, 70.0])}


def test_without_history_groups_the_page_says_so(world) -> None:
    sign_in(world.client, CSM)
    page = world.client.get("/accounts/a-1").text
    assert 'data-chart="chart-components"' not in page
    assert "Fewer than two scored days with components" in page


# --- the panels on the sample company --------------------------------------------------------

DAY = date(2026, 6, 29)  # the demo scores as of the day before its --as-of
SAMPLE_NOW = datetime(2026, 6, 30, 9, 0)


@dataclass
class Sample:
    app: App
    client: TestClient
    owner: str  # the CSM whose book holds `account`
    account: str  # a sample account with contacts, tickets and surveys
    foreign: str  # an account with subscriptions in another currency
    other: str  # an account of another book
    signed_in: str | None = None

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.app.warehouse.reading() as con:
            return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    ws = shared_workspace(tmp_path_factory, "health-demo", make_demo)
    app = build_app(ws.home)
    with app.warehouse.reading() as con:
        # The busiest account with tickets, survey comments and a live subscription.
        account, owner = con.execute(
            "SELECT a.account_id, a.owner FROM accounts a WHERE a.owner IS NOT NULL "
            "AND EXISTS (SELECT 1 FROM survey_responses s WHERE s.account_id = a.account_id "
            "AND s.comment IS NOT NULL) ORDER BY (SELECT count(*) FROM tickets t "
            "WHERE t.account_id = a.account_id) DESC, a.account_id LIMIT 1").fetchone()
        foreign = con.execute("SELECT min(account_id) FROM subscriptions "
                              "WHERE currency <> 'USD'").fetchone()[0]
        other = con.execute("SELECT min(account_id) FROM accounts WHERE owner <> ?",
                            [owner]).fetchone()[0]
    for email, role in ((owner, "csm"), ("viewer@example.com", "viewer"),
                        ("admin@example.com", "admin")):
        add_user(app.store, email=email, role=role, password=PASSWORD, now=SAMPLE_NOW)
    api = build_api(app, clock=lambda: SAMPLE_NOW)
    with TestClient(api, base_url="http://127.0.0.1") as client:
        yield Sample(app=app, client=client, owner=owner.lower(), account=account,
                     foreign=foreign, other=other)
    app.close()


def panel(sample: Sample, name: str, account: str | None = None, *,
          as_: str | None = None) -> str:
    who = as_ or sample.owner
    if sample.signed_in != who:
        sign_in(sample.client, who)
        sample.signed_in = who
    r = sample.client.get(f"/accounts/{account or sample.account}/panels/{name}")
    assert r.status_code == 200, r.text
    return r.text


def cells(html: str) -> list[list[str]]:
    """The table rows of a fragment, as the text of their cells."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_panels_are_fragments_without_inline_code(sample: Sample) -> None:
    for name in PANELS:
        html = panel(sample, name)
        assert "<html" not in html and "<body" not in html, name
        assert_no_inline_code(html)


def test_the_tickets_panel_lists_the_newest_tickets_as_the_warehouse_has_them(
        sample: Sample) -> None:
    expected = sample.rows(
        "SELECT strftime(created_at, '%Y-%m-%d'), subject, requester_id, priority, status "
        "FROM tickets WHERE account_id = ? ORDER BY created_at DESC, ticket_id LIMIT 50",
        sample.account)
    total, open_ = sample.rows(
        "SELECT count(*), count(*) FILTER (WHERE resolved_at IS NULL "
        "AND status NOT IN ('solved', 'closed')) FROM tickets WHERE account_id = ?",
        sample.account)[0]
    html = panel(sample, "tickets")
    shown = [(r[0], r[1], r[2], r[3], r[4]) for r in cells(html)]
    assert shown == [tuple("" if v is None else v for v in row) for row in expected]
    assert f"{open_} open of {total} tickets" in html


def test_the_mrr_panel_is_the_month_end_mrr_recomputed_from_the_subscription_rows(
        sample: Sample) -> None:
    subs = sample.rows("SELECT valid_from, valid_to, mrr, currency FROM subscriptions "
                       "WHERE account_id = ?", sample.foreign)
    rates = sample.rows("SELECT currency, date, rate FROM fx_rates ORDER BY date")
    assert any(c != "USD" for *_, c in subs)

    def rate(currency: str, on: date) -> float:
        # docs/metrics.md: the latest rate on or before the row's valid_from, else the first.
        mine = [(d, r) for c, d, r in rates if c == currency]
        before = [r for d, r in mine if d <= on]
        return before[-1] if before else mine[0][1]

    ends = [DAY]  # the month ends: 2026-06-29 (the as-of day), 2026-05-31, ... 2025-07-31
    for _ in range(11):
        first = ends[-1].replace(day=1)
        ends.append(first - timedelta(days=1))
    expected = {}
    for end in ends:
        # MRR on day d: the rows with valid_from <= d < valid_to (an empty valid_to: running).
        expected[end.strftime("%Y-%m")] = sum(
            mrr * (1.0 if cur == "USD" else rate(cur, start))
            for start, stop, mrr, cur in subs if start <= end and (stop is None or end < stop))
    fig = chart_json(panel(sample, "mrr", sample.foreign, as_="admin@example.com"), "chart-mrr")
    shown = dict(zip(fig["data"][0]["x"], fig["data"][0]["y"], strict=True))
    assert shown.keys() == expected.keys()
    for month, value in expected.items():
        assert shown[month] == pytest.approx(value, abs=1e-6), month


def test_the_usage_panel_counts_events_and_active_users_per_month(sample: Sample) -> None:
    html = panel(sample, "usage")
    fig = chart_json(html, "chart-usage")
    events = dict(zip(fig["data"][0]["x"], fig["data"][0]["y"], strict=True))
    users = dict(zip(fig["data"][1]["x"], fig["data"][1]["y"], strict=True))
    by_month = dict(sample.rows(
        "SELECT strftime(timestamp, '%Y-%m'), count(*) FROM events WHERE account_id = ? "
        "AND timestamp < TIMESTAMP '2026-06-30' GROUP BY 1", sample.account))
    assert events == {m: by_month.get(m, 0) for m in events}
    assert len(events) == 12 and max(events) == "2026-06"
    # Active users on 2026-06-29: distinct users with an event in the 30 days to that day.
    (june,) = sample.rows(
        "SELECT count(DISTINCT user_id) FROM events WHERE account_id = ? "
        "AND timestamp >= TIMESTAMP '2026-05-31' AND timestamp < TIMESTAMP '2026-06-30'",
        sample.account)[0]
    assert users["2026-06"] == june > 0


def test_the_voice_panel_computes_nps_over_its_window(sample: Sample) -> None:
    days = sample.app.settings.metrics.nps_window_days
    scores = [s for (s,) in sample.rows(
        "SELECT score FROM survey_responses WHERE account_id = ? AND survey = 'nps' "
        "AND responded_at >= ? AND responded_at < TIMESTAMP '2026-06-30'", sample.account,
        datetime(2026, 6, 30) - timedelta(days=days))]
    html = panel(sample, "voice")
    big = re.search(r"<h3>NPS</h3><p class=\"big\">([^<]*)</p>", html)
    assert big
    if scores:
        promoters = sum(s >= 9 for s in scores)
        detractors = sum(s <= 6 for s in scores)
        assert big.group(1) == f"{100 * (promoters - detractors) / len(scores):,.0f}"
    else:
        assert big.group(1) == "n/a"
    newest = sample.rows("SELECT survey, score FROM survey_responses WHERE account_id = ? "
                         "ORDER BY responded_at DESC, response_id LIMIT 50", sample.account)
    assert [(r[1], r[2]) for r in cells(html)] == [(s.upper(), str(v)) for s, v in newest]


def test_a_viewer_sees_no_personal_data_in_any_panel(sample: Sample) -> None:
    emails, names = zip(*sample.rows(
        "SELECT email, name FROM contacts WHERE account_id = ?", sample.account), strict=True)
    words = {*emails, *(n for n in names if n), sample.owner}
    words |= {s for (s,) in sample.rows("SELECT subject FROM tickets WHERE account_id = ? "
                                        "AND subject IS NOT NULL", sample.account)}
    words |= {c for (c,) in sample.rows("SELECT comment FROM survey_responses WHERE "
                                        "account_id = ? AND comment IS NOT NULL",
                                        sample.account)}
    words |= {c for (c,) in sample.rows("SELECT contact_id FROM contacts WHERE account_id = ?",
                                        sample.account)}
    seen_by_owner = " ".join(panel(sample, name) for name in PERSONAL_PANELS)
    assert any(w in unescape(seen_by_owner) for w in emails)  # the test can fail
    for name in PANELS:
        html = unescape(panel(sample, name, as_="viewer@example.com"))
        leaked = sorted(w for w in words if w in html)
        assert not leaked, (name, leaked[:5])
        assert "@" not in html, name


def test_personal_panels_are_audited_for_those_who_see_them(sample: Sample) -> None:
    def reads(email: str) -> set[tuple[str, str, str]]:
        return {(e["action"], e["via"], e["account_id"])
                for e in audit_entries(sample.app.store, user=email)
                if e["action"].endswith(".read")}

    for name in PANELS:
        panel(sample, name, as_="viewer@example.com")
        panel(sample, name)
    assert reads("viewer@example.com") == set()
    assert reads(sample.owner) == {(f"{table}.read", "web", sample.account) for table in
                                   ("contacts", "tickets", "survey_responses", "timeline")}


def test_panels_follow_the_book_on_the_sample(sample: Sample) -> None:
    panel(sample, "mrr")  # signed in as the owner of sample.account
    for name in PANELS:
        assert sample.client.get(f"/accounts/{sample.other}/panels/{name}").status_code == 404
    assert sample.client.get(f"/accounts/{sample.account}").status_code == 200
