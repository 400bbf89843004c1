"""Importing a company's data into the canonical tables (the import contract)."""

from __future__ import annotations

from .load import ImportReport, import_file
from .schema import TABLE_ORDER, TABLES, Column, Kind, Table

__all__ = ["TABLES", "TABLE_ORDER", "Column", "ImportReport", "Kind", "Table", "import_file"]
