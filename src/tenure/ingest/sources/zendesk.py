"""Placeholder until the zendesk mapping lands."""

from __future__ import annotations

from ...errors import ImportFileError
from ..project import Projection, Staged
from ..readers import FileFormat
from ..schema import Table
from . import Source


def _project(table: Table, staged: Staged) -> Projection:
    raise ImportFileError("the zendesk source is not available yet")


SOURCE = Source(name="zendesk", doc="", tables=(), formats=(FileFormat.JSONL,), project=_project)
