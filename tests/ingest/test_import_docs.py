"""docs/import.md and docs/examples stay true to the schema and the importer."""

from __future__ import annotations

from pathlib import Path

from tenure import App, import_file
from tenure.ingest.docs import EXAMPLES, generated_block, import_reference_markdown
from tenure.ingest.schema import TABLES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_generated_table_reference_matches_the_schema() -> None:
    text = (DOCS / "import.md").read_text(encoding="utf-8")
    assert generated_block(text) == import_reference_markdown(), (
        "docs/import.md is out of date: run `python -m tenure.ingest.docs docs/import.md`"
    )


def test_every_table_is_documented_with_an_example() -> None:
    reference = import_reference_markdown()
    for name, table in TABLES.items():
        assert f"### {name}\n" in reference
        for column in table.column_names:
            assert f"| `{column}` |" in reference
        assert any(e.table == name and e.source == "canonical" for e in EXAMPLES), name


def test_every_example_file_is_listed() -> None:
    on_disk = {p.name for p in (DOCS / "examples").iterdir() if p.is_file()}
    assert on_disk == {e.file for e in EXAMPLES}


def test_examples_import_without_rejects(app: App) -> None:
    for example in EXAMPLES:
        report = import_file(app, example.table, DOCS / "examples" / example.file,
                             source=example.source)
        what = f"{example.file} into {example.table}"
        assert report.rejected == 0, f"{what}: see {report.rejects_file}"
        # The examples describe one company: every row refers to one of its accounts.
        assert report.unknown_account_rows == 0, what
        assert report.imported + report.updated > 0, what
