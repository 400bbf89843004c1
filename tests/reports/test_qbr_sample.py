"""The QBR on the sample company, from the command line: the PDF turned into PNG pages (a test
artifact under test-artifacts/qbr/, or $TENURE_TEST_ARTIFACTS/qbr), its text, and its figures
checked against the warehouse and the app database read directly by the test.

The sample workspace is the one the health tests build (same key and build), so a run of the
whole suite builds it once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image, ImageStat
from tests.health.test_cli_health import make_demo
from tests.test_cli import run
from tests.workspaces import shared_workspace

from tenure.app import build_app
from tenure.metrics import account_metrics

QUARTER = "2026Q2"
START, END = "2026-04-01", "2026-07-01"  # the quarter's days, end excluded
COMPANY = "Brightloop Analytics"
HEADINGS = ("Quarterly business review", "Executive summary", "Usage and adoption",
            "Goal progress", "Onboarding milestones", "Support summary", "NPS and CSAT",
            "Health and risk", "Value delivered")
README = """\
QBR of the sample company (tenure demo --accounts 300 --seed 3 --as-of 2026-06-30), quarter
2026Q2, for the account with the most tickets among those with NPS answers in the quarter;
rendered by tests/reports/test_qbr_sample.py with `pdftoppm -r 60 -png`.

page 1  cover: company, account name, quarter, CSM, segment, plan, ARR, renewal date
page 2  executive summary: health score and change, churn risk, goals, summary sentences
page 3  usage and adoption: MAU/WAU, active user-days, seat utilisation and key features per
        month over four quarters (the reported one shaded), and the quarter's table
page 4  goal progress and onboarding milestones (the sample has none: said in a sentence)
page 5  support summary: tickets opened/resolved/open, SLA breaches, median times, top tags
        and subjects
page 6  NPS and CSAT: NPS, promoters/passives/detractors, CSAT, answers by score, comments
        quoted without the respondent
page 7  health and risk: score over the quarter on the bands, group scores, drags, churn risk
page 8  value delivered: time to value, features adopted, usage growth, touchpoints, QBRs
Every page has the company name and the account in its header and "Page n of N" below.
"""


def artifacts_dir() -> Path:
    root = os.environ.get("TENURE_TEST_ARTIFACTS")
    base = Path(root) if root else Path(__file__).resolve().parents[2] / "test-artifacts"
    return base / "qbr"


def _pick_account(warehouse: Path) -> tuple[str, str]:
    """The account with the most tickets in the quarter among those with at least three NPS
    answers in it (ties: the smaller id), and its name."""
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        return con.execute(
            "SELECT t.account_id, a.name FROM tickets t JOIN accounts a USING (account_id) "
            "WHERE t.created_at >= ? AND t.created_at < ? AND t.account_id IN ("
            "  SELECT account_id FROM survey_responses WHERE survey = 'nps' "
            "  AND responded_at >= ? AND responded_at < ? GROUP BY 1 HAVING count(*) >= 3) "
            "GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1",
            [START, END, START, END]).fetchall()[0]


def _build_report(tmp_path_factory: pytest.TempPathFactory, home: Path) -> dict[str, Any]:
    """Copy the sample, set a company name, run `tenure report qbr` into the artifacts folder;
    the JSON it printed, the account and its name."""
    demo = shared_workspace(tmp_path_factory, "health-demo", make_demo)
    shutil.copytree(demo.home, home)
    toml = home / "tenure.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'name = ""', f'name = "{COMPANY}"', 1), encoding="utf-8")
    account, name = _pick_account(home / "data" / "warehouse.duckdb")
    out = artifacts_dir()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    proc = run("report", "qbr", account, "--quarter", QUARTER, "--out",
               str(out / f"qbr-{QUARTER}.pdf"), "--home", str(home), "--format", "json")
    (out / "README.txt").write_text(README, encoding="utf-8")
    return {"json": json.loads(proc.stdout), "account": account, "name": name}


@pytest.fixture(scope="module")
def qbr(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The report, made once per test run (xdist workers share it, as they share the sample)
    and a private copy of the workspace it was made from."""
    ws = shared_workspace(tmp_path_factory, "qbr-sample",
                          lambda home: _build_report(tmp_path_factory, home))
    data = ws.summary["json"]
    return {**ws.summary, "home": ws.home, "pdf": Path(data["pdf"]),
            "html": Path(data["html"]).read_text(encoding="utf-8")}


def figure(html: str, name: str) -> str:
    m = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert m, name
    return unescape(m.group(1)).strip()


def test_both_files_are_written_where_asked(qbr: dict[str, Any]) -> None:
    out = artifacts_dir()
    assert Path(qbr["json"]["html"]) == out / f"qbr-{QUARTER}.html"
    assert Path(qbr["json"]["pdf"]) == out / f"qbr-{QUARTER}.pdf"
    assert qbr["pdf"].read_bytes()[:5] == b"%PDF-"


