"""Source formats: how a file from somewhere maps onto the canonical tables.

``canonical`` is the import contract itself (DESIGN.md); the others map real-world exports
(Segment, Stripe, Zendesk) onto it. Each source says which tables it can fill, which file
formats it reads, and gives the projection (see ``tenure.ingest.project``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ImportFileError
from ..project import ProjectFn, canonical_projection
from ..readers import FileFormat
from ..schema import TABLES


@dataclass(frozen=True)
class Source:
    name: str
    doc: str
    tables: tuple[str, ...]
    formats: tuple[FileFormat, ...]
    project: ProjectFn

    def check(self, table: str, fmt: FileFormat, file_name: str) -> None:
        if table not in self.tables:
            raise ImportFileError(
                f"the {self.name} source fills {', '.join(self.tables)}, not {table}"
            )
        if fmt not in self.formats:
            raise ImportFileError(
                f"{file_name}: the {self.name} source reads "
                f"{' or '.join(f.value for f in self.formats)} files, not {fmt.value}"
            )


CANONICAL = Source(
    name="canonical",
    doc="The canonical tables of the import contract, from CSV, Parquet or JSON Lines.",
    tables=tuple(TABLES),
    formats=(FileFormat.CSV, FileFormat.PARQUET, FileFormat.JSONL),
    project=canonical_projection,
)


def sources() -> dict[str, Source]:
    """Every source format, by name."""
    from . import segment, stripe, zendesk

    return {s.name: s for s in (CANONICAL, segment.SOURCE, stripe.SOURCE, zendesk.SOURCE)}


def get_source(name: str) -> Source:
    found = sources()
    if name not in found:
        raise ImportFileError(f"unknown source {name!r}; choose one of {', '.join(found)}")
    return found[name]
