"""The audit view's filter (f2) on the real engine against the simulator: the start of a
correlation id is enough, as the orders table shows ids shortened."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from tests.integration.test_engine_e2e import KEY, SECRET, settings_for
from tests.ui.test_app_real_engine import SIZE, type_keys, until
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.views import OrderRequest
from valr_tui.ui.app import ValrApp


def shortest_unique_prefix(cid: str, others: list[str]) -> str:
    for length in range(len("ord-") + 1, len(cid)):
        if not any(other.startswith(cid[:length]) for other in others):
            return cid[:length]
    return cid


async def test_the_audit_filter_takes_a_unique_prefix_and_names_an_ambiguous_one(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=5, tick_interval=None) as sim:
        engine = TradingEngine(settings_for(sim, tmp_path))
        app = ValrApp(engine)
        async with app.run_test(size=SIZE) as pilot:
            await engine.wait_until_trading_ready(within_s=10)
            bid = engine.market("BTCZAR").ticker.bid  # type: ignore[union-attr]
            orders = [OrderRequest("BTCZAR", "BUY", bid - step, Decimal("0.001")) for step in (5000, 6000)]
            first, second = [(await engine.submit(order)).correlation_id for order in orders]
            await pilot.press("f2")
            await until(pilot, lambda: app.screen.id == "audit-screen", "the audit view")
            table = app.screen.query_one("#audit-table", DataTable)
            title = app.screen.query_one("#audit-title", Static)
            cid_filter = app.screen.query_one("#cid-filter", Input)

            async def filter_by(text: str) -> None:
                cid_filter.focus()
                cid_filter.value = ""
                await type_keys(pilot, text)
                await pilot.press("enter")

            prefix = shortest_unique_prefix(first, [second])
            await filter_by(prefix)
            await until(pilot, lambda: f"for {first}" in str(title.render()), "the prefix resolved")
            expected = [e for e in await engine.audit() if e.correlation_id == first]
            assert expected and table.row_count == len(expected)
            assert {str(table.get_row_at(i)[3]) for i in range(table.row_count)} == {first}

            await filter_by("ord-")  # both orders start so
            await until(pilot, lambda: "VALR-ORD-021" in str(title.render()), "the ambiguity named")
            assert "2 correlation ids start with 'ord-'" in str(title.render())
            assert table.row_count == 0

            await filter_by("ord-nosuch")
            await until(pilot, lambda: "VALR-ORD-009" in str(title.render()), "the unknown id named")
            assert table.row_count == 0
            await engine.stop()