def test_pdf_pages_render_to_non_blank_pngs(qbr: dict[str, Any]) -> None:
    out = artifacts_dir()
    proc = subprocess.run(["pdftoppm", "-r", "60", "-png", str(qbr["pdf"]),
                           str(out / "page")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        with Image.open(page) as img:
            # A4 (210 x 297 mm) at 60 dpi is about 496 x 702 pixels; a blank page has no
            # variance at all.
            assert abs(img.width - 496) <= 2 and abs(img.height - 702) <= 2, page
            assert ImageStat.Stat(img.convert("L")).var[0] > 100, page


def test_pdf_text_names_the_account_quarter_and_every_section(qbr: dict[str, Any]) -> None:
    text = subprocess.run(["pdftotext", "-layout", str(qbr["pdf"]), "-"], capture_output=True,
                          text=True, timeout=120, check=True).stdout
    assert qbr["name"] in text and QUARTER in text and COMPANY in text
    for heading in HEADINGS:
        assert heading in text, heading
    pages = text.split("\f")
    count = len([p for p in pages if p.strip()])
    # Every page has the header (company, account · quarter) and its page number.
    for n, page in enumerate(pages[:count], start=1):
        assert COMPANY in page and f"{qbr['name']} · {QUARTER}" in page, n
        assert f"Page {n} of {count}" in page, n


def test_tickets_opened_match_the_warehouse(qbr: dict[str, Any]) -> None:
    with closing(duckdb.connect(str(qbr["home"] / "data" / "warehouse.duckdb"),
                                read_only=True)) as con:
        (opened,) = con.execute(
            "SELECT count(*) FROM tickets WHERE account_id = ? AND created_at >= ? "
            "AND created_at < ?", [qbr["account"], START, END]).fetchall()[0]
    assert opened >= 3  # the pick has tickets to summarise
    assert qbr["json"]["support"]["opened"] == opened
    assert figure(qbr["html"], "tickets-opened") == str(opened)


def test_nps_is_worked_from_the_answers(qbr: dict[str, Any]) -> None:
    with closing(duckdb.connect(str(qbr["home"] / "data" / "warehouse.duckdb"),
                                read_only=True)) as con:
        scores = [s for (s,) in con.execute(
            "SELECT score FROM survey_responses WHERE account_id = ? AND survey = 'nps' "
            "AND responded_at >= ? AND responded_at < ?",
            [qbr["account"], START, END]).fetchall()]
    # Bain's definition: % promoters (9-10) minus % detractors (0-6).
    promoters = len([s for s in scores if s >= 9])
    detractors = len([s for s in scores if s <= 6])
    nps = 100 * (promoters - detractors) / len(scores)
    voice = qbr["json"]["voice"]
    assert voice["nps_responses"] == len(scores)
    assert voice["nps"] == pytest.approx(nps)
    assert figure(qbr["html"], "nps") == f"{nps:.0f}"


def test_latest_health_score_is_the_app_databases(qbr: dict[str, Any]) -> None:
    with closing(sqlite3.connect(qbr["home"] / "data" / "app.db")) as con:
        day, score = con.execute(
            "SELECT day, score FROM health_history WHERE account_id = ? AND day >= ? "
            "AND day < ? ORDER BY day DESC LIMIT 1", [qbr["account"], START, END]).fetchone()
    latest = qbr["json"]["health"]["latest"]
    assert (latest["day"], latest["score"]) == (day, pytest.approx(score))
    assert figure(qbr["html"], "health-score") == f"{score:.1f}"


def test_usage_is_the_per_account_metrics_at_month_end(qbr: dict[str, Any]) -> None:
    may = next(u for u in qbr["json"]["usage"] if u["month"] == "2026-05")
    with build_app(qbr["home"]) as app:
        frame = account_metrics(app, as_of=date(2026, 5, 31),
                                metrics=["mau", "active_user_days", "seat_utilization"])
    row = frame[frame["account_id"] == qbr["account"]].iloc[0]
    assert may["mau"] == row["mau"] and may["active_user_days"] == row["active_user_days"]
    assert may["seat_utilization"] == pytest.approx(row["seat_utilization"])
    assert len(qbr["json"]["usage"]) == 12  # 2025Q3 .. 2026Q2, month by month


def test_no_contact_identity_in_the_report(qbr: dict[str, Any]) -> None:
    with closing(duckdb.connect(str(qbr["home"] / "data" / "warehouse.duckdb"),
                                read_only=True)) as con:
        people = con.execute("SELECT email, name FROM contacts WHERE account_id = ?",
                             [qbr["account"]]).fetchall()
    assert people
    for email, name in people:
        assert email not in qbr["html"]
        assert not name or name not in qbr["html"]
