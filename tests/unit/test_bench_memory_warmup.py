"""The memory benchmark's warm-up rule: it must not count the filling of bounded, tick-driven
buffers as growth, and must always leave half of the run measured."""

from __future__ import annotations

from benchmarks.bench_app_memory import warmup_over


def test_the_warm_up_waits_for_both_its_share_of_the_cycles_and_the_ticks() -> None:
    assert not warmup_over(4, 50, 5_000, 3_000)  # ticks seen, 10 % of the cycles not yet done
    assert not warmup_over(5, 50, 2_999, 3_000)  # cycles done, ticks not yet
    assert warmup_over(5, 50, 3_000, 3_000)


def test_the_warm_up_ends_half_way_whatever_the_ticks() -> None:
    assert not warmup_over(24, 50, 0, 3_000)
    assert warmup_over(25, 50, 0, 3_000)
    assert warmup_over(250, 500, 10, 6_000)


def test_a_run_of_one_cycle_still_warms_up_on_its_first() -> None:
    assert not warmup_over(0, 1, 10_000, 3_000)
    assert warmup_over(1, 2, 10_000, 3_000)
