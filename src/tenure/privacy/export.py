"""Access requests (GDPR art. 15, CCPA "right to know"): everything held about one person,
as a ZIP of JSON files with a summary the person can read.

The person is found by email: the contacts with that email (their contact ids and names) and
the Tenure user with that email. Every table and column comes from the inventory
(:func:`tenure.privacy.inventory.personal_columns`): a row is theirs when one of its personal
columns matches them by its key (their email, a contact id, their user id, or free text that
names them as a whole word). Warehouse tables are read through one cursor with
parameters and streamed, so a person with millions of product events is written row by row.
"""

from __future__ import annotations

import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from ..ingest.schema import TABLES
from ..store.models import Base
from .inventory import PersonalColumn, by_table

if TYPE_CHECKING:
    import duckdb
    from sqlalchemy import ColumnElement, Table

    from ..app import App

BATCH = 10_000
WITHHELD = "(withheld: a credential, kept only as a one-way hash)"


@dataclass(frozen=True)
class Person:
    """Who an access request is about: their email, and what else identifies them."""

    email: str
    contact_ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    user_ids: tuple[int, ...] = ()
    account_ids: tuple[str, ...] = ()  # the accounts their contact records belong to

    @property
    def first_names(self) -> tuple[str, ...]:
        """The first word of each name of more than one word ("Elena" of "Elena Park"): notes
        about their own accounts name people so ("Working session with Elena")."""
        firsts = (n.split()[0] for n in self.names if len(n.split()) > 1)
        return tuple(dict.fromkeys(f for f in firsts if len(f) > 1))

    @property
    def terms(self) -> tuple[str, ...]:
        """What free text can name them by: email, names, contact ids."""
        return tuple(dict.fromkeys(t for t in (self.email, *self.names, *self.contact_ids) if t))


@dataclass
class TableExport:
    store: str
    table: str
    path: str
    records: int
    categories: list[str]


@dataclass
class ExportResult:
    person: Person
    out: Path
    tables: list[TableExport] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(t.records for t in self.tables)


