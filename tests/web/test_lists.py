"""The accounts list and My day answer from the database, page by page: checked against
plain Python over every row (the accounts' order, the search), against the independent
check-in and onboarding implementations (tenure.checkins.checkins, list_plans), and for a
CSM, against their book."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import CSM, DAY, OTHER_CSM, World, _snapshot
from tests.api.test_routes_more import _expected, _many
from tests.web.conftest import sign_in
from tests.work.company import AS_OF, build_company

from tenure import App
from tenure.access import add_user
from tenure.activities import log_activity
from tenure.api import build_api
from tenure.checkins import checkins
from tenure.health.history import SORTS, like_pattern
from tenure.onboarding import enrol, list_plans
from tenure.score import run_scoring
from tenure.store import AccountSnapshot

LINK = re.compile(r'href="/accounts/([^"?/]+)"')
PASSWORD = "correct horse battery"


def _section(page: str, heading: str) -> str:
    """The HTML of the My day section whose <h2> starts with ``heading``."""
    start = page.index(f"<h2>{heading}")
    end = page.find("</section>", start)
    return page[start:end]


def _listed(html: str) -> list[str]:
    return LINK.findall(html)


def _all_pages(client: TestClient, **params: Any) -> list[str]:
    """The account ids of every page of /accounts with these filters, in order."""
    ids: list[str] = []
    page = 1
    while True:
        body = client.get("/accounts", params={**params, "page": page}).text
        found = _listed(body)
        if not found:
            return ids
        ids += found
        page += 1


# --- the accounts list --------------------------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
def test_the_accounts_page_follows_a_plain_python_sort_over_every_page(
        world: World, sort: str) -> None:
    rows = _many(world)  # 60 accounts with ties in score, ARR and renewal, over 2 books
    sign_in(world.client, "manager@example.com")
    assert _all_pages(world.client, sort=sort) == _expected(rows, sort)
    world.client.cookies.clear()
    sign_in(world.client, CSM)
    mine = [r for r in rows if (r["owner"] or "").lower() == CSM]
    assert _all_pages(world.client, sort=sort) == _expected(mine, sort)


def _search_world(world: World) -> None:
    with world.app.store.session() as s:
        for account_id, name in (("w-1", "100% Pure"), ("w-2", "1000 Pures"),
                                 ("w-3", "Snake_Case Ltd"), ("w-4", "SnakeXCase Ltd"),
                                 ("w-5", "Back\\slash"), ("w-6", "Backslash")):
            s.add(_snapshot(account_id, name, CSM, 50.0, "yellow", 100.0, "smb"))


@pytest.mark.parametrize("needle", ["%", "0%", "_", "e_c", "\\", "SNAKE", "w-", "pure", "zz"])
def test_search_is_a_case_insensitive_substring_of_name_or_id(world: World,
                                                              needle: str) -> None:
    _search_world(world)
    with world.app.store.session() as s:
        every = [(x.account_id, x.name) for x in s.query(AccountSnapshot)]
    # The reference: Python's substring test, where % and _ are plain characters.
    expected = sorted(a for a, name in every
                      if needle.lower() in (name or "").lower() or needle.lower() in a.lower())
    sign_in(world.client, "manager@example.com")
    assert sorted(_all_pages(world.client, q=needle, sort="name")) == expected
    api = world.client.get("/api/v1/accounts", params={"q": needle, "limit": 500},
                           headers=world.auth("manager")).json()
    assert sorted(a["account_id"] for a in api["items"]) == expected
    assert api["total"] == len(expected)


def test_like_pattern_escapes_the_wildcards() -> None:
    assert like_pattern("A%b_c\\") == "%a\\%b\\_c\\\\%"


def test_a_csm_searching_finds_only_their_book(world: World) -> None:
    _search_world(world)
    with world.app.store.session() as s:
        s.add(_snapshot("w-9", "Snake_Case Other", OTHER_CSM, 50.0, "yellow", 100.0, "smb"))
    sign_in(world.client, CSM)
    assert sorted(_all_pages(world.client, q="snake")) == ["w-3", "w-4"]


def test_renewal_window_on_the_accounts_page(world: World) -> None:
    rows = _many(world)
    sign_in(world.client, "manager@example.com")
    until = DAY + timedelta(days=45)  # 2027-01-04: some of the renewals of 01-01..01-09
    expected = _expected([r for r in rows if r["renewal"] is not None
                          and DAY <= r["renewal"] <= until], "renewal")
    assert 0 < len(expected) < len(rows)
    assert _all_pages(world.client, renewal_days=45, sort="renewal") == expected


# --- My day on a scored company -----------------------------------------------------------


@pytest.fixture
def scored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> App:
    """The hand-made company of tests/work (check-ins worked by hand there), scored as of
    2026-06-30, with onboarding plans and a CSM per book."""
    monkeypatch.delenv("TENURE_APP_DB__URL", raising=False)
    app = build_company(tmp_path / "ws")
    run_scoring(app, as_of=AS_OF, deliver=False)
    now = datetime(2026, 6, 30, 9, 0)
    for email, role in (("anna@csm.io", "csm"), ("bob@csm.io", "csm"),
                        ("boss@csm.io", "manager")):
        add_user(app.store, email=email, role=role, password=PASSWORD, now=now)
    return app


def _client(app: App, today: date) -> TestClient:
    api = build_api(app, clock=lambda: datetime.combine(today, datetime.min.time()))
    return TestClient(api, base_url="http://127.0.0.1")


def _overdue(app: App, day: date, owner: str | None) -> list[str]:
    frame = checkins(app, as_of=day, owner=owner)
    return sorted(frame.loc[frame["overdue"], "account_id"])


def test_snapshot_check_in_days_follow_the_checkins_rule(scored: App) -> None:
    frame = checkins(scored, as_of=AS_OF)
    with scored.store.session() as s:
        snap = {x.account_id: (x.last_touchpoint_on, x.checkin_due_on)
                for x in s.query(AccountSnapshot)}
    for r in frame.to_dict("records"):
        assert snap[r["account_id"]] == (r["last_touchpoint_day"], r["due_on"]), r
    assert snap["x1"][1] is None  # churned: no check-in owed


@pytest.mark.parametrize("who", ["anna@csm.io", "bob@csm.io", "boss@csm.io"])
def test_overdue_check_ins_on_my_day_are_those_of_checkins(scored: App, who: str) -> None:
    owner = None if who == "boss@csm.io" else who
    with _client(scored, AS_OF) as client:
        sign_in(client, who)
        page = client.get("/").text
    assert sorted(_listed(_section(page, "Overdue check-ins"))) == _overdue(
        scored, AS_OF, owner)
    # Worked by hand in tests/work/company.py: m1 59 days, e3 30, e1 11, p1 6.
    if owner is None:
        assert _listed(_section(page, "Overdue check-ins")) == ["m1", "e3", "e1", "p1"]


def test_a_touchpoint_logged_after_the_scoring_run_takes_the_account_off(scored: App
                                                                         ) -> None:
    log_activity(scored.store, account_id="e1", kind="call", summary="caught up",
                 actor="anna@csm.io", occurred_at=datetime(2026, 6, 30, 8, 0),
                 now=datetime(2026, 6, 30, 8, 5))
    expected = _overdue(scored, AS_OF, "anna@csm.io")
    assert "e1" not in expected and "p1" in expected
    with _client(scored, AS_OF) as client:
        sign_in(client, "anna@csm.io")
        page = client.get("/").text
        listed = _all_pages(client, checkin="overdue")
    assert sorted(_listed(_section(page, "Overdue check-ins"))) == expected
    assert sorted(listed) == expected


def test_later_days_make_more_check_ins_overdue(scored: App) -> None:
    later = AS_OF + timedelta(days=20)  # e2 was due 2026-07-15
    with _client(scored, later) as client:
        sign_in(client, "anna@csm.io")
        page = client.get("/").text
    assert "e2" in _listed(_section(page, "Overdue check-ins"))


def test_stalled_onboardings_are_those_of_list_plans(scored: App) -> None:
    # e2 started paying on 2026-06-15: a plan from then has milestones due within days;
    # m1's plan started in February is long overdue.
    for account_id, start in (("e2", date(2026, 6, 15)), ("m1", date(2026, 2, 1)),
                              ("e1", date(2026, 6, 28))):
        enrol(scored, account_id=account_id, as_of=AS_OF, started_on=start)
    stalled_after = scored.settings.onboarding.stalled_after_days
    for who, owner in (("bob@csm.io", "bob@csm.io"), ("anna@csm.io", "anna@csm.io"),
                       ("boss@csm.io", None)):
        expected = sorted(p["account_id"] for p in list_plans(
            scored.store, as_of=AS_OF, stalled_after_days=stalled_after, owner=owner))
        with _client(scored, AS_OF) as client:
            sign_in(client, who)
            page = client.get("/").text
        assert sorted(_listed(_section(page, "Stalled onboardings"))) == expected, who
    assert "m1" in expected and "e1" not in expected


def test_my_day_sections_of_a_csm_hold_only_their_book(scored: App) -> None:
    with scored.store.session() as s:
        book = {x.account_id for x in s.query(AccountSnapshot)
                if (x.owner or "").lower() == "bob@csm.io"}
        for x in s.query(AccountSnapshot):  # every account renews soon
            x.renewal_date = AS_OF + timedelta(days=10)
    with _client(scored, AS_OF) as client:
        sign_in(client, "bob@csm.io")
        page = client.get("/").text
        renewing = _all_pages(client, renewal_days=90)
    shown = set(_listed(page))
    assert shown and shown <= book
    assert set(_listed(_section(page, "Renewals"))) == book
    assert sorted(renewing) == sorted(book)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                            marks=pytest.mark.postgres)])
def test_search_and_windows_on_each_backend(backend: str, tmp_path: Path,
                                            request: pytest.FixtureRequest,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from tenure import init_workspace
    from tenure.health.history import snapshot_page

    monkeypatch.delenv("TENURE_APP_DB__URL", raising=False)
    home = tmp_path / "ws"
    home.mkdir()
    if backend == "postgres":
        url = request.getfixturevalue("postgres_db_url")
        (home / "tenure.toml").write_text(f'[app_db]\nurl = "{url}"\n')
    with init_workspace(home) as app:
        with app.store.session() as s:
            for i, name in enumerate(("100% Pure", "1000 Pures", "Snake_Case", "SnakeXCase",
                                      "Back\\slash", "Backslash")):
                snap = _snapshot(f"w-{i}", name, CSM, 50.0, "yellow", 100.0, "smb")
                snap.renewal_date = DAY + timedelta(days=10 * i)
                snap.checkin_due_on = DAY - timedelta(days=i - 2)
                s.add(snap)

        def ids(**kw: Any) -> list[str]:
            return [r["account_id"] for r in snapshot_page(app.store, limit=50, **kw)[0]]

        assert ids(search="%", sort="name") == ["w-0"]
        assert ids(search="e_c", sort="name") == ["w-2"]
        assert ids(search="\\", sort="name") == ["w-4"]
        assert ids(search="PURE", sort="name") == ["w-0", "w-1"]
        assert ids(renewal_between=(DAY + timedelta(days=10), DAY + timedelta(days=30)),
                   sort="renewal") == ["w-1", "w-2", "w-3"]
        # due before DAY: w-3 (1 day before), w-4 (2), w-5 (3): longest overdue first
        assert ids(checkin_due_before=DAY, sort="checkin") == ["w-5", "w-4", "w-3"]
