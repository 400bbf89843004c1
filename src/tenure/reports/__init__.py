"""Reports people ask for as files: the quarterly business review of an account (QBR), as
HTML and PDF with charts."""

from __future__ import annotations

from .qbr import QbrReport, Quarter, parse_quarter, qbr_report
from .render import output_paths, render_html, write_qbr

__all__ = ["QbrReport", "Quarter", "output_paths", "parse_quarter", "qbr_report",
           "render_html", "write_qbr"]
