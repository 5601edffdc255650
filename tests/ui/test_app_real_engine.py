"""The dashboard on the real engine against the simulator, driven only by the keyboard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from textual.pilot import Pilot

from tests.integration.test_engine_e2e import KEY, SECRET, settings_for
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.safety import UNLOCK_PHRASE, SafetyState
from valr_tui.ui.app import ValrApp
from valr_tui.ui.widgets.orders import OrderForm, OrdersTable
from valr_tui.ui.widgets.status import SafetyBanner

SIZE = (120, 36)


async def until(pilot: Pilot[int], condition: Callable[[], bool], what: str, within_s: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def type_keys(pilot: Pilot[int], text: str) -> None:
    for key in text:
        await pilot.press(key)


async def drift_into_lockdown(pilot: Pilot[int], sim: SimulatorServer, engine: TradingEngine) -> None:
    """A LIVE baseline by ctrl+r, then R 50,000 moved behind the app's back and ctrl+r again."""
    await until(pilot, lambda: engine.reconciliation is not None, "the engine")
    await pilot.press("ctrl+r")  # the first LIVE run records the baseline
    await until(pilot, lambda: engine.reconciliation is not None
                and engine.reconciliation.last_report is not None, "the baseline")
    sim.exchange.adjust_balance("ZAR", Decimal("-50000"))  # funds moved behind our back
    await pilot.press("ctrl+r")


async def test_a_dry_run_order_typed_on_the_keyboard_reaches_the_table_and_the_database(
    tmp_path: Path,
) -> None:
    async with SimulatorServer(KEY, SECRET, seed=3, tick_interval=None) as sim:
        engine = TradingEngine(settings_for(sim, tmp_path))
        app = ValrApp(engine)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: engine.market("BTCZAR").ticker is not None
                        and engine.order_manager is not None
                        and "BTCZAR" in engine.order_manager.pairs, "prices and pair metadata")
            bid = engine.market("BTCZAR").ticker.bid  # type: ignore[union-attr]
            await pilot.press("ctrl+e")  # focus the form (price first)
            await type_keys(pilot, str(bid - 5000))
            await pilot.press("tab")
            await type_keys(pilot, "0.001")
            await pilot.press("ctrl+s")
            table = app.screen.query_one(OrdersTable)
            await until(pilot, lambda: table.row_count == 1, "the order in the table")
            correlation_id = table.selected_correlation_id()
            assert correlation_id is not None and correlation_id.startswith("ord-")
            assert engine.db is not None
            row = await engine.db.fetchone(
                "SELECT price, quantity, is_simulated, valr_order_id FROM trading_orders"
                " WHERE correlation_id = ?", (correlation_id,),
            )
            assert row is not None
            assert (Decimal(row["price"]), Decimal(row["quantity"])) == (bid - 5000, Decimal("0.001"))
            assert row["is_simulated"] == 1 and row["valr_order_id"].startswith("DRY_")
            assert not [p for _, p in sim.exchange.request_log if p.startswith("/v1/orders")]
            await engine.stop()


async def test_a_balance_drift_on_the_exchange_locks_the_dashboard_and_the_unlock_frees_it(
    tmp_path: Path,
) -> None:
    async with SimulatorServer(KEY, SECRET, seed=3, tick_interval=None) as sim:
        engine = TradingEngine(settings_for(sim, tmp_path, execution_mode="LIVE",
                                            live_trading_confirmed=True))
        app = ValrApp(engine)
        async with app.run_test(size=SIZE) as pilot:
            await drift_into_lockdown(pilot, sim, engine)
            banner = app.screen.query_one(SafetyBanner)
            await until(pilot, lambda: banner.display and banner.has_class("-lockdown"), "the banner")
            assert "ZAR" in str(banner.render())
            assert app.screen.query_one(OrderForm).disabled
            await pilot.press("ctrl+u")
            await pilot.pause()
            await type_keys(pilot, "ops")
            await pilot.press("tab")
            await type_keys(pilot, "withdrawal")
            await pilot.press("tab")
            await type_keys(pilot, UNLOCK_PHRASE)
            await pilot.press("enter")
            await until(pilot, lambda: engine.safety_status().state is SafetyState.NORMAL, "unlock")
            await until(pilot, lambda: not banner.display, "the banner to go")
            assert not app.screen.query_one(OrderForm).disabled
            unlocks = [e for e in await engine.audit() if e.event_type == "UNLOCK"]
            assert unlocks and unlocks[0].details["operator"] == "ops"
            await engine.stop()
