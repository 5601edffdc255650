"""Dashboard start-up to first prices, against a minimal Textual app's first paint.

Ours: ``ValrApp(TradingEngine(settings))`` (DRY_RUN) against the embedded simulator, headless
(``app.run_test``), timed until the first composited frame in which a ticker shows a price
("Last R ..."): the engine loads pairs over REST, opens the WebSocket, the first ticker arrives
and the dashboard paints it. Peer: a Textual app that shows one ``Label``, timed to its first
composited frame the same way (``benchmarks._common.hook_frames``). Breakdown:
``warm_ours_first_frame`` (the dashboard's first frame, no prices yet) and ``warm_engine_only``
(``TradingEngine.start()`` to the first price with no UI at all). Two settings:

- warm (``warm_*``): in this process, modules imported, the simulator already running; the clock
  starts just before the engine (peer: the app) is constructed. Median of RUNS.
- cold (``cold_*``): a fresh interpreter per run, timed from just before the ``python`` process is
  spawned (``perf_counter`` is CLOCK_MONOTONIC, shared by parent and child) to the first price
  frame, by ``benchmarks/_cold_start.py``, which imports only what the program imports. Ours
  goes the way ``valr-tui --demo`` does: the settings from the environment, the launcher's
  ``demo_session`` (the embedded simulator started while the dashboard is imported, the pair
  check, the demo database, created afresh: a first demo) and the dashboard with its fault
  switches. ``cold_cpu_*``: the child's CPU seconds (all threads) at that frame, steadier than
  the wall time on a shared machine (informational; the budget is on the wall time). Both
  sides run with Python's bytecode cache, as an installed program does after its first start
  (one unmeasured start each fills it; ``PYTHONDONTWRITEBYTECODE`` in the benchmark's
  environment would otherwise make only our modules compile on every start, the peer's Textual
  being precompiled by pip). Median of RUNS.

Budgets: warm start-up to first prices < 1.5 s, and cold start-up ≤ COLD_BUDGET_RATIO × the
peer's cold start (both medians of the same run). ratio = ours / peer. The same with ``TEN_PAIRS``
in PAIRS: ``bench_app_startup_ten_pairs.py`` (its own PASS/FAIL line; the peer is the same).

Run: ``.venv/bin/python -m benchmarks --only app_startup``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App

from benchmarks._cold_start import one_label_app
from benchmarks._common import (
    HEADLESS_SIZE,
    BenchSimulator,
    demo_settings,
    hook_frames,
    load_average,
    load_report,
    pick,
    quiesce,
    ratio,
    ticker_text,
)
from valr_tui.launcher import EmbeddedSimulator, SimulatorFaults
from valr_tui.logging_setup import configure_logging
from valr_tui.trading.engine import TradingEngine
from valr_tui.ui.app import ValrApp

BUDGET_S = 1.5
COLD_BUDGET_RATIO = 1.3
TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parent.parent


async def _until_first_frame(
    app: App[Any], shown: Callable[[App[Any]], bool], started: float
) -> tuple[float, float]:
    """Run ``app`` headless until a frame is composited while ``shown(app)`` is true. Seconds
    from ``started`` to the first frame of all and to that frame."""
    loop = asyncio.get_running_loop()
    first: asyncio.Future[float] = loop.create_future()
    painted: asyncio.Future[float] = loop.create_future()

    def on_frame(at: float) -> None:
        if not first.done():
            first.set_result(at)
        if not painted.done() and shown(app):
            painted.set_result(at)

    hook_frames(app, on_frame)
    async with app.run_test(size=HEADLESS_SIZE) as pilot:
        at = await asyncio.wait_for(painted, TIMEOUT_S)
        if isinstance(app, ValrApp):
            await quiesce(app, pilot)
    return first.result() - started, at - started


def _shows_price(app: App[Any]) -> bool:
    try:
        return "Last" in ticker_text(app, "BTCZAR")
    except Exception:  # the main screen is not mounted yet
        return False


async def ours_once(sim: EmbeddedSimulator, pairs: tuple[str, ...] | None = None) -> tuple[float, float]:
    with demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        started = time.perf_counter()
        app = ValrApp(TradingEngine(settings), demo=SimulatorFaults(sim.base_url, settings))
        return await _until_first_frame(app, _shows_price, started)


async def engine_only_once(sim: EmbeddedSimulator, pairs: tuple[str, ...] | None = None) -> float:
    """No UI: ``TradingEngine.start()`` until the first BTCZAR price, for the breakdown."""
    with demo_settings(sim, pairs) as settings:
        started = time.perf_counter()
        engine = TradingEngine(settings)
        priced = asyncio.Event()
        engine.subscribe(lambda _kind: priced.set() if engine.market("BTCZAR").ticker else None)
        await engine.start()
        await asyncio.wait_for(priced.wait(), TIMEOUT_S)
        seconds = time.perf_counter() - started
        await engine.stop()
        return seconds


async def peer_once(started: float | None = None) -> tuple[float, float]:
    started = time.perf_counter() if started is None else started
    return await _until_first_frame(one_label_app(), lambda app: True, started)


def _cold(side: str, pairs: tuple[str, ...]) -> tuple[float, float]:
    """One fresh interpreter: spawn, import, (ours: start the simulator), first frame: seconds
    and the child's CPU seconds until then (every thread; less sensitive to other processes on
    the machine than the wall time). Its demo database and log go to a throw-away home (XDG
    folders), its PAIRS to ``pairs``."""
    with tempfile.TemporaryDirectory(prefix="valr-bench-cold-") as home:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(XDG_DATA_HOME=str(Path(home) / "data"), XDG_STATE_HOME=str(Path(home) / "state"),
                   PAIRS=",".join(pairs))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks._cold_start", side, repr(started)],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True, env=env,
        )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return float(figures["seconds"]), float(figures["cpu_s"])


def measure(pairs: tuple[str, ...]) -> dict[str, object]:
    """Both settings, both sides, with ``pairs`` watched (the simulator serves them)."""
    before = load_average()
    runs = pick(5, 3)
    warm_ours: list[float] = []
    warm_ours_first_frame: list[float] = []
    warm_peer: list[float] = []
    engine_only: list[float] = []
    with BenchSimulator(tick_interval=0.5, pairs=pairs) as sim:
        asyncio.run(peer_once())  # first Textual start in this process pays one-off costs
        for _ in range(runs):  # alternate the sides so machine drift hits both alike
            first_frame, prices = asyncio.run(ours_once(sim, pairs))
            warm_ours.append(prices)
            warm_ours_first_frame.append(first_frame)
            warm_peer.append(asyncio.run(peer_once())[1])
            engine_only.append(asyncio.run(engine_only_once(sim, pairs)))
    _cold("ours", pairs), _cold("peer", pairs)  # fill the bytecode cache (not measured)
    cold = [(_cold("ours", pairs), _cold("peer", pairs)) for _ in range(runs)]
    cold_ours, cold_peer = [ours[0] for ours, _ in cold], [peer[0] for _, peer in cold]
    cold_cpu_ours, cold_cpu_peer = [ours[1] for ours, _ in cold], [peer[1] for _, peer in cold]
    result: dict[str, object] = {"name": "startup_to_first_prices_vs_one_label_app", "pairs": len(pairs),
                                 "runs": runs}
    for label, samples in (("warm_ours", warm_ours), ("warm_peer", warm_peer),
                           ("warm_ours_first_frame", warm_ours_first_frame),
                           ("warm_engine_only", engine_only),
                           ("cold_ours", cold_ours), ("cold_peer", cold_peer),
                           ("cold_cpu_ours", cold_cpu_ours), ("cold_cpu_peer", cold_cpu_peer)):
        result[f"{label}_median_s"] = round(statistics.median(samples), 3)
        result[f"{label}_max_s"] = round(max(samples), 3)
    result["warm_ratio"] = ratio(statistics.median(warm_ours), statistics.median(warm_peer))
    result["cold_ratio"] = ratio(statistics.median(cold_ours), statistics.median(cold_peer))
    result["cold_cpu_ratio"] = ratio(statistics.median(cold_cpu_ours), statistics.median(cold_cpu_peer))
    result["budget_s"] = BUDGET_S
    result["cold_budget_ratio"] = COLD_BUDGET_RATIO
    result.update(load_report(before))
    result["passed"] = (statistics.median(warm_ours) < BUDGET_S
                        and float(str(result["cold_ratio"])) <= COLD_BUDGET_RATIO)
    return result


def run() -> dict[str, object]:
    return measure(("BTCZAR", "ETHZAR"))


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
