"""Helpers shared by the comparison benchmarks (not a benchmark: the runner only imports
``bench_*.py``).

Options reach the modules through the environment so that ``run() -> dict`` stays argument-free
and a module run on its own (``python -m benchmarks.bench_x``) honours them too:
``VALR_BENCH_QUICK=1`` (what ``python -m benchmarks --quick`` sets) and ``VALR_BENCH_MINUTES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar, cast

from textual.app import App

from valr_tui.config import Settings
from valr_tui.launcher import EmbeddedSimulator

QUICK_ENV = "VALR_BENCH_QUICK"
MINUTES_ENV = "VALR_BENCH_MINUTES"
HEADLESS_SIZE = (160, 48)  # wide layout: both tickers, the spread pane and the form on screen
# The 10-pair case of the budgets ("with 10 pairs in PAIRS the same budgets hold"): pairs the
# simulator's catalogue serves, BTCZAR first (the benchmarks watch its price).
TEN_PAIRS: tuple[str, ...] = ("BTCZAR", "ETHZAR", "XRPZAR", "SOLZAR", "USDTZAR", "USDCZAR", "BNBZAR",
                              "AVAXZAR", "ADAZAR", "DOGEZAR")

T = TypeVar("T")


def quick() -> bool:
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def pick(full: T, quick_value: T) -> T:
    """``quick_value`` under ``--quick``, else ``full``."""
    return quick_value if quick() else full


def session_minutes() -> float:
    """``--minutes N``; else 10 for a full run and 1 for ``--quick``."""
    raw = os.environ.get(MINUTES_ENV, "")
    return float(raw) if raw else pick(10.0, 1.0)


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def ratio(ours: float, peer: float) -> float:
    """ours / peer, rounded; below 1 means ours is smaller (faster, leaner) than the peer."""
    return round(ours / peer, 3) if peer else float("inf")


def rss_mib() -> float:
    """Current resident set size of this process in MiB (Linux ``/proc``; peak RSS elsewhere)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> tuple[float, float, float]:
    """The machine's 1, 5 and 15-minute load averages (other processes compete for the cores)."""
    return os.getloadavg()


def load_report(at_start: tuple[float, float, float]) -> dict[str, float]:
    """Load averages at the start and the end of a benchmark, to print beside its figures."""
    at_end = load_average()
    return {"load_1m_start": round(at_start[0], 2), "load_1m_end": round(at_end[0], 2),
            "load_5m_end": round(at_end[1], 2)}


