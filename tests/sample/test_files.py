"""The sample company's files honour the import contract: columns, values, references."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
from tests.sample.readers import AS_OF, YEARS, Rows, read_csv

from tenure.ingest.countries import COUNTRY_CODES
from tenure.ingest.schema import SURVEY_SCORE_RANGE, TABLE_ORDER, TABLES, Column, Kind
from tenure.sample import GROUND_TRUTH_DIR, SampleResult

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]+$")
_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")
START = AS_OF - dt.timedelta(days=round(YEARS * 365.25))


def _problem(col: Column, text: str) -> str | None:
    """What is wrong with one cell, judged from the schema alone (None when fine)."""
    if text == "":
        return "missing required value" if col.required else None
    k = col.kind
    if k in (Kind.ID, Kind.TEXT):
        return None if text.strip() == text else "surrounding whitespace"
    if k is Kind.EMAIL:
        return None if _EMAIL.match(text) else "not a lower-case email"
    if k is Kind.MONEY and col.exclusive_minimum:  # a rate such as fx_rates.rate
        return None if float(text) > 0 else "not positive"
    if k is Kind.MONEY:
        return None if _MONEY.match(text) else "not a non-negative amount with 2 decimals"
    if k is Kind.INT:
        if not re.fullmatch(r"-?\d+", text):
            return "not an integer"
        lo = -float("inf") if col.minimum is None else col.minimum
        hi = float("inf") if col.maximum is None else col.maximum
        return None if lo <= int(text) <= hi else "out of range"
    if k is Kind.DATE:
        if not _DATE.match(text):
            return "not YYYY-MM-DD"
        dt.date.fromisoformat(text)
        return None
    if k is Kind.TIMESTAMP:
        if not _TIMESTAMP.match(text):
            return "not ISO 8601 UTC with Z"
        at = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return None if START <= at < AS_OF else "outside the window"
    if k is Kind.ENUM:
        return None if text in col.choices else "not one of the choices"
    if k is Kind.BOOL:
        return None if text in ("true", "false") else "not true/false"
    if k is Kind.JSON:
        return None if isinstance(json.loads(text), dict) else "not a JSON object"
    if k is Kind.CURRENCY:
        return None if text in ("USD", "EUR", "GBP") else "unexpected currency"
    if k is Kind.COUNTRY:
        return None if text in COUNTRY_CODES else "not an ISO country code"
    return f"unknown kind {k}"


def test_result_lists_the_files_in_import_order(company: SampleResult) -> None:
    assert list(company.files) == list(TABLE_ORDER)
    assert all(path.is_file() for path in company.files.values())
    assert company.files["events"].suffix == ".parquet"
    assert all(company.files[t].suffix == ".csv" for t in TABLE_ORDER if t != "events")
    assert all(company.rows[t] > 0 for t in TABLE_ORDER), company.rows


def test_rows_reported_match_the_files(company: SampleResult,
                                       tables: Rows) -> None:
    for name, rows in tables.items():
        assert company.rows[name] == len(rows), name
    assert company.rows["events"] == pq.ParquetFile(company.files["events"]).metadata.num_rows


def test_every_file_has_exactly_the_canonical_columns(company: SampleResult) -> None:
    for name in TABLE_ORDER:
        canonical = list(TABLES[name].column_names)
        if name == "events":
            columns = pq.read_schema(company.files[name]).names
        else:
            columns = read_csv(company.files[name])[0]
        if name == "accounts":
            # A CRM export carries extra columns; the importer keeps them as attributes.
            assert columns[: len(canonical)] == canonical
            assert {"employees", "crm_tier"} <= set(columns[len(canonical):])
        else:
            assert columns == canonical, name


def test_events_are_typed_parquet_with_microsecond_utc_timestamps(company: SampleResult) -> None:
    schema = pq.read_schema(company.files["events"])
    assert schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    for name in ("account_id", "event", "event_id", "user_id", "properties"):
        assert schema.field(name).type == pa.string(), name


def test_every_value_is_valid_for_its_column(tables: Rows) -> None:
    problems: list[str] = []
    for name, rows in tables.items():
        spec = TABLES[name]
        for i, row in enumerate(rows):
            for col in spec.columns:
                why = _problem(col, row[col.name])
                if why:
                    problems.append(f"{name} row {i + 2} {col.name}={row[col.name]!r}: {why}")
    assert not problems, problems[:10]


def test_event_values_are_valid(events: pa.Table) -> None:
    assert events.num_rows > 0
    for name in ("account_id", "event", "timestamp", "event_id", "user_id"):
        assert events.column(name).null_count == 0, name
    ts = events.column("timestamp").to_pylist()
    assert min(ts).date() >= START and max(ts).date() < AS_OF
    assert len(set(events.column("event_id").to_pylist())) == events.num_rows
    props = set(events.column("properties").to_pylist())
    assert all(isinstance(json.loads(p), dict) for p in props)


def test_records_keep_their_own_rules(tables: Rows) -> None:
    for row in tables["subscriptions"]:
        if row["valid_to"]:
            assert row["valid_to"] > row["valid_from"], row
        assert row["renewal_date"] > row["valid_from"], row
    for row in tables["tickets"]:
        for later in ("first_response_at", "resolved_at"):
            assert not row[later] or row[later] >= row["created_at"], row
        if row["resolved_at"]:
            assert row["first_response_at"] and row["resolved_at"] >= row["first_response_at"]
            assert row["status"] in ("solved", "closed")
        else:
            assert row["status"] in ("new", "open", "pending", "hold")
    for row in tables["survey_responses"]:
        lo, hi = SURVEY_SCORE_RANGE[row["survey"]]
        assert lo <= int(row["score"]) <= hi, row
    for row in tables["contacts"]:
        assert not row["deleted_at"] or row["deleted_at"] > row["created_at"], row
    emails = [r["email"] for r in tables["contacts"]]
    assert len(set(emails)) == len(emails)  # erasure by email finds exactly one person
    assert all(e.endswith(".example") for e in emails)  # never a real address


def test_every_reference_points_at_an_existing_record(
    tables: Rows, events: pa.Table
) -> None:
    accounts = {r["account_id"] for r in tables["accounts"]}
    assert len(accounts) == len(tables["accounts"])
    contact_account = {r["contact_id"]: r["account_id"] for r in tables["contacts"]}
    for name, rows in tables.items():
        if TABLES[name].account_column:
            assert {r[TABLES[name].account_column] for r in rows} <= accounts, name
    parents = {r["parent_account_id"] for r in tables["accounts"]} - {""}
    assert parents <= accounts
    # People act only for their own account.
    for name, column in (("tickets", "requester_id"), ("survey_responses", "contact_id"),
                         ("feedback", "contact_id")):
        for row in tables[name]:
            if row[column]:
                assert contact_account[row[column]] == row["account_id"], (name, row)
    pairs = set(zip(events.column("user_id").to_pylist(), events.column("account_id").to_pylist(),
                    strict=True))
    assert all(contact_account[user] == account for user, account in pairs)
    owner: dict[str, str] = {}
    for row in tables["subscriptions"]:
        assert owner.setdefault(row["subscription_id"], row["account_id"]) == row["account_id"]
    keys = Counter((r["subscription_id"], r["valid_from"]) for r in tables["subscriptions"])
    assert max(keys.values()) == 1  # the table's key is unique


def test_ground_truth_is_kept_out_of_the_canonical_files(
    company: SampleResult, tables: Rows
) -> None:
    assert set(company.ground_truth) >= {"accounts", "monthly_state"}
    folder = company.files["accounts"].parent / GROUND_TRUTH_DIR
    assert all(path.parent == folder for path in company.ground_truth.values())
    assert not set(company.files.values()) & set(company.ground_truth.values())
    secret = {"churn_reason", "churn_kind", "health", "fit", "engagement", "saves", "churned"}
    for name in TABLE_ORDER:
        path = company.files[name]
        columns = (pq.read_schema(path).names if name == "events" else read_csv(path)[0])
        assert not secret & set(columns), name
    text = " ".join(r["summary"] for r in tables["activities"])
    assert "budget_cut" not in text and "surprise" not in text
