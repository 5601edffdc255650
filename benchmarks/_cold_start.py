"""One cold start for ``bench_app_startup`` (not a benchmark: the runner only imports
``bench_*.py``): ``python -m benchmarks._cold_start ours|peer STARTED``.

It imports what the started program imports, in the same order, and nothing more: ours, what
``valr-tui --demo`` does (``cli.main`` reads the settings, ``launcher.demo_session`` starts the
embedded simulator's thread, imports the engine and the dashboard meanwhile, checks PAIRS and
builds the engine on the demo database), then the dashboard, headless, until a frame shows a
price; the peer, Textual and a one-label app until its first frame. Prints one JSON line: the
seconds from ``STARTED`` (the parent's ``perf_counter`` just before the spawn; CLOCK_MONOTONIC,
shared by both processes) and this process's CPU seconds (every thread) at that frame. With
``--gc`` after STARTED it adds the garbage collector's passes from the end of this module's own
imports to that frame and their CPU (``gc_passes``, ``gc_cpu_s``: thread time of the thread each
ran in).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (160, 48)  # benchmarks._common.HEADLESS_SIZE, not imported: it imports the dashboard


class CollectorPasses:
    """The garbage collector's passes (``gc.callbacks``) and their thread CPU, until ``stop``."""

    def __init__(self) -> None:
        self.passes = 0
        self.cpu_s = 0.0
        self._began = 0.0
        self.figures: dict[str, float] = {}
        gc.callbacks.append(self._on_pass)

    def _on_pass(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.thread_time()
        else:
            self.passes += 1
            self.cpu_s += time.thread_time() - self._began

    def stop(self) -> None:
        if self._on_pass in gc.callbacks:
            gc.callbacks.remove(self._on_pass)
            self.figures = {"gc_passes": self.passes, "gc_cpu_s": round(self.cpu_s, 6)}


PASSES: CollectorPasses | None = None  # --gc


async def _until_painted(app: Any, shown: Callable[[], bool], started: float) -> tuple[float, float]:
    loop = asyncio.get_running_loop()
    painted: asyncio.Future[tuple[float, float]] = loop.create_future()
    display = app._display

    def displayed(screen: Any, renderable: Any) -> None:  # as _common.hook_frames
        display(screen, renderable)
        if not painted.done() and shown():
            painted.set_result((time.perf_counter() - started, time.process_time()))
            if PASSES is not None:
                PASSES.stop()

    app._display = displayed
    async with app.run_test(size=SIZE):
        figures = await asyncio.wait_for(painted, 30)
        if hasattr(app, "engine"):
            await app.engine.stop()
    return figures


def ours(started: float) -> tuple[float, float]:
    from valr_tui.heap import collector_held, start_up_heap

    with start_up_heap():  # as cli.main
        from valr_tui.config import load_settings
    settings = load_settings(env_file=Path(os.environ["XDG_STATE_HOME"]) / "no.env")
    with start_up_heap():
        from valr_tui.launcher import demo_session
    from valr_tui.logging_setup import configure_logging

    configure_logging(settings.log_path)
    with collector_held(), demo_session(settings, fresh=True) as (engine, faults):  # as launch
        from valr_tui.dataclass_code import DATACLASS_CODE
        from valr_tui.ui.app import ValrApp
        from valr_tui.ui.widgets.tickers import TickerTable

        DATACLASS_CODE.release()  # as launcher.launch

        app = ValrApp(engine, demo=faults)

        def priced() -> bool:  # as _common.ticker_text: a number in BTCZAR's "last" cell
            try:
                cell = str(app.screen.query_one(TickerTable).get_cell("BTCZAR", "last"))
            except Exception:  # the main screen is not mounted yet
                return False
            return any(ch.isdigit() for ch in cell)

        figures = asyncio.run(_until_painted(app, priced, started))
    from valr_tui.ui.css_cache import PARSED_CSS

    PARSED_CSS.flush()  # as launch, when the dashboard ends
    return figures


def one_label_app() -> Any:
    """The peer: the least a Textual app can show (built here so that importing this module
    imports no Textual)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class OneLabelApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("BTCZAR  R 1 000 000.00")

    return OneLabelApp()


def peer(started: float) -> tuple[float, float]:
    return asyncio.run(_until_painted(one_label_app(), lambda: True, started))


if __name__ == "__main__":
    if "--gc" in sys.argv[3:]:
        PASSES = CollectorPasses()
    seconds, cpu = (ours if sys.argv[1] == "ours" else peer)(float(sys.argv[2]))
    figures: dict[str, float] = {"seconds": seconds, "cpu_s": cpu}
    if PASSES is not None:  # up to the frame
        figures.update(PASSES.figures)
    print(json.dumps(figures))
