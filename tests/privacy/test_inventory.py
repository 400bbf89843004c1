"""The personal-data inventory: every text column is declared, every table with personal
data is listed, and `tenure privacy inventory` prints it."""

from __future__ import annotations

import json

from sqlalchemy import Column, Integer, MetaData, String, Table, Text
from tests.test_cli import run

from tenure.ingest.schema import TABLES, Kind
from tenure.ingest.schema import Column as WColumn
from tenure.ingest.schema import Table as WTable
from tenure.privacy import KEYS, personal_columns, undeclared_columns
from tenure.privacy.inventory import undeclared_app, undeclared_warehouse
from tenure.store.models import Base


def test_every_text_column_says_whether_it_is_personal() -> None:
    assert undeclared_columns() == [], (
        "declare each as personal or not: warehouse Column(personal=True/False) in "
        "tenure/ingest/schema.py; app info={'personal': <category>} or {'personal': False} "
        "in tenure/store/models.py")


def test_the_check_catches_a_new_undeclared_text_column() -> None:
    # A table that gains a text column nobody declared: the check names it, and only it.
    meta = MetaData()
    Table("notes", meta, Column("id", Integer, primary_key=True),
          Column("body", Text, info={"personal": "free text"}),
          Column("kind", String(16), info={"personal": False}),
          Column("author_phone", String(32)),
          Column("pages", Integer))
    assert undeclared_app(meta) == ["notes.author_phone"]
    calls = WTable(name="calls", doc="", key=("call_id",), columns=(
        WColumn("call_id", Kind.ID, personal=False),
        WColumn("transcript", Kind.TEXT),
        WColumn("caller_email", Kind.EMAIL, personal=True),
        WColumn("minutes", Kind.INT)))
    assert undeclared_warehouse([calls]) == ["calls.transcript"]


# Independent reference: the tables the design names as holding personal data (DESIGN.md:
# contacts, tickets, survey comments, activities, feedback), product events' user ids, the
# CSM's email on accounts, and the app tables that keep people's emails and notes.
EXPECTED_TABLES = {
    "warehouse": {"accounts", "contacts", "events", "tickets", "survey_responses",
                  "activities", "feedback"},
    "app": {"account_snapshots", "tasks", "notifications", "logged_activities",
            "health_pulses", "success_goals", "onboarding_milestones", "users",
            "api_tokens", "web_sessions", "login_attempts", "audit_log", "portfolio_series"},
}


def test_the_inventory_lists_every_table_with_personal_data() -> None:
    cols = personal_columns()
    for store, tables in EXPECTED_TABLES.items():
        assert tables <= {c.table for c in cols if c.store == store}, store
    found = {(c.store, c.table, c.column): c for c in cols}
    assert found["warehouse", "contacts", "email"].key == "email"
    assert found["warehouse", "events", "user_id"].key == "contact_id"
    assert found["warehouse", "activities", "summary"].key == "mentions"
    assert found["app", "audit_log", "user_email"].category == "contact detail"
    assert found["app", "logged_activities", "contact_id"].key == "contact_id"
    assert all(c.key in KEYS for c in cols)
    # Every declared column exists (no stale declaration).
    for c in cols:
        if c.store == "warehouse":
            assert c.column == "attributes" or c.column in TABLES[c.table].column_names
        else:
            assert c.column in Base.metadata.tables[c.table].c


def test_cli_prints_the_inventory_as_json() -> None:
    data = json.loads(run("privacy", "inventory", "--format", "json").stdout)
    rows = data["columns"]
    assert {"store", "table", "column", "category", "key"} <= set(rows[0])
    assert {"store": "warehouse", "table": "contacts", "column": "email",
            "category": "contact detail", "key": "email"} in rows
    assert len(rows) == len(personal_columns())
    patterns = {f["pattern"]: f["category"] for f in data["files"]}
    assert patterns["data/rejects/**"] == "raw import rows"
    assert "data/sample/**" in patterns and "reports/**" in patterns
