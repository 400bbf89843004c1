"""Run the benchmarks: ``python -m benchmarks [--quick] [--only NAME] [--repeat N] [--rows N]``.

Prints one table per benchmark, writes every figure to ``benchmarks/results/latest.json`` and,
for a full run, replaces each benchmark's own section of ``docs/benchmarks.md``. A quick run
(about 200,000 rows, one repetition) is a smoke test: it leaves the docs alone unless asked
with ``--docs``. Exits 1 when a benchmark's checks fail (e.g. an import that lost rows).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from types import ModuleType

from . import DATA_DIR, DOC, RESULTS_DIR, Options, command_line, text_table, update_doc_section


def benchmark_modules() -> dict[str, ModuleType]:
    """Every benchmark module of the package, by name (modules starting with _ are helpers)."""
    import benchmarks

    found = {}
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        if callable(getattr(module, "run", None)):
            found[getattr(module, "NAME", info.name)] = module
    return dict(sorted(found.items()))


def render_docs(chosen: dict[str, ModuleType]) -> int:
    """Rewrite the docs sections from the last results (after editing a section's text)."""
    latest = RESULTS_DIR / "latest.json"
    if not latest.exists():
        print(f"no {latest}: run the benchmarks first", file=sys.stderr)
        return 1
    results = json.loads(latest.read_text(encoding="utf-8"))["benchmarks"]
    for name, module in chosen.items():
        if name in results:
            update_doc_section(name, module.markdown(results[name]))
            print(f"rewrote the {name} section of docs/benchmarks.md")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="a small smoke run: ~200,000 rows, one repetition")
    parser.add_argument("--only", metavar="NAME", action="append",
                        help="run only this benchmark (repeatable)")
    parser.add_argument("--repeat", type=int, help="repetitions per measurement "
                        "(default 3, quick 1); the median is reported")
    parser.add_argument("--rows", type=int, help="override the benchmark's row count")
    parser.add_argument("--docs", action=argparse.BooleanOptionalAction, default=None,
                        help="update docs/benchmarks.md (default: on for full runs only)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--render-docs", action="store_true",
                        help="measure nothing: rewrite the docs sections from latest.json")
    args = parser.parse_args(argv)

    modules = benchmark_modules()
    if args.list:
        for name, module in modules.items():
            print(f"{name}: {getattr(module, 'TITLE', '')}")
        return 0
    unknown = sorted(set(args.only or ()) - set(modules))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(modules)}")
    chosen = {n: m for n, m in modules.items() if not args.only or n in args.only}
    if args.render_docs:
        return render_docs(chosen)

    options = Options(
        quick=args.quick,
        repeat=args.repeat or (1 if args.quick else 3),
        rows=args.rows,
        data_dir=DATA_DIR,
        command=command_line(),
    )
    write_docs = args.docs if args.docs is not None else not (args.quick or args.rows)

    results = {}
    failed: list[str] = []
    for name, module in chosen.items():
        started = time.perf_counter()
        outcome = module.run(replace(options))
        took = time.perf_counter() - started
        print(f"\n{outcome.title} ({took:.0f} s)\n")
        print(text_table(outcome.headers, outcome.rows))
        print()
        results[name] = {**outcome.data, "wall_s": took, "problems": outcome.problems}
        failed += outcome.problems
        if write_docs:
            update_doc_section(name, outcome.markdown)
            print(f"updated the {name} section of {DOC.relative_to(DOC.parent.parent)}")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    latest = RESULTS_DIR / "latest.json"
    payload = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": options.command,
        "benchmarks": results,
    }
    latest.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {latest.relative_to(latest.parent.parent.parent)}")
    for problem in failed:
        print(f"CHECK FAILED: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
