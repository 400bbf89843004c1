"""The Portfolio and Metrics pages and GET /api/v1/portfolio over the API tests' workspace
(a-1 in the CSM's book, a-2 in another's, a-3 in none), with the same three accounts in the
warehouse and the series the scoring run would store for 2026-11-20.

By hand: MRR a-1 1,000 (from 2026-01-01), a-2 5,000 (from 2025-12-01), a-3 300 (from
2026-02-01), unchanged since: ARR 12,000 for the CSM's book, 60,000 for the other book,
75,600 for the company. ARR at risk (no churn model: (100 - score) / 100 x ARR): a-1
0.58 x 12,000 = 6,960; a-2 0.19 x 60,000 = 11,400; a-3 0.37 x 3,600 = 1,332; company 19,692.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import delete
from tests.helpers import write_text

from tenure import import_file
from tenure.portfolio_series import refresh_series
from tenure.store import AccountSnapshot, PortfolioSeries

from .conftest import CSM, NOW, OTHER_CSM, sign_in

PAGES = ("/portfolio", "/metrics")
ACCOUNTS = f"""account_id,name,segment,owner
a-1,Acme,smb,CSM@Example.com
a-2,Globex,enterprise,{OTHER_CSM}
a-3,Initech,smb,
"""
SUBSCRIPTIONS = """subscription_id,account_id,mrr,valid_from,valid_to
s-1,a-1,1000,2026-01-01,
s-2,a-2,5000,2025-12-01,
s-3,a-3,300,2026-02-01,
"""
DATA = re.compile(r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>',
                  re.S)


@pytest.fixture
def scored(world, tmp_path):
    """The world with its accounts in the warehouse and the day's series stored."""
    for table, text in (("accounts", ACCOUNTS), ("subscriptions", SUBSCRIPTIONS)):
        report = import_file(world.app, table, write_text(tmp_path / f"{table}.csv", text))
        assert report.rejected == 0, report
    done = refresh_series(world.app, as_of=NOW.date(), now=NOW)
    assert done["scopes"] == 3  # the company and two books
    return world


def charts(html: str) -> dict[str, dict[str, Any]]:
    return {k: json.loads(v) for k, v in DATA.findall(html)}


def page(world, email: str, path: str) -> str:
    sign_in(world.client, email)
    r = world.client.get(path)
    assert r.status_code == 200, r.text
    return r.text


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(world, path) -> None:
    r = world.client.get(path, follow_redirects=False)
    assert r.status_code == 303
    target = urlsplit(r.headers["location"])
    assert (target.path, parse_qs(target.query)["next"]) == ("/login", [path])
    assert world.client.get("/api/v1/portfolio").status_code == 401


@pytest.mark.parametrize("path", PAGES)
def test_no_scored_day_says_so(world, path) -> None:
    with world.app.store.session() as s:
        s.execute(delete(AccountSnapshot))
    html = page(world, "manager@example.com", path)
    assert "No scored day yet" in html
    assert "data-chart" not in html


@pytest.mark.parametrize("path", PAGES)
def test_scores_without_series_say_so(world, path) -> None:
    html = page(world, "manager@example.com", path)  # snapshots, but no series stored
    assert "No figures over time yet" in html
    # Only the health bands, read live from the snapshots, have something to draw.
    assert set(charts(html)) <= {"chart-health"}


def test_csm_portfolio_shows_their_book_not_the_company(scored) -> None:
    html = page(scored, CSM, "/portfolio")
    assert "Your book" in html
    assert "12,000" in html  # the book's ARR
    assert "75,600" not in html and "60,000" not in html  # the company's, the other book's
    assert "6,960" in html and "19,692" not in html  # ARR at risk of the book only
    assert "Globex" not in html and OTHER_CSM not in html
    mrr = charts(html)["chart-mrr"]["data"][0]["y"]
    assert mrr[-1] == 1000 and max(mrr) == 1000


