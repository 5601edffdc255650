"""What opening and closing a view costs: CPU per view, frames, renders, recomposes and reflows
(not a benchmark module: run it by hand).

    nice -n 10 .venv/bin/python -m benchmarks._view_cost [--cycles 4] [--orders 110] [--ticks 0]
        [--only book,help] [--profile] [--top 30]

``ValrApp`` + ``TradingEngine`` (DRY_RUN, headless at ``HEADLESS_SIZE``) against the embedded
simulator, its random walk off, as ``bench_app_memory`` runs it and with its helpers (``screens``,
``_open_close``, ``_Resting``, ``_Frames``): ``--orders`` paper orders placed and cancelled first
(the tables' rows), then ``--cycles`` rounds of every view (or those named in ``--only``, by the
lowercase start of their class name), each opened by the app's own action and closed, waiting as
the benchmark does (``_drawn``). ``--ticks R`` steps the market R times a second meanwhile.

Per view, averaged over the cycles after the first (the first pays for imports and caches):
CPU ms of the app's thread (``time.thread_time``; the simulator's thread apart), frames
composited, full frames (``Compositor.render_full_update``), ``render_lines`` calls of the
main screen's widgets and of the others, recomposes, layout passes of the screens
(``Screen._refresh_layout``) and styles matched (``Stylesheet.update_nodes``' nodes); then the
CPU ms inside reflows, full and partial frames, style matching (``Stylesheet.apply``), the dimmed
backdrop's lines (``stacking._backdrop_lines``, inside the frames) and mounting (``App._register``).
``--profile`` adds a cProfile of the cycles, sorted by ``--sort`` (cumulative), ``--top`` lines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from textual._compositor import Compositor
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen
from textual.widget import Widget

from benchmarks._common import load_average
from benchmarks.bench_app_memory import (
    _cancel,
    _Frames,
    _Market,
    _open_close,
    _place,
    _Resting,
    dashboard,
    screens,
)
from valr_tui.ui.app import ValrApp

COUNTS = ("frames", "full", "main_renders", "other_renders", "recomposes", "layouts", "styled")
# CPU ms inside: reflows, full frames, partial frames, style matching, the dimmed backdrop's lines
# (inside the frames), widgets' compose and mount (``App._register``)
PHASES = ("reflow_ms", "full_ms", "partial_ms", "styles_ms", "backdrop_ms", "mount_ms")


class Counters:
    """Counts of what a view's open and close made Textual do, while installed."""

    def __init__(self, app: ValrApp, frames: _Frames) -> None:
        self.app = app
        self.frames = frames
        self.values: dict[str, int] = defaultdict(int)
        self.recomposed: dict[str, int] = defaultdict(int)  # widget class -> recomposes
        self.laid_out: dict[str, int] = defaultdict(int)  # screen class -> layout passes
        self.spent: dict[str, float] = defaultdict(float)  # phase -> CPU ms

    @contextmanager
    def installed(self) -> Iterator[Counters]:
        values, app = self.values, self.app
        with ExitStack() as stack:
            def patch(owner: type[Any], name: str, wrap: Callable[[Any], Any]) -> None:
                original = owner.__dict__[name]
                setattr(owner, name, wrap(original))
                stack.callback(setattr, owner, name, original)

            def renders(original: Any) -> Any:
                def counted(widget: Widget, crop: Any) -> Any:
                    on_main = widget.screen is app.main if widget.is_attached else False
                    values["main_renders" if on_main else "other_renders"] += 1
                    return original(widget, crop)
                return counted

            def recompose(original: Any) -> Any:
                async def counted(widget: Widget) -> None:
                    self.recomposed[type(widget).__name__] += 1
                    values["recomposes"] += 1
                    await original(widget)
                return counted

            def layout(original: Any) -> Any:
                def counted(screen: Screen[Any], *args: Any, **kwargs: Any) -> None:
                    self.laid_out[type(screen).__name__] += 1
                    values["layouts"] += 1
                    original(screen, *args, **kwargs)
                return counted

            def full(original: Any) -> Any:
                timed_full = timed("full_ms")(original)

                def counted(compositor: Compositor, *args: Any, **kwargs: Any) -> Any:
                    values["full"] += 1
                    return timed_full(compositor, *args, **kwargs)
                return counted

            def styled(original: Any) -> Any:
                def counted(sheet: Stylesheet, nodes: Any, animate: bool = False) -> None:
                    nodes = list(nodes)
                    values["styled"] += len(nodes)
                    original(sheet, nodes, animate)
                return counted

            spent = self.spent

            def timed(phase: str) -> Callable[[Any], Any]:
                def wrap(original: Any) -> Any:
                    depth = 0

                    def counted(*args: Any, **kwargs: Any) -> Any:
                        nonlocal depth
                        if depth:
                            return original(*args, **kwargs)
                        depth += 1
                        started = time.thread_time()
                        try:
                            return original(*args, **kwargs)
                        finally:
                            depth -= 1
                            spent[phase] += 1000 * (time.thread_time() - started)
                    return counted
                return wrap

            patch(Compositor, "reflow", timed("reflow_ms"))
            patch(Compositor, "render_partial_update", timed("partial_ms"))
            patch(Stylesheet, "apply", timed("styles_ms"))
            patch(App, "_register", timed("mount_ms"))
            with contextlib.suppress(ImportError):  # the remedy's module (absent before it)
                from valr_tui.ui.screens import stacking
                patch_module = stacking.__dict__
                original_lines = patch_module["_backdrop_lines"]
                patch_module["_backdrop_lines"] = timed("backdrop_ms")(original_lines)
                stack.callback(patch_module.__setitem__, "_backdrop_lines", original_lines)
            patch(Widget, "render_lines", renders)
            patch(Widget, "recompose", recompose)
            patch(Screen, "_refresh_layout", layout)
            patch(Compositor, "render_full_update", full)
            patch(Stylesheet, "update_nodes", styled)
            yield self

    def snapshot(self) -> dict[str, float]:
        return {**self.values, **self.spent, "frames": self.frames.count}