def whole_words(terms: Iterable[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Any of ``terms`` as a whole word (not inside a longer word, email or id: "Arjun Khan"
    is not in "Arjun Khanna", ``c-1`` is not in ``c-10``), longest first."""
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)


def re2_literal(term: str) -> str:
    """A literal for RE2 (DuckDB's regular expressions): every non-alphanumeric escaped."""
    return "".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in term)


def re2_whole_words(terms: Iterable[str]) -> str:
    """:func:`whole_words` in RE2, which has no look-behind: the characters around the term
    are captured (groups 1 and 3)."""
    words = "|".join(re2_literal(t) for t in sorted(terms, key=len, reverse=True))
    return rf"(^|[^\pL\pN_])({words})($|[^\pL\pN_])"


# --- Finding the person


def find_person(app: App, cursor: duckdb.DuckDBPyConnection, email: str) -> Person:
    """The contacts and the Tenure user with this email (case-insensitive)."""
    from ..store.models import User

    email = email.strip().lower()
    rows = cursor.execute("SELECT contact_id, name, account_id FROM contacts "
                          "WHERE lower(email) = ? ORDER BY contact_id", [email]).fetchall()
    with app.store.session() as s:
        users = s.execute(select(User.id, User.name)
                          .where(func.lower(User.email) == email)).all()
    names = [n for _, n, _ in rows if n] + [n for _, n in users if n]
    return Person(email=email, contact_ids=tuple(str(c) for c, _, _ in rows),
                  names=tuple(dict.fromkeys(n.strip() for n in names if n.strip())),
                  user_ids=tuple(int(u) for u, _ in users),
                  account_ids=tuple(dict.fromkeys(str(a) for _, _, a in rows if a)))


# --- Matching in the warehouse (DuckDB SQL with parameters)


def _warehouse_condition(col: PersonalColumn, person: Person) -> tuple[str, list[Any]] | None:
    name = f'"{col.column}"'
    if col.key == "email":
        return f"lower({name}) = ?", [person.email]
    if col.key == "contact_id" and person.contact_ids:
        return f"list_contains(?, {name})", [list(person.contact_ids)]
    if col.key == "mentions" and person.terms:
        return (f"regexp_matches(CAST({name} AS VARCHAR), ?, 'i')",
                [re2_whole_words(person.terms)])
    return None


def _warehouse_rows(cursor: duckdb.DuckDBPyConnection, table: str,
                    columns: list[PersonalColumn], person: Person
                    ) -> Iterator[dict[str, Any]]:
    conditions = [c for c in (_warehouse_condition(col, person) for col in columns) if c]
    if not conditions:
        return
    where = " OR ".join(sql for sql, _ in conditions)
    params = [p for _, ps in conditions for p in ps]
    cursor.execute(f'SELECT * FROM "{table}" WHERE {where}', params)
    names = [d[0] for d in cursor.description or []]
    while batch := cursor.fetchmany(BATCH):
        for row in batch:
            yield dict(zip(names, row, strict=True))


# --- Matching in the app database (SQLAlchemy; free text confirmed in Python)


def _app_prefilter(table: Table, col: PersonalColumn, person: Person
                   ) -> list[ColumnElement[bool]]:
    c = table.c[col.column]
    if col.key == "email":
        return [func.lower(c) == person.email]
    if col.key == "contact_id" and person.contact_ids:
        return [c.in_(person.contact_ids)]
    if col.key == "user_id" and person.user_ids:
        return [c.in_(person.user_ids)]
    if col.key == "mentions":
        return [func.lower(c).contains(t.lower(), autoescape=True) for t in person.terms]
    return []


def _value_matches(key: str, value: Any, person: Person, mention: re.Pattern[str]) -> bool:
    if key == "email":
        return str(value).lower() == person.email
    if key == "contact_id":
        return str(value) in person.contact_ids
    if key == "user_id":
        return value in person.user_ids
    return key == "mentions" and bool(mention.search(str(value)))


def _app_matches(row: dict[str, Any], columns: list[PersonalColumn], person: Person,
                 mention: re.Pattern[str]) -> bool:
    return any(row.get(c.column) is not None
               and _value_matches(c.key, row[c.column], person, mention) for c in columns)


def _app_rows(app: App, table_name: str, columns: list[PersonalColumn], person: Person
              ) -> list[dict[str, Any]]:
    table = Base.metadata.tables[table_name]
    conditions = [c for col in columns for c in _app_prefilter(table, col, person)]
    if not conditions:
        return []
    mention = whole_words(person.terms)
    withheld = {c.column for c in columns if c.category == "credential"}
    with app.store.engine.connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(select(table).where(or_(*conditions)))]
    return [{k: (WITHHELD if k in withheld and v is not None else v) for k, v in r.items()}
            for r in found if _app_matches(r, columns, person, mention)]


# --- Writing the ZIP


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False)


