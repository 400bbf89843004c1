"""The import contract: every table from every file format, bad rows, keys and counts."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from tests.helpers import rows, write_jsonl, write_parquet, write_text

from tenure import App, ImportFileError, import_file

# One good record per canonical table, as a data engineer would write it by hand, with the
# values the warehouse must hold afterwards (offsets converted to UTC, codes upper-cased,
# the reporting currency filled in, unknown columns kept as attributes).
GOOD: dict[str, tuple[dict[str, str], dict[str, object]]] = {
    "accounts": (
        {
            "account_id": "A1",
            "name": "Acme GmbH",
            "segment": "enterprise",
            "industry": "Retail",
            "country": "de",
            "owner": "Jo.Smith@Example.com",
            "created_at": "2024-03-01T09:30:00+01:00",
            "parent_account_id": "",
            "employees": "1200",
        },
        {
            "account_id": "A1",
            "country": "DE",
            "owner": "jo.smith@example.com",
            "created_at": datetime(2024, 3, 1, 8, 30),
            "attributes": {"employees": "1200"},
        },
    ),
    "contacts": (
        {
            "contact_id": "C1",
            "account_id": "A1",
            "email": "Ana@Acme.example",
            "name": "Ana Ruiz",
            "title": "Head of Ops",
            "role": "Champion",
            "country": "ES",
            "created_at": "2024-03-02",
            "deleted_at": "",
            "survey_opt_out": "no",
            "email_opt_out": "TRUE",
        },
        {
            "contact_id": "C1",
            "email": "ana@acme.example",
            "role": "champion",
            "created_at": datetime(2024, 3, 2),
            "survey_opt_out": False,
            "email_opt_out": True,
        },
    ),
    "subscriptions": (
        {
            "subscription_id": "S1",
            "account_id": "A1",
            "mrr": "166.67",
            "valid_from": "2024-03-01",
            "product": "core",
            "plan": "gold",
            "seats": "4",
            "currency": "",
            "valid_to": "2025-03-01",
            "renewal_date": "2025-03-01",
        },
        {
            "subscription_id": "S1",
            "mrr": 166.67,
            "valid_from": date(2024, 3, 1),
            "seats": 4,
            "currency": "USD",
            "valid_to": date(2025, 3, 1),
        },
    ),
    "invoices": (
        {
            "invoice_id": "I1",
            "account_id": "A1",
            "issued_at": "2024-03-01T00:00:00Z",
            "amount": "2000",
            "currency": "eur",
            "kind": "subscription",
            "status": "Paid",
        },
        {
            "invoice_id": "I1",
            "amount": 2000.0,
            "currency": "EUR",
            "status": "paid",
            "issued_at": datetime(2024, 3, 1),
        },
    ),
    "events": (
        {
            "account_id": "A1",
            "event": "report_created",
            "timestamp": "2024-03-05T23:15:00-05:00",
            "event_id": "E1",
            "user_id": "C1",
            "properties": '{"feature": "reports", "n": 3}',
        },
        {
            "event_id": "E1",
            "timestamp": datetime(2024, 3, 6, 4, 15),
            "properties": {"feature": "reports", "n": 3},
        },
    ),
    "tickets": (
        {
            "ticket_id": "T1",
            "account_id": "A1",
            "created_at": "2024-03-10T10:00:00Z",
            "requester_id": "C1",
            "first_response_at": "2024-03-10T11:30:00Z",
            "resolved_at": "2024-03-11T10:00:00Z",
            "priority": "URGENT",
            "status": "solved",
            "channel": "email",
            "subject": "Export fails",
            "satisfaction": "4",
            "tags": "export,bug",
        },
        {
            "ticket_id": "T1",
            "priority": "urgent",
            "satisfaction": 4,
            "first_response_at": datetime(2024, 3, 10, 11, 30),
        },
    ),
    "survey_responses": (
        {
            "response_id": "R1",
            "account_id": "A1",
            "survey": "NPS",
            "score": "9",
            "responded_at": "2024-04-01T12:00:00Z",
            "contact_id": "C1",
            "comment": "Great support",
        },
        {"response_id": "R1", "survey": "nps", "score": 9},
    ),
    "activities": (
        {
            "activity_id": "V1",
            "account_id": "A1",
            "kind": "qbr",
            "occurred_at": "2024-04-02",
            "actor": "jo.smith@example.com",
            "summary": "Reviewed goals for Q2",
        },
        {"activity_id": "V1", "kind": "qbr", "occurred_at": datetime(2024, 4, 2)},
    ),
    "feedback": (
        {
            "feedback_id": "F1",
            "account_id": "A1",
            "created_at": "2024-04-03T08:00:00Z",
            "text": "Please add SSO for contractors",
            "contact_id": "C1",
            "source": "call",
            "feature": "sso",
            "status": "new",
        },
        {"feedback_id": "F1", "feature": "sso", "text": "Please add SSO for contractors"},
    ),
}


def _csv(path: Path, records: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(records[0]))
        w.writeheader()
        w.writerows(records)
    return path


def _stored(app: App, table: str, key: str, value: str) -> dict[str, object]:
    cur = app.warehouse.con.execute(f'SELECT * FROM "{table}" WHERE "{key}" = ?', [value])
    names = [d[0] for d in cur.description]
    found = cur.fetchall()
    assert len(found) == 1, found
    record = dict(zip(names, found[0], strict=True))
    for col in ("attributes", "properties"):
        if isinstance(record.get(col), str):
            record[col] = json.loads(record[col])
    return record


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("table", list(GOOD))
def test_every_table_from_every_format(app: App, tmp_path: Path, table: str, fmt: str) -> None:
    source, expected = GOOD[table]
    if fmt == "csv":
        path = _csv(tmp_path / f"{table}.csv", [source])
    elif fmt == "parquet":
        path = write_parquet(tmp_path / f"{table}.parquet", {k: [v] for k, v in source.items()})
    else:
        # JSON Lines: properties as a real nested object, empty strings left out.
        rec: dict[str, object] = {k: v for k, v in source.items() if v != ""}
        if "properties" in rec:
            rec["properties"] = json.loads(str(rec["properties"]))
        path = write_jsonl(tmp_path / f"{table}.jsonl", [rec])
    report = import_file(app, table, path)
    assert (report.imported, report.rejected, report.duplicate) == (1, 0, 0)
    key = next(iter(source))
    stored = _stored(app, table, key, source[key])
    for col, value in expected.items():
        assert stored[col] == value, col


def test_good_and_bad_rows_are_counted_and_rejects_name_line_and_reason(
    app: App, tmp_path: Path
) -> None:
    # 5 good rows and 4 bad ones; line numbers count the header as line 1.
    path = write_text(
        tmp_path / "subs.csv",
        "subscription_id,account_id,mrr,valid_from,valid_to,seats\n"
        "S1,A1,100,2024-01-01,,5\n"  # line 2 good
        "S2,A2,-50,2024-01-01,,5\n"  # line 3 negative money
        "S3,A3,250.5,2024-02-01,2025-02-01,10\n"  # line 4 good
        "S4,,80,2024-01-01,,1\n"  # line 5 missing account_id
        "S5,A5,80,2024-02-30,,1\n"  # line 6 bad date (no 30 February)
        "S6,A6,80,2024-01-01,,1\n"  # line 7 good
        "S7,A7,ten,2024-01-01,,1\n"  # line 8 bad number
        "S8,A8,80,2024-01-01,,1\n"  # line 9 good
        "S9,A9,80,2024-01-01,,1\n",  # line 10 good
    )
    first = import_file(app, "subscriptions", path)
    assert (first.rows_read, first.imported, first.rejected) == (9, 5, 4)
    assert first.rejects_file is not None
    with open(first.rejects_file, newline="", encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert [(r["line"], r["file"]) for r in rejects] == [
        ("3", "subs.csv"),
        ("5", "subs.csv"),
        ("6", "subs.csv"),
        ("8", "subs.csv"),
    ]
    assert "negative money in mrr" in rejects[0]["reason"]
    assert "missing required value: account_id" in rejects[1]["reason"]
    assert "bad date in valid_from: '2024-02-30'" in rejects[2]["reason"]
    assert "bad number in mrr: 'ten'" in rejects[3]["reason"]
    assert json.loads(rejects[0]["record"])["subscription_id"] == "S2"

    again = import_file(app, "subscriptions", path)
    assert (again.imported, again.updated, again.duplicate, again.rejected) == (0, 0, 5, 4)
    assert rows(app, "SELECT count(*) FROM subscriptions") == [(5,)]


BAD_ROWS = [
    # (table, header, row, expected phrase in the reason)
    ("accounts", "account_id,name", ",Acme", "missing required value: account_id"),
    ("accounts", "account_id,name,country", "A1,Acme,Germany", "unknown country in country"),
    ("accounts", "account_id,name,owner", "A1,Acme,not-an-email", "bad email in owner"),
    ("accounts", "account_id,name,created_at", "A1,Acme,last tuesday", "bad timestamp"),
    ("contacts", "contact_id,account_id,email,role", "C1,A1,a@b.co,boss", "unknown role 'boss'"),
    (
        "contacts",
        "contact_id,account_id,email,email_opt_out",
        "C1,A1,a@b.co,maybe",
        "not true/false in email_opt_out",
    ),
    (
        "subscriptions",
        "subscription_id,account_id,mrr,valid_from,valid_to",
        "S1,A1,10,2024-05-01,2024-04-01",
        "valid_to is not after valid_from",
    ),
    (
        "subscriptions",
        "subscription_id,account_id,mrr,valid_from,seats",
        "S1,A1,10,2024-05-01,2.5",
        "not a whole number in seats",
    ),
    (
        "subscriptions",
        "subscription_id,account_id,mrr,valid_from,currency",
        "S1,A1,10,2024-05-01,dollars",
        "bad currency",
    ),
    (
        "invoices",
        "invoice_id,account_id,issued_at,amount",
        "I1,A1,2024-01-01,-3",
        "negative money in amount",
    ),
    (
        "invoices",
        "invoice_id,account_id,issued_at,amount,status",
        "I1,A1,2024-01-01,3,unpaid",
        "unknown status 'unpaid'",
    ),
    (
        "events",
        "account_id,event,timestamp,properties",
        'A1,login,2024-01-01,"[1,2]"',
        "properties is not a JSON object",
    ),
    (
        "events",
        "account_id,event,timestamp,properties",
        'A1,login,2024-01-01,"{oops"',
        "properties is not a JSON object",
    ),
    (
        "tickets",
        "ticket_id,account_id,created_at,resolved_at",
        "T1,A1,2024-01-02T10:00:00Z,2024-01-01T10:00:00Z",
        "resolved_at is before created_at",
    ),
    (
        "tickets",
        "ticket_id,account_id,created_at,satisfaction",
        "T1,A1,2024-01-02,7",
        "satisfaction out of range 1–5",
    ),
    (
        "survey_responses",
        "response_id,account_id,survey,score,responded_at",
        "R1,A1,csat,9,2024-01-01",
        "score 9 outside csat range 1–5",
    ),
    (
        "survey_responses",
        "response_id,account_id,survey,score,responded_at",
        "R1,A1,nps,11,2024-01-01",
        "score out of range",
    ),
    (
        "survey_responses",
        "response_id,account_id,survey,score,responded_at",
        "R1,A1,happiness,3,2024-01-01",
        "unknown survey 'happiness'",
    ),
    (
        "activities",
        "activity_id,account_id,kind,occurred_at",
        "V1,A1,lunch,2024-01-01",
        "unknown kind 'lunch'",
    ),
    (
        "feedback",
        "feedback_id,account_id,created_at,text",
        "F1,A1,2024-01-01,",
        "missing required value: text",
    ),
    ("accounts", "account_id,name", "A1,Acme,extra", "expected 2 fields, found 3"),
]


@pytest.mark.parametrize(("table", "header", "row", "phrase"), BAD_ROWS)
def test_each_kind_of_bad_row_is_rejected_with_its_reason(
    app: App, tmp_path: Path, table: str, header: str, row: str, phrase: str
) -> None:
    path = write_text(tmp_path / "bad.csv", f"{header}\n{row}\n")
    report = import_file(app, table, path)
    assert (report.imported, report.rejected) == (0, 1)
    assert report.rejects_file
    with open(report.rejects_file, newline="", encoding="utf-8") as fh:
        (reject,) = list(csv.DictReader(fh))
    assert reject["line"] == "2"
    assert phrase in reject["reason"], reject["reason"]
    assert rows(app, f'SELECT count(*) FROM "{table}"') == [(0,)]


def test_all_problems_of_a_row_are_listed(app: App, tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "t.csv",
        "ticket_id,account_id,created_at,priority,satisfaction\nT1,,yesterday,asap,0\n",
    )
    report = import_file(app, "tickets", path)
    with open(str(report.rejects_file), newline="", encoding="utf-8") as fh:
        reason = next(csv.DictReader(fh))["reason"]
    for phrase in (
        "missing required value: account_id",
        "bad timestamp in created_at",
        "unknown priority 'asap'",
        "satisfaction out of range",
    ):
        assert phrase in reason


def test_malformed_json_lines_are_rejected_with_their_line(app: App, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            {"account_id": "A1", "event": "login", "timestamp": "2024-01-01T00:00:00Z"},
            '{"account_id": "A1", "event": "login", "timestamp": ',  # line 2: cut short
            "",  # line 3: blank, ignored
            '["not", "an", "object"]',  # line 4
            {"account_id": "A1", "event": "logout", "timestamp": "2024-01-01T01:00:00Z"},
        ],
    )
    report = import_file(app, "events", path)
    assert (report.rows_read, report.imported, report.rejected) == (4, 2, 2)
    with open(str(report.rejects_file), newline="", encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("2", "malformed JSON"),
        ("4", "not a JSON object"),
    ]
    # The rejects file carries each rejected line as it was written.
    assert [r["record"] for r in rejects] == [
        '{"account_id": "A1", "event": "login", "timestamp": ',
        '["not", "an", "object"]',
    ]


def test_json_lines_nulls_and_extra_keys(app: App, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            {
                "account_id": "A1",
                "event": "login",
                "timestamp": "2024-01-01T00:00:00Z",
                "properties": None,
                "user_id": None,
            },
            "{not json",
            {
                "account_id": "A1",
                "event": "export",
                "timestamp": "2024-01-02T00:00:00Z",
                "plan": "pro",
                "context": {"ip": "x"},
            },
        ],
    )
    report = import_file(app, "events", path)
    assert (report.imported, report.rejected) == (2, 1)
    found = rows(app, "SELECT event, properties, user_id, attributes FROM events ORDER BY event")
    assert found[0][0] == "export" and json.loads(found[0][3]) == {
        "plan": "pro",
        "context": {"ip": "x"},
    }
    assert found[1] == ("login", None, None, None)


def test_line_numbers_follow_multiline_csv_records(app: App, tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "feedback.csv",
        "feedback_id,account_id,created_at,text\n"
        'F1,A1,2024-01-01,"first line\nsecond line"\n'  # lines 2-3
        "F2,A1,not a date,short\n",  # line 4
    )
    report = import_file(app, "feedback", path)
    assert (report.imported, report.rejected) == (1, 1)
    with open(str(report.rejects_file), newline="", encoding="utf-8") as fh:
        assert next(csv.DictReader(fh))["line"] == "4"
    assert rows(app, "SELECT text FROM feedback") == [("first line\nsecond line",)]


# --- keys, idempotency and updates -------------------------------------------------------------


def test_later_rows_with_the_same_key_update_the_record(app: App, tmp_path: Path) -> None:
    v1 = write_text(tmp_path / "a1.csv", "account_id,name,segment\nA1,Acme,smb\nA2,Beta,smb\n")
    v2 = write_text(
        tmp_path / "a2.csv",
        "account_id,name,segment\nA1,Acme,mid_market\nA2,Beta,smb\nA3,Gamma,smb\n"
        "A3,Gamma Inc,smb\n",  # A3 twice in one file: the later row wins
    )
    assert import_file(app, "accounts", v1).imported == 2
    r = import_file(app, "accounts", v2)
    # A1 changed, A2 unchanged, A3 new (its first row superseded by the second).
    assert (r.imported, r.updated, r.duplicate) == (1, 1, 2)
    assert rows(app, "SELECT account_id, name, segment FROM accounts ORDER BY 1") == [
        ("A1", "Acme", "mid_market"),
        ("A2", "Beta", "smb"),
        ("A3", "Gamma Inc", "smb"),
    ]


def test_subscription_periods_are_keyed_by_id_and_valid_from(app: App, tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "s.csv",
        "subscription_id,account_id,mrr,valid_from,valid_to\n"
        "S1,A1,100,2024-01-01,2024-06-01\n"
        "S1,A1,150,2024-06-01,\n",  # an upgrade: a new period of the same subscription
    )
    assert import_file(app, "subscriptions", path).imported == 2
    fix = write_text(
        tmp_path / "s2.csv",
        "subscription_id,account_id,mrr,valid_from,valid_to\nS1,A1,160,2024-06-01,\n",
    )
    r = import_file(app, "subscriptions", fix)
    assert (r.imported, r.updated) == (0, 1)
    assert rows(app, "SELECT mrr FROM subscriptions ORDER BY valid_from") == [(100.0,), (160.0,)]


def test_events_without_id_are_keyed_by_content(app: App, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "e.jsonl",
        [
            {
                "account_id": "A1",
                "event": "login",
                "timestamp": "2024-01-01T10:00:00Z",
                "user_id": "U1",
            },
            # The same instant written with another offset is the same event.
            {
                "account_id": "A1",
                "event": "login",
                "timestamp": "2024-01-01T11:00:00+01:00",
                "user_id": "U1",
            },
            {
                "account_id": "A1",
                "event": "login",
                "timestamp": "2024-01-01T10:00:00Z",
                "user_id": "U2",
            },
        ],
    )
    r1 = import_file(app, "events", path)
    assert (r1.imported, r1.duplicate) == (2, 1)
    r2 = import_file(app, "events", path)
    assert (r2.imported, r2.duplicate) == (0, 3)
    ids = [r[0] for r in rows(app, "SELECT event_id FROM events")]
    assert all(i.startswith("h:") for i in ids) and len(set(ids)) == 2


def test_an_event_id_seen_before_is_a_duplicate_even_if_the_content_differs(
    app: App, tmp_path: Path
) -> None:
    a = write_text(
        tmp_path / "a.csv", "account_id,event,timestamp,event_id\nA1,login,2024-01-01,E1\n"
    )
    b = write_text(
        tmp_path / "b.csv", "account_id,event,timestamp,event_id\nA1,logout,2024-01-02,E1\n"
    )
    import_file(app, "events", a)
    r = import_file(app, "events", b)
    assert (r.imported, r.duplicate) == (0, 1)
    assert rows(app, "SELECT event FROM events") == [("login",)]


def test_rows_for_unknown_accounts_are_kept_and_reported(app: App, tmp_path: Path) -> None:
    write_text(tmp_path / "a.csv", "account_id,name\nA1,Acme\n")
    import_file(app, "accounts", tmp_path / "a.csv")
    path = write_text(
        tmp_path / "t.csv",
        "ticket_id,account_id,created_at\nT1,A1,2024-01-01\nT2,ZZ9,2024-01-01\nT3,ZZ9,2024-01-02\n",
    )
    r = import_file(app, "tickets", path)
    assert (r.imported, r.unknown_account_rows, r.unknown_account_examples) == (3, 2, ["ZZ9"])
    assert rows(app, "SELECT count(*) FROM tickets WHERE account_id = 'ZZ9'") == [(2,)]


def test_unknown_columns_become_attributes(app: App, tmp_path: Path) -> None:
    path = write_parquet(
        tmp_path / "a.parquet",
        {
            "account_id": ["A1", "A2"],
            "name": ["Acme", "Beta"],
            "employees": [1200, None],
            "crm_tier": ["gold", "silver"],
        },
    )
    import_file(app, "accounts", path)
    found = {
        r[0]: json.loads(r[1]) for r in rows(app, "SELECT account_id, attributes FROM accounts")
    }
    assert found == {"A1": {"employees": 1200, "crm_tier": "gold"}, "A2": {"crm_tier": "silver"}}


def test_parquet_timestamps_and_numbers_keep_their_meaning(app: App, tmp_path: Path) -> None:
    schema = pa.schema(
        [
            ("account_id", pa.string()),
            ("event", pa.string()),
            ("timestamp", pa.timestamp("ns", tz="Europe/Berlin")),
            ("event_id", pa.int64()),
        ]
    )
    path = write_parquet(
        tmp_path / "e.parquet",
        {
            "account_id": ["A1"],
            "event": ["login"],
            "timestamp": [datetime(2024, 7, 1, 12, 0)],
            "event_id": [42],
        },
        schema=schema,
    )
    # pyarrow stores the naive value as UTC instants: 12:00 UTC.
    import_file(app, "events", path)
    assert rows(app, "SELECT event_id, timestamp FROM events") == [("42", datetime(2024, 7, 1, 12))]


# --- files that cannot be used at all ----------------------------------------------------------


def test_missing_required_column_fails_the_whole_file(app: App, tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", "account_id,segment\nA1,smb\n")
    with pytest.raises(ImportFileError, match="missing required column name"):
        import_file(app, "accounts", path)
    assert rows(app, "SELECT count(*) FROM accounts") == [(0,)]


def test_binary_file_named_csv_is_not_a_csv(app: App, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\x00\x01\x02binary\x00")
    with pytest.raises(ImportFileError, match="not a text file"):
        import_file(app, "accounts", path)


def test_file_not_in_utf8_is_unusable(app: App, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("account_id,name\nA1,Müller AG\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_file(app, "accounts", path)


def test_corrupt_parquet_is_unusable(app: App, tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    with pytest.raises(ImportFileError, match="not a Parquet file"):
        import_file(app, "accounts", path)


def test_json_lines_where_no_record_has_a_required_field(app: App, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "A1", "name": "Acme"}])
    with pytest.raises(ImportFileError, match="no record has the required field account_id"):
        import_file(app, "accounts", path)


def test_empty_file_and_header_only_file(app: App, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="empty"):
        import_file(app, "accounts", write_text(tmp_path / "e.csv", ""))
    r = import_file(app, "accounts", write_text(tmp_path / "h.csv", "account_id,name\n"))
    assert (r.rows_read, r.imported, r.rejected) == (0, 0, 0)


def test_unknown_table_and_unknown_format(app: App, tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", "account_id,name\nA1,Acme\n")
    with pytest.raises(ImportFileError, match="unknown table"):
        import_file(app, "customers", path)
    with pytest.raises(ImportFileError, match="cannot tell the format"):
        import_file(app, "accounts", write_text(tmp_path / "a.xlsx", "x"))
