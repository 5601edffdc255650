"""The engine alone, idle, against the simulator in its own process: CPU per thread and event-loop
turns a second (not a benchmark module: run it by hand).

    .venv/bin/python -m benchmarks._engine_idle [--ten] [--seconds 30] [--profile] [--handles]

The simulator ticks every 0.5 s as ``--demo`` does; the engine runs DRY_RUN with no dashboard.
CPU per thread comes from ``/proc/self/task/*/stat`` (Linux), so aiosqlite's worker thread shows
apart from the event loop's; ``--profile`` adds a cProfile of the loop's thread; ``--handles``
counts the loop's callbacks a second by origin (``benchmarks._loop_probe``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from benchmarks._common import TEN_PAIRS, ProcessSimulator, demo_settings
from benchmarks._loop_probe import LoopProbe
from valr_tui.logging_setup import configure_logging
from valr_tui.trading.engine import TradingEngine

WARM_UP_S = 5.0


def thread_cpu_s() -> dict[int, float]:
    """CPU seconds (user + system) of each thread of this process."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text(encoding="ascii")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


async def measure(pairs: tuple[str, ...] | None, seconds: float, profile: cProfile.Profile | None,
                  handles: bool = False) -> None:
    with ProcessSimulator(tick_interval=0.5, pairs=pairs) as sim, demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        engine = TradingEngine(settings)
        await engine.start()
        await asyncio.sleep(WARM_UP_S)
        loop: Any = asyncio.get_running_loop()
        turns = 0
        run_once = loop._run_once

        def counted() -> None:
            nonlocal turns
            turns += 1
            run_once()

        loop._run_once = counted
        probe = LoopProbe()
        before, wall, cpu = thread_cpu_s(), time.perf_counter(), time.process_time()
        if profile is not None:
            profile.enable()
        if handles:
            with probe:
                await asyncio.sleep(seconds)
        else:
            await asyncio.sleep(seconds)
        if profile is not None:
            profile.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = thread_cpu_s()
        loop._run_once = run_once
        names = {thread.native_id: thread.name for thread in threading.enumerate()}
        print(f"pairs {len(settings.pairs)}: CPU {100 * cpu / wall:.2f} % of a core, "
              f"{turns / wall:.1f} loop turns/s, load {os.getloadavg()[0]:.2f}")
        for tid, used in sorted(after.items()):
            print(f"  {names.get(tid, tid)}: {100 * (used - before.get(tid, 0.0)) / wall:.2f} %")
        if handles:
            print("\n".join(probe.report()))
        await engine.stop()


Measure = Callable[[tuple[str, ...] | None, float, cProfile.Profile | None, bool], Coroutine[Any, Any, None]]


def idle_main(doc: str | None, measure: Measure, sort: str, rows: int) -> None:
    """The command line of an idle probe (this one and ``_dashboard_idle``): its options, the run,
    then the profile's top ``rows`` by ``sort`` when asked for."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--ten", action="store_true", help="TEN_PAIRS instead of the default two")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--handles", action="store_true",
                        help="count the loop's callbacks a second by origin (benchmarks._loop_probe)")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    asyncio.run(measure(TEN_PAIRS if args.ten else None, args.seconds, profile, args.handles))
    if profile is not None:
        pstats.Stats(profile).sort_stats(sort).print_stats(rows)


def main() -> None:
    idle_main(__doc__, measure, "cumulative", 40)


if __name__ == "__main__":
    main()
