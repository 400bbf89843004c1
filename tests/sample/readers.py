"""The shared sample company's parameters and plain readers for its files.

The readers use the csv module and pyarrow directly (not the generator's code), so the tests
check the files the way any importer would see them.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

AS_OF = dt.date(2025, 6, 1)
YEARS = 2.5
ACCOUNTS = 700
SEED = 20250601

Rows = dict[str, list[dict[str, str]]]  # CSV tables: name -> rows of text
Truth = dict[str, list[dict[str, Any]]]  # ground-truth files: name -> rows


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file; every value is the text in the file ("" when empty)."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def read_events(path: Path) -> pa.Table:
    return pq.read_table(path)
