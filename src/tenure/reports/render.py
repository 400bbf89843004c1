"""The QBR as files: HTML from a Jinja2 template (charts inlined) and a PDF of the same HTML.

``write_qbr(report, out)`` writes ``out.html`` and ``out.pdf`` (an ``out`` ending in .html or
.pdf stands for its stem) and returns both paths. The PDF is rendered by WeasyPrint, which
needs Debian's pango; without it a ReportError says what to install, and nothing is written.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..errors import ReportError
from . import charts
from .qbr import QbrReport

NA = "n/a"
INSTALL_HINT = ("WeasyPrint cannot load its libraries ({}); install pango: "
                "`sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0` "
                "(or run scripts/system-deps.sh)")


def output_paths(out: Path) -> tuple[Path, Path]:
    """(HTML path, PDF path) for ``--out``: FILE, FILE.html or FILE.pdf all give both."""
    out = Path(out)
    stem = out.with_suffix("") if out.suffix.lower() in (".html", ".htm", ".pdf") else out
    return stem.with_name(stem.name + ".html"), stem.with_name(stem.name + ".pdf")


def _fmt_num(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NA
    return f"{value:,.{digits}f}"


def _fmt_pct(value: Any, digits: int = 0) -> str:
    return NA if value is None else f"{100 * value:.{digits}f}%"


def _fmt_signed_pct(value: Any) -> str:
    return NA if value is None else f"{100 * value:+.0f}%"


def _fmt_date(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else NA


def _environment(currency: str) -> Environment:
    env = Environment(loader=PackageLoader("tenure.reports", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _fmt_num
    env.filters["pct"] = _fmt_pct
    env.filters["signed_pct"] = _fmt_signed_pct
    env.filters["day"] = _fmt_date
    env.filters["money"] = lambda v: NA if v is None else f"{currency} {v:,.0f}"
    env.filters["hours"] = lambda v: NA if v is None else f"{v:,.1f} h"
    return env


def render_html(report: QbrReport) -> str:
    """The report as one self-contained HTML page (print CSS for A4 included)."""
    h = report.health
    images = {
        "usage": charts.usage_chart(report.usage),
        "health": charts.health_chart(h.points, h.bands, start=report.quarter.start,
                                      end=report.through),
        "groups": charts.groups_chart(h.groups, h.bands),
        "nps": charts.nps_chart(report.voice.nps_scores),
    }
    template = _environment(report.currency).get_template("qbr.html.j2")
    return template.render(r=report, images=images, h=h, latest=h.latest, first=h.first)


def _weasyprint() -> Any:
    try:
        with warnings.catch_warnings():
            # WeasyPrint announces that a future version will need libharfbuzz-subset; the
            # current one works without it (the PDF embeds whole fonts), so this is no error.
            warnings.filterwarnings("ignore", message="HarfBuzz-Subset",
                                    category=DeprecationWarning)
            import weasyprint
    except OSError as exc:  # pango or its friends are missing
        raise ReportError(INSTALL_HINT.format(str(exc).splitlines()[0])) from None
    except ImportError:
        raise ReportError("WeasyPrint is not installed: `pip install weasyprint`") from None
    return weasyprint


def write_qbr(report: QbrReport, out: Path) -> tuple[Path, Path]:
    """Write the report's HTML and PDF next to each other; return (html, pdf) paths. Each
    file appears whole or not at all (written aside, then renamed)."""
    weasyprint = _weasyprint()
    html_path, pdf_path = output_paths(out)
    folder = html_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot write the report into {folder}: {exc.strerror}") from None
    html = render_html(report)
    document = weasyprint.HTML(string=html, base_url=str(folder)).render()
    for path, write in ((html_path, lambda p: p.write_text(html, encoding="utf-8")),
                        (pdf_path, lambda p: document.write_pdf(p))):
        tmp: Path | None = None
        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
            os.close(fd)
            tmp = Path(name)
            write(tmp)
            # mkstemp makes the file private (0600); a report gets the usual mode.
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o666 & ~umask)
            os.replace(tmp, path)
        except OSError as exc:
            raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from None
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
    return html_path, pdf_path