def test_manager_and_viewer_see_the_company(scored) -> None:
    for email in ("manager@example.com", "viewer@example.com"):
        html = page(scored, email, "/portfolio")
        assert "The whole company." in html
        assert "75,600" in html and "19,692" in html
        assert charts(html)["chart-mrr"]["data"][0]["y"][-1] == 6300
        # No book's owner appears (a viewer sees no personal data).
        assert "csm@example.com" not in html.lower() and OTHER_CSM not in html
        scored.client.cookies.clear()


def test_health_chart_counts_the_bands_in_order(scored) -> None:
    html = page(scored, "admin@example.com", "/portfolio")
    bars = charts(html)["chart-health"]["data"]
    # Healthiest first: green a-2, yellow a-3, red a-1; one account each.
    assert list(bars[0]["x"]) == ["green", "yellow", "red"]
    assert list(bars[0]["y"]) == [1, 1, 1]
    assert list(bars[1]["y"]) == pytest.approx([11400, 1332, 6960])


def test_metrics_page_draws_nps_support_and_cohorts(scored) -> None:
    html = page(scored, "manager@example.com", "/metrics")
    found = charts(html)
    assert {"chart-nps", "chart-csat", "chart-support", "chart-cohort-logos",
            "chart-cohort-revenue"} <= set(found)
    heat = found["chart-cohort-logos"]["data"][0]
    # Cohorts 2025-12 (a-2), 2026-01 (a-1), 2026-02 (a-3), all still paying: 12, 11 and 10
    # months to 2026-11 (month 0 included), every cell 100%.
    assert sorted(set(heat["y"])) == ["2025-12", "2026-01", "2026-02"]
    assert [list(heat["y"]).count(c) for c in ("2025-12", "2026-01", "2026-02")] == [
        12, 11, 10]
    assert set(heat["marker"]["color"]) == {100}


def test_csm_metrics_label_the_company_cohorts(scored) -> None:
    html = page(scored, CSM, "/metrics")
    assert "Your book" in html
    assert "Cohort retention <small>the whole company</small>" in html


def test_csm_without_a_book_series_sees_the_company_labelled(scored) -> None:
    with scored.app.store.session() as s:
        s.execute(delete(PortfolioSeries).where(PortfolioSeries.scope != "company"))
    html = page(scored, CSM, "/portfolio")
    assert "no figures over time for your book yet" in html
    assert "75,600" in html  # the company's series, said to be so ...
    assert "6,960" in html and "19,692" not in html  # ... and their own book's health


def test_pages_have_no_inline_script_or_style(scored) -> None:
    sign_in(scored.client, "admin@example.com")
    for path in PAGES:
        r = scored.client.get(path)
        assert "default-src 'self'" in r.headers["content-security-policy"]
        for tag in re.findall(r"<script\b[^>]*>", r.text):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert " style=" not in r.text and "<style" not in r.text
        assert not re.search(r"\son[a-z]+=", r.text)
        assert 'href="/static/insights.css"' in r.text
        assert 'id="plotly.js-style-global"' in r.text
        # Every data block is JSON for an element of the page.
        for chart_id in charts(r.text):
            assert f'id="{chart_id}"' in r.text
    assert scored.client.get("/static/insights.css").status_code == 200


def test_api_gives_the_callers_scope(scored) -> None:
    def get(role: str) -> dict[str, Any]:
        r = scored.client.get("/api/v1/portfolio", headers=scored.auth(role))
        assert r.status_code == 200, r.text
        return r.json()

    csm, viewer = get("csm"), get("viewer")
    assert csm["scope"] == "book" and viewer["scope"] == "company"
    tiles = {t["metric"]: t["value"] for t in csm["tiles"]}
    assert tiles["arr"] == 12000
    assert {t["metric"]: t["value"] for t in viewer["tiles"]}["arr"] == 75600
    assert (csm["accounts"], csm["arr_at_risk"]) == (1, 6960)
    assert (viewer["accounts"], viewer["arr_at_risk"]) == (3, 19692)
    assert csm["cohorts_scope"] == "company" and csm["cohorts"]
    assert "@" not in json.dumps(viewer)  # no owner anywhere
    assert len(viewer["months"]) == 12 and viewer["day"] == NOW.date().isoformat()
