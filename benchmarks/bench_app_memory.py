"""Memory of the dashboard under ordinary use, fast-forwarded: does anything stay behind?

Ours: ``ValrApp`` + ``TradingEngine`` (DRY_RUN) against the embedded simulator, headless. One run
does CYCLES open/close cycles of every screen and modal (``screens``: help, audit, journal, book,
all orders, alerts, balances, pair picker, confirm, unlock, amend, command palette, each opened by
the app's own action where it has one; the amend dialog on an order that rests in the orders
table, selected there) and a step of the chart period, ORDERS paper orders (each placed, then
cancelled), and an hour of market ticks (7,200 at the demo's 0.5 s, fed faster: simulated time)
while the cycles run; the run ends when both are done. Each open waits until the view is
mounted, its loads have finished and a frame shows it, each close until the screen below is
drawn again (``_drawn``: conditions, no fixed sleep). RSS (``/proc/self/status``, after
``gc.collect()``) is read after the warm-up and at the end; ``ours_rss_series_mib`` holds every
progress reading, so a trend shows apart from a step.

The warm-up (``warmup_over``) ends at the first cycle that has both done WARMUP_SHARE of the cycles
(lazily built objects appear, Textual's caches fill) and seen WARMUP_TICKS ticks: what fills with
the market's ticks is bounded but large (each SQLite connection's page cache, ~2 MiB by default,
fills as snapshots are written; the candles up to MAX_CANDLES a period, the simulator's trade tapes,
the allocator's arenas), and at the quick size the first 10 % of the cycles came after a few
hundred ticks, so their filling was counted as growth. It ends half-way through the cycles at the
latest, so half of the run is always measured.

Peer: a one-label Textual app opening and closing a one-label screen as many times, warmed up by as
many screens as ours: Textual's own growth for the same number of screens.

Budget: RSS growth after warm-up ≤ BUDGET_MIB (ours). ratio = ours / peer growth. The same with
``TEN_PAIRS`` watched: ``bench_app_memory_ten_pairs.py`` (its own PASS/FAIL line).

Run: ``.venv/bin/python -m benchmarks --only app_memory``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any, NamedTuple

from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Label
from textual.worker import Worker

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
    rss_mib,
    ticker_text,
    wait_for,
)
from storage.orders import OrderState
from valr_tui.errors import OrderNotFoundError
from valr_tui.logging_setup import configure_logging
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.views import OrderRequest
from valr_tui.ui.app import ValrApp
from valr_tui.ui.screens.alerts import AlertsScreen
from valr_tui.ui.screens.audit import AuditScreen
from valr_tui.ui.screens.balances import BalancesScreen
from valr_tui.ui.screens.book import BookScreen
from valr_tui.ui.screens.journal import JournalScreen
from valr_tui.ui.screens.modals import AmendScreen, ConfirmScreen, HelpScreen, UnlockScreen
from valr_tui.ui.screens.orders import OrdersScreen
from valr_tui.ui.screens.pair_picker import PairPickerScreen
from valr_tui.ui.widgets.orders import OrdersTable

BUDGET_MIB = 5.0
# A process's own memory growth does not need the machine to itself: the runner runs the two
# memory modules at the same time, each in its own process (benchmarks/__main__.py).
CONCURRENT_GROUP = "memory"
WARMUP_SHARE = 0.1
WARMUP_LATEST_SHARE = 0.5
DEMO_TICK_S = 0.5
TICKS = 7_200  # one hour at the demo's 0.5 s
VIEW_TIMEOUT_S = 30.0
PROGRESS_EVERY = 25
def _ticks_per_s(pairs: int) -> float:
    """Fast enough to finish within the run, slow enough not to turn it into a flood benchmark:
    every tick moves every pair, so with more pairs it is slower (the same changes a second as
    with two; at 50 ticks a second ten pairs flooded the dashboard until BTCZAR went stale)."""
    return pick(20, 50) * 2 / max(pairs, 2)

PAIR = "BTCZAR"


def _cycles() -> int:
    return pick(500, 50)


def _warmup_ticks() -> int:
    return pick(6_000, 3_000)


def warmup_over(cycle: int, cycles: int, ticks: int, warmup_ticks: int) -> bool:
    """Whether the warm-up is over at the start of ``cycle`` (0-based) of ``cycles``, ``ticks``
    fed so far: WARMUP_SHARE of the cycles done and ``warmup_ticks`` seen, or half the cycles done
    whatever the ticks (half of the run is always measured)."""
    done_share = cycle >= max(1, round(cycles * WARMUP_SHARE))
    return (done_share and ticks >= warmup_ticks) or cycle >= max(1, round(cycles * WARMUP_LATEST_SHARE))


def _orders() -> int:
    return pick(1_000, 100)


def _rss() -> float:
    gc.collect()
    return rss_mib()


class _Frames:
    """Counts the frames the app composites and remembers which screen the last one showed."""

    def __init__(self, app: App[Any]) -> None:
        self.count = 0
        self.last: Screen[Any] | None = None

        def on_frame(_at: float) -> None:
            self.count += 1
            self.last = app.screen

        hook_frames(app, on_frame)


def _to_draw(screen: Screen[Any]) -> bool:
    """The screen has a layout, a scroll or a repaint waiting for its next frame."""
    return bool(screen._dirty_widgets or screen._layout_required or screen._scroll_required
                or screen._repaint_required)


async def _drawn(app: App[Any], pilot: Pilot[Any], frames: _Frames, workers_before: set[Worker[Any]]) -> None:
    """Until the current screen is mounted, every worker started since ``workers_before`` (its
    loads) has finished, every widget has handled what it was sent, and a frame has shown it
    with nothing left to draw: a condition, never a fixed sleep (``pilot.pause()`` waits for the
    process to idle for 20 ms, which the fed ticks rarely allow: up to a second each)."""
    screen = app.screen
    await wait_for(lambda: screen.is_mounted
                   and all(w.is_finished for w in app.workers if w not in workers_before), VIEW_TIMEOUT_S)
    await pilot._wait_for_screen(VIEW_TIMEOUT_S)
    if frames.last is not screen or _to_draw(screen):
        seen = frames.count
        await wait_for(lambda: frames.count > seen and frames.last is screen, VIEW_TIMEOUT_S)


async def _open_close(app: App[Any], pilot: Pilot[Any], frames: _Frames, kind: type[Screen[Any]],
                      open_it: Callable[[], object]) -> None:
    """Open a view the way the app does, wait until it is mounted, loaded and drawn, close it and
    wait until the screen below is drawn again."""
    before = set(app.workers)
    result = open_it()
    if asyncio.iscoroutine(result):
        await result
    await _drawn(app, pilot, frames, before)
    if not isinstance(app.screen, kind):
        raise RuntimeError(f"{kind.__name__} did not open: {type(app.screen).__name__} is on top")
    before = set(app.workers)
    await app.pop_screen()
    await _drawn(app, pilot, frames, before)


class _Market:
    """Steps the simulator's market (its own loop does the work): TICKS times at
    ``_ticks_per_s``, then at the demo's pace until stopped, so the market keeps moving while
    the run lasts; ``sent`` counts the ticks."""

    def __init__(self, sim: BenchSimulator, pairs: int) -> None:
        self.sim, self.rate, self.sent = sim, _ticks_per_s(pairs), 0
        self.stop = asyncio.Event()

    async def run(self) -> None:
        started = time.perf_counter()
        while not self.stop.is_set():
            self.sim.loop_call(self.sim.server.exchange.step)
            self.sent += 1
            ahead = started + self.sent / self.rate - time.perf_counter()
            delay = ahead if self.sent < TICKS else DEMO_TICK_S
            await asyncio.sleep(max(delay, 0))


def screens(app: ValrApp, unlock: Callable[[object], Awaitable[None]], amend: Callable[[], object]
            ) -> list[tuple[type[Screen[Any]], Callable[[], object]]]:
    """Every screen and modal of the dashboard and how to open it: the key's action where the
    app has one (ValrApp.BINDINGS), else what the app pushes (a confirmation, the unlock dialog
    outside LOCKDOWN); ``amend`` opens the amend dialog on a resting order."""
    return [
        (HelpScreen, app.action_help),
        (AuditScreen, app.action_show_audit),
        (JournalScreen, app.action_show_journal),
        (BookScreen, app.action_show_book),
        (OrdersScreen, app.action_show_orders),
        (AlertsScreen, app.action_show_alerts),
        (BalancesScreen, app.action_show_balances),
        (PairPickerScreen, app.action_pick_pair),
        (ConfirmScreen, lambda: app.push_screen(ConfirmScreen("Cancel order?"))),
        (UnlockScreen, lambda: app.push_screen(UnlockScreen(unlock))),
        (AmendScreen, amend),
        (CommandPalette, app.action_command_palette),
    ]


async def _place(engine: TradingEngine) -> str:
    """A paper BUY 3 % under the bid (inside the price band): it rests. Its correlation id."""
    bid = engine.market(PAIR).ticker.bid  # type: ignore[union-attr]
    price = str((bid * Decimal("0.97")).quantize(Decimal(1)))
    return (await engine.submit(OrderRequest(PAIR, "BUY", price, "0.0001"))).correlation_id


async def _cancel(engine: TradingEngine, correlation_id: str) -> None:
    with contextlib.suppress(OrderNotFoundError):  # the market came to it: filled
        await engine.cancel(correlation_id)


class _Resting:
    """The order the amend dialog edits: placed at the start of a cycle, cancelled at its end;
    ``placed`` counts the orders placed for it (another when the market filled the last)."""

    AMENDABLE = (OrderState.OPEN, OrderState.PARTIALLY_FILLED)  # what the dashboard amends

    def __init__(self, app: ValrApp, engine: TradingEngine) -> None:
        self.app, self.engine = app, engine
        self.correlation_id = ""
        self.placed = 0

    async def place(self) -> None:
        self.correlation_id = await _place(self.engine)
        self.placed += 1

    async def open_amend(self) -> None:
        """Select the order in the dashboard's orders table once it rests there (as ctrl+o and
        the arrows would), then ctrl+a's action."""
        table = self.app.main.query_one(OrdersTable)
        while True:
            cid = self.correlation_id
            await wait_for(lambda: cid in table.records and (table.records[cid].state in self.AMENDABLE  # noqa: B023
                                                             or table.records[cid].state.is_final),  # noqa: B023
                           VIEW_TIMEOUT_S)
            if table.records[cid].state in self.AMENDABLE:
                break
            await self.place()  # the market came to it
        table.move_cursor(row=table.get_row_index(cid))
        self.app.action_amend_order()

    async def cancel(self) -> None:
        await _cancel(self.engine, self.correlation_id)