async def measure(cycles: int, orders: int, ticks: float, only: list[str], profile: cProfile.Profile | None,
                  ) -> dict[str, dict[str, float]]:
    pairs = ("BTCZAR", "ETHZAR")
    async with dashboard(pairs) as (sim, engine, app, pilot, frames):
        for _ in range(orders):  # the tables' rows (the benchmark's orders, placed and cancelled)
            await _cancel(engine, await _place(engine))

        async def unlock(_request: object) -> None:
            return None

        resting = _Resting(app, engine)
        views = [(kind, open_it) for kind, open_it in screens(app, unlock, resting.open_amend)
                 if not only or any(kind.__name__.lower().startswith(name) for name in only)]
        market = _Market(sim, len(pairs))
        if ticks:
            market.rate = ticks
            feeder: asyncio.Task[None] | None = asyncio.create_task(market.run())
        else:
            feeder = None
        cpu: dict[str, list[float]] = defaultdict(list)
        counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        counters = Counters(app, frames)
        with counters.installed():
            for cycle in range(cycles):
                await resting.place()
                for kind, open_it in views:
                    before = counters.snapshot()
                    started = time.thread_time()
                    if profile is not None and cycle:
                        profile.enable()
                    await _open_close(app, pilot, frames, kind, open_it)
                    if profile is not None:
                        profile.disable()
                    if cycle:  # the first round pays for imports and caches
                        cpu[kind.__name__].append(time.thread_time() - started)
                        after = counters.snapshot()
                        for name in COUNTS + PHASES:
                            counts[kind.__name__][name] += after.get(name, 0) - before.get(name, 0)
                await resting.cancel()
        if feeder is not None:
            market.stop.set()
            await feeder
        print("recomposes by widget:", dict(counters.recomposed))
        print("layouts by screen:", dict(counters.laid_out))
        await engine.stop()
        await pilot.pause()
    rounds = max(cycles - 1, 1)
    return {name: {"cpu_ms": 1000 * sum(samples) / len(samples),
                   **{key: counts[name][key] / rounds for key in COUNTS + PHASES}}
            for name, samples in cpu.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=4, help="rounds of views (the first not counted)")
    parser.add_argument("--orders", type=int, default=110, help="paper orders placed and cancelled first")
    parser.add_argument("--ticks", type=float, default=0.0, help="market steps a second meanwhile")
    parser.add_argument("--only", default="", help="comma-separated starts of view class names (help,book)")
    parser.add_argument("--profile", action="store_true", help="cProfile of the cycles after the first")
    parser.add_argument("--top", type=int, default=30, help="profile lines printed")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative, tottime")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    only = [name.strip().lower() for name in args.only.split(",") if name.strip()]
    load = load_average()[0]
    started = time.perf_counter()
    table = asyncio.run(measure(max(args.cycles, 2), args.orders, args.ticks, only, profile))
    for columns in (COUNTS, PHASES):
        print(f"{'view':<18} {'cpu ms':>7} " + " ".join(f"{name:>13}" for name in columns))
        for name, row in table.items():
            print(f"{name:<18} {row['cpu_ms']:7.1f} " + " ".join(f"{row[key]:13.1f}" for key in columns))
    mean = sum(row["cpu_ms"] for row in table.values()) / max(len(table), 1)
    print(f"mean CPU a view {mean:.1f} ms; {args.cycles} cycles, {args.orders}"
          f" orders, {args.ticks} ticks/s; load 1m {load:.2f} -> {os.getloadavg()[0]:.2f};"
          f" {time.perf_counter() - started:.0f} s")
    if profile is not None:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
