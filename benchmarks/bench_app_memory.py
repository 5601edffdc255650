"""Memory of the dashboard under ordinary use, fast-forwarded: does anything stay behind?

Ours: ``ValrApp`` + ``TradingEngine`` (DRY_RUN) against the embedded simulator, headless. One run
does CYCLES open/close cycles of every screen and modal (``SCREENS``: help, audit, journal, book,
all orders, alerts, balances, pair picker, confirm, unlock, command palette, each opened by the
app's own action where it has one) and a step of the chart period, ORDERS paper orders (each
placed, then cancelled), and an hour of market ticks (7,200 at the demo's 0.5 s, fed 20 times
faster: simulated time) spread over the run. RSS (``/proc/self/status``, after ``gc.collect()``)
is read after the warm-up (the first WARMUP_SHARE of the cycles: caches fill, lazily built
objects appear) and at the end.

Peer: a one-label Textual app opening and closing a one-label screen as many times: Textual's
own growth for the same number of screens.

Budget: RSS growth after warm-up ≤ BUDGET_MIB (ours). ratio = ours / peer growth. The same with
``TEN_PAIRS`` watched: ``bench_app_memory_ten_pairs.py`` (its own PASS/FAIL line).

Run: ``.venv/bin/python -m benchmarks --only app_memory``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Label

from benchmarks._common import (
    HEADLESS_SIZE,
    BenchSimulator,
    demo_settings,
    load_average,
    load_report,
    pick,
    quiesce,
    ratio,
    rss_mib,
    ticker_text,
    wait_for,
)
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
from valr_tui.ui.screens.modals import ConfirmScreen, HelpScreen, UnlockScreen
from valr_tui.ui.screens.orders import OrdersScreen
from valr_tui.ui.screens.pair_picker import PairPickerScreen

BUDGET_MIB = 5.0
WARMUP_SHARE = 0.1
DEMO_TICK_S = 0.5
TICKS = 7_200  # one hour at the demo's 0.5 s
def _ticks_per_s(pairs: int) -> float:
    """Fast enough to finish within the run, slow enough not to turn it into a flood benchmark:
    every tick moves every pair, so with more pairs it is slower (the same changes a second as
    with two; at 50 ticks a second ten pairs flooded the dashboard until BTCZAR went stale)."""
    return pick(10, 50) * 2 / max(pairs, 2)

PAIR = "BTCZAR"


def _cycles() -> int:
    return pick(500, 50)


def _orders() -> int:
    return pick(1_000, 100)


def _rss() -> float:
    gc.collect()
    return rss_mib()


async def _open_close(app: App[Any], opened: Callable[[], bool], open_it: Callable[[], object],
                      pause: Callable[[], Awaitable[None]]) -> None:
    result = open_it()
    if asyncio.iscoroutine(result):
        await result
    await wait_for(opened, timeout_s=10)
    await pause()  # mounted, loaded and drawn
    await app.pop_screen()


def _showing(app: App[Any], kind: type[Screen[Any]]) -> Callable[[], bool]:
    return lambda: isinstance(app.screen, kind)


async def _ticks(sim: BenchSimulator, pairs: int, stop: asyncio.Event) -> int:
    """Step the simulator's market TICKS times at ``_ticks_per_s`` (its own loop does the work),
    then at the demo's pace until ``stop``, so the market keeps moving while the cycles last."""
    sent, rate = 0, _ticks_per_s(pairs)
    started = time.perf_counter()
    while not stop.is_set():
        sim.loop_call(sim.server.exchange.step)
        sent += 1
        delay = started + sent / rate - time.perf_counter() if sent < TICKS else DEMO_TICK_S
        await asyncio.sleep(max(delay, 0))
    return sent


def screens(app: ValrApp, unlock: Callable[[object], Awaitable[None]]
            ) -> list[tuple[type[Screen[Any]], Callable[[], object]]]:
    """Every screen and modal of the dashboard and how to open it: the key's action where the
    app has one (ValrApp.BINDINGS), else what the app pushes (a confirmation, the unlock dialog
    outside LOCKDOWN)."""
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
        (CommandPalette, app.action_command_palette),
    ]


async def _ours(pairs: tuple[str, ...]) -> dict[str, float]:
    cycles, orders = _cycles(), _orders()
    orders_per_cycle = max(1, orders // cycles)
    with BenchSimulator(tick_interval=None, pairs=pairs) as sim, demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        engine = TradingEngine(settings)
        app = ValrApp(engine)
        async with app.run_test(size=HEADLESS_SIZE) as pilot:
            await wait_for(lambda: "Last" in ticker_text(app, PAIR), timeout_s=30)

            async def unlock(_request: object) -> None:
                return None

            views = screens(app, unlock)
            stop = asyncio.Event()
            ticker = asyncio.create_task(_ticks(sim, len(pairs), stop))
            placed = 0
            rss_warm = 0.0
            warmup = max(1, round(cycles * WARMUP_SHARE))
            started = time.perf_counter()
            for cycle in range(cycles):
                if cycle == warmup:
                    rss_warm = _rss()
                for kind, open_it in views:
                    await _open_close(app, _showing(app, kind), open_it, pilot.pause)
                app.action_cycle_chart_period()  # ctrl+g: another period's candles
                for _ in range(orders_per_cycle):
                    if placed >= orders:
                        break
                    bid = engine.market(PAIR).ticker.bid  # type: ignore[union-attr]
                    price = str((bid * Decimal("0.97")).quantize(Decimal(1)))  # inside the price band
                    result = await engine.submit(OrderRequest(PAIR, "BUY", price, "0.0001"))
                    with contextlib.suppress(OrderNotFoundError):  # the market came to it: filled
                        await engine.cancel(result.correlation_id)
                    placed += 1
            elapsed = time.perf_counter() - started
            stop.set()
            ticks = await ticker
            await pilot.pause()
            rss_end = _rss()
            still_live = "Last" in ticker_text(app, PAIR)
            await quiesce(app, pilot)
    return {
        "ours_pairs": len(pairs), "ours_cycles": cycles, "ours_screens_per_cycle": len(views),
        "ours_orders": placed,
        "ours_ticks": ticks, "ours_run_s": round(elapsed, 1),
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


async def _peer(screens: int) -> dict[str, float]:
    app = _PeerApp()
    async with app.run_test(size=HEADLESS_SIZE) as pilot:
        warmup = max(1, round(screens * WARMUP_SHARE))
        rss_warm = 0.0
        for n in range(screens):
            if n == warmup:
                rss_warm = _rss()
            await _open_close(app, _showing(app, _LabelScreen),
                              lambda: app.push_screen(_LabelScreen()), pilot.pause)
        rss_end = _rss()
    return {"peer_screens": screens, "peer_rss_growth_mib": round(rss_end - rss_warm, 2)}


def run(pairs: tuple[str, ...] = ("BTCZAR", "ETHZAR")) -> dict[str, object]:
    before = load_average()
    ours = asyncio.run(_ours(pairs))
    peer = asyncio.run(_peer(int(ours["ours_cycles"] * ours["ours_screens_per_cycle"])))
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
