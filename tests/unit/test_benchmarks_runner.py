"""The benchmark runner's contract: discover bench_*.py, call run(), report, write JSON."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

import benchmarks.__main__ as runner


def _fake(name: str, monkeypatch: pytest.MonkeyPatch, folder: Path, run: object | None) -> None:
    (folder / f"{name}.py").write_text("# stand-in\n")
    module = types.ModuleType(f"benchmarks.{name}")
    if run is not None:
        module.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, f"benchmarks.{name}", module)


def test_bench_bucket_follows_the_convention() -> None:
    assert "bench_bucket" in runner.discover([])
    assert "bench_bucket" in runner.discover(["bucket"])
    assert "bench_bucket" not in runner.discover(["no-such-benchmark"])
    from benchmarks import bench_bucket

    assert callable(bench_bucket.run)


def test_runner_reports_and_writes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(runner, "HERE", tmp_path)
    monkeypatch.setattr(runner, "RESULTS", tmp_path / "results" / "latest.json")
    _fake("bench_good", monkeypatch, tmp_path, lambda: {"speed_us": 1.5, "passed": True})
    _fake("bench_slow", monkeypatch, tmp_path, lambda: {"speed_us": 9.0, "passed": False})
    _fake("bench_broken", monkeypatch, tmp_path, lambda: 1 / 0)
    _fake("bench_helper", monkeypatch, tmp_path, None)
    (tmp_path / "not_a_bench.py").write_text("")

    assert runner.main([]) == 1  # a FAIL and an ERROR make the run fail
    out = capsys.readouterr().out
    assert "PASS   bench_good" in out and "FAIL   bench_slow" in out
    assert "ERROR  bench_broken" in out and "SKIP   bench_helper" in out
    assert "not_a_bench" not in out
    document = json.loads((tmp_path / "results" / "latest.json").read_text())
    results = document["results"]
    assert results["bench_good"]["speed_us"] == 1.5
    assert "ZeroDivisionError" in results["bench_broken"]["error"]
    assert set(results) == {"bench_good", "bench_slow", "bench_broken", "bench_helper"}

    assert runner.main(["good"]) == 0
    assert runner.main(["nothing-matches"]) == 2
