"""The QBR on a small world worked by hand: one account, a handful of tickets, survey answers,
activities and events, health history, goals and an onboarding plan. Every expected figure is
counted in the comments from the rows below, not taken from the report code.

The quarter is 2026Q2 and "today" is 2026-06-15: a running quarter, so rows after today (and
before the quarter) must be left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.test_cli import run

import tenure
from tenure import App, init_workspace
from tenure.errors import ReportError
from tenure.reports import (
    QbrReport,
    output_paths,
    parse_quarter,
    qbr_report,
    render_html,
    write_qbr,
)
from tenure.store.models import (
    AccountExplanation,
    AccountSnapshot,
    HealthHistory,
    OnboardingMilestone,
    OnboardingPlan,
    SuccessGoal,
)

TODAY = date(2026, 6, 15)
ACCOUNT = "acct_1"
NAME = "Acme <Labs> & Co"  # markup in a name must come out as text


def _csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


WORLD: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"account_id": ACCOUNT, "name": NAME, "segment": "enterprise",
         "owner": "csm@vendor.example", "created_at": "2025-01-01T00:00:00Z"},
        {"account_id": "acct_quiet", "name": "Quiet Ltd", "segment": "smb",
         "created_at": "2025-01-01T00:00:00Z"},
    ],
    "contacts": [
        {"contact_id": "c1", "account_id": ACCOUNT, "email": "jane.doe@acme.example",
         "name": "Jane Doe"},
    ],
    "subscriptions": [
        {"subscription_id": "s1", "account_id": ACCOUNT, "mrr": 1000, "valid_from": "2025-01-01",
         "plan": "pro", "seats": 10, "renewal_date": "2027-01-01"},
        {"subscription_id": "s2", "account_id": "acct_quiet", "mrr": 50,
         "valid_from": "2025-01-01", "plan": "starter"},
    ],
    "tickets": [
        # Before the quarter, resolved in it: resolved, not opened.
        {"ticket_id": "t1", "account_id": ACCOUNT, "created_at": "2026-03-30T10:00:00Z",
         "first_response_at": "2026-03-30T11:00:00Z", "resolved_at": "2026-04-02T10:00:00Z",
         "priority": "normal", "status": "closed", "subject": "Login fails", "tags": "access"},
        # Opened and resolved in the quarter, rated 4.
        {"ticket_id": "t2", "account_id": ACCOUNT, "created_at": "2026-04-10T08:00:00Z",
         "first_response_at": "2026-04-10T10:00:00Z", "resolved_at": "2026-04-11T08:00:00Z",
         "priority": "normal", "status": "closed", "subject": "Chart does not load",
         "tags": "bug,vip", "satisfaction": 4},
        # Opened in the quarter, still open.
        {"ticket_id": "t3", "account_id": ACCOUNT, "created_at": "2026-05-05T08:00:00Z",
         "priority": "high", "status": "open", "subject": "Chart does not load", "tags": "bug"},
        # After today: not in the report.
        {"ticket_id": "t4", "account_id": ACCOUNT, "created_at": "2026-06-20T08:00:00Z",
         "priority": "low", "status": "new", "subject": "Later", "tags": "later"},
    ],
    "survey_responses": [
        {"response_id": "r1", "account_id": ACCOUNT, "survey": "nps", "score": 10,
         "responded_at": "2026-04-03T09:00:00Z", "comment": "Great tool"},
        {"response_id": "r2", "account_id": ACCOUNT, "survey": "nps", "score": 9,
         "responded_at": "2026-04-20T09:00:00Z"},
        {"response_id": "r3", "account_id": ACCOUNT, "survey": "nps", "score": 9,
         "responded_at": "2026-05-02T09:00:00Z"},
        {"response_id": "r4", "account_id": ACCOUNT, "survey": "nps", "score": 7,
         "responded_at": "2026-05-20T09:00:00Z"},
        {"response_id": "r5", "account_id": ACCOUNT, "survey": "nps", "score": 3,
         "responded_at": "2026-06-01T09:00:00Z", "contact_id": "c1",
         "comment": "Jane Doe here: it breaks, mail jane.doe@acme.example"},
        {"response_id": "r6", "account_id": ACCOUNT, "survey": "nps", "score": 0,
         "responded_at": "2026-03-31T09:00:00Z"},  # before the quarter
        {"response_id": "r7", "account_id": ACCOUNT, "survey": "nps", "score": 0,
         "responded_at": "2026-06-20T09:00:00Z"},  # after today
        {"response_id": "r8", "account_id": ACCOUNT, "survey": "csat", "score": 5,
         "responded_at": "2026-04-12T09:00:00Z"},
        {"response_id": "r9", "account_id": ACCOUNT, "survey": "csat", "score": 2,
         "responded_at": "2026-05-06T09:00:00Z"},
    ],
    "activities": [
        {"activity_id": "a1", "account_id": ACCOUNT, "kind": "call",
         "occurred_at": "2026-04-15T10:00:00Z", "actor": "csm@vendor.example"},
        {"activity_id": "a2", "account_id": ACCOUNT, "kind": "email",
         "occurred_at": "2026-04-16T10:00:00Z", "actor": "automation"},
        {"activity_id": "a3", "account_id": ACCOUNT, "kind": "qbr",
         "occurred_at": "2026-05-20T10:00:00Z", "actor": "csm@vendor.example"},
        {"activity_id": "a4", "account_id": ACCOUNT, "kind": "webinar",
         "occurred_at": "2026-05-01T10:00:00Z"},
        {"activity_id": "a5", "account_id": ACCOUNT, "kind": "call",
         "occurred_at": "2026-01-15T10:00:00Z", "actor": "csm@vendor.example"},  # Q1
    ],
    "events": [
        {"account_id": ACCOUNT, "event": "report_created", "timestamp": "2026-05-20T10:00:00Z",
         "user_id": "u1", "event_id": "e1"},
        {"account_id": ACCOUNT, "event": "report_created", "timestamp": "2026-06-10T10:00:00Z",
         "user_id": "u1", "event_id": "e2"},
        {"account_id": ACCOUNT, "event": "dashboard_created",
         "timestamp": "2026-06-10T11:00:00Z", "user_id": "u2", "event_id": "e3"},
    ],
}


def _store_app_rows(app: App) -> None:
    now = datetime(2026, 6, 14, 12, 0)
    with app.store.session() as s:
        for day, score, band in [(date(2026, 3, 31), 20.0, "red"),  # before the quarter
                                 (date(2026, 4, 1), 60.0, "yellow"),
                                 (date(2026, 6, 1), 45.0, "red"),
                                 (date(2026, 6, 14), 70.0, "yellow"),
                                 (date(2026, 6, 20), 99.0, "green")]:  # after today
            s.add(HealthHistory(account_id=ACCOUNT, day=day, score=score, band=band))
        explanation = [{"group": "adoption", "label": "Product adoption", "score": 80.0,
                        "weight": 0.6},
                       {"group": "support", "label": "Support", "score": 40.0, "weight": 0.4}]
        s.add(AccountSnapshot(
            account_id=ACCOUNT, as_of=date(2026, 6, 14), name=NAME, segment="enterprise",
            owner="csm@vendor.example", lifecycle="active", mrr=1000.0, currency="USD",
            score=70.0, band="yellow",
            drags=json.dumps(["2 tickets opened in 90 days", "few key features"]),
            scored_at=now, churn_probability=0.23, churn_horizon_days=90,
            churn_drivers=json.dumps(["seat utilisation fell"]), churn_model="m1"))
        s.add(AccountExplanation(account_id=ACCOUNT, explanation=json.dumps(explanation)))
        s.add(SuccessGoal(account_id=ACCOUNT, title="Roll out to sales", metric="mau",
                          baseline=0.0, target=50.0, current=25.0, progress=0.5,
                          due_on=date(2026, 9, 30), status="open", created_at=now,
                          updated_at=now))
        s.add(SuccessGoal(account_id=ACCOUNT, title="Five active users", target=5.0,
                          current=5.0, progress=1.0, due_on=date(2026, 6, 30),
                          status="achieved", achieved_on=date(2026, 5, 2), created_at=now,
                          updated_at=now))
        plan = OnboardingPlan(account_id=ACCOUNT, template="enterprise",
                              started_on=date(2026, 4, 1), status="active", created_at=now)
        s.add(plan)
        s.flush()
        s.add(OnboardingMilestone(plan_id=plan.id, account_id=ACCOUNT, key="kickoff",
                                  title="Kickoff held", position=1, due_on=date(2026, 4, 5),
                                  completed_on=date(2026, 4, 3)))
        s.add(OnboardingMilestone(plan_id=plan.id, account_id=ACCOUNT, key="integration",
                                  title="Integration live", position=2,
                                  due_on=date(2026, 5, 1)))


def build_world(home: Path, app_db_url: str | None = None) -> App:
    if app_db_url:
        home.mkdir(parents=True)
        (home / "tenure.toml").write_text(f'[app_db]\nurl = "{app_db_url}"\n', encoding="utf-8")
    app = init_workspace(home)
    files = home.parent / "files"
    files.mkdir()
    for table, rows in WORLD.items():
        result = tenure.import_file(app, table, _csv(files / f"{table}.csv", rows))
        assert result.rejected == 0, (table, result)
    _store_app_rows(app)
    return app


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = build_world(tmp_path_factory.mktemp("qbr-world") / "ws")
    yield app
    app.close()


@pytest.fixture(scope="module")
def report(world: App) -> QbrReport:
    return qbr_report(world, account_id=ACCOUNT, quarter="2026Q2", today=TODAY)


@pytest.fixture(scope="module")
def html(report: QbrReport) -> str:
    return render_html(report)


def figure(html: str, name: str) -> str:
    """The text of the element marked data-figure=name."""
    m = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert m, name
    return unescape(m.group(1)).strip()


def test_quarters_parse_to_calendar_quarters() -> None:
    q = parse_quarter("2026Q3")
    assert (q.start, q.end, q.label) == (date(2026, 7, 1), date(2026, 9, 30), "2026Q3")
    assert parse_quarter("2024q1").end == date(2024, 3, 31)
    assert parse_quarter(" 2026-Q4 ").end == date(2026, 12, 31)
    assert parse_quarter("2026Q1").shifted(-1).label == "2025Q4"
    for bad in ("2026Q5", "Q3 2026", "2026-07", "", "26Q1"):
        with pytest.raises(ReportError, match="YYYYQn"):
            parse_quarter(bad)


def test_running_quarter_is_reported_up_to_today(report: QbrReport, html: str) -> None:
    assert report.through == TODAY and report.running
    assert "still running: reported up to 2026-06-15" in html
    # Twelve months: 2025-07 .. 2026-06, June measured on today.
    assert report.usage[0].month == "2025-07"
    assert report.usage[-1].month == "2026-06" and report.usage[-1].as_of == TODAY
    assert [u.in_quarter for u in report.usage].count(True) == 3


def test_cover_has_the_account_and_escapes_markup(report: QbrReport, html: str) -> None:
    assert report.account.plan == "pro" and report.account.segment == "enterprise"
    assert report.account.owner == "csm@vendor.example"
    assert report.account.arr == 12000.0  # 12 x MRR 1000
    assert report.account.renewal_date == date(2027, 1, 1)
    assert figure(html, "arr") == "USD 12,000"
    assert "Acme &lt;Labs&gt; &amp; Co" in html and NAME not in html


def test_support_counts_the_quarter_up_to_today(report: QbrReport, html: str) -> None:
    s = report.support
    assert s.opened == 2  # t2, t3 (t1 before the quarter, t4 after today)
    assert s.resolved == 2  # t1 (resolved 04-02) and t2
    assert s.open_at_end == 1  # t3
    assert s.satisfaction_count == 1 and s.satisfaction_mean == 4.0  # t2 only
    assert s.first_response_hours_median == 2.0  # t2: 08:00 -> 10:00 (t3 never answered)
    assert s.top_tags == [("bug", 2), ("vip", 1)]
    assert s.top_subjects == [("Chart does not load", 2)]
    assert figure(html, "tickets-opened") == "2"
    assert figure(html, "tickets-resolved") == "2"
    assert "later" not in [t for t, _ in s.top_tags]


def test_nps_and_csat_worked_by_hand(report: QbrReport, html: str) -> None:
    v = report.voice
    # In the quarter up to today: 10, 9, 9, 7, 3 -> promoters 3, passives 1, detractors 1.
    assert (v.nps_responses, v.promoters, v.passives, v.detractors) == (5, 3, 1, 1)
    assert v.nps == pytest.approx(40.0)  # 100 x (3 - 1) / 5
    assert v.nps_scores[9] == 2 and v.nps_scores[0] == 0
    assert v.csat == pytest.approx(0.5) and v.csat_mean == pytest.approx(3.5)  # 5 and 2
    assert figure(html, "nps") == "40"
    assert figure(html, "csat") == "50%"


def test_comments_are_quoted_without_who_wrote_them(report: QbrReport, html: str) -> None:
    texts = [c.text for c in report.voice.comments]
    assert texts == ["[name] here: it breaks, mail [email]", "Great tool"]  # newest first
    assert "jane.doe@acme.example" not in html and "Jane Doe" not in html


def test_health_over_the_quarter_and_its_drivers(report: QbrReport, html: str) -> None:
    h = report.health
    assert [p.day for p in h.points] == [date(2026, 4, 1), date(2026, 6, 1), date(2026, 6, 14)]
    assert h.latest is not None and h.latest.score == 70.0
    assert figure(html, "health-score") == "70.0"
    assert report.summary[0] == ("Health is yellow at 70.0 on 2026-06-14, up 10.0 points "
                                 "since 2026-04-01 (60.0).")
    assert "Churn risk: 23% within 90 days" in report.summary[1]
    assert "seat utilisation fell" in html and "2 tickets opened in 90 days" in html
    assert [g.label for g in h.groups] == ["Product adoption", "Support"]


def test_goals_milestones_and_value(report: QbrReport, html: str) -> None:
    assert [g.title for g in report.goals] == ["Five active users", "Roll out to sales"]
    assert [(m.title, m.status) for m in report.milestones] == [
        ("Kickoff held", "done"), ("Integration live", "overdue")]
    x = report.value
    assert x.goals_achieved == 1 and x.milestones_achieved == 1
    assert x.touchpoints == 2  # the call and the QBR; the automated email does not count
    assert x.qbrs == 1 and x.programs == 1  # the webinar
    assert figure(html, "touchpoints") == "2"
    # MAU at today (05-17..06-15): u1, u2; at 2026-05-31 (05-02..05-31): u1; April: nobody.
    assert [u.mau for u in report.usage if u.in_quarter] == [0.0, 1.0, 2.0]
    assert x.mau_mean == pytest.approx(1.0)  # (0 + 1 + 2) / 3
    assert x.mau_growth is None  # nobody active the quarter before: no growth rate
    assert "width: 50%" in html  # the progress bar of the goal half way


def test_sections_without_data_say_so(world: App) -> None:
    quiet = qbr_report(world, account_id="acct_quiet", quarter="2026Q2", today=TODAY)
    page = render_html(quiet)
    for sentence in ("No success goals are recorded for this account.",
                     "This account has no onboarding plan.",
                     "No tickets were opened or resolved in the quarter.",
                     "No NPS or CSAT answers were received in the quarter.",
                     "No health scores were recorded in the quarter.",
                     "No activities were logged with this account in the quarter."):
        assert sentence in page, sentence


def test_errors_are_report_errors(world: App) -> None:
    with pytest.raises(ReportError, match="no account 'nope'"):
        qbr_report(world, account_id="nope", quarter="2026Q2", today=TODAY)
    with pytest.raises(ReportError, match="YYYYQn"):
        qbr_report(world, account_id=ACCOUNT, quarter="2026Q7", today=TODAY)
    with pytest.raises(ReportError, match="has not started"):
        qbr_report(world, account_id=ACCOUNT, quarter="2026Q3", today=TODAY)


def test_out_names_give_both_files() -> None:
    for given in ("r", "r.pdf", "r.html"):
        assert output_paths(Path("/x") / given) == (Path("/x/r.html"), Path("/x/r.pdf"))
    assert output_paths(Path("q2.v1")) == (Path("q2.v1.html"), Path("q2.v1.pdf"))


def test_write_qbr_writes_html_and_pdf(report: QbrReport, tmp_path: Path) -> None:
    html_path, pdf_path = write_qbr(report, tmp_path / "sub" / "acme.pdf")
    assert html_path == tmp_path / "sub" / "acme.html"
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    assert "data:image/svg+xml;base64," in html_path.read_text(encoding="utf-8")
    assert sorted(p.name for p in html_path.parent.iterdir()) == ["acme.html", "acme.pdf"]


def error_line(proc: Any) -> str:
    assert proc.returncode == 10, proc.stderr  # ReportError
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return str(lines[0])


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    init_workspace(home).close()
    out = tmp_path / "r"
    base = ("report", "qbr", "--home", str(home), "--out", str(out))
    assert "no account 'nope'" in error_line(run(*base, "nope", "--quarter", "2026Q2",
                                                 check=False))
    assert "has not started" in error_line(run(*base, "nope", "--quarter", "2999Q1",
                                               check=False))
    assert not out.with_suffix(".html").exists() and not out.with_suffix(".pdf").exists()


@pytest.mark.postgres
def test_report_reads_the_app_database_on_postgres(tmp_path: Path,
                                                   postgres_db_url: str) -> None:
    app = build_world(tmp_path / "ws", postgres_db_url)
    try:
        assert app.store.dialect == "postgresql"
        r = qbr_report(app, account_id=ACCOUNT, quarter="2026Q2", today=TODAY)
    finally:
        app.close()
    # The same hand-worked figures as on SQLite: goals, milestones and health history.
    assert [g.title for g in r.goals] == ["Five active users", "Roll out to sales"]
    assert [m.status for m in r.milestones] == ["done", "overdue"]
    assert r.health.latest is not None and r.health.latest.score == 70.0
    assert r.value.goals_achieved == 1
