"""Micro-benchmarks. Run them all with ``python -m benchmarks`` (see benchmarks/README.md).

Convention: every ``bench_*.py`` module here defines ``run() -> dict[str, object]``; a result may
carry ``passed: bool`` (its own budget check), which the runner turns into PASS/FAIL.
"""