def _write_lines(zf: zipfile.ZipFile, path: str, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    with zf.open(path, "w") as fh:
        for row in rows:
            fh.write((_dumps(row) + "\n").encode("utf-8"))
            n += 1
    return n


def _categories(columns: list[PersonalColumn]) -> list[str]:
    return sorted({c.category for c in columns})


def _export_warehouse(cursor: duckdb.DuckDBPyConnection, zf: zipfile.ZipFile,
                      person: Person) -> list[TableExport]:
    out = []
    existing = {r[0] for r in cursor.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    for table, columns in by_table("warehouse").items():
        rows = _warehouse_rows(cursor, table, columns, person) if table in existing else None
        first = next(rows, None) if rows else None
        if rows is None or first is None:
            continue
        # Append-only tables (product events) can be huge: JSON lines, written as read.
        if TABLES[table].on_conflict == "insert":
            path = f"warehouse/{table}.jsonl"
            n = _write_lines(zf, path, itertools.chain([first], rows))
        else:
            path, found = f"warehouse/{table}.json", [first, *rows]
            zf.writestr(path, _dumps(found))
            n = len(found)
        out.append(TableExport("warehouse", table, path, n, _categories(columns)))
    return out


def _export_app(app: App, zf: zipfile.ZipFile, person: Person) -> list[TableExport]:
    out = []
    for table, columns in by_table("app").items():
        rows = _app_rows(app, table, columns, person)
        if rows:
            path = f"app/{table}.json"
            zf.writestr(path, _dumps(rows))
            out.append(TableExport("app", table, path, len(rows), _categories(columns)))
    return out


def _table_doc(store: str, table: str) -> str:
    if store == "warehouse":
        doc = TABLES[table].doc
    else:
        doc = next((m.class_.__doc__ or "" for m in Base.registry.mappers
                    if getattr(m.class_, "__tablename__", None) == table), "")
    first = " ".join(doc.split()).split(". ")[0]
    return first.rstrip(".") + "." if first else ""


def summary_text(result: ExportResult, generated_at: datetime) -> str:
    """The letter to the person: what is held, where, how much, of which kinds."""
    p = result.person
    lines = [f"Personal data held about {p.email}",
             f"Prepared {generated_at.isoformat(timespec='seconds')} UTC.", ""]
    if not result.tables:
        lines += ["We hold no data about this email address: no customer contact, product "
                  "usage, support ticket, survey answer, note, task or user account refers "
                  "to it."]
        return "\n".join(lines) + "\n"
    lines += ["We found you as: " + "; ".join(filter(None, [
        f"customer contact id(s) {', '.join(p.contact_ids)}" if p.contact_ids else "",
        "a user of Tenure" if p.user_ids else "",
        f"name(s) {', '.join(p.names)}" if p.names else ""])) or "your email address only",
        "", f"{result.records} records in {len(result.tables)} tables:", ""]
    for t in result.tables:
        lines.append(f"- {t.path}: {t.records} record(s) from {t.table} "
                     f"({', '.join(t.categories)}). {_table_doc(t.store, t.table)}")
    lines += ["", "How we looked: every table that can hold personal data (our personal-data "
              "inventory, `tenure privacy inventory`) was searched for your email address, "
              "your contact ids, your user account, and notes or messages that mention your "
              "email, name or contact id. Each file holds the whole records found, as JSON "
              "(.jsonl: one record per line). Passwords and tokens are kept only as one-way "
              "hashes and are not included. The 'warehouse' files are the customer data "
              "your company shared with its vendor; the 'app' files are the work the "
              "vendor's customer success team did in Tenure."]
    return "\n".join(lines) + "\n"


def _manifest(result: ExportResult, generated_at: datetime) -> dict[str, Any]:
    p = result.person
    return {"email": p.email, "contact_ids": list(p.contact_ids), "names": list(p.names),
            "user_ids": list(p.user_ids), "generated_at": generated_at.isoformat(),
            "records": result.records,
            "files": [{"path": t.path, "store": t.store, "table": t.table,
                       "records": t.records, "categories": t.categories}
                      for t in result.tables]}


def export_person(app: App, *, email: str, out: Path, now: datetime,
                  cursor: duckdb.DuckDBPyConnection | None = None) -> ExportResult:
    """Write everything held about the person with ``email`` to the ZIP ``out``; a person
    with nothing held gets a ZIP that says so.

    The warehouse is only read: through ``cursor`` (a server's request cursor), else through
    the workspace's read-only connection (:meth:`Warehouse.reading`), so an access request
    neither waits for nor blocks imports and scoring runs in other processes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if cursor is None:
        with app.warehouse.reading() as own:
            return export_person(app, email=email, out=out, now=now, cursor=own)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        person = find_person(app, cursor, email)
        result = ExportResult(person=person, out=out)
        result.tables += _export_warehouse(cursor, zf, person)
        result.tables += _export_app(app, zf, person)
        zf.writestr("summary.txt", summary_text(result, now))
        zf.writestr("manifest.json", json.dumps(_manifest(result, now), indent=2,
                                                ensure_ascii=False))
    return result
