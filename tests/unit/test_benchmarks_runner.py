"""The benchmark runner's contract: discover bench_*.py, call run(), report, write JSON."""

from __future__ import annotations

import json
import sys
import threading
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


def test_runner_prints_each_budget_with_its_figure_and_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(runner, "HERE", tmp_path)
    monkeypatch.setattr(runner, "RESULTS", tmp_path / "results" / "latest.json")
    _fake("bench_app_memory", monkeypatch, tmp_path,
          lambda: {"ours_rss_growth_mib": 6.5, "budget_growth_mib": 5.0, "passed": False})
    _fake("bench_app_memory_ten_pairs", monkeypatch, tmp_path,
          lambda: {"ours_rss_growth_mib": 1.25, "budget_growth_mib": 5.0, "passed": True})
    _fake("bench_app_startup", monkeypatch, tmp_path, lambda: {"cold_ratio": 1.2, "passed": True})

    assert runner.main([]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "FAIL     bench_app_memory  ours_rss_growth_mib 6.5 ≤ 5.0" in lines
    assert "PASS     bench_app_memory_ten_pairs  ours_rss_growth_mib 1.25 ≤ 5.0" in lines
    # a budgeted figure the module did not report is named, not passed over
    assert "MISSING  bench_app_startup  warm_ours_median_s" in lines


def test_every_budget_has_a_row_in_the_figures_table() -> None:
    """``python -m benchmarks._figures`` renders every budgeted figure of one full run, the
    ten-pair modules' included: a budget without a row would vanish from the README's table."""
    from benchmarks._figures import BUDGETS, ROWS

    shown = {(bench, key) for bench, _label, ours, _peer, ratio, _unit in ROWS
             for key in (ours, ratio) if key}
    assert {(bench, figure) for bench, figure, _limit in BUDGETS} <= shown
    assert {bench for bench, _figure, _limit in BUDGETS} >= {
        "bench_app_latency_ten_pairs", "bench_app_session_ten_pairs", "bench_app_memory_ten_pairs",
        "bench_app_startup_ten_pairs"}


def test_figures_renders_the_budget_verdicts_of_a_results_file(tmp_path: Path) -> None:
    from benchmarks._figures import render

    results = {"bench_app_memory_ten_pairs": {"ours_rss_growth_mib": 7.0, "peer_rss_growth_mib": 0.1,
                                              "growth_ratio": 70.0, "budget_growth_mib": 5.0,
                                              "passed": False}}
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"generated_at": "2026-12-02T04:00:00+00:00",
                                "command": "python -m benchmarks", "results": results}))
    text = render([path])
    assert "| ten pairs: RSS growth after warm-up" in text and "| 7.0 MiB | 0.1 MiB | 70.0 | A |" in text
    assert "- FAIL     bench_app_memory_ten_pairs  ours_rss_growth_mib 7.0 ≤ 5.0" in text


def test_modules_of_a_concurrent_group_run_at_the_same_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each member waits for the other at a barrier: run one after the other, they would time out."""
    from multiprocessing.pool import ThreadPool

    met = threading.Barrier(2, timeout=5)

    def member() -> dict[str, object]:
        met.wait()
        return {"passed": True}

    for name in ("bench_mem_a", "bench_mem_b"):
        _fake(name, monkeypatch, tmp_path, member)
        sys.modules[f"benchmarks.{name}"].CONCURRENT_GROUP = "memory"  # type: ignore[attr-defined]
    _fake("bench_alone", monkeypatch, tmp_path, lambda: {"passed": True})
    monkeypatch.setattr(runner, "_pool", ThreadPool)  # the same API, without spawning

    results = runner.run_all(["bench_alone", "bench_mem_a", "bench_mem_b"])
    assert list(results) == ["bench_alone", "bench_mem_a", "bench_mem_b"]
    assert all(result.get("passed") is True for result in results.values()), results


def test_the_two_memory_modules_share_a_concurrent_group() -> None:
    assert runner.concurrent_group("bench_app_memory") == "memory"
    assert runner.concurrent_group("bench_app_memory_ten_pairs") == "memory"
    assert runner.concurrent_group("bench_app_latency") is None
