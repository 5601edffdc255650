"""Run every ``bench_*.py`` module in this folder that defines ``run() -> dict[str, object]``,
print one table, and write ``benchmarks/results/latest.json``.

    python -m benchmarks                        # all of them
    python -m benchmarks bucket                 # only modules whose name contains "bucket"
    python -m benchmarks --only app_session     # the same filter as an option (repeatable)
    python -m benchmarks --quick                # shorter runs (1-minute demo session, fewer samples)
    python -m benchmarks --minutes 30           # length of the demo session (default 10; 1 if --quick)
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks._figures import verdicts

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"


def discover(filters: list[str]) -> list[str]:
    """Module names of ``bench_*.py`` files, sorted, optionally filtered by substring."""
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not filters or any(f in n for f in filters)]


def run_one(name: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"{__package__ or 'benchmarks'}.{name}")
        run = getattr(module, "run", None)
        if not callable(run):
            return {"skipped": "no run() function"}
        result = run()
        if not isinstance(result, dict):
            return {"error": f"run() returned {type(result).__name__}, expected dict"}
        outcome: dict[str, Any] = dict(result)
    except Exception as exc:  # one broken benchmark must not hide the others' numbers
        outcome = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    outcome["elapsed_s"] = round(time.perf_counter() - started, 3)
    return outcome


def _pool(processes: int) -> Any:
    return multiprocessing.get_context("spawn").Pool(processes)


def _run_one_by_reference() -> Any:
    """``run_one`` as ``benchmarks.__main__.run_one``: run as ``python -m benchmarks`` this module
    is ``__main__``, which a spawned process does not import again, so it could not find it."""
    return importlib.import_module(f"{__package__ or 'benchmarks'}.__main__").run_one


def concurrent_group(name: str) -> str | None:
    """The module's ``CONCURRENT_GROUP``: modules of one group run at the same time, each in a
    process of its own (figures that do not depend on having the machine to themselves, such as
    a process's memory growth); None (the rest) run one after the other, alone."""
    module = importlib.import_module(f"{__package__ or 'benchmarks'}.{name}")
    group = getattr(module, "CONCURRENT_GROUP", None)
    return group if isinstance(group, str) else None


def run_all(names: list[str]) -> dict[str, dict[str, Any]]:
    """Every module in ``names``: those of a concurrent group together, when the group's first
    member's turn comes (a fresh process each, so none sees the others' heap); the rest in turn."""
    groups: dict[str, list[str]] = {}
    for name in names:
        try:
            group = concurrent_group(name)
        except Exception:  # reported by run_one, in turn
            group = None
        if group is not None:
            groups.setdefault(group, []).append(name)
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        if name in results:
            continue
        members = next((m for m in groups.values() if name in m), [name])
        if len(members) == 1:
            results[name] = run_one(name)
            continue
        with _pool(len(members)) as pool:
            results.update(zip(members, pool.map(_run_one_by_reference(), members), strict=True))
    return {name: results[name] for name in names}


def status(result: dict[str, Any]) -> str:
    if "error" in result:
        return "ERROR"
    if "skipped" in result:
        return "SKIP"
    if "passed" in result:
        return "PASS" if result["passed"] else "FAIL"
    return "done"


def print_table(results: dict[str, dict[str, Any]]) -> None:
    rows = [
        (bench, key, str(value))
        for bench, result in results.items()
        for key, value in result.items()
        if key != "traceback"
    ]
    headers = ("benchmark", "metric", "value")
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:{w}}}" for w in widths)
    print(line.format("benchmark", "metric", "value"))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))
    print()
    for bench, result in results.items():
        print(f"{status(result):5}  {bench}")
        if "traceback" in result:
            print(result["traceback"], file=sys.stderr)
    budgets = verdicts(results)
    if budgets:
        print("\nbudgets:")
        print("\n".join(budgets))


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("filters", nargs="*", help="run only modules whose name contains one of these")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only modules whose name contains NAME (repeatable)")
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs: fewer samples, a 1-minute demo session")
    parser.add_argument("--minutes", type=float, default=None, metavar="N",
                        help="demo-session length in minutes (default 10, or 1 with --quick)")
    parser.add_argument("--output", type=Path, default=RESULTS, metavar="PATH",
                        help=f"where to write the JSON results (default {RESULTS.relative_to(HERE.parent)})")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    filters = [*args.filters, *args.only]
    # Options travel by environment so run() stays argument-free (see benchmarks/_common.py).
    if args.quick:
        os.environ["VALR_BENCH_QUICK"] = "1"
    if args.minutes is not None:
        if args.minutes <= 0:
            print("--minutes must be positive", file=sys.stderr)
            return 2
        os.environ["VALR_BENCH_MINUTES"] = str(args.minutes)
    names = discover(filters)
    if not names:
        print(f"no bench_*.py module in {HERE} matches {filters}", file=sys.stderr)
        return 2
    results = run_all(names)
    print_table(results)
    output: Path = args.output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "command": " ".join(["python -m benchmarks", *argv]),
        "quick": args.quick,
        "results": results,
    }
    output.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {output}")
    return 1 if any(status(r) in ("ERROR", "FAIL") for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
