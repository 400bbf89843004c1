"""The personal-data inventory: every place Tenure can keep a person's data, in one list.

Built from the declarations where the data is defined: warehouse columns carry
``Column.personal`` (:mod:`tenure.ingest.schema`), app database columns carry
``info={"personal": <category>}`` (:mod:`tenure.store.models`). Export, erasure, retention
and pseudonymisation find every copy through :func:`personal_columns` and
:func:`personal_files`.

Every text column is declared one way or the other: :func:`undeclared_columns` lists those
that are neither declared personal nor declared not personal, and a test keeps it empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import JSON, MetaData, String

from ..ingest.schema import ATTRIBUTES, TABLES, Column, Kind, Table
from ..store.models import PERSON_KEY, PERSONAL, Base

# How a row of a personal column is matched to a person.
KEYS: dict[str, str] = {
    "email": "holds the person's email (compared case-insensitively)",
    "contact_id": "holds one of the person's contact ids",
    "user_id": "holds the person's Tenure user id",
    "mentions": "text that can name the person: matched when it contains their email, "
    "name or contact id as a whole word (case-insensitive)",
    "row": "describes the person its row belongs to, which another column of the row matches",
}

# The usual key of each category; a column declares another (``PERSON_KEY``) when it differs.
DEFAULT_KEY: dict[str, str] = {
    "contact detail": "email",
    "identifier": "contact_id",
    "name": "row",
    "job title": "row",
    "free text": "mentions",
    "online identifier": "row",
    "credential": "row",
}

# Warehouse kinds whose values are free strings: each column of these kinds must declare
# whether it is personal. ENUM, COUNTRY and CURRENCY hold codes from a fixed set.
FREE_KINDS = frozenset({Kind.TEXT, Kind.ID, Kind.EMAIL, Kind.JSON})

_WAREHOUSE_CATEGORY = {Kind.EMAIL: "contact detail", Kind.ID: "identifier"}
_NAMED_CATEGORY = {"name": "name", "title": "job title"}


@dataclass(frozen=True)
class PersonalColumn:
    """One column that can hold a person's data. ``store``: "warehouse" or "app";
    ``category``: "identifier", "contact detail", "name", "job title", "free text",
    "online identifier", "credential"; ``key``: how a row is matched to a person
    (:data:`KEYS`)."""

    store: str
    table: str
    column: str
    category: str
    key: str = "mentions"


@dataclass(frozen=True)
class PersonalFiles:
    """Files under the workspace that can hold personal data: ``pattern`` is a glob relative
    to the workspace."""

    pattern: str
    category: str
    doc: str


def _warehouse_column(table: Table, col: Column) -> PersonalColumn:
    category = _NAMED_CATEGORY.get(col.name) or _WAREHOUSE_CATEGORY.get(col.kind, "free text")
    return PersonalColumn("warehouse", table.name, col.name, category, DEFAULT_KEY[category])


def _app_column(table: str, name: str, info: dict[str, object]) -> PersonalColumn:
    category = str(info[PERSONAL])
    key = str(info.get(PERSON_KEY) or DEFAULT_KEY.get(category, "mentions"))
    return PersonalColumn("app", table, name, category, key)


def personal_columns() -> list[PersonalColumn]:
    """Every declared personal column, warehouse first, in declaration order (each
    warehouse table's ``attributes`` last)."""
    found = []
    for t in TABLES.values():
        found += [_warehouse_column(t, c) for c in (*t.columns, ATTRIBUTES) if c.personal]
    for table in Base.metadata.sorted_tables:
        found += [_app_column(table.name, col.name, col.info) for col in table.columns
                  if col.info.get(PERSONAL)]
    return found


def by_table(store: str) -> dict[str, list[PersonalColumn]]:
    """The personal columns of one store, grouped by table (tables in inventory order)."""
    out: dict[str, list[PersonalColumn]] = {}
    for c in personal_columns():
        if c.store == store:
            out.setdefault(c.table, []).append(c)
    return out


def personal_files(rejects_dir: str = "data/rejects") -> list[PersonalFiles]:
    """Folders and files under the workspace that can hold personal data, besides the two
    databases' columns. ``rejects_dir``: the workspace's ``imports.rejects_dir``."""
    rejects = rejects_dir.rstrip("/")
    return [
        PersonalFiles(f"{rejects}/**", "raw import rows",
                      "rejected rows as they came in, every column (one CSV per import)"),
        PersonalFiles("data/sample/**", "raw import rows",
                      "the demo's generated company files, imported as they are"),
        PersonalFiles("reports/**", "generated report",
                      "reports and charts written into the workspace (QBRs can name "
                      "contacts and quote comments)"),
        PersonalFiles("logs/**", "log", "logs kept in the workspace"),
        PersonalFiles("**/*.log", "log", "log files anywhere in the workspace"),
        PersonalFiles("data/warehouse.duckdb*", "database",
                      "the warehouse (its personal columns are listed above; *.wal too)"),
        PersonalFiles("data/app.db*", "database",
                      "the app database (its personal columns are listed above; -wal, "
                      "-journal too)"),
    ]


def undeclared_warehouse(tables: Iterable[Table]) -> list[str]:
    """``table.column`` of each free-string column declared neither personal nor not."""
    return [f"{t.name}.{c.name}" for t in tables for c in t.columns
            if c.kind in FREE_KINDS and c.personal is None]


def undeclared_app(metadata: MetaData) -> list[str]:
    """``table.column`` of each text or JSON column without ``info={"personal": ...}``."""
    return [f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns
            if isinstance(c.type, String | JSON) and PERSONAL not in c.info]


def undeclared_columns() -> list[str]:
    """Every text column of both stores that says neither personal nor not personal."""
    return [*(f"warehouse {n}" for n in undeclared_warehouse(TABLES.values())),
            *(f"app {n}" for n in undeclared_app(Base.metadata))]
