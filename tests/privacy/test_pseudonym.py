"""Pseudonymised exports: no raw identifier in the file, the same person hashed alike in every
table, another key giving other hashes, and a clear refusal without a key. The expected
hashes are computed by Python's hmac module (RFC 2104), independently of the SQL the
warehouse runs."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from tests.helpers import write_text
from tests.test_cli import run

import tenure
from tenure import App
from tenure.errors import ConfigError
from tenure.privacy.pseudonym import KEY_ENV, export_table, hmac_sql, pseudonym_key
from tenure.store import AuditEntry

KEY = b"0123456789abcdef-test-key"
OTHER = b"fedcba9876543210-other-key"
NOW = __import__("datetime").datetime(2026, 7, 1, 9, 0)

ACCOUNTS = "account_id,name,owner\na1,Alpha,ann@example.com\n"
CONTACTS = """contact_id,account_id,email,name,title
c-jane,a1,jane.roe@alpha.example,Jane Roe,CTO
c-sam,a1,sam.poe@alpha.example,Sam Poe,Analyst
"""
EVENTS = """event_id,account_id,event,timestamp,user_id,properties
e1,a1,login,2026-06-01T10:00:00Z,c-jane,"{""email"": ""jane.roe@alpha.example""}"
e2,a1,report_created,2026-06-02T10:00:00Z,c-sam,{}
e3,a1,login,2026-06-03T10:00:00Z,c-jane,{}
"""
SURVEYS = """response_id,account_id,survey,score,responded_at,contact_id,comment,phone
r1,a1,nps,3,2026-06-05T00:00:00Z,c-jane,Jane Roe here: slow exports,+49 170 1234567
"""
RAW = ["c-jane", "c-sam", "jane.roe@alpha.example", "sam.poe@alpha.example", "Jane Roe",
       "Sam Poe", "ann@example.com", "slow exports", "+49 170 1234567", "CTO"]


def h(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def company(app: App, tmp_path: Path) -> App:
    for table, text in (("accounts", ACCOUNTS), ("contacts", CONTACTS), ("events", EVENTS),
                        ("survey_responses", SURVEYS)):
        tenure.import_file(app, table, write_text(tmp_path / f"{table}.csv", text))
    return app


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_sql_hmac_matches_rfc_2104(company: App) -> None:
    long_key = b"k" * 100  # longer than SHA-256's block: hashed first
    for key in (KEY, long_key):
        got = company.warehouse.con.execute(
            f"SELECT {hmac_sql('v', key)} FROM (SELECT unnest(['c-jane', 'é ü 漢', '']) AS v)"
        ).fetchall()
        assert [g[0] for g in got] == [h(key, "c-jane"), h(key, "é ü 漢"), h(key, "")]


def test_no_raw_identifier_and_the_same_person_hashes_alike(company: App,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = {}
    for table in ("contacts", "events", "survey_responses", "accounts"):
        result = export_table(company, table, out / f"{table}.csv", pseudonymize=True,
                              key=KEY, now=NOW)
        files[table] = result.out
    for path in out.iterdir():  # the data files and their manifests
        data = path.read_bytes()
        for raw in RAW:
            assert raw.encode() not in data, (path.name, raw)
    contacts = read_csv(files["contacts"])
    events = read_csv(files["events"])
    surveys = read_csv(files["survey_responses"])
    assert {r["contact_id"] for r in contacts} == {h(KEY, "c-jane"), h(KEY, "c-sam")}
    assert {r["email"] for r in contacts} == {h(KEY, "jane.roe@alpha.example"),
                                              h(KEY, "sam.poe@alpha.example")}
    # Jane in events.user_id and survey_responses.contact_id: one hash, joinable.
    jane = h(KEY, "c-jane")
    assert [r["user_id"] for r in sorted(events, key=lambda r: r["event_id"])] == [
        jane, h(KEY, "c-sam"), jane]
    assert surveys[0]["contact_id"] == jane
    assert read_csv(files["accounts"])[0]["owner"] == h(KEY, "ann@example.com")
    # Names, titles, comments, properties and attributes are left out, not blanked.
    assert "name" not in contacts[0] and "title" not in contacts[0]
    assert "comment" not in surveys[0] and "attributes" not in surveys[0]
    assert "properties" not in events[0]
    assert surveys[0]["score"] == "3" and events[0]["event"] == "login"
    manifest = json.loads((out / "contacts.csv.manifest.json").read_text())
    assert manifest["hashed_columns"] == ["contact_id", "email"]
    assert set(manifest["left_out_columns"]) == {"name", "title", "attributes"}
    assert manifest["rows"] == 2


def test_another_key_gives_other_hashes(company: App, tmp_path: Path) -> None:
    a = export_table(company, "events", tmp_path / "a.csv", pseudonymize=True, key=KEY,
                     now=NOW)
    b = export_table(company, "events", tmp_path / "b.csv", pseudonymize=True, key=OTHER,
                     now=NOW)
    ua = {r["user_id"] for r in read_csv(a.out)}
    ub = {r["user_id"] for r in read_csv(b.out)}
    assert len(ua) == len(ub) == 2 and not ua & ub
    assert ub == {h(OTHER, "c-jane"), h(OTHER, "c-sam")}


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_other_formats(company: App, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"events.{fmt}"
    export_table(company, "events", out, fmt=fmt, pseudonymize=True, key=KEY, now=NOW)
    if fmt == "parquet":
        users = pq.read_table(out).column("user_id").to_pylist()
    else:
        users = [json.loads(line)["user_id"] for line in out.read_text().splitlines()]
    assert sorted(users) == sorted([h(KEY, "c-jane"), h(KEY, "c-sam"), h(KEY, "c-jane")])
    assert b"c-jane" not in out.read_bytes()


def test_a_missing_or_short_key_is_refused_with_what_to_do() -> None:
    with pytest.raises(ConfigError, match=f"set {KEY_ENV}"):
        pseudonym_key({})
    with pytest.raises(ConfigError, match="shorter than 16"):
        pseudonym_key({KEY_ENV: "short"})
    assert pseudonym_key({KEY_ENV: KEY.decode()}) == KEY


def test_exports_are_audited(company: App, tmp_path: Path) -> None:
    export_table(company, "events", tmp_path / "e.csv", pseudonymize=True, key=KEY, now=NOW,
                 actor="analyst@example.com")
    export_table(company, "accounts", tmp_path / "a.csv", now=NOW)
    with company.store.session() as s:
        entries = [(a.action, a.object_id, a.user_email, json.loads(a.detail or "{}"))
                   for a in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert [(a, o, u) for a, o, u, _ in entries] == [
        ("privacy.export_pseudonymized", "events", "analyst@example.com"),
        ("export.table", "accounts", None)]
    assert entries[0][3]["rows"] == 3 and entries[0][3]["hashed"] == ["user_id"]


def test_cli_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "ws"
    with tenure.init_workspace(home) as app:
        for table, text in (("accounts", ACCOUNTS), ("contacts", CONTACTS)):
            tenure.import_file(app, table, write_text(tmp_path / f"{table}.csv", text))
    monkeypatch.delenv(KEY_ENV, raising=False)
    out = tmp_path / "export" / "contacts.csv"
    refused = run("export", "contacts", "--out", str(out), "--pseudonymize", "--home",
                  str(home), check=False)
    assert refused.returncode == 2 and f"set {KEY_ENV}" in refused.stderr
    assert "Traceback" not in refused.stderr and not out.exists()
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    done = run("export", "contacts", "--out", str(out), "--pseudonymize", "--home", str(home))
    assert "Exported 2 rows of contacts" in done.stdout and "left out: name" in done.stdout
    assert b"jane.roe" not in out.read_bytes()
    assert {r["contact_id"] for r in read_csv(out)} == {h(KEY, "c-jane"), h(KEY, "c-sam")}
    unknown = run("export", "people", "--out", str(out), "--home", str(home), check=False)
    assert unknown.returncode != 0 and "not a warehouse table" in unknown.stderr
    plain = tmp_path / "plain.jsonl"
    run("export", "contacts", "--out", str(plain), "--home", str(home))
    assert b"jane.roe@alpha.example" in plain.read_bytes()  # a plain export is the data
