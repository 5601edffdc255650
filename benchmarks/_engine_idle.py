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
import contextlib
import cProfile
import os
import pstats
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
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


@dataclass
class IdleWindow:
    """What an idle probe saw in its window: wall and process CPU seconds, loop turns, each
    thread's CPU, and the loop's callbacks by origin (``probe``: when ``--handles``)."""

    wall: float
    cpu: float
    turns: int
    threads: dict[str, float]
    probe: LoopProbe | None

    @property
    def cpu_pct(self) -> float:
        return 100 * self.cpu / self.wall

    @property
    def turns_per_s(self) -> float:
        return self.turns / self.wall

    def thread_lines(self) -> list[str]:
        return [f"  thread {name}: {100 * used / self.wall:.2f} %" for name, used in self.threads.items()]

    def probe_lines(self) -> list[str]:
        return self.probe.report() if self.probe is not None else []


async def idle_window(seconds: float, profile: cProfile.Profile | None, handles: bool) -> IdleWindow:
    """Sleep ``seconds`` while counting the loop's turns, the threads' CPU and (``handles``) the
    loop's callbacks, profiling when ``profile`` is given."""
    loop: Any = asyncio.get_running_loop()
    turns = 0
    run_once = loop._run_once

    def counted() -> None:
        nonlocal turns
        turns += 1
        run_once()

    loop._run_once = counted
    probe = LoopProbe() if handles else None
    before, wall, cpu = thread_cpu_s(), time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    try:
        with probe if probe is not None else contextlib.nullcontext():
            await asyncio.sleep(seconds)
    finally:
        if profile is not None:
            profile.disable()
        loop._run_once = run_once
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = thread_cpu_s()
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    threads = {str(names.get(tid, tid)): used - before.get(tid, 0.0) for tid, used in sorted(after.items())}
    return IdleWindow(wall, cpu, turns, threads, probe)


async def measure(pairs: tuple[str, ...] | None, seconds: float, profile: cProfile.Profile | None,
                  handles: bool = False) -> None:
    with ProcessSimulator(tick_interval=0.5, pairs=pairs) as sim, demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        engine = TradingEngine(settings)
        await engine.start()
        await asyncio.sleep(WARM_UP_S)
        window = await idle_window(seconds, profile, handles)
        print(f"pairs {len(settings.pairs)}: CPU {window.cpu_pct:.2f} % of a core, "
              f"{window.turns_per_s:.1f} loop turns/s, load {os.getloadavg()[0]:.2f}")
        print("\n".join(window.thread_lines() + window.probe_lines()))
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
