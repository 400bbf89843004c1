"""The import reference in docs/import.md, generated from the table declarations.

The per-table part of docs/import.md sits between ``<!-- BEGIN GENERATED: tables -->`` and
``<!-- END GENERATED: tables -->`` and is :func:`import_reference_markdown`; a test fails when
the two drift apart. Regenerate with ``python -m tenure.ingest.docs docs/import.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from .schema import ATTRIBUTES, TABLES, Column, Kind, Table
from .sources import sources

BEGIN = "<!-- BEGIN GENERATED: tables -->"
END = "<!-- END GENERATED: tables -->"


@dataclass(frozen=True)
class Example:
    """An example file under docs/examples and how it is imported."""

    file: str
    table: str
    source: str = "canonical"


# In import order: accounts first, so that every other example refers to known accounts.
EXAMPLES: tuple[Example, ...] = (
    Example("accounts.csv", "accounts"),
    Example("contacts.csv", "contacts"),
    Example("subscriptions.csv", "subscriptions"),
    Example("invoices.csv", "invoices"),
    Example("events.jsonl", "events"),
    Example("tickets.csv", "tickets"),
    Example("survey_responses.csv", "survey_responses"),
    Example("activities.csv", "activities"),
    Example("feedback.csv", "feedback"),
    Example("fx_rates.csv", "fx_rates"),
    Example("segment.jsonl", "accounts", "segment"),
    Example("segment.jsonl", "contacts", "segment"),
    Example("segment.jsonl", "events", "segment"),
    Example("stripe_subscriptions.csv", "subscriptions", "stripe"),
    Example("stripe_invoices.jsonl", "invoices", "stripe"),
    Example("zendesk_tickets.jsonl", "tickets", "zendesk"),
)

_KIND_TEXT: dict[Kind, str] = {
    Kind.ID: "id",
    Kind.TEXT: "text",
    Kind.EMAIL: "email",
    Kind.MONEY: "decimal",
    Kind.INT: "whole number",
    Kind.DATE: "date `YYYY-MM-DD`",
    Kind.TIMESTAMP: "timestamp, ISO 8601",
    Kind.ENUM: "one of",
    Kind.BOOL: "true / false",
    Kind.JSON: "JSON object",
    Kind.CURRENCY: "ISO 4217 code",
    Kind.COUNTRY: "ISO 3166 alpha-2 code",
}


def _type_text(col: Column) -> str:
    text = _KIND_TEXT[col.kind]
    if col.kind is Kind.ENUM:
        text += " " + ", ".join(f"`{c}`" for c in col.choices)
    if col.range_text:
        text += f", {col.range_text}"
    return text


def _key_text(table: Table) -> str:
    key = ", ".join(f"`{k}`" for k in table.key)
    if table.on_conflict == "insert":
        text = f"Key: {key}. A repeated key is a duplicate: the stored record is kept."
        if table.hash_key_from:
            cols = ", ".join(f"`{c}`" for c in table.hash_key_from)
            text += f" A row without `{table.key[0]}` is keyed by a hash of {cols}."
        return text
    return (
        f"Key: {key}. A repeated key replaces the stored record (counted as updated when a "
        "value changed, else as duplicate)."
    )


def _table_section(table: Table) -> list[str]:
    out = [f"### {table.name}", "", table.doc, "", _key_text(table)]
    if table.checks:
        out += ["", "Row checks: " + "; ".join(c.describe() for c in table.checks) + "."]
    out += [
        "",
        "| column | type | required | personal data | description |",
        "|---|---|---|---|---|",
    ]
    for col in table.columns:
        out.append(
            f"| `{col.name}` | {_type_text(col)} | {'**yes**' if col.required else ''} "
            f"| {'yes' if col.personal else ''} | {col.doc} |"
        )
    out.append(f"| `{ATTRIBUTES.name}` | JSON object |  | yes | {ATTRIBUTES.doc} |")
    examples = [e for e in EXAMPLES if e.table == table.name]
    links = [
        f"[`examples/{e.file}`](examples/{e.file})"
        + ("" if e.source == "canonical" else f" (`--source {e.source}`)")
        for e in examples
    ]
    out += ["", "Examples: " + ", ".join(links) + "."]
    other = [s.name for s in sources().values() if s.name != "canonical" and
             table.name in s.tables]
    if other:
        out += ["", "Also filled by: " + ", ".join(f"`--source {s}`" for s in other) + "."]
    return out


def _summary() -> list[str]:
    out = [
        "| table | required columns | key | a repeated key |",
        "|---|---|---|---|",
    ]
    for t in TABLES.values():
        repeated = (
            "is a duplicate (stored record kept)"
            if t.on_conflict == "insert"
            else "replaces the stored record"
        )
        out.append(
            f"| [{t.name}](#{t.name}){' (optional)' if t.optional else ''} | "
            f"{', '.join(f'`{c}`' for c in t.required)} | "
            f"{', '.join(f'`{k}`' for k in t.key)} | {repeated} |"
        )
    return [*out, ""]


def import_reference_markdown() -> str:
    """The per-table reference of docs/import.md (the generated block, without markers)."""
    out: list[str] = _summary()
    for table in TABLES.values():
        out += [*_table_section(table), ""]
    return "\n".join(out).rstrip() + "\n"


def generated_block(text: str) -> str:
    """The text between the markers of a document; raises ValueError without them."""
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END, start)
    return text[start:end].strip("\n") + "\n"


def update_document(path: Path) -> bool:
    """Rewrite the generated block of ``path``; returns whether it changed."""
    text = path.read_text(encoding="utf-8")
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END, start)
    new = text[:start] + "\n" + import_reference_markdown() + text[end:]
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


if __name__ == "__main__":  # python -m tenure.ingest.docs docs/import.md
    for arg in sys.argv[1:]:
        print(f"{arg}: {'updated' if update_document(Path(arg)) else 'up to date'}")
