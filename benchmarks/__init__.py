"""Benchmarks: how Tenure behaves at a realistic scale. Run by ``make bench``, never by the tests.

``python -m benchmarks`` runs every benchmark module of this package (see ``__main__``). A
benchmark module is any module here whose name does not start with ``_`` and that defines

- ``NAME``: its name (the module name; ``--only NAME`` picks it),
- ``TITLE``: the heading of its section in ``docs/benchmarks.md``,
- ``run(options: Options) -> Outcome``,
- ``markdown(data) -> str``: its docs section from ``Outcome.data`` (``--render-docs`` calls it
  on the last results).

This module holds what benchmarks share: the options, the outcome, the machine description,
medians, peak memory of a child process, and the writer that updates one section of
``docs/benchmarks.md`` while keeping the others.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "bench-data"  # generated inputs, cached between runs (gitignored)
RESULTS_DIR = Path(__file__).resolve().parent / "results"  # latest.json (gitignored)
DOC = REPO / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Options:
    """How to run: full size or a quick smoke run, and how many times to repeat each timing."""

    quick: bool = False
    repeat: int = 3
    rows: int | None = None  # override a benchmark's own row count
    data_dir: Path = DATA_DIR
    command: str = ".venv/bin/python -m benchmarks"


@dataclass
class Outcome:
    """What one benchmark found: a table to print, data for the JSON, a section for the docs."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    data: dict[str, Any]
    markdown: str
    problems: list[str] = field(default_factory=list)  # failed checks: make the run fail


# --- measuring ----------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mib() -> float:
    """Peak resident memory of this process image so far (Linux VmHWM).

    Not ``ru_maxrss``: on Linux a child started by fork + exec (multiprocessing's "spawn",
    subprocess) inherits, through exec, a ru_maxrss at least the parent's RSS at the fork, so
    a small import measured from a large parent reads as large. VmHWM belongs to the new
    image only, and :func:`reset_peak_rss` can restart it. Elsewhere: ru_maxrss (KiB on
    Linux, bytes on macOS).
    """
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm / 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024


def ru_maxrss_mib() -> float:
    """getrusage's peak (KiB on Linux), for comparison with :func:`peak_rss_mib`."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Restart the peak (VmHWM) at the current RSS, so the next step's peak is its own.

    Linux only (``echo 5 > /proc/self/clear_refs``); returns whether it worked.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def current_rss_mib() -> float:
    """Resident memory of this process now (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of repeated measurements."""
    return {
        "median": float(statistics.median(values)),
        "min": float(min(values)),
        "max": float(max(values)),
    }


def warm_file(path: Path) -> None:
    """Read a file once so every timed run starts with it in the OS page cache."""
    with path.open("rb") as fh:
        while fh.read(16 * 2**20):
            pass


# --- describing the machine ---------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    """The machine and software a result was measured on."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": cpus,
        "ram_gib": round(_ram_gib(), 1),
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "pyarrow": _version("pyarrow"),
        "numpy": _version("numpy"),
        "tenure": _version("tenure"),
    }


def machine_markdown(info: dict[str, Any]) -> str:
    return (
        f"{info['nproc']} CPUs ({info['cpu']}), {info['ram_gib']:.0f} GiB RAM, {info['os']}; "
        f"Python {info['python']}, DuckDB {info['duckdb']}, pyarrow {info['pyarrow']}, "
        f"numpy {info['numpy']}, Tenure {info['tenure']}."
    )


# --- writing results ----------------------------------------------------------------------------


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain table for the terminal, numbers right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            numeric = cell[:1].isdigit() or cell[:1] in "-+×"
            out.append(cell.rjust(widths[i]) if numeric and i else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = [fmt(headers), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)


def reflow(markdown: str, width: int = 100) -> str:
    """Re-wrap the prose paragraphs of generated markdown (tables, headings, lists kept)."""
    out = []
    for para in markdown.strip("\n").split("\n\n"):
        if para.lstrip().startswith(("|", "#", "-", "*", "```", "<!--")):
            out.append(para)
        else:
            out.append(textwrap.fill(" ".join(para.split()), width=width,
                                     break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(out) + "\n"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    align = ["---"] + ["--:"] * (len(headers) - 1)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


_DOC_HEADER = """# Benchmarks

Measured by `make bench` (`.venv/bin/python -m benchmarks`); each section below is written by
one benchmark module in `benchmarks/` and replaced when that benchmark runs again. Inputs are
generated into `bench-data/` (not in git); raw results go to `benchmarks/results/latest.json`.
"""


def update_doc_section(name: str, body: str, doc: Path = DOC) -> None:
    """Replace the section of ``doc`` between this benchmark's markers, keeping every other one.

    A section missing from the file is appended; a missing file is created with a short header.
    """
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else _DOC_HEADER
    start = text.find(begin)
    stop = text.find(end, start + len(begin)) if start >= 0 else -1
    if start >= 0 and stop >= 0:
        text = text[:start] + block + text[stop + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    tmp = doc.with_name(doc.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, doc)


def command_line() -> str:
    """The command as the user typed it (for the docs)."""
    args = " ".join(sys.argv[1:])
    return f".venv/bin/python -m benchmarks{' ' + args if args else ''}"