class Dashboard(NamedTuple):
    sim: BenchSimulator
    engine: TradingEngine
    app: ValrApp
    pilot: Pilot[Any]
    frames: _Frames


@contextlib.asynccontextmanager
async def dashboard(pairs: tuple[str, ...]) -> AsyncIterator[Dashboard]:
    """ValrApp + TradingEngine (DRY_RUN) against the embedded simulator (ticked by the caller),
    headless, its frames counted, once a price of PAIR is on screen."""
    with BenchSimulator(tick_interval=None, pairs=pairs) as sim, demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        engine = TradingEngine(settings)
        app = ValrApp(engine)
        async with app.run_test(size=HEADLESS_SIZE) as pilot:
            frames = _Frames(app)
            await wait_for(lambda: "Last" in ticker_text(app, PAIR), timeout_s=30)
            yield Dashboard(sim, engine, app, pilot, frames)


async def _ours(pairs: tuple[str, ...]) -> dict[str, float | str]:
    cycles, orders = _cycles(), _orders()
    orders_per_cycle = max(1, orders // cycles)
    async with dashboard(pairs) as (sim, engine, app, pilot, frames):

        async def unlock(_request: object) -> None:
            return None

        resting = _Resting(app, engine)
        views = screens(app, unlock, resting.open_amend)
        market = _Market(sim, len(pairs))
        ticker = asyncio.create_task(market.run())
        placed = 0
        rss_warm = 0.0
        warm_cycle = warm_ticks = 0
        series: list[float] = []
        started = time.perf_counter()
        for cycle in range(cycles):
            if not warm_cycle and warmup_over(cycle, cycles, market.sent, _warmup_ticks()):
                rss_warm, warm_cycle, warm_ticks = _rss(), cycle, market.sent
            if cycle % PROGRESS_EVERY == 0:  # a full run lasts tens of minutes: say how far
                series.append(round(_rss(), 1))
                print(f"bench_app_memory ({len(pairs)} pairs): cycle {cycle}/{cycles},"
                      f" {market.sent} ticks, {placed + resting.placed} orders, RSS {series[-1]:.1f} MiB,"
                      f" {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            await resting.place()
            for kind, open_it in views:
                await _open_close(app, pilot, frames, kind, open_it)
            app.action_cycle_chart_period()  # ctrl+g: another period's candles
            await resting.cancel()
            for _ in range(orders_per_cycle - 1):
                if placed + resting.placed >= orders:
                    break
                await _cancel(engine, await _place(engine))
                placed += 1
        cycles_s = time.perf_counter() - started
        await wait_for(lambda: market.sent >= TICKS, timeout_s=TICKS, poll_s=0.1)  # the whole hour
        elapsed = time.perf_counter() - started
        market.stop.set()
        await ticker
        ticks = market.sent
        await pilot.pause()
        rss_end = _rss()
        series.append(round(rss_end, 1))
        still_live = "Last" in ticker_text(app, PAIR)
        await quiesce(app, pilot)
    return {
        "ours_pairs": len(pairs), "ours_cycles": cycles, "ours_screens_per_cycle": len(views),
        "ours_orders": placed + resting.placed,
        "ours_ticks": ticks, "ours_cycles_s": round(cycles_s, 1), "ours_run_s": round(elapsed, 1),
        "ours_warmup_cycles": warm_cycle, "ours_warmup_ticks": warm_ticks,
        "ours_rss_series_mib": " ".join(f"{mib:.1f}" for mib in series),
        "ours_rss_after_warmup_mib": round(rss_warm, 1), "ours_rss_end_mib": round(rss_end, 1),
        "ours_rss_growth_mib": round(rss_end - rss_warm, 2),
        "ours_prices_on_screen_at_end": still_live,
    }


class _LabelScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Label("a screen")


class _PeerApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("BTCZAR  R 1 000 000.00")


async def _peer(screens: int, warmup: int) -> dict[str, float]:
    app = _PeerApp()
    async with app.run_test(size=HEADLESS_SIZE) as pilot:
        rss_warm = 0.0
        frames = _Frames(app)
        for n in range(screens):
            if n == warmup:
                rss_warm = _rss()
            await _open_close(app, pilot, frames, _LabelScreen, lambda: app.push_screen(_LabelScreen()))
        rss_end = _rss()
    return {"peer_screens": screens, "peer_rss_growth_mib": round(rss_end - rss_warm, 2)}


def run(pairs: tuple[str, ...] = ("BTCZAR", "ETHZAR")) -> dict[str, object]:
    before = load_average()
    ours = asyncio.run(_ours(pairs))
    per_cycle = int(ours["ours_screens_per_cycle"])
    warmup = max(1, int(ours["ours_warmup_cycles"])) * per_cycle
    peer = asyncio.run(_peer(int(ours["ours_cycles"]) * per_cycle, warmup))
    growth = float(ours["ours_rss_growth_mib"])
    result: dict[str, object] = {"name": "memory_after_screens_orders_and_an_hour_of_ticks"}
    result.update(ours)
    result.update(peer)
    result["growth_ratio"] = ratio(growth, max(float(peer["peer_rss_growth_mib"]), 0.1))
    result["budget_growth_mib"] = BUDGET_MIB
    result.update(load_report(before))
    result["passed"] = growth <= BUDGET_MIB and bool(ours["ours_prices_on_screen_at_end"])
    return result


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
