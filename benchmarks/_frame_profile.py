"""The frames of the dashboard under a steady price flood, alone: CPU per frame, widgets and lines
rendered, and optionally a cProfile of the frames only (not a benchmark module: run it by hand).

    .venv/bin/python -m benchmarks._frame_profile [--ten] [--rate 10] [--changes 200] [--profile]
    .venv/bin/python -m benchmarks._frame_profile --idle 30 [--ten] [--profile]
    .venv/bin/python -m benchmarks._frame_profile --still 200

``ValrApp`` + ``TradingEngine`` (DRY_RUN, headless at ``HEADLESS_SIZE``) against the simulator in
its own process, its random walk off; the simulator sets BTCZAR to a new price ``--rate`` times a
second (``ProcessSimulator.flood``), ``--changes`` in all. Each frame the main screen paints
(``FrameClock``'s paint: ``Screen._on_timer_update``) is timed with ``time.process_time``, so
the figures count this process's CPU only, and profiled alone with ``--profile``. With ``--idle
SECONDS`` there is no flood: the simulator's random walk ticks every 0.5 s as ``--demo`` does
(``benchmarks._dashboard_idle``'s session) and the frames of that many idle seconds are measured.
With ``--still N`` nothing moves: an idle frame's lines (four depth lines, a ticker row, a chart
line, the spread line) are marked dirty and painted synchronously N times, 7 rounds: CPU per
frame, best and median round, steadier than a session's frames on a shared machine (A/B: run it
on each commit in turn).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import time
from typing import Any

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from benchmarks._common import (
    HEADLESS_SIZE,
    TEN_PAIRS,
    ProcessSimulator,
    demo_settings,
    quiesce,
    ticker_text,
    wait_for,
)
from benchmarks._dashboard_idle import RenderCounts
from benchmarks._engine_idle import WARM_UP_S
from valr_tui.logging_setup import configure_logging
from valr_tui.trading.engine import TradingEngine
from valr_tui.ui.app import ValrApp

PAIR = "BTCZAR"


IDLE_FRAME = (("#depth", 1), ("#depth", 2), ("#depth", 3), ("#depth", 4), ("#tickers", 1), ("#chart", 5),
              ("#spread-lines", 0))  # (widget, line): what an idle frame repaints (_dashboard_idle)


async def still_frames(count: int) -> None:
    with ProcessSimulator() as sim, demo_settings(sim) as settings:
        configure_logging(settings.log_path)
        app = ValrApp(TradingEngine(settings))
        async with app.run_test(size=HEADLESS_SIZE) as pilot:
            await wait_for(lambda: "Last" in ticker_text(app, PAIR), timeout_s=30)
            await asyncio.sleep(WARM_UP_S)
            screen: Any = app.main
            lines = [(screen.query_one(selector), y) for selector, y in IDLE_FRAME]

            def frame() -> None:
                for widget, y in lines:
                    widget.refresh(Region(0, y, widget.size.width, 1))
                for widget, _y in lines:
                    widget._repaint_required = False  # what Widget._check_refresh hands the screen
                    screen._dirty_widgets.add(widget)
                screen._on_timer_update()

            rounds = []
            for _ in range(7):
                started = time.process_time()
                for _ in range(count):
                    frame()
                rounds.append(1000 * (time.process_time() - started) / count)
            rounds.sort()
            print(f"still idle frame ({len(lines)} lines) x {count}, 7 rounds: best {rounds[0]:.3f} ms, "
                  f"median {rounds[3]:.3f} ms a frame, load {os.getloadavg()[0]:.2f}")
            await quiesce(app, pilot)


async def measure(pairs: tuple[str, ...] | None, rate: float, changes: int,
                  profile: cProfile.Profile | None, idle_s: float = 0.0) -> None:
    tick = 0.5 if idle_s else None
    with ProcessSimulator(tick_interval=tick, pairs=pairs) as sim, demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        app = ValrApp(TradingEngine(settings))
        async with app.run_test(size=HEADLESS_SIZE) as pilot:
            await wait_for(lambda: "Last" in ticker_text(app, PAIR), timeout_s=30)
            await asyncio.sleep(WARM_UP_S)
            clock: Any = app.main._frames
            paint = clock._paint
            frame_cpu: list[float] = []

            def timed() -> None:
                if profile is not None:
                    profile.enable()
                started = time.process_time()
                try:
                    paint()
                finally:
                    frame_cpu.append(time.process_time() - started)
                    if profile is not None:
                        profile.disable()

            clock._paint = timed
            render_cpu = [0.0]  # CPU in render_lines (RenderCounts times wall time, preemption included)
            with RenderCounts() as counts:
                counted = Widget.render_lines

                def render_timed(widget: Widget, crop: Region) -> list[Strip]:
                    started = time.process_time()
                    try:
                        return counted(widget, crop)
                    finally:
                        render_cpu[0] += time.process_time() - started

                Widget.render_lines = render_timed  # type: ignore[method-assign,assignment]
                wall, cpu = time.perf_counter(), time.process_time()
                if idle_s:
                    await asyncio.sleep(idle_s)
                else:
                    sim.flood(PAIR, rate, changes, 0)
                    await sim.flood_sent()
                    await asyncio.sleep(0.5)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            clock._paint = paint
            frames = len(frame_cpu)
            what = f"idle {idle_s:g} s" if idle_s else f"{changes} changes at {rate:g}/s"
            print(f"pairs {len(settings.pairs)}, {what}: {frames} frames, "
                  f"frame CPU mean {1000 * statistics.fmean(frame_cpu):.2f} ms, "
                  f"median {1000 * statistics.median(frame_cpu):.2f} ms, "
                  f"frames {100 * sum(frame_cpu) / wall:.2f} % of a core "
                  f"(process {100 * cpu / wall:.2f} %), load {os.getloadavg()[0]:.2f}")
            rendering = 1000 * render_cpu[0] / frames
            print(f"  per frame (CPU): render_lines {rendering:.2f} ms, the rest (compositor, chops, "
                  f"Textual's bookkeeping) {1000 * statistics.fmean(frame_cpu) - rendering:.2f} ms")
            print("  render_lines per frame: widget, calls, lines, ms")
            for name in sorted(counts.seconds, key=counts.seconds.__getitem__, reverse=True):
                print(f"    {name:28} {counts.calls[name] / frames:6.2f} {counts.lines[name] / frames:7.2f} "
                      f"{1000 * counts.seconds[name] / frames:7.3f}")
            await quiesce(app, pilot)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ten", action="store_true", help="TEN_PAIRS instead of the default two")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--still", type=int, default=0, metavar="N",
                        help="no session: an idle frame's lines repainted N times a round, 7 rounds")
    parser.add_argument("--idle", type=float, default=0.0, metavar="SECONDS",
                        help="no flood: this many seconds of the idle session (random walk every 0.5 s)")
    args = parser.parse_args()
    if args.still:
        asyncio.run(still_frames(args.still))
        return
    profile = cProfile.Profile() if args.profile else None
    asyncio.run(measure(TEN_PAIRS if args.ten else None, args.rate, args.changes, profile, args.idle))
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(45)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
