"""Price change to screen and key press to screen, against a minimal Textual app.

Ours: ``ValrApp`` + ``TradingEngine`` (DRY_RUN) against the simulator with its random walk off,
headless. The simulator moves BTCZAR with ``SimExchange.set_price`` on its own loop at RATES
updates/s, every price new; the whole path runs: simulator -> /ws/trade -> MarketStream -> engine
-> ``ValrApp._redraw`` -> ``TickerTable`` -> frame. A sample ends at the first composited frame whose
ticker shows that price or a later one (the dashboard coalesces: a frame shows the newest price,
and every older one still pending is then superseded on screen). ``*_shown_pct`` is the share of
changes that reached the screen (or were superseded there) before the flood ended + SETTLE_S.
``*_engine_*`` is the same measure at the engine's market view (an engine listener) with the
dashboard running, ``engine_no_ui_*`` the same with no dashboard at all, and
``*_redraws_per_s`` how often ``ValrApp._redraw`` ran: the split between data path and UI.

Two placements of the simulator: ``ours_*`` in a process of its own (``benchmarks/_sim_process.py``,
like the real exchange, which does not share the dashboard's interpreter), and
``ours_sim_in_process_*`` in a thread of the dashboard's process, as ``valr-tui --demo`` runs it
(the simulator's book building and JSON then compete for the same GIL).

Peer: a Textual app holding one ``Label``, updated from the same kind of driver thread
(``loop.call_soon_threadsafe(label.update, ...)``) at the same rate and timed to the frame the
same way: Textual's own floor for "a value changed, the screen shows it". At 60 fps one frame is
~16.7 ms, the physical limit of both.

Key press to screen: while the flood runs at the top rate, ``pilot.press`` types a digit into the
order form's price ``Input`` (peer: an ``Input`` next to the flooded label); a sample ends at the
first frame whose ``Input`` value holds it.

ratio = ours / peer (p50 and p99). Budget: every ratio of BUDGETED (price → screen p50 and p99
at 10/s and 100/s, key → screen p99 during the 100/s flood) ≤ BUDGET_RATIO.

The same with ten pairs in PAIRS (the chart and the depth on screen, as always at HEADLESS_SIZE):
``bench_app_latency_ten_pairs``, its own PASS/FAIL.

Run: ``.venv/bin/python -m benchmarks --only app_latency``.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from textual.app import App, ComposeResult
from textual.widgets import Input, Label

from benchmarks._common import (
    HEADLESS_SIZE,
    BenchSimulator,
    ProcessSimulator,
    demo_settings,
    hook_frames,
    load_average,
    load_report,
    percentile,
    pick,
    quiesce,
    ratio,
    ticker_text,
    wait_for,
)
from benchmarks._sim_process import price_of
from valr_tui.logging_setup import configure_logging
from valr_tui.simulator.market import PAIR_CATALOGUE
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.views import EngineEvent
from valr_tui.ui.app import ValrApp
from valr_tui.ui.format import zar

PAIR = "BTCZAR"
RATES = (10, 100)
FRAME_MS = 1000 / 60
SETTLE_S = 0.5
# After the first prices, before the first flood: the dashboard's start-up work (candle loads, the
# orders table, the first reconciliation) is measured by bench_app_startup, not here; without the
# wait the first few changes of the 10/s flood took 0.2-0.6 s, and they were its p99.
WARMUP_S = 2.0
BUDGET_RATIO = 2.0
BUDGETED = ("10hz_p50_ratio", "10hz_p99_ratio", "100hz_p50_ratio", "100hz_p99_ratio",
            "key_under_flood_p99_ratio")


class Tracker:
    """Records when each index first became visible. A view showing index ``i`` also covers
    every older index still pending: a newer value supersedes them."""

    def __init__(self) -> None:
        self.visible_at: dict[int, float] = {}
        self.observations = 0
        self._newest_seen: int | None = None

    def start(self, first: int) -> None:
        self._newest_seen = first - 1

    def observe(self, at: float, shown: int | None) -> None:
        self.observations += 1
        if self._newest_seen is None or shown is None or shown <= self._newest_seen:
            return
        for index in range(self._newest_seen + 1, shown + 1):
            self.visible_at[index] = at
        self._newest_seen = shown

    def summary(self, prefix: str, sent: dict[int, float]) -> dict[str, float]:
        samples = [(self.visible_at[i] - at) * 1000 for i, at in sent.items() if i in self.visible_at]
        result = {f"{prefix}_shown_pct": round(100 * len(samples) / len(sent), 1)}
        if samples:
            result[f"{prefix}_p50_ms"] = round(statistics.median(samples), 2)
            result[f"{prefix}_p99_ms"] = round(percentile(samples, 99), 2)
            result[f"{prefix}_max_ms"] = round(max(samples), 2)
        return result


class ThreadFlood:
    """A thread that calls ``post(i)`` for i in first..first+count at ``rate``/s on an absolute
    schedule (no drift), recording when each was posted."""

    def __init__(self, post: Callable[[int], object]) -> None:
        self.post = post
        self._sent: dict[int, float] = {}
        self._thread: threading.Thread | None = None

    def start(self, rate: float, count: int, first: int) -> None:
        def drive() -> None:
            began = time.perf_counter()
            for n in range(count):
                delay = began + n / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                self._sent[first + n] = time.perf_counter()
                self.post(first + n)

        self._sent = {}
        self._thread = threading.Thread(target=drive, name="bench-flood", daemon=True)
        self._thread.start()

    async def sent(self) -> dict[int, float]:
        assert self._thread is not None
        await asyncio.to_thread(self._thread.join)
        return self._sent


class Flood(Protocol):
    def start(self, rate: float, count: int, first: int) -> None: ...

    async def sent(self) -> dict[int, float]: ...


class ProcessFlood:
    """The flood run by the out-of-process simulator."""

    def __init__(self, sim: ProcessSimulator) -> None:
        self.sim = sim

    def start(self, rate: float, count: int, first: int) -> None:
        self.sim.flood(PAIR, rate, count, first)

    async def sent(self) -> dict[int, float]:
        return await self.sim.flood_sent()


class KeyProbe:
    """Times ``pilot.press`` of one digit until a frame shows it in ``field``."""

    def __init__(self, field: Input) -> None:
        self.field = field
        self.expected: str | None = None
        self.pressed_at = 0.0
        self.samples_ms: list[float] = []
        self.timeouts = 0

    def on_frame(self, at: float) -> None:
        if self.expected is not None and self.field.value == self.expected:
            self.samples_ms.append((at - self.pressed_at) * 1000)
            self.expected = None

    async def measure(self, pilot: Any, presses: int) -> None:
        self.field.focus()
        self.field.value = ""
        await pilot.pause()
        for n in range(presses):
            if len(self.field.value) >= 7:
                self.field.value = ""
                await pilot.pause()
            digit = str((n % 9) + 1)
            self.expected = self.field.value + digit
            self.pressed_at = time.perf_counter()
            await pilot.press(digit)
            try:
                await wait_for(lambda: self.expected is None, timeout_s=5)
            except TimeoutError:  # counted, not fatal: an overloaded app is what we measure
                self.timeouts += 1
                self.expected = None

    def summary(self, prefix: str) -> dict[str, float]:
        if not self.samples_ms:
            return {f"{prefix}_timeouts": self.timeouts}
        return {
            f"{prefix}_timeouts": self.timeouts,
            f"{prefix}_p50_ms": round(statistics.median(self.samples_ms), 2),
            f"{prefix}_p99_ms": round(percentile(self.samples_ms, 99), 2),
            f"{prefix}_max_ms": round(max(self.samples_ms), 2),
        }


ACTIVE_KEYS: list[KeyProbe] = []  # the key probe under way, if any; the frame hooks feed it


def _phase_sizes() -> tuple[dict[int, int], int]:
    """Updates per rate (SECONDS of flooding each) and key presses."""
    seconds = pick(10, 4)
    return {rate: rate * seconds for rate in RATES}, pick(40, 15)


async def _phases(prefix: str, pilot: Any, flood: Flood, screen: Tracker, engine: Tracker | None,
                  price_input: Input | None, redraws: Callable[[], int] | None = None) -> dict[str, float]:
    """Every rate in turn; key presses during the last (fastest) flood."""
    counts, presses = _phase_sizes()
    result: dict[str, float] = {}
    first = 0
    for rate in RATES:
        count = counts[rate]
        for tracker in (screen, engine):
            if tracker is not None:
                tracker.start(first)
        frames_before = screen.observations
        redraws_before = redraws() if redraws is not None else 0
        began = time.perf_counter()
        flood.start(rate, count, first)
        if rate == RATES[-1] and price_input is not None:
            await asyncio.sleep(0.5)  # the flood is under way
            probe = KeyProbe(price_input)
            ACTIVE_KEYS.append(probe)
            await probe.measure(pilot, presses)
            ACTIVE_KEYS.clear()
            result.update(probe.summary(f"{prefix}_key_under_flood"))
        sent = await flood.sent()
        await asyncio.sleep(SETTLE_S)  # let the last change reach the screen
        result.update(screen.summary(f"{prefix}_{rate}hz", sent))
        elapsed = time.perf_counter() - began
        if screen.observations:
            result[f"{prefix}_{rate}hz_fps"] = round((screen.observations - frames_before) / elapsed, 1)
        if redraws is not None:
            result[f"{prefix}_{rate}hz_redraws_per_s"] = round((redraws() - redraws_before) / elapsed, 1)
        if engine is not None:
            result.update(engine.summary(f"{prefix}_{rate}hz_engine", sent))
        first += count
    return result


async def _ours(sim: BenchSimulator | ProcessSimulator, prefix: str,
                pairs: tuple[str, ...] | None = None) -> dict[str, float]:
    with demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        engine = TradingEngine(settings)
        app = ValrApp(engine)
        by_text = {zar(price_of(i)): i for i in range(sum(_phase_sizes()[0].values()))}
        screen, engine_view = Tracker(), Tracker()

        def on_frame(at: float) -> None:
            text = ticker_text(app, PAIR)
            start = text.find("[b]")
            screen.observe(at, by_text.get(text[start + 3 : text.find("[/b]", start)]))
            for probe in ACTIVE_KEYS:
                probe.on_frame(at)

        def on_engine_event(event: EngineEvent) -> None:
            ticker = event.market.ticker if event.market is not None and event.market.pair == PAIR else None
            if ticker is not None:
                engine_view.observe(time.perf_counter(), by_text.get(zar(ticker.last)))

        flood: Flood
        if isinstance(sim, ProcessSimulator):
            flood = ProcessFlood(sim)
        else:
            flood = ThreadFlood(lambda i: sim.loop_call(sim.server.exchange.set_price, PAIR, price_of(i)))
        redraw, redraw_count = app._redraw, [0]

        def counted_redraw() -> None:
            redraw_count[0] += 1
            redraw()

        setattr(app, "_redraw", counted_redraw)  # noqa: B010 (count the dashboard's redraws)
        hook_frames(app, on_frame)
        engine.subscribe(on_engine_event)
        async with app.run_test(size=HEADLESS_SIZE) as pilot:
            await wait_for(lambda: "Last" in ticker_text(app, PAIR), timeout_s=30)
            price_input = app.screen.query_one("#price", Input)
            await asyncio.sleep(WARMUP_S)  # start-up work (candles, orders, first reconciliation) done
            result = await _phases(prefix, pilot, flood, screen, engine_view, price_input,
                                   lambda: redraw_count[0])
            await quiesce(app, pilot)
    return result


async def _engine_without_ui(sim: ProcessSimulator, pairs: tuple[str, ...] | None = None) -> dict[str, float]:
    """The same floods with no dashboard at all: the data path's own latency."""
    with demo_settings(sim, pairs) as settings:
        engine = TradingEngine(settings)
        by_text = {zar(price_of(i)): i for i in range(sum(_phase_sizes()[0].values()))}
        engine_view, no_screen = Tracker(), Tracker()

        def on_engine_event(event: EngineEvent) -> None:
            ticker = event.market.ticker if event.market is not None and event.market.pair == PAIR else None
            if ticker is not None:
                engine_view.observe(time.perf_counter(), by_text.get(zar(ticker.last)))

        engine.subscribe(on_engine_event)
        await engine.start()
        try:
            await engine.wait_until_trading_ready(within_s=30)
            await asyncio.sleep(WARMUP_S)
            measured = await _phases("engine_no_ui", None, ProcessFlood(sim), no_screen, engine_view, None)
        finally:
            await engine.stop()
    # no screen here: keep only the engine-view figures, named without the "_engine" infix
    return {key.replace("hz_engine_", "hz_"): value for key, value in measured.items()
            if "_engine_" in key.removeprefix("engine_no_ui")}


