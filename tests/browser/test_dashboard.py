"""A CSM's day on the dashboard, in Debian's chromium: sign in through the form, see only
their own book, be refused another book's account, open an account, complete a task with an
outcome, log a note, sign out.

Every check is against the workspace's databases read by the test itself (the warehouse's
`accounts` with DuckDB before the server starts, the app database with sqlite3), never
against what the pages say about themselves. The session must raise no console error, no
uncaught exception and no Content-Security-Policy violation. A full-page screenshot of each
step is kept in test-artifacts/browser/ (README.txt there lists them).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import duckdb
from tests.browser.conftest import Watch, artifacts_dir, serving
from tests.test_cli import run
from tests.workspaces import Workspace

if TYPE_CHECKING:
    from playwright.sync_api import Page

OUTCOME = "saved"
NOTE = "Sponsor confirmed the renewal budget <Q3> & asked for a training plan."
SUMMARY = "Called the champion: adoption plan agreed — follow up in two weeks."
README = """\
Screenshots of tests/browser/test_dashboard.py: a CSM's session on the dashboard served by
`tenure serve` on the sample company (tenure demo --accounts 300 --seed 3 --as-of
2026-06-30), in Debian's chromium (headless, 1280 px wide, full pages).

01-login.png            the sign-in form (an anonymous visit to / is sent there)
02-my-day.png           My day after signing in: the CSM's open tasks and renewals
03-accounts.png         Accounts, first page: only the CSM's book
04-other-book-404.png   another CSM's account: a 404 page
05-account.png          Account 360 of one of the CSM's accounts, health history chart drawn
06-task-completed.png   after completing a task (outcome "saved", with a note)
07-note-logged.png      after logging a note
08-signed-out.png       after signing out: the sign-in form again
"""


@dataclass(frozen=True)
class Book:
    """What the databases say, before the browser looks: the CSM, their accounts and the
    account and task the test works on."""

    csm: str
    accounts: dict[str, str]  # account id -> name: the CSM's book in the warehouse
    open_tasks: int  # open tasks on the CSM's accounts
    other_account: str  # an account of another book
    account: str  # one of the CSM's accounts with an open task and a health history
    account_name: str
    history_days: int
    task_id: int
    task_title: str


def app_rows(home: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(home / "data" / "app.db")) as con:
        return con.execute(sql, params).fetchall()


def read_book(home: Path) -> Book:
    """The CSM is the owner with the most accounts having open tasks (ties: the first email);
    read before the server holds the warehouse."""
    with closing(duckdb.connect(str(home / "data" / "warehouse.duckdb"),
                                read_only=True)) as con:
        owners = {a: (o, n) for a, o, n in
                  con.execute("SELECT account_id, owner, name FROM accounts").fetchall()}
    tasks = app_rows(home, "SELECT id, account_id, title FROM tasks WHERE status = 'open' "
                           "ORDER BY id")
    per_owner = Counter(owners[a][0].lower() for a in {a for _, a, _ in tasks})
    csm = min(per_owner, key=lambda o: (-per_owner[o], o))
    mine = {a: n for a, (o, n) in owners.items() if o is not None and o.lower() == csm}
    # The book as the warehouse says; the app's snapshots (what the pages list) agree.
    snap = app_rows(home, "SELECT account_id FROM account_snapshots WHERE lower(owner) = ?",
                    (csm,))
    assert {a for (a,) in snap} == set(mine)
    days = dict(app_rows(home, "SELECT account_id, count(*) FROM health_history "
                               "GROUP BY account_id"))
    titles = Counter((a, t) for _, a, t in tasks)
    task_id, account, title = next(
        (i, a, t) for i, a, t in tasks
        if a in mine and days.get(a, 0) >= 2 and titles[a, t] == 1)
    other = min(a for a, (o, _) in owners.items() if (o or "").lower() != csm)
    return Book(csm=csm, accounts=mine, open_tasks=sum(a in mine for _, a, _ in tasks),
                other_account=other, account=account, account_name=mine[account],
                history_days=days[account], task_id=task_id, task_title=title)


def add_csm(home: Path, email: str) -> str:
    """`tenure user add EMAIL --role csm`: the password it prints once."""
    proc = run("user", "add", email, "--role", "csm", "--home", str(home), "--format", "json")
    return str(json.loads(proc.stdout)["password"])


class Shots:
    """Numbered full-page screenshots in the artifacts folder (emptied first)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dir = artifacts_dir()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        (self.dir / "README.txt").write_text(README, encoding="utf-8")
        self.n = 0

    def __call__(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.dir / f"{self.n:02d}-{name}.png"), full_page=True)