class CpuMeter:
    """Process CPU time over wall time between ``start()`` and ``read()`` (1.0 = one core busy)."""

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def start(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def read(self) -> float:
        wall = time.perf_counter() - self._wall
        return (time.process_time() - self._cpu) / wall if wall > 0 else 0.0


def hook_frames(app: App[Any], on_frame: Callable[[float], None]) -> None:
    """Call ``on_frame(perf_counter())`` after every frame the app composites.

    Textual computes each frame (``Compositor.render_update`` renders the dirty widgets' lines)
    and hands it to ``App._display``; headless, that call writes nothing, but it still marks the
    moment the new content exists as a frame. State read inside ``on_frame`` is exactly what
    that frame was rendered from (same synchronous call on the app's loop).
    """
    display = app._display

    def displayed(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        on_frame(time.perf_counter())

    setattr(app, "_display", displayed)  # noqa: B010 (an instance attribute shadows the method)


class BenchSimulator(EmbeddedSimulator):
    """The launcher's embedded simulator (own thread, own loop, free loopback port) with its
    ``SimulatorServer`` reachable (``server``) and the market tick configurable: ``None`` stops the
    random walk, so only the benchmark moves prices."""

    def __init__(self, tick_interval: float | None = 0.5, seed: int | None = 7,
                 pairs: tuple[str, ...] = ("BTCZAR", "ETHZAR")) -> None:
        super().__init__(seed=seed, pairs=pairs)
        self.tick_interval = tick_interval
        self.server: Any = None

    def __enter__(self) -> BenchSimulator:
        super().__enter__()
        return self

    def _run(self) -> None:
        from valr_tui.simulator.server import SimulatorServer

        async def serve() -> None:
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            async with SimulatorServer(self.api_key, self.api_secret, seed=self._seed,
                                       tick_interval=self.tick_interval, pairs=self._pairs) as sim:
                self.server = sim
                self.base_url, self.ws_url = sim.base_url, sim.ws_url
                self._ready.set()
                await self._stop.wait()

        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()

    def loop_call(self, callback: Callable[..., object], *args: object) -> None:
        """Call ``callback(*args)`` soon on the simulator's own loop (from any thread)."""
        assert self._loop is not None, "the simulator is not running"
        self._loop.call_soon_threadsafe(callback, *args)

    def submit(self, work: Coroutine[Any, Any, T]) -> Future[T]:
        """Run ``work`` on the simulator's own loop (its thread); returns a thread-safe future."""
        assert self._loop is not None, "the simulator is not running"
        return asyncio.run_coroutine_threadsafe(work, self._loop)


class ProcessSimulator:
    """The simulator in its own process (``benchmarks/_sim_process.py``), random walk off unless
    ``tick_interval`` is given, with the same connection attributes as ``EmbeddedSimulator``;
    ``flood`` moves a price from there."""

    def __init__(self, tick_interval: float | None = None) -> None:
        self.tick_interval = tick_interval
        self.api_key = secrets.token_hex(16)
        self.api_secret = secrets.token_hex(32)
        self.base_url = ""
        self.ws_url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> ProcessSimulator:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._sim_process", self.api_key, self.api_secret,
             *([] if self.tick_interval is None else [str(self.tick_interval)])],
            cwd=Path(__file__).resolve().parent.parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True,
        )
        address = json.loads(self._readline())
        self.base_url, self.ws_url = address["base_url"], address["ws_url"]
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._process is not None:
            with contextlib.suppress(OSError, ValueError):
                self._write("quit")
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _write(self, line: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()

    def _readline(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process exited")
        return line

    def flood(self, pair: str, rate: float, count: int, first: int) -> None:
        """Start setting ``pair`` to BASE + i for i in first..first+count at ``rate``/s."""
        self._write(f"flood {pair} {rate} {count} {first}")

    async def flood_sent(self) -> dict[int, float]:
        """Wait for the flood to finish; when each index was set (``perf_counter``)."""
        sent = json.loads(await asyncio.to_thread(self._readline))["sent"]
        return {int(index): at for index, at in sent.items()}


@contextlib.contextmanager
def demo_settings(
    sim: EmbeddedSimulator | ProcessSimulator, pairs: tuple[str, ...] | None = None
) -> Iterator[Settings]:
    """DRY_RUN settings pointed at ``sim`` with a throw-away database and log, as ``--demo``;
    ``pairs`` (e.g. ``TEN_PAIRS``, which ``sim`` must serve) instead of the default two."""
    with tempfile.TemporaryDirectory(prefix="valr-bench-") as folder:
        base = Settings(log_path=str(Path(folder) / "valr_tui.log"))
        if pairs is not None:
            base = base.with_overrides(pairs=pairs)
        # demo_settings only reads the connection attributes, which both kinds have
        yield EmbeddedSimulator.demo_settings(cast(EmbeddedSimulator, sim), base, folder)


def ticker_text(app: App[Any], pair: str) -> str:
    """The dashboard's ticker row for ``pair`` as ``Last [b]R 1,500,000.00[/b]`` ("" before its
    first price): the form the benchmarks match prices in. The ticker table shows the pair's own
    decimals without the currency; BTCZAR's tick is 1, so the conversion back is exact."""
    from decimal import Decimal, InvalidOperation

    from valr_tui.ui.format import zar
    from valr_tui.ui.widgets.tickers import TickerTable

    cell = str(app.screen.query_one(TickerTable).get_cell(pair, "last"))
    try:
        return f"Last [b]{zar(Decimal(cell.replace(',', '')))}[/b]"
    except InvalidOperation:
        return ""


async def quiesce(app: Any, pilot: Any) -> None:
    """Stop the engine and let its queued events drain before ``run_test`` exits: ``ValrApp``
    redraws on an engine event that arrives while its screen is being torn down would raise
    ``NoMatches`` (reported to the UI owner); the second ``engine.stop()`` in ``on_unmount`` is
    harmless."""
    await app.engine.stop()
    await pilot.pause()


async def wait_for(condition: Callable[[], bool], timeout_s: float, poll_s: float = 0.005) -> float:
    """Poll ``condition`` on the running loop; seconds it took. TimeoutError after ``timeout_s``."""
    started = time.perf_counter()
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 (polls widget state; no event to wait on)
            await asyncio.sleep(poll_s)
    return time.perf_counter() - started
