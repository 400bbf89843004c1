"""The personal-data inventory: every place Tenure can keep a person's data, in one list.

Built from the declarations where the data is defined: warehouse columns carry
``Column.personal`` (:mod:`tenure.ingest.schema`), app database columns carry
``info={"personal": <category>}`` (:mod:`tenure.store.models`). Export, erasure, retention
and pseudonymisation find every copy through :func:`personal_columns`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ingest.schema import TABLES, Kind
from ..store.models import PERSONAL, Base


@dataclass(frozen=True)
class PersonalColumn:
    """One column that can hold a person's data. ``store``: "warehouse" or "app";
    ``category``: "identifier", "contact detail", "name", "free text", "online identifier"."""

    store: str
    table: str
    column: str
    category: str


_WAREHOUSE_CATEGORY = {Kind.EMAIL: "contact detail", Kind.ID: "identifier",
                       Kind.TEXT: "free text"}


def personal_columns() -> list[PersonalColumn]:
    """Every declared personal column, warehouse first, in declaration order."""
    found = [PersonalColumn("warehouse", t.name, c.name,
                            "name" if c.name == "name" else
                            _WAREHOUSE_CATEGORY.get(c.kind, "free text"))
             for t in TABLES.values() for c in t.columns if c.personal]
    for table in Base.metadata.sorted_tables:
        for col in table.columns:
            category = col.info.get(PERSONAL)
            if category:
                found.append(PersonalColumn("app", table.name, col.name, str(category)))
    return found