def account_ids_listed(page: Page) -> list[str]:
    """The accounts the table of the page links to, in order."""
    hrefs = page.locator("main table a[href^='/accounts/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return [unquote(h.removeprefix("/accounts/")) for h in hrefs]


def test_a_csm_works_their_book_in_the_browser(
        watched: tuple[Page, Watch], sample: Workspace, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page, watch = watched
    home = shutil.copytree(sample.home, tmp_path / "home")
    book = read_book(home)
    password = add_csm(home, book.csm)
    shot = Shots(page)

    with serving(home, tmp_path / "serve.log") as base:
        # 1. An anonymous visit is sent to the sign-in form; signing in lands on My day.
        page.goto(f"{base}/")
        expect(page).to_have_url(re.compile(re.escape(f"{base}/login?next=")))
        shot("login")
        page.get_by_label("Email").fill(book.csm)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page).to_have_url(f"{base}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("My day")
        # A CSM's tasks are the open tasks of their book.
        expect(page.get_by_role("heading", name=re.compile(r"^Open tasks"))).to_have_text(
            f"Open tasks ({book.open_tasks})")
        shot("my-day")

        # 2. Accounts, every page: exactly the CSM's book, as many as the heading says.
        page.get_by_role("navigation").get_by_role("link", name="Accounts").click()
        expect(page).to_have_url(f"{base}/accounts")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Accounts {len(book.accounts)}")
        shot("accounts")
        listed: list[str] = []
        while True:
            listed += account_ids_listed(page)
            following = page.get_by_role("link", name="Next", exact=True)
            if not following.count():
                break
            following.click()
            page.wait_for_load_state()
        assert len(listed) == len(set(listed)), "an account is listed twice"
        assert set(listed) == set(book.accounts)

        # 3. Another book's account is a 404 page, as an unknown one would be.
        response = page.goto(f"{base}/accounts/{book.other_account}")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        shot("other-book-404")

        # 4. From My day, open one of the CSM's accounts; its health history is drawn, one
        # marker a recorded day.
        page.get_by_role("link", name=re.compile("My day")).first.click()
        expect(page).to_have_url(f"{base}/")
        page.get_by_role("link", name=book.account_name, exact=True).first.click()
        expect(page).to_have_url(f"{base}/accounts/{book.account}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(book.account_name)
        history = page.get_by_role("heading", name="Health history", exact=True)
        chart_id = history.locator("xpath=..").locator("script[data-chart]").get_attribute(
            "data-chart")
        chart = page.locator(f"[id='{chart_id}']")
        expect(chart).to_have_class(re.compile(r"\bjs-plotly-plot\b"))
        expect(chart.locator("svg.main-svg").first).to_be_visible()
        expect(chart.locator(".scatterlayer .point")).to_have_count(book.history_days)
        shot("account")

        # ... complete the task with an outcome and a note: done, and gone from the page.
        task = page.locator("article").filter(
            has=page.get_by_role("heading", name=book.task_title))
        expect(task).to_have_count(1)
        task.get_by_label("Outcome").select_option(OUTCOME)
        task.get_by_label("Note").fill(NOTE)
        task.get_by_role("button", name="Complete", exact=True).click()
        expect(page).to_have_url(f"{base}/accounts/{book.account}?done=task")
        expect(page.get_by_role("status")).to_have_text("Task completed.")
        expect(page.locator("article").filter(
            has=page.get_by_role("heading", name=book.task_title))).to_have_count(0)
        shot("task-completed")
        assert app_rows(home, "SELECT status, outcome, outcome_note, closed_by, closed_at "
                              "IS NOT NULL FROM tasks WHERE id = ?", (book.task_id,)) == [
            ("closed", OUTCOME, NOTE, book.csm, 1)]

        # 5. Log a note: a touchpoint by the CSM, now.
        log = page.locator("form").filter(has=page.get_by_role("button", name="Log", exact=True))
        log.get_by_label("Kind").select_option("note")
        log.get_by_label("Summary").fill(SUMMARY)
        log.get_by_role("button", name="Log", exact=True).click()
        expect(page).to_have_url(f"{base}/accounts/{book.account}?done=note")
        expect(page.get_by_role("status")).to_have_text("Note logged.")
        shot("note-logged")
        assert app_rows(home, "SELECT account_id, kind, actor FROM logged_activities "
                              "WHERE summary = ?", (SUMMARY,)) == [
            (book.account, "note", book.csm)]

        # 7. Sign out: the sign-in form again, and the pages send there.
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page).to_have_url(f"{base}/login")
        shot("signed-out")
        page.goto(f"{base}/accounts")
        assert urlsplit(page.url).path == "/login"
        assert parse_qs(urlsplit(page.url).query) == {"next": ["/accounts"]}
        expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()

    # 6. Nothing went wrong in the browser along the way, apart from the one 404 asked for.
    expected_404 = f"console error on {base}/accounts/{book.other_account}: Failed to load " \
                   "resource: the server responded with a status of 404 (Not Found)"
    problems = [p for p in watch.problems if p != expected_404]
    assert not problems, "\n".join(problems)
