"""The dashboard idle against the simulator in its own process: CPU, frames, event-loop turns and
the time each widget spent rendering lines (not a benchmark module: run it by hand).

    .venv/bin/python -m benchmarks._dashboard_idle [--ten] [--seconds 30] [--profile] [--handles]

What ``bench_app_session``'s out-of-process figure measures (``ValrApp`` + ``TradingEngine``,
DRY_RUN, headless at ``HEADLESS_SIZE``, the simulator ticking every 0.5 s as ``--demo`` does),
broken down: frames a second, loop turns a second, CPU per thread (``_engine_idle.thread_cpu_s``),
``render_lines`` calls, lines and milliseconds per widget class; ``--profile`` adds a cProfile of
the loop's thread sorted by own time; ``--handles`` the loop's callbacks a second by origin
(``benchmarks._loop_probe``).
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import time
from collections import defaultdict
from typing import Any

from textual.widget import Widget

from benchmarks._common import (
    HEADLESS_SIZE,
    ProcessSimulator,
    demo_settings,
    hook_frames,
    quiesce,
    ticker_text,
    wait_for,
)
from benchmarks._engine_idle import WARM_UP_S, idle_main, idle_window
from valr_tui.logging_setup import configure_logging
from valr_tui.trading.engine import TradingEngine
from valr_tui.ui.app import ValrApp


class RenderCounts:
    """``Widget.render_lines`` calls, lines and seconds per widget class while installed."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = defaultdict(int)
        self.lines: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self._original = Widget.render_lines

    def __enter__(self) -> RenderCounts:
        original = self._original
        counts = self

        def counted(widget: Widget, crop: Any) -> Any:
            started = time.perf_counter()
            strips = original(widget, crop)
            name = type(widget).__name__
            counts.calls[name] += 1
            counts.lines[name] += len(strips)
            counts.seconds[name] += time.perf_counter() - started
            return strips

        Widget.render_lines = counted  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_exc: object) -> None:
        Widget.render_lines = self._original  # type: ignore[method-assign]


async def measure(pairs: tuple[str, ...] | None, seconds: float, profile: cProfile.Profile | None,
                  handles: bool = False) -> None:
    with ProcessSimulator(tick_interval=0.5, pairs=pairs) as sim, demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        app = ValrApp(TradingEngine(settings))
        async with app.run_test(size=HEADLESS_SIZE) as pilot:
            await wait_for(lambda: "Last" in ticker_text(app, settings.pairs[0]), timeout_s=30)
            await asyncio.sleep(WARM_UP_S)
            frames = 0

            def on_frame(_at: float) -> None:
                nonlocal frames
                frames += 1

            hook_frames(app, on_frame)
            with RenderCounts() as counts:
                window = await idle_window(seconds, profile, handles)
            print(f"pairs {len(settings.pairs)}: CPU {window.cpu_pct:.2f} % of a core, "
                  f"{frames / window.wall:.2f} frames/s, {window.turns_per_s:.1f} loop turns/s, "
                  f"load {os.getloadavg()[0]:.2f}")
            print("\n".join(window.thread_lines()))
            print("  render_lines per second: widget, calls, lines, ms")
            wall = window.wall
            for name in sorted(counts.seconds, key=counts.seconds.__getitem__, reverse=True):
                print(f"    {name:28} {counts.calls[name] / wall:6.2f} {counts.lines[name] / wall:7.1f} "
                      f"{1000 * counts.seconds[name] / wall:7.2f}")
            print("\n".join(window.probe_lines()))
            await quiesce(app, pilot)


def main() -> None:
    idle_main(__doc__, measure, "tottime", 45)


if __name__ == "__main__":
    main()
