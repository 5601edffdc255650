"""The suite runs from a fresh clone (what CI does): no test reads a file outside the repository.

VALR's reference lives beside the repository on the development machine only; examples the tests
need are copied into ``tests/conformance/official_examples.py``."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# ``Path(__file__).resolve().parents[N]``: the one way the tests name a path relative to themselves.
PARENTS = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]")


def test_no_test_resolves_a_path_outside_the_repository() -> None:
    outside: list[str] = []
    for source in sorted((ROOT / "tests").rglob("*.py")):
        for match in PARENTS.finditer(source.read_text(encoding="utf-8")):
            target = source.resolve().parents[int(match.group(1))]
            if not target.is_relative_to(ROOT):
                outside.append(f"{source.relative_to(ROOT)}: parents[{match.group(1)}] is {target}")
    assert not outside, "tests reading outside the repository fail in a fresh clone:\n" + "\n".join(outside)


def test_no_test_names_the_reference_directory_beside_the_repository() -> None:
    # The reference's directory name joined as a path segment (a quoted "valr-official" in a
    # path expression) means a file the clone does not have.
    offenders = [
        str(source.relative_to(ROOT))
        for source in sorted((ROOT / "tests").rglob("*.py"))
        if re.search(r"/\s*[\"']valr-official[\"']", source.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