class PeerApp(App[None]):
    """One price label and one input: the least a Textual app can do for the same job."""

    def compose(self) -> ComposeResult:
        yield Label("-1", id="price-label")
        yield Input(placeholder="price", id="price")


async def _peer() -> dict[str, float]:
    app = PeerApp()
    screen = Tracker()

    def on_frame(at: float) -> None:
        screen.observe(at, int(str(app.query_one("#price-label", Label).content)))
        for probe in ACTIVE_KEYS:
            probe.on_frame(at)

    hook_frames(app, on_frame)
    async with app.run_test(size=HEADLESS_SIZE) as pilot:
        loop = asyncio.get_running_loop()
        label = app.query_one("#price-label", Label)
        flood = ThreadFlood(lambda i: loop.call_soon_threadsafe(label.update, str(i)))
        await asyncio.sleep(WARMUP_S)  # the same wait as ours
        return await _phases("peer", pilot, flood, screen, None, app.query_one("#price", Input))


def measure(pairs: tuple[str, ...] | None = None) -> dict[str, object]:
    """Every figure and the budget, with ``pairs`` in PAIRS (default: the simulator's two)."""
    before = load_average()
    with ProcessSimulator(pairs=pairs) as outside:
        ours = asyncio.run(_ours(outside, "ours", pairs))
    with ProcessSimulator(pairs=pairs) as outside:  # fresh: its prices start below the flood's again
        engine_only = asyncio.run(_engine_without_ui(outside, pairs))
    with BenchSimulator(tick_interval=None, pairs=pairs or tuple(PAIR_CATALOGUE)) as inside:
        ours_in_process = asyncio.run(_ours(inside, "ours_sim_in_process", pairs))
    peer = asyncio.run(_peer())
    result: dict[str, object] = {"name": "price_and_key_to_screen_vs_textual_floor",
                                 "pairs": len(pairs or PAIR_CATALOGUE),
                                 "frame_ms_at_60fps": round(FRAME_MS, 2)}
    result.update(ours)
    result.update(peer)
    result.update(ours_in_process)
    result.update(engine_only)
    for prefix in (*(f"{rate}hz" for rate in RATES), "key_under_flood"):
        for stat in ("p50", "p99"):
            result[f"{prefix}_{stat}_ratio"] = ratio(ours[f"ours_{prefix}_{stat}_ms"],
                                                     peer[f"peer_{prefix}_{stat}_ms"])
    result["budget_ratio"] = BUDGET_RATIO
    result.update(load_report(before))
    result["passed"] = all(float(str(result[key])) <= BUDGET_RATIO for key in BUDGETED)
    return result


def run() -> dict[str, object]:
    return measure()


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
